"""Indexes for the web app's paged reads: the review queue by confidence, a country's
candidates, a document's sources.

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_claims_status_confidence", "claims", ["status", "confidence", "id"])
    op.create_index("ix_claims_country_status", "claims", ["country", "status", "predicate"])
    op.create_index("ix_sources_document", "sources", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_sources_document", "sources")
    op.drop_index("ix_claims_country_status", "claims")
    op.drop_index("ix_claims_status_confidence", "claims")
