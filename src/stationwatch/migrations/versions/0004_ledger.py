"""The evidence ledger; rows recorded before it existed are entered in it once.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_ledger_ref", "ledger", ["ref"])
    _enter_existing_rows(op.get_bind())


def _enter_existing_rows(conn) -> None:
    from stationwatch.store import ledger as lg
    from stationwatch.store.schema import claims, documents, sources

    def rows(table, name, extra=()):
        # only columns that exist at this revision; later ones read as None
        cols = [table.c[f] for f in lg.DIGEST_FIELDS[name] + tuple(extra)]
        return [dict(r) for r in conn.execute(sa.select(*cols).order_by(table.c.recorded_at, table.c.id)).mappings()]

    lg.append(conn, [lg.document_event(r) for r in rows(documents, "documents")])
    lg.append(conn, [lg.source_event(r) for r in rows(sources, "sources")])
    lg.append(conn, [lg.claim_event(r) for r in rows(claims, "claims", ("status", "reviewer", "superseded_by"))])


def downgrade() -> None:
    op.drop_table("ledger")
