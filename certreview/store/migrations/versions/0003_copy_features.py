"""copy features: pairs of files intake judged to show one certificate

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image_matches",
        sa.Column("sha_a", sa.String(length=64), nullable=False),
        sa.Column("sha_b", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["sha_a"], ["image_files.sha256"]),
        sa.ForeignKeyConstraint(["sha_b"], ["image_files.sha256"]),
        sa.PrimaryKeyConstraint("sha_a", "sha_b"),
    )
    with op.batch_alter_table("image_matches") as batch_op:
        batch_op.create_index(batch_op.f("ix_image_matches_sha_b"), ["sha_b"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("image_matches") as batch_op:
        batch_op.drop_index(batch_op.f("ix_image_matches_sha_b"))
    op.drop_table("image_matches")
