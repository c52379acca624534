"""Claims carry their source's publication start, and one index holds them in store order,
so a page of claims in that order (and the index's stream of accepted claims) is read off
the index instead of sorting every match. The country index that 0010's (country, status,
predicate) index begins with is dropped.

On PostgreSQL the index compares its text columns bytewise (COLLATE "C"), as the store's
ORDER BY does, whatever the database's default collation.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("claims", sa.Column("published_start", sa.Date))
    op.execute("UPDATE claims SET published_start = "
               "(SELECT published_start FROM sources WHERE sources.id = claims.source_id)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_claims_order ON claims (status, published_start NULLS FIRST, '
                   'source_id COLLATE "C", excerpt_start NULLS FIRST, predicate COLLATE "C", id COLLATE "C")')
    else:
        op.create_index("ix_claims_order", "claims",
                        ["status", "published_start", "source_id", "excerpt_start", "predicate", "id"])
    op.drop_index("ix_claims_country", "claims")


def downgrade() -> None:
    op.create_index("ix_claims_country", "claims", ["country"])
    op.drop_index("ix_claims_order", "claims")
    op.drop_column("claims", "published_start")
