"""submission versions: a changed row under a known submission ID is its next version

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# SQLite reflects the old unnamed unique constraint without a name; this names it for dropping.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique() -> str:
    if op.get_context().dialect.name == "postgresql":
        return "submissions_submission_id_key"
    return "uq_submissions_submission_id"


def upgrade() -> None:
    with op.batch_alter_table("submissions", naming_convention=NAMING) as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("live", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column("supersedes", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_submissions_supersedes", "submissions", ["supersedes"], ["id"])
        batch.drop_constraint(_old_unique(), type_="unique")
        batch.create_unique_constraint("uq_submissions_version", ["submission_id", "version"])
    op.create_index(
        "uq_submissions_live",
        "submissions",
        ["submission_id"],
        unique=True,
        sqlite_where=sa.text("live"),
        postgresql_where=sa.text("live"),
    )


def downgrade() -> None:
    op.drop_index("uq_submissions_live", table_name="submissions")
    with op.batch_alter_table("submissions", naming_convention=NAMING) as batch:
        batch.drop_constraint("uq_submissions_version", type_="unique")
        batch.create_unique_constraint(_old_unique(), ["submission_id"])
        batch.drop_constraint("fk_submissions_supersedes", type_="foreignkey")
        batch.drop_column("supersedes")
        batch.drop_column("live")
        batch.drop_column("version")
