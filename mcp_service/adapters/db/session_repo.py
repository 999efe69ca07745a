"""The sessions repository: one session's row, searching and paging the tenant's sessions,
and the sequence reservation that serialises writers. Every query is scoped by tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import session_from_row, upsert_insert
from mcp_service.adapters.db.core import SESSION_COLUMNS, SESSION_ID, SESSIONS, TENANT_ID
from mcp_service.adapters.db.json_match import metadata_matches
from mcp_service.adapters.db.tables import SessionRow
from mcp_service.domain.model import Session
from mcp_service.domain.queries import SessionQuery

_SESSION_GET = select(*SESSION_COLUMNS).where(
    SESSIONS.c.tenant_id == TENANT_ID, SESSIONS.c.id == SESSION_ID
)
_RESERVE = (
    update(SESSIONS)
    .where(SESSIONS.c.tenant_id == TENANT_ID, SESSIONS.c.id == SESSION_ID)
    .values(
        next_seq=SESSIONS.c.next_seq + bindparam("count", type_=Integer),
        last_activity_at=bindparam("activity_at", type_=SESSIONS.c.last_activity_at.type),
    )
    .returning(SESSIONS.c.next_seq)
)


class SqlSessionRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get(self, tenant_id: str, session_id: str) -> Session | None:
        params = {"b_tenant_id": tenant_id, "b_session_id": session_id}
        row = (await self.db.execute(_SESSION_GET, params)).first()
        return session_from_row(row) if row else None  # type: ignore[arg-type]

    async def add(self, session: Session) -> bool:
        """Insert unless a session with this id exists; return whether it was created."""
        stmt = upsert_insert(self.db, SessionRow).values(
            tenant_id=session.tenant_id,
            id=session.id,
            user_id=session.user_id,
            metadata=session.metadata,
            state=session.state,
            system_prompt=session.system_prompt,
            model=session.model,
            policy=session.policy,
            collections=session.collections,
            legal_hold=session.legal_hold,
            next_seq=1,
            created_at=session.created_at,
            updated_at=session.updated_at,
            last_activity_at=session.last_activity_at,
        )
        result = await self.db.execute(stmt.on_conflict_do_nothing())
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def update(self, session: Session) -> None:
        await self.db.execute(
            update(SessionRow)
            .where(SessionRow.tenant_id == session.tenant_id, SessionRow.id == session.id)
            .values(
                user_id=session.user_id,
                metadata_=session.metadata,
                state=session.state,
                system_prompt=session.system_prompt,
                model=session.model,
                policy=session.policy,
                collections=session.collections,
                legal_hold=session.legal_hold,
                updated_at=session.updated_at,
            )
        )

    async def delete(self, tenant_id: str, session_id: str) -> None:
        await self.db.execute(
            delete(SessionRow).where(SessionRow.tenant_id == tenant_id, SessionRow.id == session_id)
        )

    async def page(
        self, tenant_id: str, *, limit: int, after: str | None, user_id: str | None = None
    ) -> list[Session]:
        return await self.search(tenant_id, SessionQuery(user_id, after_id=after), limit=limit)

    async def search(self, tenant_id: str, query: SessionQuery, *, limit: int) -> list[Session]:
        s = SESSIONS.c
        postgres = self.db.get_bind().dialect.name == "postgresql"
        stmt = select(*SESSION_COLUMNS).where(
            s.tenant_id == tenant_id, *metadata_matches(s["metadata"], query.metadata, postgres)
        )
        if query.user_id is not None:
            stmt = stmt.where(s.user_id == query.user_id)
        if query.id_contains:
            needle = query.id_contains.lower()
            stmt = stmt.where(func.lower(s.id).contains(needle, autoescape=True))
        if query.order == "recent":
            if query.after_activity is not None and query.after_id is not None:
                at, last = query.after_activity, query.after_id
                stmt = stmt.where(
                    or_(s.last_activity_at < at, and_(s.last_activity_at == at, s.id < last))
                )
            stmt = stmt.order_by(s.last_activity_at.desc(), s.id.desc())
        else:
            if query.after_id is not None:
                stmt = stmt.where(s.id > query.after_id)
            stmt = stmt.order_by(s.id)
        rows = (await self.db.execute(stmt.limit(limit))).all()
        return [session_from_row(r) for r in rows]  # type: ignore[arg-type]

    async def reserve_seqs(
        self, tenant_id: str, session_id: str, count: int, activity_at: datetime
    ) -> int | None:
        # The UPDATE takes the session row's write lock until commit, so concurrent
        # writers on one session queue here and sequence numbers stay gap-free.
        params = {
            "b_tenant_id": tenant_id,
            "b_session_id": session_id,
            "count": count,
            "activity_at": activity_at,
        }
        after = (await self.db.execute(_RESERVE, params)).scalar_one_or_none()
        return None if after is None else int(after) - count
