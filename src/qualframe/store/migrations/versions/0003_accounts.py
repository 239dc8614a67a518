"""Accounts: users, organisations, memberships, sessions, API tokens, log-in failures, the audit trail
(with its chain-head row) and the server's secrets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        _ts("password_changed_at", True),
        sa.Column("is_superuser", sa.Boolean, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("names", sa.JSON, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("accreditation_number", sa.String(100)),
        sa.Column("accreditation_valid_from", sa.Date),
        sa.Column("accreditation_valid_to", sa.Date),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("org_id", "user_id", "role"),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_table(
        "sessions",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("last_seen_at"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(8), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("revoked_at", True),
        _ts("last_used_at", True),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_index("ix_api_tokens_org_id", "api_tokens", ["org_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        _ts("at"),
    )
    op.create_index("ix_login_failures_key", "login_failures", ["key"])
    op.create_index("ix_login_failures_at", "login_failures", ["at"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        _ts("at"),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_user_id", sa.Integer),
        sa.Column("org", sa.String(64)),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(100)),
        sa.Column("before", sa.String(64)),
        sa.Column("after", sa.String(64)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("client", sa.String(64)),
        sa.Column("detail", sa.JSON),
        sa.Column("prev", sa.String(64), nullable=False, unique=True),
        sa.Column("digest", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_org", "audit_log", ["org"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "digest": GENESIS}])
    secrets = op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.bulk_insert(secrets, [{"name": "csrf", "value": os.urandom(32).hex()}])


def downgrade() -> None:
    for t in ("app_secrets", "audit_head", "audit_log", "login_failures", "api_tokens", "sessions", "memberships",
              "organisations", "users"):
        op.drop_table(t)
