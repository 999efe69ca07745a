"""What writing turns needs to know about their session, read ahead of the write."""

from __future__ import annotations

from dataclasses import dataclass

from mcp_service.domain.model import ContextPolicy, Session


@dataclass(frozen=True)
class SessionSnapshot:
    """What writing turns needs to know about their session, read before the write
    transaction (so the single SQLite writer holds its lock only for the writes).
    `session` is None when it did not exist yet. Slightly stale is fine: the policy and
    summary position only decide which background jobs to queue."""

    session: Session | None
    policy: ContextPolicy
    summary_through: int
