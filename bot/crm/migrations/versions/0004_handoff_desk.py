"""the staff desk: API tokens, messages sent to buyers outside a reply, complaint follow-up and at-risk buyers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("at_risk_since", sa.DateTime(), nullable=True))
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followup_asked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("followed_up_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("reopened_count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complaint_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_answer_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key("fk_handoffs_complaint_id", "complaints", ["complaint_id"], ["id"])
    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_user_id", sa.Integer(), sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("label", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_staff_tokens_staff_user_id", "staff_tokens", ["staff_user_id"])
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("handoff_id", sa.Integer(), sa.ForeignKey("handoffs.id"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_outbound_messages_sender_id", "outbound_messages", ["sender_id"])
    op.create_index("ix_outbound_messages_handoff_id", "outbound_messages", ["handoff_id"])


def downgrade() -> None:
    op.drop_index("ix_outbound_messages_handoff_id", table_name="outbound_messages")
    op.drop_index("ix_outbound_messages_sender_id", table_name="outbound_messages")
    op.drop_table("outbound_messages")
    op.drop_index("ix_staff_tokens_staff_user_id", table_name="staff_tokens")
    op.drop_table("staff_tokens")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_constraint("fk_handoffs_complaint_id", type_="foreignkey")
        batch_op.drop_column("first_answer_at")
        batch_op.drop_column("complaint_id")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("reopened_count")
        batch_op.drop_column("followed_up_at")
        batch_op.drop_column("followup_asked_at")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("at_risk_since")
