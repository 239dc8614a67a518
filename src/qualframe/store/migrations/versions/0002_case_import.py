"""CASE imports: case_documents (package JSON and report) and case_objects (identifier index).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_documents",
        sa.Column("framework_id", sa.String(100), sa.ForeignKey("frameworks.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("document_identifier", sa.String(36), nullable=False, unique=True),
        sa.Column("case_version", sa.String(8), nullable=False),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("source_size", sa.Integer, nullable=False),
        sa.Column("package_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("package", sa.Text, nullable=False),
    )
    op.create_table(
        "case_objects",
        sa.Column("identifier", sa.String(36), primary_key=True),
        sa.Column("framework_id", sa.String(100), sa.ForeignKey("frameworks.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
    )
    op.create_index("ix_case_objects_framework_id", "case_objects", ["framework_id"])


def downgrade() -> None:
    op.drop_index("ix_case_objects_framework_id", table_name="case_objects")
    op.drop_table("case_objects")
    op.drop_table("case_documents")
