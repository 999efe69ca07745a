"""Usage accounting: one event per model call, written with the reply; totals on demand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mcp_service.domain.access import USAGE_GROUPS, UsageEvent, UsageGroup
from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import Session, Turn
from mcp_service.domain.repositories import UnitOfWork, UnitOfWorkFactory


async def record_usage(uow: UnitOfWork, session: Session, turns: Sequence[Turn]) -> int:
    """Inside the transaction that writes `turns`: an event for each turn that carries
    model usage (the assistant replies). Returns how many were written."""
    written = 0
    for turn in turns:
        usage = turn.usage
        if not usage or turn.role != "assistant":
            continue
        await uow.usage.add(
            UsageEvent(
                tenant_id=session.tenant_id,
                session_id=session.id,
                user_id=session.user_id,
                model=turn.model,
                prompt_tokens=_tokens(usage.get("prompt_tokens")),
                completion_tokens=_tokens(usage.get("completion_tokens")),
                created_at=turn.created_at,
            )
        )
        written += 1
    return written


def _tokens(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


class UsageService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

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
        if group_by not in USAGE_GROUPS:
            raise InvalidInput(
                f"group_by must be one of {', '.join(USAGE_GROUPS)}", field="group_by"
            )
        if start is not None and end is not None and end <= start:
            raise InvalidInput("to must be after from", field="to")
        async with self.uow() as uow:
            return await uow.usage.totals(
                tenant_id,
                group_by=group_by,
                start=start,
                end=end,
                after=after,
                limit=limit,
                largest_first=largest_first,
            )
