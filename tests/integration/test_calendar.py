"""Feature: the working-day calendar — seeded from chinesecalendar, entered by an administrator; entering
a year recomputes the provisional deadlines of running items and moves their live reminder timers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete

from service import cli, workdays
from service.db.models import CalendarDay, CalendarYear
from service.process import scheduler
from service.workdays import calendar
from tests.api_helpers import Actor

# A made-up but plausible 2027: New Year's Day, the Spring Festival week (Sat 02-06 to Fri 02-12, the
# weekdays 02-08..02-12 off) with a make-up Sunday before it and a make-up Saturday after it.
ARRANGEMENT_2027 = [
    {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "source": "测试用安排"},
    {"date": "2027-01-31", "kind": "workday", "name": "春节调休上班", "source": "测试用安排"},
    *({"date": f"2027-02-{d:02d}", "kind": "holiday", "name": "春节", "source": "测试用安排"} for d in range(8, 13)),
    {"date": "2027-02-20", "kind": "workday", "name": "春节调休上班", "source": "测试用安排"},
]
ITEM = {
    "title": "工作日历测试",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "县政办发〔2027〕1号",
    "lead_unit": "jyj",
    "co_units": [],
    "time_limit_days": 10,
}


def _forget_years(services, *years: int) -> None:  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        uow.session.execute(delete(CalendarDay).where(CalendarDay.year.in_(years)))
        uow.session.execute(delete(CalendarYear).where(CalendarYear.year.in_(years)))
        uow.commit()
        workdays.load(uow)


@pytest.fixture()
def year_2027(services) -> Iterator[None]:  # type: ignore[no-untyped-def]
    _forget_years(services, 2027)
    yield
    _forget_years(services, 2027)


def test_the_loaded_calendar_is_chinesecalendar_for_2004_to_2026(services):
    with services.uow() as uow:
        loaded = workdays.load(uow)
    package = calendar.package_calendar()
    assert set(range(2004, 2027)) <= loaded.published_years
    assert {d for d in loaded.holidays if d.year <= 2026} == package.holidays
    assert {d for d in loaded.makeup_workdays if d.year <= 2026} == package.makeup_workdays
    with services.uow() as uow:
        assert calendar.seed_from_package(uow) == 0  # idempotent


def test_add_workdays_api(client, tokens):
    actor = Actor(client, tokens["dcs_li"])
    body = actor.get("/calendar/add-workdays", query_string={"start": "2026-09-30", "days": 1}).get_json()
    assert body == {"date": "2026-10-08", "provisional": False}
    body = actor.get("/calendar/add-workdays", query_string={"start": "2026-02-13", "days": 1}).get_json()
    assert body == {"date": "2026-02-14", "provisional": False}  # 调休 Saturday
    bad = actor.get("/calendar/add-workdays", query_string={"start": "2026-13-01", "days": "x"})
    assert bad.status_code == 422
    assert bad.get_json()["error"] and set(bad.get_json()["details"]["errors"]) == {"start", "days"}
    year = actor.get("/calendar/years/2025").get_json()
    assert year["published"] and any(d["name"] == "国庆节" for d in year["days"])


def _timer_events(office: Actor, iid: int) -> list[str]:
    history = office.get(f"/process-instances/{iid}/history").get_json()
    return [e["payload"]["element_id"] for e in history if e["kind"] == "timer_fired"]


def test_a_2027_deadline_is_provisional_then_recomputed_with_its_timers(client, tokens, services, clock, year_2027):
    office, leader, admin = (Actor(client, tokens[u]) for u in ("dcs_li", "changwu", "admin"))
    clock.now = datetime(2027, 1, 27, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Shanghai
    query = {"start": "2027-01-27", "days": 10}
    assert office.get("/calendar/add-workdays", query_string=query).get_json() == {
        "date": "2027-02-10",
        "provisional": True,
    }
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})
    instance = office.instance(iid)
    assert instance["data"]["deadline"] == "2027-02-10"  # Monday–Friday, provisional
    assert instance["next_wake_at"].startswith("2027-02-05T01:00:00")  # 3 working days before, 09:00

    # Only an administrator enters a year; bad rows are refused with every problem listed
    put = client.put
    headers = {"Authorization": f"Bearer {tokens['dcs_li']}"}
    assert put("/api/v1/calendar/years/2027", json=ARRANGEMENT_2027, headers=headers).status_code == 403
    bad = [{"date": "2028-01-01", "kind": "holiday"}, {"date": "2027-05-01", "kind": "holiday"}]
    bad.append({"date": "2027-05-01", "kind": "holiday"})
    response = admin.client.put("/api/v1/calendar/years/2027", json=bad, headers=admin.headers)
    assert response.status_code == 422 and set(response.get_json()["details"]["errors"]) == {"0", "2"}
    assert office.instance(iid)["data"]["deadline"] == "2027-02-10"

    response = admin.client.put("/api/v1/calendar/years/2027", json=ARRANGEMENT_2027, headers=admin.headers)
    assert response.status_code == 200, response.get_json()
    assert iid in response.get_json()["recomputed"]
    assert office.get("/calendar/add-workdays", query_string=query).get_json() == {
        "date": "2027-02-16",
        "provisional": False,
    }

    # 01-28, 01-29, 01-31 (make-up Sunday), 02-01..02-05, the holiday week, 02-15, 02-16
    instance = office.instance(iid)
    assert instance["data"]["deadline"] == "2027-02-16"
    assert instance["next_wake_at"].startswith("2027-02-04T01:00:00")  # 02-15, 02-05, 02-04
    history = office.get(f"/process-instances/{iid}/history").get_json()
    recomputed = [e["payload"] for e in history if e["kind"] == "deadline_recomputed"]
    assert len(recomputed) == 1 and (recomputed[0]["old"], recomputed[0]["new"]) == ("2027-02-10", "2027-02-16")
    assert {t["element_id"] for t in recomputed[0]["timers"]} == {"remind_before_deadline", "remind_overdue"}
    handle = Actor(client, tokens["jyj_ll"]).task(iid, "handle")
    assert handle["due_at"].startswith("2027-02-16T16:00:00")  # the end of 02-16 in Shanghai
    ledger = office.get("/ledger", query_string={"q": ITEM["title"], "per_page": 500}).get_json()["items"]
    assert [row["deadline"] for row in ledger if row["instance_id"] == iid] == ["2027-02-16"]

    # The timers fire at their new times, once each
    clock.now = datetime(2027, 2, 4, 1, 0, 1, tzinfo=UTC)
    scheduler.wake(services.uow, services.ctx, iid)
    assert _timer_events(office, iid) == ["remind_before_deadline"]
    clock.now = datetime(2027, 2, 10, 16, 0, 1, tzinfo=UTC)  # the old overdue moment: not overdue any more
    scheduler.wake(services.uow, services.ctx, iid)
    assert _timer_events(office, iid) == ["remind_before_deadline"]
    clock.now = datetime(2027, 2, 16, 16, 0, 1, tzinfo=UTC)
    scheduler.wake(services.uow, services.ctx, iid)
    assert _timer_events(office, iid) == ["remind_before_deadline", "remind_overdue"]
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"]


def test_calendar_import_command(services, tmp_path, monkeypatch, capsys):
    _forget_years(services, 2031)
    source = tmp_path / "2031.csv"
    source.write_text(
        "date,kind,name,source\n2031-01-01,holiday,元旦,测试\n2031-01-04,workday,元旦调休上班,测试\n", encoding="utf-8"
    )
    monkeypatch.setattr(cli, "_services", lambda: services)  # the test database, no second connection pool
    monkeypatch.setattr(cli.logging, "basicConfig", lambda **_: None)  # leave the session's logging alone
    try:
        assert cli.main(["calendar", "import", str(source)]) == 0
        assert "2031 年：2 个" in capsys.readouterr().out
        assert not workdays.is_workday("2031-01-01") and workdays.is_workday("2031-01-04")  # reloaded
        assert not workdays.is_provisional("2031-06-01")
        source.write_text("date,kind\n2031-02-30,holiday\n", encoding="utf-8")
        assert cli.main(["calendar", "import", str(source)]) == 2
    finally:
        _forget_years(services, 2031)
    assert workdays.is_workday("2031-01-01") and workdays.is_provisional("2031-06-01")
