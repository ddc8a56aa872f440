"""Use cases of 轮训抽选: draw for a half year, list, verify from the record, void with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from service.access.principal import Principal
from service.cadres import access, lottery
from service.cadres.eligibility import Profile, check
from service.cadres.records import local_date
from service.db.models.cadres import RotationDraw, RotationDrawEntry
from service.db.session import UnitOfWork
from service.errors import Conflict, InvalidInput, NotFound


def draw(uow: UnitOfWork, actor: Principal, half: Any, count: Any, now: datetime) -> RotationDraw:
    """Draw `count` (1–2) eligible cadres for `half`, recording seed, candidates and result."""
    access.check_may_draw(actor)
    half, count = _checked(half, count, now)
    standing = uow.cadres.live_draw(half)
    if standing is not None:
        raise Conflict(
            f"{half} 已抽选（第 {standing.id} 号记录）；如需重新抽选，请先作废并说明理由", {"draw_id": standing.id}
        )
    day = local_date(now)
    last = uow.cadres.last_drawn()
    candidates = []
    for cadre in uow.cadres.cadres():
        result = check(Profile.of(cadre), day)
        candidates.append(
            lottery.Candidate(
                cadre_id=cadre.id,
                eligible=result.eligible,
                last_drawn=last.get(cadre.id),
                name=cadre.name,
                unit=cadre.unit_code,
                failed=tuple(f.as_dict() for f in result.failed),
            )
        )
    if not any(c.eligible for c in candidates):
        raise Conflict("信息库中没有符合人员标准的督查干部，无法抽选")
    seed = lottery.new_seed()
    picked = lottery.draw(candidates, count, seed)
    snapshot = [c.as_dict() for c in candidates]
    record = RotationDraw(
        half=half,
        live_half=half,
        count=count,
        seed=seed,
        checked_on=day.isoformat(),
        candidates=snapshot,
        result=picked,
        digest=lottery.digest(half, count, seed, snapshot, picked),
        drawn_by=actor.username,
        drawn_at=now,
        entries=[RotationDrawEntry(position=i, cadre_id=cid) for i, cid in enumerate(picked, start=1)],
    )
    uow.cadres.add(record)
    try:
        uow.cadres.flush()
    except IntegrityError:  # someone else drew this half year a moment ago
        uow.rollback()
        raise Conflict(f"{half} 已抽选；如需重新抽选，请先作废并说明理由") from None
    uow.commit()
    return record


def list_draws(uow: UnitOfWork, actor: Principal) -> Sequence[RotationDraw]:
    access.check_may_see_draws(actor)
    return uow.cadres.draws()


def get_draw(uow: UnitOfWork, actor: Principal, draw_id: int) -> RotationDraw:
    access.check_may_see_draws(actor)
    found = uow.cadres.draw(draw_id)
    if found is None:
        raise NotFound(f"抽选记录 {draw_id} 不存在")
    return found


def verification(record: RotationDraw) -> dict[str, Any]:
    """Re-run from the recorded seed and candidates; `intact` says the record was not altered since."""
    rerun = lottery.rerun(record.candidates, record.count, record.seed)
    intact = lottery.digest(record.half, record.count, record.seed, record.candidates, record.result) == record.digest
    return {
        "draw_id": record.id,
        "half": record.half,
        "seed": record.seed,
        "recorded": list(record.result),
        "recomputed": rerun,
        "intact": intact,
        "reproducible": intact and rerun == list(record.result),
    }


def verify(uow: UnitOfWork, actor: Principal, draw_id: int) -> dict[str, Any]:
    return verification(get_draw(uow, actor, draw_id))


def void(uow: UnitOfWork, actor: Principal, draw_id: int, reason: Any, now: datetime) -> RotationDraw:
    """A voided draw stays on record (with who, when, why) and frees its half year for a new draw."""
    access.check_may_draw(actor)
    record = get_draw(uow, actor, draw_id)
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > 500:
        raise InvalidInput("请说明作废理由", {"errors": {"reason": ["请填写作废理由（500 字以内）"]}})
    if record.voided_at is not None:
        raise Conflict(f"抽选记录 {draw_id} 已于此前作废")
    record.live_half = None
    record.voided_by = actor.username
    record.voided_at = now
    record.void_reason = text
    uow.commit()
    return record


def _checked(half: Any, count: Any, now: datetime) -> tuple[str, int]:
    errors: dict[str, list[str]] = {}
    latest = local_date(now).year + 1
    if not isinstance(half, str) or not lottery.valid_half(half.strip()):
        errors["half"] = ["半年度格式应为 YYYYH1 或 YYYYH2，如 2026H2"]
    elif not 2000 <= int(half.strip()[:4]) <= latest:
        errors["half"] = [f"半年度应在 2000 年至 {latest} 年之间"]
    if isinstance(count, bool) or count not in range(1, lottery.MAX_PER_HALF + 1):
        errors["count"] = [f"每次抽选 1 至 {lottery.MAX_PER_HALF} 名"]
    if errors:
        raise InvalidInput("填写有误，请按提示修改", {"errors": errors})
    return str(half).strip(), int(count)
