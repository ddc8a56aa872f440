"""What form-js needs to render a task's form, in one dictionary: the task page and `GET /tasks/{id}` share it.

A client — the pages, a phone app, another system — passes the form and this dictionary to form-js's
`importSchema(form, form_data)` and nothing else: the task's data, the suggested values (`prefill`), the option
lists a `valuesKey` names (`unit_options`, …), the unit names the form's text prints (`{{unit_name}}`), and the
caller's own saved draft on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.access.principal import Principal
from service.db.models import HumanTask
from service.db.session import UnitOfWork
from service.process import drafts, form_prefill, option_lists

# Data keys holding unit codes; the form's text prints `<key>_name`, e.g. `{{co_units_name}}`.
UNIT_KEYS = frozenset({"lead_unit", "co_units", "unit", "followup_units", "still_open"})


def unit_names(data: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, str]:
    """`<key>_name` for each unit-code key present: the names joined with 、 (an unknown code shows as itself)."""
    out: dict[str, str] = {}
    for key in UNIT_KEYS:
        value = data.get(key)
        if value:
            codes = value if isinstance(value, list) else [value]
            out[f"{key}_name"] = "、".join(names.get(str(c), str(c)) for c in codes)
    return out


def for_task(
    uow: UnitOfWork, actor: Principal, task: HumanTask, form: Mapping[str, Any] | None, now: datetime
) -> tuple[dict[str, Any], datetime | None]:
    """(the data to render the form with, when the caller's draft was saved — None without a draft)."""
    data = dict(task.data)
    data.update(form_prefill.defaults(uow, actor, form, data, now))
    lists = option_lists.all_options(uow, form)
    data.update(lists)
    data.update(unit_names(data, {o["value"]: o["label"] for o in lists[option_lists.UNIT_OPTIONS]}))
    draft = drafts.load(uow, actor, task.id)
    if draft is None:
        return data, None
    data.update(draft.data)
    return data, draft.saved_at
