"""Review edits keep the original claim; full-text search over documents.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

from stationwatch.store import dialect

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("edited_from", sa.String(32)))
        batch.add_column(sa.Column("superseded_by", sa.String(32)))
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL's index comes with 0008
        for statement in dialect.create_search_index("sqlite"):
            op.execute(statement)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO documents_fts(doc_id, text) SELECT id, text FROM documents")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in dialect.drop_search_index("sqlite"):
            op.execute(statement)
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("superseded_by")
        batch.drop_column("edited_from")
