"""`LLMGateway` used when no LLM gateway is configured: answers from the assembled context.

The answer is deterministic and says plainly what it is, so nobody mistakes it for a model:
it quotes the retrieved reference that best matches the user's message (citing its source
id) and says how many earlier turns it can see.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from mcp_service.domain.model import JSON, Completion, Message, Usage
from mcp_service.domain.sections import is_reference

MODEL = "mcp-offline-responder"
_SOURCE = re.compile(r'<source id="([^"]*)"[^>]*>\n?(.*?)\n?</source>', re.DOTALL)
_WORD = re.compile(r"\w+")
_PIECE = re.compile(r"\S+\s*")
_QUOTE_CHARS = 300
_MIN_WORD_LEN = 3


@dataclass(frozen=True)
class _Source:
    id: str
    text: str


class OfflineResponder:
    """A stand-in model; `count` should be the service's tokenizer (len // 4 without one)."""

    def __init__(
        self, count: Callable[[str], int] | None = None, *, words_per_chunk: int = 3
    ) -> None:
        self._count = count or _rough_count
        self._words_per_chunk = max(1, words_per_chunk)

    @property
    def default_model(self) -> str:
        return MODEL

    async def aclose(self) -> None:
        """Nothing to release; present so callers can treat every gateway alike."""

    async def complete(
        self, messages: Sequence[Message], *, model: str | None = None, params: JSON | None = None
    ) -> Completion:
        started = time.perf_counter()
        reply = compose_reply(messages)
        usage = self._usage(messages, reply)
        latency_ms = (time.perf_counter() - started) * 1000
        return Completion(reply, MODEL, usage, "stop", latency_ms)

    async def stream(
        self, messages: Sequence[Message], *, model: str | None = None, params: JSON | None = None
    ) -> AsyncIterator[JSON]:
        """OpenAI-shaped chunks of a few words each; usage last if `stream_options` asks."""
        reply = compose_reply(messages)
        meta = _ChunkMeta(f"chatcmpl-offline-{uuid.uuid4().hex}", int(time.time()))
        for index, piece in enumerate(self._pieces(reply)):
            delta = {"role": "assistant", "content": piece} if index == 0 else {"content": piece}
            yield meta.chunk([_choice(delta, None)])
        yield meta.chunk([_choice({}, "stop")])
        if ((params or {}).get("stream_options") or {}).get("include_usage"):
            yield {**meta.chunk([]), "usage": self._usage(messages, reply).to_dict()}

    def _usage(self, messages: Sequence[Message], reply: str) -> Usage:
        prompt = sum(self._count(m.content) for m in messages)
        return Usage(prompt, self._count(reply))

    def _pieces(self, reply: str) -> list[str]:
        words = _PIECE.findall(reply) or [reply]
        size = self._words_per_chunk
        return ["".join(words[i : i + size]) for i in range(0, len(words), size)]


def compose_reply(messages: Sequence[Message]) -> str:
    """The offline answer for an assembled prompt (the new user message last)."""
    question = _last_user_message(messages)
    earlier = sum(
        1 for m in messages[:-1] if m.role in ("user", "assistant") and not is_reference(m)
    )
    parts = [
        "I am the built-in offline responder of mcp-service, not a language model: no LLM "
        "gateway is configured (set MCP_LLM_BASE_URL to use one). I can only point you to "
        "what the assembled context contains."
    ]
    source = _best_source(_sources(messages), question)
    if source is None:
        parts.append("No reference material was retrieved for your message.")
    else:
        parts.append(f'The most relevant reference is [{source.id}]: "{_quote(source.text)}"')
    turns = "turn" if earlier == 1 else "turns"
    parts.append(f"I can see {earlier} earlier {turns} of this conversation.")
    return "\n\n".join(parts)


def _last_user_message(messages: Sequence[Message]) -> str:
    return next((m.content for m in reversed(messages) if m.role == "user"), "")


def _sources(messages: Sequence[Message]) -> list[_Source]:
    return [
        _Source(match.group(1), match.group(2).strip())
        for m in messages
        if is_reference(m)
        for match in _SOURCE.finditer(m.content)
    ]


def _best_source(sources: list[_Source], question: str) -> _Source | None:
    """The source sharing the most words with the question; ties keep retrieval order."""
    if not sources:
        return None
    wanted = _words(question)
    return max(sources, key=lambda s: len(wanted & _words(s.text)))


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) >= _MIN_WORD_LEN}


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= _QUOTE_CHARS:
        return flat
    cut = flat[:_QUOTE_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def _rough_count(text: str) -> int:
    return len(text) // 4


@dataclass(frozen=True)
class _ChunkMeta:
    id: str
    created: int

    def chunk(self, choices: list[JSON]) -> JSON:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": MODEL,
            "choices": choices,
        }


def _choice(delta: JSON, finish_reason: str | None) -> JSON:
    return {"index": 0, "delta": delta, "finish_reason": finish_reason}
