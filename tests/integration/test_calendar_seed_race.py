"""Two service processes starting on an empty calendar (gunicorn -w 2 on a new PostgreSQL) both seed it;
the one that loses the race used to die on the primary key. Both must come up with the calendar loaded."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from sqlalchemy import text

from service.db.queries.calendar import CalendarRepository
from service.workdays import calendar


def test_two_processes_seeding_an_empty_calendar_at_once_both_load_it(services, monkeypatch):
    # Given an empty calendar
    with services.db.begin() as conn:
        conn.execute(text("DELETE FROM calendar_days"))
        conn.execute(text("DELETE FROM calendar_years"))
    # and two starts that both find it empty before either has written (on SQLite the write lock
    # serialises them, and the second finds it seeded: the barrier then times out and the race is moot)
    both_looked = threading.Barrier(2)
    original = CalendarRepository.is_empty

    def is_empty_then_wait(self: CalendarRepository) -> bool:
        found = original(self)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_looked.wait(timeout=3)
        return found

    monkeypatch.setattr(CalendarRepository, "is_empty", is_empty_then_wait)
    loaded: list[Any] = []
    failures: list[BaseException] = []

    def start() -> None:
        try:
            loaded.append(calendar.ensure_loaded(services.uow))
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            failures.append(exc)

    # When both start
    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    # Then both have the calendar, and it was entered once
    assert failures == []
    assert len(loaded) == 2
    with services.db.connect() as conn:
        years = conn.execute(text("SELECT COUNT(*) FROM calendar_years")).scalar_one()
        days = conn.execute(text("SELECT COUNT(*), COUNT(DISTINCT day) FROM calendar_days")).one()
    assert years == len(calendar.SEED_YEARS)
    assert days[0] == days[1] > 0
