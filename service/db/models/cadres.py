"""督查人员信息库: supervision leaders (附件2), cadres (附件3), rotation draws (轮训抽选).

Dates people write as year-month (出生年月, 参加工作时间, 入党时间) are `YYYY-MM` strings, full dates
`YYYY-MM-DD` (as in the ledger and the calendar). Discipline records and annual evaluations are child
tables: typed, one grade per cadre and year enforced by the database (see docs/decisions/0006).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db.models.base import Base, BigId, JSONType, UTCDateTime


class _PersonRecord:
    """Fields 附件2 and 附件3 share, plus who wrote the record and when."""

    unit_code: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(4))  # 男 / 女
    birth_month: Mapped[str] = mapped_column(String(7))  # 出生年月 YYYY-MM
    ethnicity: Mapped[str] = mapped_column(String(20))  # 民族
    native_place: Mapped[str] = mapped_column(String(100))  # 籍贯
    work_start: Mapped[str] = mapped_column(String(7))  # 参加工作时间 YYYY-MM
    party_joined: Mapped[str | None] = mapped_column(String(7), nullable=True)  # 入党时间 YYYY-MM
    mobile: Mapped[str] = mapped_column(String(11))
    position: Mapped[str] = mapped_column(String(200))  # 现任单位职务
    unit_opinion: Mapped[str] = mapped_column(Text, default="")  # 推荐单位意见
    unit_head: Mapped[str] = mapped_column(String(50), default="")  # 单位负责人
    opinion_date: Mapped[str | None] = mapped_column(String(10), nullable=True)  # 意见日期 YYYY-MM-DD
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock for concurrent edits
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Records leave the database by being removed, never deleted: past draws refer to them.
    removed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SupervisionLeader(_PersonRecord, Base):
    """附件2 炎陵县各单位政务督查工作分管领导信息表."""

    __tablename__ = "supervision_leaders"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    duties: Mapped[str] = mapped_column(Text)  # 单位分管工作


class SupervisionCadre(_PersonRecord, Base):
    """附件3 炎陵县各单位政务督查干部信息表, with what the 人员标准 needs (rank, discipline, evaluations)."""

    __tablename__ = "supervision_cadres"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    birthplace: Mapped[str] = mapped_column(String(100))  # 出生地
    health_status: Mapped[str] = mapped_column(String(50))  # 健康状况 as written (健康 / 良好 / 一般 / ...)
    specialty: Mapped[str] = mapped_column(String(500), default="")  # 熟悉专业有何专长
    fulltime_education: Mapped[str] = mapped_column(String(100))  # 学历学位·全日制教育
    fulltime_school: Mapped[str] = mapped_column(String(200), default="")  # 毕业院校系及专业
    inservice_education: Mapped[str] = mapped_column(String(100), default="")  # 学历学位·在职教育
    inservice_school: Mapped[str] = mapped_column(String(200), default="")
    rank: Mapped[str] = mapped_column(String(10))  # 职级: 正科级 / 副科级 / 科级以下
    resume: Mapped[str] = mapped_column(Text)  # 工作简历
    disciplines: Mapped[list[CadreDiscipline]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CadreDiscipline.date"
    )
    evaluations: Mapped[list[CadreEvaluation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CadreEvaluation.year"
    )


class CadreDiscipline(Base):
    """党政纪处分: when, what, by whom."""

    __tablename__ = "cadre_disciplines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("supervision_cadres.id", ondelete="CASCADE"), index=True)
    date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    kind: Mapped[str] = mapped_column(String(50))  # 警告 / 记过 / 党内警告 / ...
    issuer: Mapped[str] = mapped_column(String(100))  # 作出处分的机关


class CadreEvaluation(Base):
    """年度考核: one grade per cadre and year."""

    __tablename__ = "cadre_evaluations"
    __table_args__ = (UniqueConstraint("cadre_id", "year", name="uq_cadre_evaluation_year"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("supervision_cadres.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(8))  # 优秀 / 称职 / 基本称职 / 不称职 / 合格 / 基本合格 / 不合格


class RotationDraw(Base):
    """轮训抽选 for one half year: the seed, the frozen candidate list and the result, so anyone can re-run it.

    `live_half` equals `half` while the draw stands and is NULL once voided: a plain unique column (NULLs
    never collide) keeps one standing draw per half year on SQLite and PostgreSQL alike.
    """

    __tablename__ = "rotation_draws"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    half: Mapped[str] = mapped_column(String(6), index=True)  # 2026H2
    live_half: Mapped[str | None] = mapped_column(String(6), unique=True, nullable=True)
    count: Mapped[int] = mapped_column(Integer)  # asked for: 1 or 2
    seed: Mapped[str] = mapped_column(String(64))  # hex, from secrets
    checked_on: Mapped[str] = mapped_column(String(10))  # eligibility checked on this date (Asia/Shanghai)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONType
    )  # snapshot: id, name, unit, eligibility, last drawn
    result: Mapped[list[int]] = mapped_column(JSONType)  # cadre ids, in draw order
    digest: Mapped[str] = mapped_column(String(64))  # sha256 over half, count, seed, candidates, result
    drawn_by: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    void_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    entries: Mapped[list[RotationDrawEntry]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RotationDrawEntry.position"
    )


class RotationDrawEntry(Base):
    """A cadre drawn by a draw (queried for "last drawn"; voided draws do not count)."""

    __tablename__ = "rotation_draw_entries"
    draw_id: Mapped[int] = mapped_column(ForeignKey("rotation_draws.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1, 2
    cadre_id: Mapped[int] = mapped_column(ForeignKey("supervision_cadres.id"), index=True)
