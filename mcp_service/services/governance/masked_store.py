"""MCP_PII_STORE=mask: turns and summaries are written with the session's placeholders
instead of the values (so history, vectors and backups never hold them); the values
stay only in the session's vault. Wired in bootstrap around the unit of work, so every
write path (chat, the proxy, imports, MCP tools, summaries) is covered. It applies to
tenants whose redaction mode is `mask` or `block`.

What a write returns to its caller keeps the original text: the client still gets its
reply as the model meant it; reading the history back shows the placeholders."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from mcp_service.domain.model import NewTurn, Summary, Turn
from mcp_service.domain.pii import MaskCounts, PlaceholderMap, mask
from mcp_service.domain.repositories import (
    SummaryRepository,
    TurnRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)
from mcp_service.services.governance.redaction import Redactor


class _Masker:
    def __init__(self, uow: UnitOfWork, redactor: Redactor) -> None:
        self.uow = uow
        self.redactor = redactor

    async def texts(self, tenant_id: str, session_id: str, texts: list[str]) -> list[str]:
        if await self.redactor.mode_for(tenant_id) == "off":
            return texts
        found = await self.redactor.find(texts)
        if not any(found):
            return texts
        # Inside the writing transaction, which holds the session's row (seq reservation).
        vault = self.uow.pii_vault
        placeholders = PlaceholderMap(await vault.load(tenant_id, session_id))
        counts = MaskCounts()
        out = [mask(t, f, placeholders, counts) for t, f in zip(texts, found, strict=True)]
        await vault.add(tenant_id, session_id, placeholders.added)
        placeholders.added.clear()
        return out


class MaskingTurns:
    def __init__(self, inner: TurnRepository, masker: _Masker) -> None:
        self.inner = inner
        self.masker = masker

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def add_many(
        self, tenant_id: str, session_id: str, first_seq: int, turns: Sequence[NewTurn]
    ) -> list[Turn]:
        texts = await self.masker.texts(tenant_id, session_id, [t.content for t in turns])
        masked = [dataclasses.replace(t, content=x) for t, x in zip(turns, texts, strict=True)]
        written = await self.inner.add_many(tenant_id, session_id, first_seq, masked)
        return [
            dataclasses.replace(w, content=t.content) for w, t in zip(written, turns, strict=True)
        ]


class MaskingSummaries:
    def __init__(self, inner: SummaryRepository, masker: _Masker) -> None:
        self.inner = inner
        self.masker = masker

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def add(self, summary: Summary) -> None:
        (text,) = await self.masker.texts(summary.tenant_id, summary.session_id, [summary.content])
        await self.inner.add(dataclasses.replace(summary, content=text))


class _MaskingUnitOfWork:
    def __init__(self, inner: UnitOfWork, redactor: Redactor) -> None:
        self.inner = inner
        self.redactor = redactor

    async def __aenter__(self) -> UnitOfWork:
        uow = await self.inner.__aenter__()
        masker = _Masker(uow, self.redactor)
        uow.turns = MaskingTurns(uow.turns, masker)
        uow.summaries = MaskingSummaries(uow.summaries, masker)
        return uow

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.inner.__aexit__(exc_type, exc, tb)


class MaskedStore:
    """A `UnitOfWorkFactory` whose writes of turns and summaries are masked."""

    def __init__(self, inner: UnitOfWorkFactory, redactor: Redactor) -> None:
        self.inner = inner
        self.redactor = redactor

    def __call__(self, *, write: bool = False) -> UnitOfWork:
        uow = self.inner(write=write)
        return _MaskingUnitOfWork(uow, self.redactor) if write else uow  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
