"""Captures: the raw HTTP exchange of a fetched URL as WARC.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "captures",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("document_id", sa.String(64), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("retrieved_at", sa.String(40), nullable=False),
        sa.Column("warc", sa.LargeBinary, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_captures_document", "captures", ["document_id"])


def downgrade() -> None:
    op.drop_table("captures")
