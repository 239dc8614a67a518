"""Initial schema: frameworks and their normalised parts, translations and source texts.

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _fw_fk() -> sa.Column:
    return sa.Column(
        "framework_id", sa.String(100), sa.ForeignKey("frameworks.id", ondelete="CASCADE"), nullable=False
    )


def _lines(nullable: bool = False) -> list[sa.Column]:
    return [sa.Column("line_start", sa.Integer, nullable=nullable),
            sa.Column("line_end", sa.Integer, nullable=nullable)]


def upgrade() -> None:
    op.create_table(
        "frameworks",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("origin", sa.String(40), nullable=False),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("legal", sa.JSON, nullable=False),
        sa.Column("source_file", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "areas",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        _fw_fk(),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("annex", sa.Integer),
        sa.Column("header_printed", sa.Boolean, nullable=False),
        *_lines(),
        sa.UniqueConstraint("framework_id", "code"),
    )
    op.create_index("ix_areas_framework_id", "areas", ["framework_id"])
    op.create_table(
        "oked_codes",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        _fw_fk(),
        sa.Column("area_pk", sa.Integer, sa.ForeignKey("areas.pk", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name", sa.JSON, nullable=False),
        sa.Column("errata", sa.JSON, nullable=False),
        *_lines(),
        sa.UniqueConstraint("area_pk", "code"),
    )
    op.create_index("ix_oked_codes_framework_id", "oked_codes", ["framework_id"])
    op.create_index("ix_oked_codes_area_pk", "oked_codes", ["area_pk"])
    op.create_index("ix_oked_codes_code", "oked_codes", ["code"])
    op.create_table(
        "level_rows",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        _fw_fk(),
        sa.Column("area_pk", sa.Integer, sa.ForeignKey("areas.pk", ondelete="CASCADE"), nullable=False),
        sa.Column("row_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("nqf_level", sa.Integer, nullable=False),
        sa.Column("sqf_level", sa.String(20)),
        sa.Column("sublevel", sa.Integer),
        sa.Column("sublevel_kind", sa.String(20)),
        sa.Column("level_source", sa.String(20), nullable=False),
        sa.Column("level_evidence", sa.Text, nullable=False),
        sa.Column("level_candidates", sa.JSON, nullable=False),
        *_lines(),
        sa.UniqueConstraint("framework_id", "row_id"),
    )
    op.create_index("ix_level_rows_framework_id", "level_rows", ["framework_id"])
    op.create_index("ix_level_rows_area_pk", "level_rows", ["area_pk"])
    op.create_table(
        "descriptors",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        _fw_fk(),
        sa.Column("row_pk", sa.Integer, sa.ForeignKey("level_rows.pk", ondelete="CASCADE"), nullable=False),
        sa.Column("descriptor_id", sa.String(120), nullable=False),
        sa.Column("column", sa.String(20), nullable=False),
        sa.Column("order", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        *_lines(),
        sa.UniqueConstraint("framework_id", "descriptor_id"),
    )
    op.create_index("ix_descriptors_framework_id", "descriptors", ["framework_id"])
    op.create_index("ix_descriptors_row_pk", "descriptors", ["row_pk"])
    op.create_table(
        "errata",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        _fw_fk(),
        sa.Column("erratum_id", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("suggestion", sa.Text),
        *_lines(nullable=True),
        sa.UniqueConstraint("framework_id", "erratum_id"),
    )
    op.create_index("ix_errata_framework_id", "errata", ["framework_id"])
    op.create_table(
        "statements",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        _fw_fk(),
        sa.Column("statement_id", sa.String(60), nullable=False),
        sa.Column("is_note", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("section", sa.String(40), nullable=False),
        sa.Column("item", sa.Integer, nullable=False),
        sa.Column("subitem", sa.Integer),
        sa.Column("role", sa.String(60)),
        sa.Column("text", sa.Text, nullable=False),
        *_lines(),
        sa.UniqueConstraint("framework_id", "statement_id"),
    )
    op.create_index("ix_statements_framework_id", "statements", ["framework_id"])
    op.create_table(
        "translations",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        _fw_fk(),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("kk_sha", sa.String(64)),
        sa.UniqueConstraint("framework_id", "lang", "key"),
    )
    op.create_index("ix_translations_framework_id", "translations", ["framework_id"])
    op.create_table(
        "source_texts",
        sa.Column(
            "framework_id", sa.String(100), sa.ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("source_texts", "translations", "statements", "errata", "descriptors", "level_rows",
                  "oked_codes", "areas", "frameworks"):
        op.drop_table(table)
