"""idempotency keys know their session (deleted with it) and expire by an index

Revision ID: 0003
Revises: 0004
Create Date: 2026-12-04 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_idempotency_tenant_session", ["tenant_id", "session_id"])
        batch_op.create_index("ix_idempotency_created", ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_created")
        batch_op.drop_index("ix_idempotency_tenant_session")
        batch_op.drop_column("session_id")
