"""Sources, documents, entities and claims.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("title", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("original", sa.LargeBinary, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text),
        sa.Column("publisher", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("published", sa.String(10)),
        sa.Column("published_start", sa.Date),
        sa.Column("kind", sa.String(40)),
        sa.Column("document_id", sa.String(64), sa.ForeignKey("documents.id")),
        sa.Column("recorded_at", TZ, nullable=False),
    )
    op.create_table(
        "entities",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("locality", sa.Text),
        sa.Column("operator", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("recorded_at", TZ, nullable=False),
    )
    op.create_index("ix_entities_type_country", "entities", ["type", "country"])
    op.create_table(
        "claims",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("source_id", sa.String(32), sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("predicate", sa.String(60), nullable=False),
        sa.Column("subject", sa.JSON),
        sa.Column("object", sa.JSON),
        sa.Column("value", sa.JSON),
        sa.Column("scope", sa.JSON),
        sa.Column("qualifier", sa.String(20)),
        sa.Column("stance", sa.String(10), nullable=False),
        sa.Column("said_by_name", sa.Text),
        sa.Column("said_by_country", sa.String(2)),
        sa.Column("valid_from", sa.String(10)),
        sa.Column("valid_to", sa.String(10)),
        sa.Column("excerpt_start", sa.Integer),
        sa.Column("excerpt_end", sa.Integer),
        sa.Column("excerpt_text", sa.Text),
        sa.Column("excerpt_page", sa.Integer),
        sa.Column("confidence", sa.Float),
        sa.Column("note", sa.Text),
        sa.Column("country", sa.String(2)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reviewer", sa.Text),
        sa.Column("reviewed_at", TZ),
        sa.Column("recorded_at", TZ, nullable=False),
    )
    op.create_index("ix_claims_status_predicate", "claims", ["status", "predicate"])
    op.create_index("ix_claims_country", "claims", ["country"])
    op.create_index("ix_claims_source", "claims", ["source_id"])


def downgrade() -> None:
    op.drop_table("claims")
    op.drop_table("entities")
    op.drop_table("sources")
    op.drop_table("documents")
