"""complaints remember the chat message they came from, so a retried message records nothing twice

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_complaints_message_id", ["message_id"])


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_constraint("uq_complaints_message_id", type_="unique")
        batch_op.drop_column("message_id")
