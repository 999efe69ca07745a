"""Usage: prompt/completion tokens and calls by session, user, day, model or key (admin)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query

from mcp_service.api.deps import AdminPrincipal, ContainerDep
from mcp_service.api.pagination import decode_cursor, encode_cursor
from mcp_service.domain.errors import InvalidInput

router = APIRouter(tags=["usage"])
KEY_FIELD = {
    "session": "session_id",
    "user": "user_id",
    "day": "day",
    "model": "model",
    "key": "api_key_id",
}


@router.get("/v1/usage")
async def usage(
    principal: AdminPrincipal,
    c: ContainerDep,
    group_by: Literal["session", "user", "day", "model", "key"] = "day",
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    limit: int = Query(1000, ge=1, le=10_000),
    cursor: str | None = None,
    top: int | None = Query(None, ge=1, le=1000, description="only the N groups with most tokens"),
) -> dict[str, Any]:
    """`from`/`to` are ISO dates or instants (UTC when no offset); a date as `to`
    includes that whole day. With `top`, the groups with most tokens, largest first."""
    begin, until = _instant(start, "from", False), _instant(end, "to", True)
    groups = await c.ops.usage.totals(
        principal.tenant_id,
        group_by=group_by,
        start=begin,
        end=until,
        after=None if top else _after(decode_cursor(cursor)),
        limit=top or limit + 1,
        largest_first=top is not None,
    )
    more = top is None and len(groups) > limit
    groups = groups[:limit]
    prices = c.settings.model_prices
    costs = (
        await c.ops.usage.costs(
            principal.tenant_id, prices, group_by=group_by, groups=groups, start=begin, end=until
        )
        if prices
        else {}
    )
    return {
        "group_by": group_by,
        "from": begin.isoformat() if begin else None,
        "to": until.isoformat() if until else None,
        "items": [
            {
                "key": g.key,
                KEY_FIELD[group_by]: g.key,
                "calls": g.calls,
                "prompt_tokens": g.prompt_tokens,
                "completion_tokens": g.completion_tokens,
                "total_tokens": g.total_tokens,
                **_cost(costs.get(g.key) if prices else None),
            }
            for g in groups
        ],
        "next_cursor": encode_cursor("k:" + (groups[-1].key or "")) if more else None,
    }


def _cost(found: tuple[float, list[str]] | None) -> dict[str, Any]:
    """`cost` in the unit of MCP_MODEL_PRICES (null without a price table), and the
    models of the group that have no price (their tokens are not in `cost`)."""
    if found is None:
        return {"cost": None}
    total, unpriced = found
    return {"cost": round(total, 8), "unpriced_models": unpriced}


def _after(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.startswith("k:"):
        raise InvalidInput("cursor is not valid", field="cursor")
    return raw[2:]


def _instant(raw: str | None, field: str, end_of_day: bool) -> datetime | None:
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except ValueError as exc:
        raise InvalidInput(f"{field} must be an ISO date or date-time", field=field) from exc
    except OverflowError:  # past an end of the calendar: everything on that side
        return datetime.max.replace(tzinfo=UTC) if end_of_day else datetime.min.replace(tzinfo=UTC)
