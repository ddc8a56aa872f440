"""Use cases over the fake unit of work (tests/fakes.py): what they store, what they commit, what they
refuse — without a database. The same use cases run over the real one in tests/integration."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from service.access.principal import OFFICE, UNIT_LANE, Principal
from service.db.models import Notification
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.notifications import reading
from service.scoring import rule_store
from service.scoring.rules import DEFAULTS
from tests.fakes import FakeUnitOfWork

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
OFFICE_LI = Principal("dcs_li", "李督查", frozenset({OFFICE}), None)
UNIT_HEAD = Principal("miandu_ll", "乡镇联络员", frozenset({UNIT_LANE}), "miandu")


def test_reading_the_rules_of_a_new_database_writes_nothing() -> None:
    uow = FakeUnitOfWork()
    rules = rule_store.in_force(uow, NOW)  # type: ignore[arg-type]
    assert rules.version == 1 and dict(rules.values) == DEFAULTS
    assert [r.version for r in rule_store.history(uow)] == [1]  # type: ignore[arg-type]
    assert uow.scoring.rows == [] and uow.commits == 0 and uow.audit.entries == []


def test_the_first_change_stores_the_defaults_then_itself_in_one_commit() -> None:
    uow = FakeUnitOfWork()
    saved, changed = rule_store.save(uow, OFFICE_LI, {"overdue_lead": "-6"}, NOW, based_on=1)  # type: ignore[arg-type]
    assert changed and saved.version == 2 and saved.values["overdue_lead"] == Decimal("-6")
    assert [(r.version, r.created_by) for r in uow.scoring.rows] == [(1, rule_store.SEEDED_BY), (2, "dcs_li")]
    assert Decimal(str(uow.scoring.rows[0].rules["overdue_lead"])) == DEFAULTS["overdue_lead"]
    assert uow.commits == 1
    assert [(e.action, e.target) for e in uow.audit.entries] == [("scoring_rules_changed", "第 2 版")]


def test_saving_the_same_values_adds_no_version_and_commits_nothing() -> None:
    uow = FakeUnitOfWork()
    rule_store.save(uow, OFFICE_LI, {"overdue_lead": "-6"}, NOW)  # type: ignore[arg-type]
    again, changed = rule_store.save(uow, OFFICE_LI, {"overdue_lead": "-6"}, NOW)  # type: ignore[arg-type]
    assert not changed and again.version == 2 and uow.commits == 1 and len(uow.scoring.rows) == 2


@pytest.mark.parametrize(
    ("actor", "raw", "based_on", "error"),
    [
        (UNIT_HEAD, {"overdue_lead": "-6"}, None, Forbidden),  # a unit may not change the rules
        (OFFICE_LI, {"overdue_lead": "-6"}, 7, Conflict),  # edited on a version that is not in force
        (OFFICE_LI, {"overdue_lead": "甲"}, None, InvalidInput),
        (OFFICE_LI, {"no_such_rule": "1"}, None, InvalidInput),
    ],
)
def test_a_refused_change_stores_and_commits_nothing(
    actor: Principal, raw: dict[str, str], based_on: int | None, error: type[Exception]
) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(error):
        rule_store.save(uow, actor, raw, NOW, based_on=based_on)  # type: ignore[arg-type]
    assert uow.scoring.rows == [] and uow.commits == 0 and uow.audit.entries == []


def _note(nid: int, username: str, read_at: datetime | None = None) -> Notification:
    return Notification(id=nid, username=username, kind="task_ready", title="新待办", created_at=NOW, read_at=read_at)


def test_marking_read_commits_once_and_keeps_the_first_reading_time() -> None:
    earlier = datetime(2027, 2, 1, tzinfo=UTC)
    uow = FakeUnitOfWork()
    uow.notifications.rows = [_note(1, "dcs_li"), _note(2, "dcs_li", read_at=earlier), _note(3, "wjj_ll")]
    assert reading.mark_read(uow, OFFICE_LI, 1, NOW).read_at == NOW  # type: ignore[arg-type]
    assert uow.commits == 1
    assert reading.mark_read(uow, OFFICE_LI, 2, NOW).read_at == earlier  # type: ignore[arg-type]
    assert uow.commits == 1  # nothing changed, nothing committed
    with pytest.raises(NotFound):  # someone else's is as absent as one that never existed
        reading.mark_read(uow, OFFICE_LI, 3, NOW)  # type: ignore[arg-type]
    assert uow.notifications.rows[2].read_at is None


def test_marking_all_read_touches_only_the_actors_own() -> None:
    uow = FakeUnitOfWork()
    uow.notifications.rows = [_note(1, "dcs_li"), _note(2, "dcs_li"), _note(3, "wjj_ll")]
    assert reading.mark_all_read(uow, OFFICE_LI, NOW) == 2  # type: ignore[arg-type]
    assert uow.commits == 1 and uow.notifications.rows[2].read_at is None
