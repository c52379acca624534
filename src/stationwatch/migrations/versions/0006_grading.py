"""Admiralty grading: source reliability (A-F) and claim credibility (1-6).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("reliability", sa.String(1)))
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("credibility", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("credibility")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("reliability")
