"""Accounts, the session secret, the register of names to protect, and person speakers.

- `users`: name, role (viewer, editor, admin), argon2 password hash, active flag.
- `secrets`: the key that signs session cookies (made when the first user is added).
- `sensitive_names`: names and aliases of people to protect, used only to redact.
- `claims.said_by_type`: `"person"` where the speaker is a person (null for every older claim,
  so no claim id changes).

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "secrets",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sensitive_names",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("aliases", sa.JSON),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("added_by", sa.Text),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("said_by_type", sa.String(20)))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("said_by_type")
    op.drop_table("sensitive_names")
    op.drop_table("secrets")
    op.drop_table("users")
