"""Certificates: centre signing keys, qualification programmes, assessments, certificate numbers, status lists
(with the cache of their signed form) and certificates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _org() -> sa.Column:
    return sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "centre_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _org(),
        sa.Column("key_id", sa.String(200), nullable=False, unique=True),
        sa.Column("did", sa.String(120), nullable=False),
        sa.Column("public_key_multibase", sa.String(80), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        _ts("created_at"),
        _ts("retired_at", True),
    )
    op.create_index("ix_centre_keys_org_id", "centre_keys", ["org_id"])
    op.create_index("ix_centre_keys_did", "centre_keys", ["did"])
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _org(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("framework_id", sa.String(100), nullable=False),
        sa.Column("row_id", sa.String(40), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("achievement", sa.JSON, nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_programmes_org_id", "programmes", ["org_id"])
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _org(),
        sa.Column("programme_id", sa.Integer, sa.ForeignKey("programmes.id"), nullable=False),
        sa.Column("candidate_name", sa.String(200), nullable=False),
        sa.Column("iin_hmac", sa.String(64)),
        sa.Column("identity_hash", sa.String(80)),
        sa.Column("identity_salt", sa.String(64)),
        sa.Column("assessed_on", sa.Date, nullable=False),
        sa.Column("assessors", sa.JSON, nullable=False),
        sa.Column("results", sa.JSON, nullable=False),
        sa.Column("outcome", sa.JSON, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_assessments_org_id", "assessments", ["org_id"])
    op.create_index("ix_assessments_iin_hmac", "assessments", ["iin_hmac"])
    op.create_table(
        "certificate_counters",
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _org(),
        sa.Column("key_id", sa.String(200), nullable=False),
        sa.Column("token", sa.String(32), nullable=False, unique=True),
        sa.Column("url", sa.String(300), nullable=False, unique=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("next_index", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_status_lists_org_id", "status_lists", ["org_id"])
    op.create_table(
        "status_list_cache",
        sa.Column("list_id", sa.Integer, sa.ForeignKey("status_lists.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("purpose", sa.String(20), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _org(),
        sa.Column("number", sa.String(100), nullable=False, unique=True),
        sa.Column("credential_id", sa.String(300), nullable=False, unique=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), unique=True),
        sa.Column("programme_id", sa.Integer, sa.ForeignKey("programmes.id")),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("holder_name", sa.String(200)),
        sa.Column("holder_consent", sa.String(10), nullable=False),
        _ts("valid_from"),
        _ts("valid_until", True),
        _ts("issued_at"),
        sa.Column("key_id", sa.String(200), nullable=False),
        sa.Column("status_list_id", sa.Integer, sa.ForeignKey("status_lists.id"), nullable=False),
        sa.Column("status_index", sa.Integer, nullable=False),
        _ts("revoked_at", True),
        sa.Column("revocation_reason", sa.String(500)),
        _ts("suspended_at", True),
        sa.Column("suspension_reason", sa.String(500)),
        sa.Column("credential", sa.Text, nullable=False),
        sa.UniqueConstraint("status_list_id", "status_index"),
    )
    op.create_index("ix_certificates_org_id", "certificates", ["org_id"])
    op.create_index("ix_certificates_number_prefix", "certificates", ["number"],
                    postgresql_ops={"number": "varchar_pattern_ops"})


def downgrade() -> None:
    for t in ("certificates", "status_list_cache", "status_lists", "certificate_counters", "assessments",
              "programmes", "centre_keys"):
        op.drop_table(t)
