"""conversations staff mark as training material

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_material",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("handoff_id", sa.Integer(), sa.ForeignKey("handoffs.id"), nullable=True, unique=True),
        sa.Column("marked_by", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_training_material_sender_id", "training_material", ["sender_id"])


def downgrade() -> None:
    op.drop_index("ix_training_material_sender_id", table_name="training_material")
    op.drop_table("training_material")
