"""Usage accounting: one event per model call, written with the reply; totals on demand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mcp_service.domain.access import USAGE_GROUPS, UsageEvent, UsageGroup
from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import Session, Turn
from mcp_service.domain.pricing import Prices, cost
from mcp_service.domain.repositories import UnitOfWork, UnitOfWorkFactory
from mcp_service.services.governance.call_scope import current_caller
from mcp_service.services.governance.quotas import add_tokens


async def record_usage(uow: UnitOfWork, session: Session, turns: Sequence[Turn]) -> int:
    """Inside the transaction that writes `turns`: an event for each turn that carries
    model usage (the assistant replies). Returns how many were written."""
    written = 0
    caller = current_caller()
    key_id = caller.key_id if caller and caller.tenant_id == session.tenant_id else None
    for turn in turns:
        usage = turn.usage
        if not usage or turn.role != "assistant":
            continue
        event = UsageEvent(
            tenant_id=session.tenant_id,
            session_id=session.id,
            user_id=session.user_id,
            model=turn.model,
            prompt_tokens=_tokens(usage.get("prompt_tokens")),
            completion_tokens=_tokens(usage.get("completion_tokens")),
            created_at=turn.created_at,
            api_key_id=key_id,
        )
        await uow.usage.add(event)
        tokens = event.prompt_tokens + event.completion_tokens
        await add_tokens(uow, session.tenant_id, key_id, turn.created_at, tokens)
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

    async def costs(
        self,
        tenant_id: str,
        prices: Prices,
        *,
        group_by: str,
        groups: Sequence[UsageGroup],
        start: datetime | None,
        end: datetime | None,
    ) -> dict[str | None, tuple[float, list[str]]]:
        """Per group: the cost of its priced models, and the models without a price."""
        async with self.uow() as uow:
            rows = await uow.usage.by_model(
                tenant_id, group_by=group_by, keys=[g.key for g in groups], start=start, end=end
            )
        out: dict[str | None, tuple[float, list[str]]] = {g.key: (0.0, []) for g in groups}
        for key, model, prompt, completion in rows:
            total, unpriced = out.setdefault(key, (0.0, []))
            priced = cost(prices, model, prompt, completion)
            if priced is None:
                unpriced.append(model or "(unknown)")
            out[key] = (total + (priced or 0.0), sorted(unpriced))
        return out
