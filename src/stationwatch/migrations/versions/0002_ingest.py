"""Ingestion: document metadata and page spans, and a record of failed ingests.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("author", sa.Text))
        batch.add_column(sa.Column("published", sa.String(10)))
        batch.add_column(sa.Column("reader", sa.String(40)))
        batch.add_column(sa.Column("pages", sa.JSON))
        batch.add_column(sa.Column("fetched", sa.JSON))
    op.create_table(
        "ingest_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ingest_failures_name", "ingest_failures", ["name"])


def downgrade() -> None:
    op.drop_table("ingest_failures")
    with op.batch_alter_table("documents") as batch:
        for name in ("fetched", "pages", "reader", "published", "author"):
            batch.drop_column(name)
