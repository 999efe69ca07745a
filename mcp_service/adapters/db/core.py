"""Core (non-ORM) handles on the mapped tables, for the statements on every chat's path.

A statement over ORM entities goes through the ORM's compile and loading layers on each
execution; the same statement over the `Table` skips them, and one built once with bind
parameters also skips rebuilding the expression and its cache key. Measured on a chat
turn at 8 clients (SQLite): SQLAlchemy was ~40 % of the process's GIL time, mostly ORM
execution, flushes and expression building. Results are plain rows; columns are labelled
with the mapped attribute names so the row converters in `convert` read either kind.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import BindParameter, ColumnElement, String, Table, bindparam

from mcp_service.adapters.db.tables import (
    CollectionRow,
    JobRow,
    SessionRow,
    SummaryRow,
    TenantRow,
    TurnRow,
    UsageRow,
)

SESSIONS = cast(Table, SessionRow.__table__)
TURNS = cast(Table, TurnRow.__table__)
SUMMARIES = cast(Table, SummaryRow.__table__)
TENANTS = cast(Table, TenantRow.__table__)
COLLECTIONS = cast(Table, CollectionRow.__table__)
JOBS = cast(Table, JobRow.__table__)
USAGE = cast(Table, UsageRow.__table__)

# Every session column, labelled as SessionRow's attributes (metadata → metadata_).
SESSION_COLUMNS: tuple[ColumnElement[object], ...] = tuple(
    SESSIONS.c[prop.columns[0].name].label(prop.key) for prop in SessionRow.__mapper__.column_attrs
)

# Parameter names differ from column names: an UPDATE may not bind a column's own name.
TENANT_ID: BindParameter[str] = bindparam("b_tenant_id", type_=String)
SESSION_ID: BindParameter[str] = bindparam("b_session_id", type_=String)
