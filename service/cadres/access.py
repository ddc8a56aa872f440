"""Who may read and write the 督查人员信息库, and who draws.

督查室 and administrators keep the database and draw; a unit's staff recommend their own unit's people
(read and write that unit's records only); county leaders and auditors read everything.
"""

from __future__ import annotations

from service.access.principal import (
    CADRE_READERS,
    SUPERVISORS,
    Principal,
)
from service.errors import Forbidden, NotFound

READERS = CADRE_READERS


def may_manage(actor: Principal) -> bool:
    return bool(actor.roles & SUPERVISORS)


def reads_all(actor: Principal) -> bool:
    return may_manage(actor) or bool(actor.roles & READERS)


def own_unit(actor: Principal) -> str | None:
    return actor.staff_unit or None


def may_use(actor: Principal) -> bool:
    """Whether the 督查人员 pages are of any use to this person (the navigation link)."""
    return reads_all(actor) or own_unit(actor) is not None


def read_scope(actor: Principal, unit: str | None) -> str | None:
    """The unit filter a list query may use: `unit` as asked for, or forced to the actor's own unit."""
    if reads_all(actor):
        return unit
    mine = own_unit(actor)
    if mine is None:
        raise Forbidden("您无权查看督查人员信息库")
    if unit and unit != mine:
        raise Forbidden("只能查看本单位的督查人员")
    return mine


def check_readable(actor: Principal, unit_code: str, what: str) -> None:
    """Another unit's record does not exist as far as a unit's staff can tell."""
    if not (reads_all(actor) or own_unit(actor) == unit_code):
        raise NotFound(f"{what}不存在")


def check_writable(actor: Principal, unit_code: str) -> None:
    if may_manage(actor):
        return
    if own_unit(actor) is None:
        raise Forbidden("只有县政府督查室、系统管理员和推荐单位可以填写督查人员信息")
    if own_unit(actor) != unit_code:
        raise Forbidden("只能填写本单位推荐的督查人员")


def check_may_register(actor: Principal) -> None:
    """Whether the actor may fill in a new record at all (for some unit)."""
    if not (may_manage(actor) or own_unit(actor)):
        raise Forbidden("只有县政府督查室、系统管理员和推荐单位可以填写督查人员信息")


def check_may_draw(actor: Principal) -> None:
    if not may_manage(actor):
        raise Forbidden("只有县政府督查室或系统管理员可以抽选轮训人员")


def check_may_see_draws(actor: Principal) -> None:
    if not reads_all(actor):
        raise Forbidden("您无权查看轮训抽选记录")
