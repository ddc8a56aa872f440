"""Records as the API and the pages show them: stored fields plus age, health flag, eligibility, draws."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from service.cadres.draws import verification
from service.cadres.eligibility import healthy
from service.cadres.records import CadreView
from service.cadres.vocabulary import age_on
from service.db.models.cadres import RotationDraw, SupervisionCadre, SupervisionLeader

PERSON_FIELDS = (
    "id",
    "name",
    "gender",
    "birth_month",
    "ethnicity",
    "native_place",
    "work_start",
    "party_joined",
    "mobile",
    "position",
    "unit_opinion",
    "unit_head",
    "opinion_date",
    "version",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
)
CADRE_FIELDS = (
    "birthplace",
    "health_status",
    "specialty",
    "fulltime_education",
    "fulltime_school",
    "inservice_education",
    "inservice_school",
    "rank",
    "resume",
)


def _person(record: SupervisionCadre | SupervisionLeader, today: date, names: Mapping[str, str]) -> dict[str, Any]:
    out = {name: getattr(record, name) for name in PERSON_FIELDS}
    out.update(unit=record.unit_code, unit_name=names.get(record.unit_code, record.unit_code))
    out["age"] = age_on(record.birth_month, today)
    return out


def leader_dict(leader: SupervisionLeader, today: date, names: Mapping[str, str]) -> dict[str, Any]:
    return {**_person(leader, today, names), "duties": leader.duties}


def cadre_dict(view: CadreView, today: date, names: Mapping[str, str]) -> dict[str, Any]:
    cadre = view.cadre
    out = _person(cadre, today, names)
    out.update({name: getattr(cadre, name) for name in CADRE_FIELDS})
    out["healthy"] = healthy(cadre.health_status)
    out["disciplines"] = [{"date": d.date, "kind": d.kind, "issuer": d.issuer} for d in cadre.disciplines]
    out["evaluations"] = [{"year": e.year, "grade": e.grade} for e in cadre.evaluations]
    out["eligibility"] = view.eligibility.as_dict()
    out["eligible"] = view.eligibility.eligible
    out["last_drawn"] = view.last_drawn
    out["drawn_halves"] = list(view.drawn_halves)
    return out


def draw_dict(record: RotationDraw) -> dict[str, Any]:
    snapshot = {int(c["cadre_id"]): c for c in record.candidates}
    return {
        "id": record.id,
        "half": record.half,
        "count": record.count,
        "seed": record.seed,
        "checked_on": record.checked_on,
        "candidates": record.candidates,
        "result": list(record.result),
        "drawn": [snapshot[cid] for cid in record.result if cid in snapshot],
        "digest": record.digest,
        "drawn_by": record.drawn_by,
        "drawn_at": record.drawn_at,
        "voided": record.voided_at is not None,
        "voided_by": record.voided_by,
        "voided_at": record.voided_at,
        "void_reason": record.void_reason,
        "reproducible": verification(record)["reproducible"],
    }
