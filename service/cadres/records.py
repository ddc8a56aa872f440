"""Use cases of the 附件2/附件3 records: list, read, create, edit, remove, check against the 人员标准."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from service.access.principal import Principal
from service.cadres import access
from service.cadres.eligibility import Eligibility, Profile, check
from service.cadres.validation import clean_cadre, clean_leader
from service.db.models.cadres import CadreDiscipline, CadreEvaluation, SupervisionCadre, SupervisionLeader
from service.db.session import UnitOfWork
from service.errors import Conflict, InvalidInput, NotFound
from service.workdays import SHANGHAI

Record = SupervisionCadre | SupervisionLeader


@dataclass(frozen=True)
class CadreView:
    """A cadre with what the pages and the API show beside the record."""

    cadre: SupervisionCadre
    eligibility: Eligibility
    last_drawn: str | None = None
    drawn_halves: tuple[str, ...] = ()


def local_date(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def list_cadres(
    uow: UnitOfWork,
    actor: Principal,
    now: datetime,
    *,
    unit: str | None = None,
    eligible: bool | None = None,
    on: date | None = None,
) -> list[CadreView]:
    """The cadres the actor may see (a unit's staff: their unit's), checked on `on` (default today)."""
    scope = access.read_scope(actor, unit)
    day = on or local_date(now)
    drawn = uow.cadres.last_drawn()
    views = [CadreView(c, check(Profile.of(c), day), drawn.get(c.id)) for c in uow.cadres.cadres(scope)]
    return [v for v in views if eligible is None or v.eligibility.eligible == eligible]


def cadre_view(uow: UnitOfWork, actor: Principal, cadre_id: int, now: datetime, on: date | None = None) -> CadreView:
    cadre = _readable_cadre(uow, actor, cadre_id)
    halves = tuple(uow.cadres.drawn_halves(cadre.id))
    eligibility = check(Profile.of(cadre), on or local_date(now))
    return CadreView(cadre, eligibility, halves[-1] if halves else None, halves)


def create_cadre(uow: UnitOfWork, actor: Principal, raw: Mapping[str, Any], now: datetime) -> CadreView:
    raw = _with_unit(actor, raw, None)
    clean = clean_cadre(raw, local_date(now))
    _check_unit(uow, clean["unit_code"])
    cadre = SupervisionCadre(created_by=actor.username, created_at=now, version=1)
    _apply(cadre, clean, actor, now)
    cadre.disciplines = [CadreDiscipline(**d) for d in clean["disciplines"]]
    cadre.evaluations = [CadreEvaluation(**e) for e in clean["evaluations"]]
    uow.cadres.add(cadre)
    uow.commit()
    return cadre_view(uow, actor, cadre.id, now)


def update_cadre(uow: UnitOfWork, actor: Principal, cadre_id: int, raw: Mapping[str, Any], now: datetime) -> CadreView:
    cadre = _readable_cadre(uow, actor, cadre_id)
    raw = _with_unit(actor, raw, cadre.unit_code)
    _check_version(cadre, raw)
    clean = clean_cadre(raw, local_date(now))
    _check_unit(uow, clean["unit_code"])
    _apply(cadre, clean, actor, now)
    cadre.version += 1
    uow.cadres.replace_rows(
        cadre,
        [CadreDiscipline(**d) for d in clean["disciplines"]],
        [CadreEvaluation(**e) for e in clean["evaluations"]],
    )
    uow.commit()
    return cadre_view(uow, actor, cadre.id, now)


def remove_cadre(uow: UnitOfWork, actor: Principal, cadre_id: int, now: datetime) -> None:
    """Taken out of the database; the row stays for the draws that name it."""
    _remove(_readable_cadre(uow, actor, cadre_id), actor, now)
    uow.commit()


def eligibility_of(uow: UnitOfWork, actor: Principal, cadre_id: int, on: date) -> Eligibility:
    return check(Profile.of(_readable_cadre(uow, actor, cadre_id)), on)


def list_leaders(uow: UnitOfWork, actor: Principal, unit: str | None = None) -> list[SupervisionLeader]:
    return list(uow.cadres.leaders(access.read_scope(actor, unit)))


def get_leader(uow: UnitOfWork, actor: Principal, leader_id: int) -> SupervisionLeader:
    leader = uow.cadres.leader(leader_id)
    if leader is None:
        raise NotFound(f"分管领导记录 {leader_id} 不存在")
    access.check_readable(actor, leader.unit_code, f"分管领导记录 {leader_id} ")
    return leader


def create_leader(uow: UnitOfWork, actor: Principal, raw: Mapping[str, Any], now: datetime) -> SupervisionLeader:
    raw = _with_unit(actor, raw, None)
    clean = clean_leader(raw, local_date(now))
    _check_unit(uow, clean["unit_code"])
    leader = SupervisionLeader(created_by=actor.username, created_at=now, version=1)
    _apply(leader, clean, actor, now)
    uow.cadres.add(leader)
    uow.commit()
    return leader


def update_leader(
    uow: UnitOfWork, actor: Principal, leader_id: int, raw: Mapping[str, Any], now: datetime
) -> SupervisionLeader:
    leader = get_leader(uow, actor, leader_id)
    raw = _with_unit(actor, raw, leader.unit_code)
    _check_version(leader, raw)
    clean = clean_leader(raw, local_date(now))
    _check_unit(uow, clean["unit_code"])
    _apply(leader, clean, actor, now)
    leader.version += 1
    uow.commit()
    return leader


def remove_leader(uow: UnitOfWork, actor: Principal, leader_id: int, now: datetime) -> None:
    _remove(get_leader(uow, actor, leader_id), actor, now)
    uow.commit()


def _readable_cadre(uow: UnitOfWork, actor: Principal, cadre_id: int) -> SupervisionCadre:
    cadre = uow.cadres.cadre(cadre_id)
    if cadre is None:
        raise NotFound(f"督查干部记录 {cadre_id} 不存在")
    access.check_readable(actor, cadre.unit_code, f"督查干部记录 {cadre_id} ")
    return cadre


def _with_unit(actor: Principal, raw: Mapping[str, Any], current: str | None) -> dict[str, Any]:
    """The unit defaults to the record's (or the unit user's own); writing it needs the right to both."""
    if current is not None:
        access.check_writable(actor, current)
    unit = raw.get("unit") or current or access.own_unit(actor)
    access.check_writable(actor, unit if isinstance(unit, str) else "")  # a bad value is reported by the check
    return {**raw, "unit": unit}


def _check_unit(uow: UnitOfWork, code: str) -> None:
    if uow.units.by_code(code) is None:
        raise InvalidInput("填写有误，请按提示修改", {"errors": {"unit": [f"单位 {code} 不存在"]}})


def _check_version(record: Record, raw: Mapping[str, Any]) -> None:
    sent = raw.get("version")
    if sent not in (None, "") and str(sent) != str(record.version):
        raise Conflict("该记录已被他人修改，请刷新后重新填写", {"version": record.version})


def _apply(record: Record, clean: Mapping[str, Any], actor: Principal, now: datetime) -> None:
    for name, value in clean.items():
        if name not in ("disciplines", "evaluations"):
            setattr(record, name, value)
    record.updated_by = actor.username
    record.updated_at = now


def _remove(record: Record, actor: Principal, now: datetime) -> None:
    access.check_writable(actor, record.unit_code)
    record.removed_by = actor.username
    record.removed_at = now
