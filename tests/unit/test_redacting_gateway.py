"""The redacting gateway on its own, around a fake gateway (our port): what leaves is
masked, what comes back is restored, streamed in chunks that split placeholders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

import pytest

from mcp_service.adapters.pii_detectors import PatternPiiDetector
from mcp_service.domain.model import JSON, Completion, Message, Usage
from mcp_service.domain.pii import Mode, PiiBlocked
from mcp_service.domain.repositories import UnitOfWorkFactory
from mcp_service.services.governance.redaction import RedactingGateway, Redactor

SECRET = "sk-proj-abcdefghijklmnopqrstuvwx12"
EMAIL = "dana@example.com"


class EchoGateway:
    """Answers with the last message's text, streamed three characters at a time."""

    default_model = "echo"

    def __init__(self) -> None:
        self.seen: list[list[Message]] = []

    async def complete(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> Completion:
        self.seen.append(list(messages))
        return Completion(f"echo: {messages[-1].content}", "echo", Usage(1, 1))

    async def stream(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> AsyncIterator[JSON]:
        self.seen.append(list(messages))
        text = f"echo: {messages[-1].content}"
        for i in range(0, len(text), 3):
            yield {"id": "c1", "choices": [{"index": 0, "delta": {"content": text[i : i + 3]}}]}
        yield {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}


def gateway(mode: Mode) -> tuple[RedactingGateway, EchoGateway]:
    inner = EchoGateway()
    no_db = cast(UnitOfWorkFactory, None)  # calls without a session never touch the vault
    return RedactingGateway(inner, Redactor(no_db, PatternPiiDetector(), mode)), inner


MESSAGES = [
    Message("system", "Be brief."),
    Message("user", f"My address is {EMAIL} and my key is {SECRET}."),
]


async def test_complete_masks_what_leaves_and_restores_the_reply() -> None:
    redacting, inner = gateway("mask")
    done = await redacting.complete(MESSAGES, model=None)
    sent = inner.seen[0][-1].content
    assert EMAIL not in sent and SECRET not in sent
    assert sent == "My address is <EMAIL_1> and my key is <SECRET_1>."
    assert done.content == f"echo: My address is {EMAIL} and my key is {SECRET}."


async def test_stream_restores_placeholders_split_across_chunks() -> None:
    redacting, inner = gateway("mask")
    chunks = [c async for c in redacting.stream(MESSAGES, model=None)]
    text = "".join(
        str(ch["choices"][0]["delta"].get("content") or "") for ch in chunks if ch["choices"]
    )
    assert text == f"echo: My address is {EMAIL} and my key is {SECRET}."
    assert all(EMAIL not in m.content for m in inner.seen[0])
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


async def test_off_passes_everything_through() -> None:
    redacting, inner = gateway("off")
    done = await redacting.complete(MESSAGES, model=None)
    assert inner.seen[0] == MESSAGES and EMAIL in done.content


async def test_block_without_a_checked_input_refuses() -> None:
    redacting, inner = gateway("block")
    with pytest.raises(PiiBlocked) as raised:
        await redacting.complete(MESSAGES, model=None)
    assert raised.value.kinds == ["SECRET", "EMAIL"] and inner.seen == []
    clean: Any = [Message("user", "nothing personal here")]
    assert (await redacting.complete(clean, model=None)).content == "echo: nothing personal here"
