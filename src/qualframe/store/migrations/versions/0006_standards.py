"""Professional standards: standards, their versions (one JSON document each) and reviewers' comments.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "standards",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("org", sa.String(64), nullable=False, index=True),
        sa.Column("code", sa.String(40), unique=True),
        sa.Column("framework_id", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "standard_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("standard_id", sa.String(40), sa.ForeignKey("standards.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("editors", sa.JSON, nullable=False),
        sa.Column("name_kk", sa.String(300), nullable=False),
        sa.Column("name_ru", sa.String(300), nullable=False),
        sa.Column("areas", sa.String(100), nullable=False),
        sa.Column("levels", sa.String(100), nullable=False),
        sa.Column("isco", sa.String(300), nullable=False),
        sa.Column("rows", sa.String(1000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("standard_id", "number"),
    )
    op.create_table(
        "standard_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("standard_versions.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("element_id", sa.String(40), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("author_user_id", sa.Integer),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("standard_comments")
    op.drop_table("standard_versions")
    op.drop_table("standards")
