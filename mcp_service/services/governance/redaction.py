"""PII redaction at the LLM gateway port: `RedactingGateway` wraps whatever gateway is
configured, so every call site — chat, the OpenAI proxy, the Responses API, summaries —
sends masked text and gets its reply back restored, streamed or not.

Placeholders are stable within a session: the session's vault (rows that belong to the
session and go with it) remembers which value is `<EMAIL_1>`. A call with no session in
scope still masks and restores, with numbers of its own.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence

from mcp_service.domain.model import JSON, Completion, Message
from mcp_service.domain.pii import (
    PLACEHOLDER,
    Finding,
    MaskCounts,
    Mode,
    PiiBlocked,
    PiiDetector,
    PlaceholderMap,
    StreamRestorer,
    kinds_in,
    mask,
    parse_mode,
    unmask,
)
from mcp_service.domain.ports import LLMGateway
from mcp_service.domain.repositories import UnitOfWorkFactory
from mcp_service.services.governance.call_scope import SessionScope, current_session

log = logging.getLogger(__name__)
TENANT_SETTING = "pii_redaction"
_THREAD_ABOVE_CHARS = 20_000  # detection of long prompts runs off the event loop
_CACHE_ENTRIES = 4096  # texts whose findings are remembered (history turns repeat)
_CACHE_MAX_CHARS = 32_000
_CACHE_TOTAL_CHARS = 8_000_000  # at most this much text held by the cache


class Redactor:
    """Decides the mode (the tenant's setting, else the default), finds values and
    keeps the session's placeholder numbering in its vault."""

    def __init__(self, uow: UnitOfWorkFactory, detector: PiiDetector, default_mode: Mode) -> None:
        self.uow = uow
        self.detector = detector
        self.default_mode = default_mode
        self._seen: OrderedDict[str, list[Finding]] = OrderedDict()
        self._seen_chars = 0

    async def mode_for(self, tenant_id: str | None) -> Mode:
        if tenant_id is None:
            return self.default_mode
        async with self.uow() as uow:
            tenant = await uow.tenants.get(tenant_id)
        raw = tenant.settings.get(TENANT_SETTING) if tenant else None
        return parse_mode(raw, self.default_mode)

    async def find(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Findings per text. A prompt re-sends the same history turns on every call, so
        results are remembered per text (bounded); only new texts are scanned."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if sum(len(t) for t in todo) > _THREAD_ABOVE_CHARS:
            found = await asyncio.to_thread(lambda: [self.detector.find(t) for t in todo])
        else:
            found = [self.detector.find(t) for t in todo]
        fresh = dict(zip(todo, found, strict=True))
        out = [fresh[t] if t in fresh else self._seen[t] for t in texts]
        for text, result in fresh.items():
            if len(text) <= _CACHE_MAX_CHARS:
                self._seen[text] = result
                self._seen_chars += len(text)
        for text in texts:
            if text in self._seen:
                self._seen.move_to_end(text)
        while len(self._seen) > _CACHE_ENTRIES or self._seen_chars > _CACHE_TOTAL_CHARS:
            evicted, _ = self._seen.popitem(last=False)
            self._seen_chars -= len(evicted)
        return out

    async def refuse_if_found(self, text: str, *, field: str = "message") -> None:
        """Mode `block`: raise PiiBlocked naming the kinds in `text`."""
        (found,) = await self.find([text])
        if found:
            raise PiiBlocked(kinds_in(found), field=field)

    async def placeholders(
        self, scope: SessionScope | None, found: list[Finding], texts: Sequence[str] = ()
    ) -> PlaceholderMap:
        """The session's map with a number for every value found (new ones saved). With
        nothing found, the vault is read only if the texts carry placeholders already
        (history stored masked): the reply may repeat them."""
        if scope is None or not (found or any(PLACEHOLDER.search(t) for t in texts)):
            return PlaceholderMap()
        tenant_id, session_id = scope.tenant_id, scope.session_id
        async with self.uow() as uow:
            known = PlaceholderMap(await uow.pii_vault.load(tenant_id, session_id))
        if all(known.knows(f) for f in found):
            return known
        async with self.uow(write=True) as uow:
            # The session row lock serialises numbering between concurrent calls.
            if not await uow.pii_vault.lock_session(tenant_id, session_id):
                return known  # the session is gone: numbers for this call only
            latest = PlaceholderMap(await uow.pii_vault.load(tenant_id, session_id))
            for f in found:
                latest.placeholder_for(f)
            await uow.pii_vault.add(tenant_id, session_id, latest.added)
            await uow.commit()
        latest.added.clear()
        return latest


class RedactingGateway:
    """An `LLMGateway` that masks what it sends and restores what comes back."""

    def __init__(self, inner: LLMGateway, redactor: Redactor) -> None:
        self.inner = inner
        self.redactor = redactor

    @property
    def default_model(self) -> str:
        return self.inner.default_model

    async def _mask(
        self, messages: Sequence[Message]
    ) -> tuple[list[Message], PlaceholderMap] | None:
        """The masked messages and their map; None when redaction is off."""
        scope = current_session()
        mode = scope.mode if scope and scope.mode else None
        mode = mode or await self.redactor.mode_for(scope.tenant_id if scope else None)
        if mode == "off":
            return None
        found = await self.redactor.find([m.content for m in messages])
        every = [f for fs in found for f in fs]
        if every and mode == "block" and scope is None:
            # Nothing checked this input before it got here: refuse rather than guess.
            raise PiiBlocked(kinds_in(every), field="messages")
        texts = [m.content for m in messages]
        placeholders = await self.redactor.placeholders(scope, every, texts)
        counts = MaskCounts()
        masked = [
            dataclasses.replace(m, content=mask(m.content, fs, placeholders, counts)) if fs else m
            for m, fs in zip(messages, found, strict=True)
        ]
        if scope is not None and scope.report is not None:
            scope.report["redaction"] = {"mode": mode, **counts.to_dict()}
        return masked, placeholders

    async def complete(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> Completion:
        prepared = await self._mask(messages)
        if prepared is None:
            return await self.inner.complete(messages, model=model, params=params)
        masked, placeholders = prepared
        done = await self.inner.complete(masked, model=model, params=params)
        return dataclasses.replace(done, content=unmask(done.content, placeholders))

    async def stream(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> AsyncIterator[JSON]:
        prepared = await self._mask(messages)
        if prepared is None:
            masked, placeholders = list(messages), None
        else:
            masked, placeholders = prepared
        upstream = self.inner.stream(masked, model=model, params=params)
        restorers: dict[int, StreamRestorer] = {}
        last: JSON | None = None
        try:
            async for chunk in upstream:
                if placeholders is None:
                    yield chunk
                    continue
                last = chunk
                yield _restore_chunk(chunk, restorers, placeholders)
        finally:
            aclose = getattr(upstream, "aclose", None)
            if aclose is not None:
                await aclose()
        tail = _tail_chunk(last, restorers)
        if tail is not None:
            yield tail


def _restore_chunk(
    chunk: JSON, restorers: dict[int, StreamRestorer], placeholders: PlaceholderMap
) -> JSON:
    choices = chunk.get("choices")
    if not isinstance(choices, list) or not choices:
        return chunk
    out = copy.deepcopy(chunk)
    for choice in out["choices"]:
        if not isinstance(choice, dict):
            continue
        index = choice.get("index", 0)
        restorer = restorers.setdefault(
            index if isinstance(index, int) else 0, StreamRestorer(placeholders)
        )
        delta = choice.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("content"), str):
            delta["content"] = restorer.feed(delta["content"])
        if choice.get("finish_reason"):
            rest = restorer.flush()
            if rest:
                if not isinstance(delta, dict):
                    delta = choice["delta"] = {}
                delta["content"] = str(delta.get("content") or "") + rest
    return out


def _tail_chunk(last: JSON | None, restorers: dict[int, StreamRestorer]) -> JSON | None:
    """A last content chunk for text still held back when the stream ended without a
    finish reason (a gateway that stops short)."""
    rests = {i: r.flush() for i, r in restorers.items()}
    rests = {i: text for i, text in rests.items() if text}
    if not rests or last is None:
        return None
    base = {k: v for k, v in last.items() if k in ("id", "object", "created", "model")}
    choices = [
        {"index": i, "delta": {"content": t}, "finish_reason": None} for i, t in rests.items()
    ]
    return {**base, "choices": choices}
