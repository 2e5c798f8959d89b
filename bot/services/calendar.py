"""Working days: Vietnam's public holidays (incl. Tết and make-up Saturdays, from the
`holidays` library) plus the operator's extra days off and make-up working days."""

from __future__ import annotations

from datetime import date, timedelta

import holidays

from bot.policy import CalendarPolicy


class WorkCalendar:
    def __init__(self, policy: CalendarPolicy | None = None) -> None:
        policy = policy or CalendarPolicy()
        self._holidays = holidays.country_holidays("VN")
        self._extra_off = set(policy.extra_days_off)
        self._makeup = set(policy.makeup_working_days)
        # day → working or not: deadlines and windows count days on every screen, and the
        # holidays library's lookup is slow next to a dict's; a few hundred days a year
        self._known: dict[date, bool] = {}

    def is_working_day(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._is_working_day(day)
        return known

    def _is_working_day(self, day: date) -> bool:
        if day in self._extra_off:
            return False
        if day in self._makeup:
            return True
        return self._holidays.is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)

    def add_working_days(self, day: date, count: int) -> date:
        """The count-th working day after `day` (before it when count < 0)."""
        if count == 0:
            return day
        step = timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        current = day
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def next_working_day(self, day: date) -> date:
        return self.add_working_days(day, 1)
