"""readings: what OCR read on each stored file, and the evidence of each submission's image

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-29 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image_readings",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("side", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("holder_name", sa.Text(), nullable=True),
        sa.Column("certificate_no", sa.Text(), nullable=True),
        sa.Column("date_text", sa.Text(), nullable=True),
        sa.Column("exam_year", sa.Integer(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["image_files.sha256"]),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "image_evidence",
        sa.Column("submission_pk", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("certificate", sa.String(length=16), nullable=False),
        sa.Column("year", sa.String(length=16), nullable=False),
        sa.Column("named_student", sa.String(length=64), nullable=True),
        sa.Column("shown_item", sa.String(length=64), nullable=True),
        sa.Column("shown_year", sa.Integer(), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("weighed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["submission_pk"], ["submissions.id"]),
        sa.PrimaryKeyConstraint("submission_pk"),
    )
    op.create_index("ix_image_evidence_answers", "image_evidence", ["name", "certificate", "year"])


def downgrade() -> None:
    op.drop_index("ix_image_evidence_answers", table_name="image_evidence")
    op.drop_table("image_evidence")
    op.drop_table("image_readings")
