"""Usage events and their totals by session, user, day, model or key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.core import USAGE
from mcp_service.adapters.db.tables import UsageRow
from mcp_service.domain.access import UsageEvent, UsageGroup
from mcp_service.domain.errors import InvalidInput


def _between(start: datetime | None, end: datetime | None) -> list[Any]:
    """The conditions of a [start, end) time range (either end open)."""
    conditions: list[Any] = []
    if start is not None:
        conditions.append(UsageRow.created_at >= start)
    if end is not None:
        conditions.append(UsageRow.created_at < end)
    return conditions


class SqlUsageRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add(self, event: UsageEvent) -> None:
        await self.db.execute(
            insert(USAGE).values(
                tenant_id=event.tenant_id,
                session_id=event.session_id,
                user_id=event.user_id,
                model=event.model,
                prompt_tokens=event.prompt_tokens,
                completion_tokens=event.completion_tokens,
                created_at=event.created_at,
                api_key_id=event.api_key_id,
            )
        )

    async def totals(
        self,
        tenant_id: str,
        *,
        group_by: str,
        start: datetime | None,
        end: datetime | None,
        after: str | None,
        limit: int,
        largest_first: bool = False,
    ) -> list[UsageGroup]:
        key = func.coalesce(self._key(group_by), "")
        prompt = func.coalesce(func.sum(UsageRow.prompt_tokens), 0)
        completion = func.coalesce(func.sum(UsageRow.completion_tokens), 0)
        stmt = select(key, func.count(), prompt, completion).where(
            UsageRow.tenant_id == tenant_id, *_between(start, end)
        )
        if after is not None:
            stmt = stmt.where(key > after)
        order = ((prompt + completion).desc(), key) if largest_first else (key,)
        rows = await self.db.execute(stmt.group_by(key).order_by(*order).limit(limit))
        return [
            UsageGroup(str(k) if k != "" else None, int(n), int(p), int(c))
            for k, n, p, c in rows.tuples()
        ]

    async def by_model(
        self,
        tenant_id: str,
        *,
        group_by: str,
        keys: Sequence[str | None],
        start: datetime | None,
        end: datetime | None,
    ) -> list[tuple[str | None, str | None, int, int]]:
        key = func.coalesce(self._key(group_by), "")
        stmt = select(
            key,
            UsageRow.model,
            func.coalesce(func.sum(UsageRow.prompt_tokens), 0),
            func.coalesce(func.sum(UsageRow.completion_tokens), 0),
        ).where(
            UsageRow.tenant_id == tenant_id,
            key.in_([k or "" for k in keys]),
            *_between(start, end),
        )
        rows = await self.db.execute(stmt.group_by(key, UsageRow.model))
        return [(str(k) if k != "" else None, m, int(p), int(c)) for k, m, p, c in rows.tuples()]

    async def forget_user(self, tenant_id: str, user_id: str, session_ids: Sequence[str]) -> int:
        mine = UsageRow.user_id == user_id
        if session_ids:
            mine = or_(mine, UsageRow.session_id.in_(list(session_ids)))
        result = await self.db.execute(
            update(UsageRow)
            .where(UsageRow.tenant_id == tenant_id, mine)
            .values(user_id=None, session_id=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def _key(self, group_by: str) -> Any:
        if group_by == "session":
            return UsageRow.session_id
        if group_by == "user":
            return UsageRow.user_id
        if group_by == "model":
            return UsageRow.model
        if group_by == "key":
            return UsageRow.api_key_id
        if group_by == "day":
            if self.db.get_bind().dialect.name == "postgresql":
                return func.to_char(func.timezone("UTC", UsageRow.created_at), "YYYY-MM-DD")
            return func.date(UsageRow.created_at)  # SQLite keeps UTC text
        raise InvalidInput(
            f"group_by must be session, user, day, model or key, not {group_by!r}",
            field="group_by",
        )
