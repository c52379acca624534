"""Resolution judgements: whether two entities are the same, as data with who and when.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judgements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("left_id", sa.String(64), nullable=False),
        sa.Column("right_id", sa.String(64), nullable=False),
        sa.Column("judgement", sa.String(10), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("reasons", sa.JSON),
        sa.Column("judged_by", sa.Text),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_judgements_pair", "judgements", ["left_id", "right_id"])


def downgrade() -> None:
    op.drop_table("judgements")
