"""Self-assessments handed to recognition centres: assessment_requests.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("programme_id", sa.Integer, sa.ForeignKey("programmes.id"), nullable=False),
        sa.Column("self_assessment_id", sa.Integer, sa.ForeignKey("self_assessments.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("candidate_name", sa.String(200), nullable=False),
        sa.Column("contact_kind", sa.String(10), nullable=False),
        sa.Column("contact", sa.String(254), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(500)),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), unique=True),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("client_digest", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_assessment_requests_org_created", "assessment_requests", ["org_id", "created_at"])
    op.create_index("ix_assessment_requests_self_assessment_id", "assessment_requests", ["self_assessment_id"])
    op.create_index("ix_assessment_requests_client_digest", "assessment_requests", ["client_digest"])


def downgrade() -> None:
    op.drop_table("assessment_requests")
