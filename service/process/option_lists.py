"""Pickers in forms whose options the service provides (`valuesKey`): names are shown, codes stored, and a
value that names nothing is refused on its field — at the start of a flow and at every task completion.

    unit_options         the units: {label: name, value: unit code}
    leader_options       the county leaders: {label: "name（role）", value: username}, e.g. 交办领导
    plan_item_options    items of adopted 年度督查计划 no campaign was started from yet (value: its id)
    application_options  approved 专项督查工作申报表 (附件1) not used by a campaign yet (value: instance id)
    invitee_options      人大代表 / 政协委员 who may be invited to a campaign (value: username)
    cadre_options        the 督查人员信息库 (附件3): {label: "name（unit）", value: "cadre:<id>"}, and the users who
                         may act as inspectors (督查室): {label: name, value: "user:<username>"}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from service.access.principal import COUNTY_LEADERS, INVITEE, OFFICE
from service.db.session import UnitOfWork
from service.process.names import SPECIAL_APPLICATION

UNIT_OPTIONS = "unit_options"
LEADER_OPTIONS = "leader_options"
PLAN_ITEM_OPTIONS = "plan_item_options"
APPLICATION_OPTIONS = "application_options"
CADRE_OPTIONS = "cadre_options"
INVITEE_OPTIONS = "invitee_options"
NOT_A_UNIT = "不是有效的单位代码"
NOT_A_LEADER = "不是县领导的用户名"
MESSAGES = {
    UNIT_OPTIONS: NOT_A_UNIT,
    LEADER_OPTIONS: NOT_A_LEADER,
    PLAN_ITEM_OPTIONS: "不是年度督查计划中尚未开展的事项",
    APPLICATION_OPTIONS: "不是已批准且尚未使用的专项督查申报",
    CADRE_OPTIONS: "不是督查人员信息库中的人员或督查室人员",
    INVITEE_OPTIONS: "不是可邀请的人大代表或政协委员",
}


def options(uow: UnitOfWork) -> list[dict[str, str]]:
    """The list a unit picker offers: {label: name, value: code}, in the organisation's order; a
    deactivated unit is not offered, so no new task or item can be given to it."""
    return [{"label": u.name, "value": u.code} for u in uow.units.active()]


def leader_options(uow: UnitOfWork) -> list[dict[str, str]]:
    """The active users holding a county-leader role, as a leader picker offers them."""
    found = []
    for user in uow.users.all():
        roles = [r.name for r in user.roles if r.name in COUNTY_LEADERS]
        if user.active and roles:
            found.append({"label": f"{user.display_name}（{'、'.join(roles)}）", "value": user.username})
    return found


def plan_item_options(uow: UnitOfWork) -> list[dict[str, str]]:
    names = uow.units.names()
    found = []
    for i in uow.campaigns.open_plan_items():
        lead = names.get(i.lead_unit, i.lead_unit)
        found.append(
            {"label": f"{i.year}年度计划第{i.position}项：{i.name}（{i.period}，牵头：{lead}）", "value": str(i.id)}
        )
    return found


def application_options(uow: UnitOfWork) -> list[dict[str, str]]:
    names = uow.units.names()
    found = []
    for application in uow.campaigns.unused_applications(SPECIAL_APPLICATION):
        unit = str((application.data or {}).get("unit") or "")
        found.append({"label": f"{application.business_number} {application.title}（{names.get(unit, unit)}）",
                      "value": str(application.id)})  # fmt: skip
    return found


def cadre_options(uow: UnitOfWork) -> list[dict[str, str]]:
    names = uow.units.names()
    found = [
        {"label": f"{c.name}（{names.get(c.unit_code, c.unit_code)}）", "value": f"cadre:{c.id}"}
        for c in uow.cadres.cadres()
    ]
    for user in uow.users.all():
        if user.active and any(r.name == OFFICE for r in user.roles):
            found.append({"label": user.display_name, "value": f"user:{user.username}"})
    return found


def invitee_options(uow: UnitOfWork) -> list[dict[str, str]]:
    """The 人大代表 / 政协委员 who may be invited to a campaign (users holding the 特邀督查 role)."""
    return [
        {"label": u.display_name, "value": u.username}
        for u in uow.users.all()
        if u.active and any(r.name == INVITEE for r in u.roles)
    ]


LISTS = {
    UNIT_OPTIONS: options,
    LEADER_OPTIONS: leader_options,
    PLAN_ITEM_OPTIONS: plan_item_options,
    APPLICATION_OPTIONS: application_options,
    CADRE_OPTIONS: cadre_options,
    INVITEE_OPTIONS: invitee_options,
}


def all_options(uow: UnitOfWork, form: Mapping[str, Any] | None = None) -> dict[str, list[dict[str, str]]]:
    """The lists a form names (every list when no form is given), for the task page and `GET /tasks/{id}`;
    the units always, since forms print unit names."""
    wanted = set(LISTS) if form is None else {UNIT_OPTIONS, *_values_keys(form.get("components"))}
    return {key: LISTS[key](uow) for key in LISTS if key in wanted}


def _values_keys(components: Any) -> Iterator[str]:
    for component in components if isinstance(components, list) else []:
        if isinstance(component, Mapping):
            if isinstance(component.get("valuesKey"), str):
                yield component["valuesKey"]
            yield from _values_keys(component.get("components"))


def picker_paths(components: Any, values_key: str, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Paths of the pickers of one list; '*' stands for every element of a dynamic list."""
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, Mapping):
            continue
        kind, key, path = component.get("type"), component.get("key"), component.get("path")
        if kind == "group":
            inner = (*prefix, *str(path).split(".")) if path else prefix
            yield from picker_paths(component.get("components"), values_key, inner)
        elif kind == "dynamiclist":
            name = path or key
            if name:
                yield from picker_paths(component.get("components"), values_key, (*prefix, *str(name).split("."), "*"))
        elif component.get("valuesKey") == values_key and isinstance(key, str):
            yield prefix + tuple(key.split("."))


def unit_paths(components: Any) -> Iterator[tuple[str, ...]]:
    return picker_paths(components, UNIT_OPTIONS)


def _values_at(data: Any, path: tuple[str, ...], shown: str = "") -> Iterator[tuple[str, Any]]:
    if not path:
        yield shown, data
        return
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(data, list):
        for index, item in enumerate(data):
            yield from _values_at(item, rest, f"{shown}.{index}" if shown else str(index))
    elif isinstance(data, Mapping) and head in data:
        yield from _values_at(data[head], rest, f"{shown}.{head}" if shown else head)


def _known(uow: UnitOfWork, values_key: str) -> set[str]:
    return {o["value"] for o in LISTS[values_key](uow)}


def unit_errors(uow: UnitOfWork, form: Mapping[str, Any] | None, data: Mapping[str, Any]) -> dict[str, list[str]]:
    """{dotted key: [message]} for every picker (units, leaders) whose value is not one it offers."""
    errors: dict[str, list[str]] = {}
    for values_key, message in MESSAGES.items():
        known: set[str] | None = None  # read once, only when the form has such a picker
        for path in picker_paths((form or {}).get("components"), values_key):
            for shown, value in _values_at(data, path):
                codes = value if isinstance(value, list) else [] if value is None or value == "" else [value]
                if known is None:
                    known = _known(uow, values_key)
                if any(not isinstance(c, str) or c not in known for c in codes):
                    errors[shown] = [message]
    return errors
