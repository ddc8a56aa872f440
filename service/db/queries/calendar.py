"""The working-day calendar's SQL: exception days, published years, instances a calendar edit may move."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select

from service.db.models import CalendarDay, CalendarYear, LedgerItem, ProcessInstance
from service.db.queries.base import Repository


class CalendarRepository(Repository):
    def is_empty(self) -> bool:
        return not self.session.scalar(select(func.count()).select_from(CalendarYear))

    def stamp(self) -> tuple[int, str]:
        """Changes whenever a year is entered: (years, latest update), to reload in other processes."""
        count, latest = self.session.execute(select(func.count(), func.max(CalendarYear.updated_at))).one()
        return int(count), str(latest)

    def days(self) -> Sequence[CalendarDay]:
        return self.session.scalars(select(CalendarDay)).all()

    def published_years(self) -> list[int]:
        return list(self.session.scalars(select(CalendarYear.year).where(CalendarYear.published)))

    def year(self, year: int) -> CalendarYear | None:
        return self.session.get(CalendarYear, year)

    def year_days(self, year: int) -> Sequence[CalendarDay]:
        return self.session.scalars(select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)).all()

    def replace_year(self, entry: CalendarYear, days: Iterable[CalendarDay]) -> None:
        """That year's rows become exactly `days`; the year is recorded as `entry`."""
        self.session.execute(delete(CalendarDay).where(CalendarDay.year == entry.year))
        self.session.merge(entry)
        self.session.add_all(list(days))
        self.session.flush()

    def instances_with_deadline_from(self, first_day: str) -> list[int]:
        """Running instances whose ledger deadline (derived from a time limit) is on or after `first_day`."""
        stmt = (
            select(LedgerItem.instance_id)
            .join(ProcessInstance, ProcessInstance.id == LedgerItem.instance_id)
            .where(
                ProcessInstance.status == "running",
                LedgerItem.deadline >= first_day,
                LedgerItem.time_limit_days.is_not(None),
            )
            .order_by(LedgerItem.instance_id)
        )
        return list(self.session.scalars(stmt))
