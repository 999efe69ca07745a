"""Right to be forgotten: every session, turn, summary and vector of one user of one
tenant, deleted from both stores, with a receipt. Sessions under legal hold are kept
and listed in the receipt (a hold is a legal obligation that outranks erasure)."""

from __future__ import annotations

import time
import uuid

from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import Session
from mcp_service.domain.retention import USER_ERASURE, Counts, Receipt, erasure_digest
from mcp_service.services.deps import Deps
from mcp_service.services.governance.purge import Purger

PAGE = 200


class ErasureService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def forget_user(self, tenant_id: str, user_id: str) -> Receipt:
        if not user_id.strip():
            raise InvalidInput("user_id must not be empty", field="user_id")
        started, clock = self.deps.now(), time.monotonic()
        sessions = await self._sessions(tenant_id, user_id)
        held = [s.id for s in sessions if s.legal_hold]
        purger = Purger(self.deps)
        counts, deleted = Counts(), []

        def same_user(s: Session) -> bool:
            return s.user_id == user_id

        for session in sessions:
            if session.legal_hold:
                continue
            outcome = await purger.delete_session(session, guard=same_user)
            counts.add(outcome)
            if outcome.sessions:
                deleted.append(session.id)
        async with self.deps.uow(write=True) as uow:
            usage = await uow.usage.forget_user(tenant_id, user_id, deleted)
            receipt = Receipt(
                str(uuid.uuid4()),
                tenant_id,
                USER_ERASURE,
                None,
                counts.to_dict(),
                {
                    "user_id_digest": erasure_digest(user_id),  # salted and slow (scrypt)
                    "sessions_on_legal_hold": held,
                    "usage_events_detached": usage,
                    "duration_ms": round((time.monotonic() - clock) * 1000, 2),
                },
                [],
                started,
                self.deps.now(),
            )
            await uow.retention.add_receipt(receipt)
            await uow.commit()
        return receipt

    async def _sessions(self, tenant_id: str, user_id: str) -> list[Session]:
        found: list[Session] = []
        after: str | None = None
        async with self.deps.uow() as uow:
            while True:
                page = await uow.sessions.page(tenant_id, limit=PAGE, after=after, user_id=user_id)
                found.extend(page)
                if len(page) < PAGE:
                    return found
                after = page[-1].id
