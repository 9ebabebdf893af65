"""return requests remember the evidence promised and the chat they came from

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("return_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("sender_id", sa.String(length=128), nullable=True))
        batch_op.create_index("ix_return_requests_order_item_id", ["order_item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("return_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_return_requests_order_item_id")
        batch_op.drop_column("sender_id")
        batch_op.drop_column("evidence")
