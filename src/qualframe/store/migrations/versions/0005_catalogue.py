"""Job catalogues: positions with their placement and decision, placement jobs, pay bands, grade order,
self-assessments. (The job queue's own tables are created by huey in the same database: see
store/catalogue_jobs.py.)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _org(primary_key: bool = False) -> sa.Column:
    return sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                     primary_key=primary_key)


def upgrade() -> None:
    op.create_table(
        "catalogue_positions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _org(),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("grade", sa.String(50), nullable=False),
        sa.Column("occupation_code", sa.String(20), nullable=False),
        sa.Column("oked", sa.String(20), nullable=False),
        sa.Column("line", sa.Integer),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("placed_hash", sa.String(64)),
        sa.Column("placements", sa.Integer, nullable=False),
        sa.Column("suggestions", sa.JSON),
        sa.Column("place_error", sa.String(300)),
        sa.Column("top_confidence", sa.Float),
        sa.Column("row_id", sa.String(20)),
        sa.Column("area", sa.String(10)),
        sa.Column("nqf_level", sa.Integer),
        sa.Column("sqf_level", sa.String(10)),
        sa.Column("decision_row_id", sa.String(20)),
        sa.Column("decision_source", sa.String(12)),
        sa.Column("decision_reason", sa.String(1000)),
        sa.Column("decision_confidence", sa.Float),
        sa.Column("decided_by", sa.String(254)),
        _ts("decided_at", True),
        sa.Column("flag_inversion", sa.Boolean, nullable=False),
        sa.Column("flag_disagree", sa.Boolean, nullable=False),
        sa.Column("inversion_with", sa.String(100)),
        _ts("created_at"),
        _ts("updated_at"),
        sa.UniqueConstraint("org_id", "key"),
    )
    op.create_index("ix_catalogue_positions_org_placement", "catalogue_positions", ["org_id", "area", "nqf_level"])
    op.create_index("ix_catalogue_positions_org_pending", "catalogue_positions", ["org_id", "placed_hash"])
    op.create_table(
        "catalogue_jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _org(),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("created_at"),
        _ts("enqueued_at", True),
        _ts("started_at", True),
        _ts("finished_at", True),
        sa.Column("lease_owner", sa.String(64)),
        _ts("lease_until", True),
        sa.Column("error", sa.String(500)),
        sa.Column("upload", sa.JSON),
    )
    op.create_index("ix_catalogue_jobs_org_id", "catalogue_jobs", ["org_id"])
    op.create_index("ix_catalogue_jobs_state", "catalogue_jobs", ["state"])
    op.create_table(
        "catalogue_pay_bands",
        _org(primary_key=True),
        sa.Column("row_id", sa.String(20), primary_key=True),
        sa.Column("band", sa.String(50), nullable=False),
    )
    op.create_table(
        "catalogue_settings",
        _org(primary_key=True),
        sa.Column("grade_order", sa.JSON, nullable=False),
    )
    op.create_table(
        "self_assessments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("framework_id", sa.String(64), nullable=False),
        sa.Column("row_ids", sa.JSON, nullable=False),
        sa.Column("ratings", sa.JSON, nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("client_digest", sa.String(64)),
        _ts("created_at"),
    )
    op.create_index("ix_self_assessments_client_digest", "self_assessments", ["client_digest"])
    op.create_index("ix_self_assessments_created_at", "self_assessments", ["created_at"])


def downgrade() -> None:
    for t in ("self_assessments", "catalogue_settings", "catalogue_pay_bands", "catalogue_jobs",
              "catalogue_positions"):
        op.drop_table(t)
