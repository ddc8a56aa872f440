"""督查人员信息库: leaders, cadres, rotation draws

Revision ID: 0008_cadres
Revises: 0007_scoring
Create Date: 2026-11-22 09:00:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.db.models

revision = "0008_cadres"
down_revision = "0007_scoring"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = service.db.models.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _person_columns() -> list[sa.Column[Any]]:
    """附件2 and 附件3 share these (service.db.models_cadres._PersonRecord)."""
    return [
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("gender", sa.String(length=4), nullable=False),
        sa.Column("birth_month", sa.String(length=7), nullable=False),
        sa.Column("ethnicity", sa.String(length=20), nullable=False),
        sa.Column("native_place", sa.String(length=100), nullable=False),
        sa.Column("work_start", sa.String(length=7), nullable=False),
        sa.Column("party_joined", sa.String(length=7), nullable=True),
        sa.Column("mobile", sa.String(length=11), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("unit_opinion", sa.Text(), nullable=False),
        sa.Column("unit_head", sa.String(length=50), nullable=False),
        sa.Column("opinion_date", sa.String(length=10), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("removed_by", sa.String(length=64), nullable=True),
        sa.Column("removed_at", UTC_TIME, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "supervision_leaders",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("duties", sa.Text(), nullable=False),
        *_person_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supervision_leaders_unit_code", "supervision_leaders", ["unit_code"])
    op.create_table(
        "supervision_cadres",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("birthplace", sa.String(length=100), nullable=False),
        sa.Column("health_status", sa.String(length=50), nullable=False),
        sa.Column("specialty", sa.String(length=500), nullable=False),
        sa.Column("fulltime_education", sa.String(length=100), nullable=False),
        sa.Column("fulltime_school", sa.String(length=200), nullable=False),
        sa.Column("inservice_education", sa.String(length=100), nullable=False),
        sa.Column("inservice_school", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.String(length=10), nullable=False),
        sa.Column("resume", sa.Text(), nullable=False),
        *_person_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supervision_cadres_unit_code", "supervision_cadres", ["unit_code"])
    op.create_table(
        "cadre_disciplines",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("cadre_id", BIG_ID, nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["cadre_id"], ["supervision_cadres.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cadre_disciplines_cadre_id", "cadre_disciplines", ["cadre_id"])
    op.create_table(
        "cadre_evaluations",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("cadre_id", BIG_ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["cadre_id"], ["supervision_cadres.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cadre_id", "year", name="uq_cadre_evaluation_year"),
    )
    op.create_index("ix_cadre_evaluations_cadre_id", "cadre_evaluations", ["cadre_id"])
    op.create_table(
        "rotation_draws",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("half", sa.String(length=6), nullable=False),
        sa.Column("live_half", sa.String(length=6), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("checked_on", sa.String(length=10), nullable=False),
        sa.Column("candidates", JSON, nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("drawn_by", sa.String(length=64), nullable=False),
        sa.Column("drawn_at", UTC_TIME, nullable=False),
        sa.Column("voided_by", sa.String(length=64), nullable=True),
        sa.Column("voided_at", UTC_TIME, nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("live_half", name="uq_rotation_draws_live_half"),
    )
    op.create_index("ix_rotation_draws_half", "rotation_draws", ["half"])
    op.create_table(
        "rotation_draw_entries",
        sa.Column("draw_id", BIG_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("cadre_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["rotation_draws.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cadre_id"], ["supervision_cadres.id"]),
        sa.PrimaryKeyConstraint("draw_id", "position"),
    )
    op.create_index("ix_rotation_draw_entries_cadre_id", "rotation_draw_entries", ["cadre_id"])


def downgrade() -> None:
    op.drop_index("ix_rotation_draw_entries_cadre_id", table_name="rotation_draw_entries")
    op.drop_table("rotation_draw_entries")
    op.drop_index("ix_rotation_draws_half", table_name="rotation_draws")
    op.drop_table("rotation_draws")
    op.drop_index("ix_cadre_evaluations_cadre_id", table_name="cadre_evaluations")
    op.drop_table("cadre_evaluations")
    op.drop_index("ix_cadre_disciplines_cadre_id", table_name="cadre_disciplines")
    op.drop_table("cadre_disciplines")
    op.drop_index("ix_supervision_cadres_unit_code", table_name="supervision_cadres")
    op.drop_table("supervision_cadres")
    op.drop_index("ix_supervision_leaders_unit_code", table_name="supervision_leaders")
    op.drop_table("supervision_leaders")
