"""customer care: proactive messages once per event, staff follow-up tasks, opt-out, delivery check-in scores

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("care_opted_out_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("care_opt_out_text", sa.String(length=200), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("satisfaction", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rated_at", sa.DateTime(), nullable=True))
    op.create_table(
        "care_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_key", sa.String(length=96), nullable=False, unique=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id"), nullable=True),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("response", sa.String(length=64), nullable=False),
        sa.Column("placeholders", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("outbound_id", sa.Integer(), sa.ForeignKey("outbound_messages.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_care_messages_customer_id", "care_messages", ["customer_id"])
    op.create_index("ix_care_messages_created_at", "care_messages", ["created_at"])
    op.create_table(
        "staff_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_key", sa.String(length=96), nullable=False, unique=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id"), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_staff_tasks_customer_id", "staff_tasks", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_tasks_customer_id", table_name="staff_tasks")
    op.drop_table("staff_tasks")
    op.drop_index("ix_care_messages_created_at", table_name="care_messages")
    op.drop_index("ix_care_messages_customer_id", table_name="care_messages")
    op.drop_table("care_messages")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("rated_at")
        batch_op.drop_column("satisfaction")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("care_opt_out_text")
        batch_op.drop_column("care_opted_out_at")
