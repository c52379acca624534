"""Full-text search on PostgreSQL (tsvector under GIN, Chinese segmented with jieba).

SQLite's FTS5 index came with 0003; on PostgreSQL that revision created nothing.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

from stationwatch.store import dialect

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for statement in dialect.create_search_index("postgresql"):
        op.execute(statement)
    for row in conn.execute(sa.text("SELECT id, text FROM documents")):
        dialect.index_document(conn, row.id, row.text)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in dialect.drop_search_index("postgresql"):
            op.execute(statement)
