"""The school calendar: a bureau's terms and vacations, public holidays and make-up workdays.

Public holidays and 调休 come from ``chinese_calendar`` for the years it knows (the State
Council publishes each year's arrangement late in the year before; the library knows up to
2026) and from the bureau's override table (``CalendarDay``) for the others, or where a local
arrangement differs. A school day is a workday inside a term. A bureau with no terms on record
has no vacations: every workday is a school day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import chinese_calendar

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Term:
    school_year: str
    name: str
    start: datetime.date
    end: datetime.date


#: the years whose State Council arrangement ``chinese_calendar`` holds
_LIBRARY_YEARS = frozenset(day.year for day in chinese_calendar.holidays)


def library_knows(year: int) -> bool:
    """Whether ``chinese_calendar`` holds the State Council's arrangement for ``year``."""
    return year in _LIBRARY_YEARS


class SchoolCalendar:
    """The calendar of one bureau (``duties.selectors.calendar_for`` builds it from the DB)."""

    def __init__(self, terms=(), overrides: dict | None = None):
        self.terms = sorted(terms, key=lambda t: t.start)
        #: date → (is_workday, name)
        self.overrides = dict(overrides or {})

    # --- days ----------------------------------------------------------------------------------

    def is_workday(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day][0]
        if not library_knows(day.year):
            return day.weekday() < 5
        return chinese_calendar.is_workday(day)

    def holiday_name(self, day: datetime.date) -> str:
        """The name of the holiday or make-up day ``day`` is, or ""."""
        if day in self.overrides:
            return self.overrides[day][1]
        if not library_knows(day.year):
            return ""
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if name is None:
            return ""
        try:
            chinese = chinese_calendar.Holiday(name).chinese
        except ValueError:
            chinese = str(name)
        return chinese if on_holiday else f"{chinese}调休上班"

    def term_of(self, day: datetime.date) -> Term | None:
        for term in self.terms:
            if term.start <= day <= term.end:
                return term
        return None

    def in_term(self, day: datetime.date) -> bool:
        return not self.terms or self.term_of(day) is not None

    def is_school_day(self, day: datetime.date) -> bool:
        return self.in_term(day) and self.is_workday(day)

    # --- spans ---------------------------------------------------------------------------------

    def terms_between(self, start: datetime.date, end: datetime.date) -> list[Term]:
        """The terms that start within [start, end] or are running on ``start``."""
        return [t for t in self.terms if t.start <= end and t.end >= start]

    def in_vacation(self, start: datetime.date, end: datetime.date) -> bool:
        """Whether no day of [start, end] lies in a term (a bureau with no terms: never)."""
        if not self.terms:
            return False
        return not any(t.start <= end and t.end >= start for t in self.terms)

    def first_school_day(self, term: Term) -> datetime.date | None:
        day = term.start
        while day <= term.end:
            if self.is_workday(day):
                return day
            day += ONE_DAY
        return None

    def school_days(self, start: datetime.date, end: datetime.date) -> int:
        n, day = 0, start
        while day <= end:
            n += self.is_school_day(day)
            day += ONE_DAY
        return n


__all__ = ["SchoolCalendar", "Term", "library_knows"]
