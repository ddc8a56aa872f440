"""Quiet hours (免打扰时段): email and webhook messages that come due inside them wait for their end.

Times are Asia/Shanghai wall-clock times; a window may cross midnight ("22:00-07:00"). In-app
notifications are never held back: only what reaches a phone or a mailbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from service.errors import InvalidInput
from service.workdays import SHANGHAI

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """'22:00-07:00' → the window; '' → None (no quiet hours)."""
        if not text.strip():
            return None
        match = _WINDOW.match(text)
        if match is None:
            raise InvalidInput(f"免打扰时段格式应为 HH:MM-HH:MM：{text}", {"errors": {"DUBAN_QUIET_HOURS": [text]}})
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
            raise InvalidInput(f"免打扰时段无效：{text}", {"errors": {"DUBAN_QUIET_HOURS": [text]}})
        return cls(time(h1, m1), time(h2, m2))

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(SHANGHAI).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # across midnight

    def release(self, moment: datetime) -> datetime:
        """`moment` itself outside the window; inside it, the window's end (UTC)."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(SHANGHAI)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)  # the evening part of a window that ends tomorrow morning
        return datetime.combine(day, self.end, tzinfo=SHANGHAI).astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
