"""Frequency rules: how often a duty falls due, parsed from a short text and expanded into
periods on a school calendar.

The rule language (one rule per duty, case-insensitive, spaces around tokens optional)::

    daily | schooldays | weekly | monthly | quarterly | half-yearly | termly | yearly
    | school-yearly                      one occurrence per period
    N/<unit>                             N records per period (unit: day, week, month, quarter,
                                         half, term, year, schoolyear), e.g. ``4/year``
    on MM-DD[,MM-DD…]                    fixed dates every year (themed days), e.g. ``on 05-12``
    on last-mon-03 | on 2-sat-09         the n-th (or last) weekday of a month
    before-term                          before each term starts
    once YYYY-MM-DD..YYYY-MM-DD          a one-off task with its window (the work plan)

A *period* is what one occurrence covers; its *window* is when the record may be made (the
period itself, or the days around a fixed date), and its *grace* the days after the window in
which a record still counts, as late. Everything here is a pure function of the rule, the
calendar and the dates: nothing reads the clock.
"""

from __future__ import annotations

import calendar as _calendar
import datetime
import re
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext as _

ONE_DAY = datetime.timedelta(days=1)

UNITS = ("day", "schoolday", "week", "month", "quarter", "half", "term", "year", "schoolyear")
_ALIASES = {
    "daily": "day",
    "schooldays": "schoolday",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "half-yearly": "half",
    "termly": "term",
    "yearly": "year",
    "school-yearly": "schoolyear",
}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNIT_LABELS = {
    "day": "每天",
    "schoolday": "每个上课日",
    "week": "每周",
    "month": "每月",
    "quarter": "每季度",
    "half": "每半年",
    "term": "每学期",
    "year": "每年",
    "schoolyear": "每学年",
}


class RuleError(ValueError):
    """A frequency rule that does not parse; its message is in the user's language."""


class Calendar(Protocol):
    """What the rules need of a school calendar (``duties.schoolcal.SchoolCalendar``)."""

    def is_school_day(self, day: datetime.date) -> bool: ...

    def terms_between(self, start: datetime.date, end: datetime.date) -> list: ...

    def in_vacation(self, start: datetime.date, end: datetime.date) -> bool: ...


@dataclass(frozen=True)
class Rule:
    kind: str  # "every", "dates", "nth", "before_term", "once"
    unit: str = ""
    times: int = 1
    #: (month, day) pairs for ``dates``; (n, weekday, month) for ``nth`` (n = -1: the last)
    dates: tuple = ()
    start: datetime.date | None = None
    end: datetime.date | None = None
    text: str = ""

    def describe(self) -> str:
        """The rule in Chinese words (每月1次, 每年5月12日, 每学期开学前)."""
        if self.kind == "every":
            if self.unit in ("day", "schoolday") and self.times == 1:
                return _UNIT_LABELS[self.unit]
            return f"{_UNIT_LABELS[self.unit]}{'至少' if self.times > 1 else ''}{self.times}次"
        if self.kind == "dates":
            return "每年" + "、".join(f"{m}月{d}日" for m, d in self.dates)
        if self.kind == "nth":
            names = "一二三四五六日"
            n, wd, month = self.dates[0]
            nth = "最后一个" if n == -1 else f"第{n}个"
            return f"每年{month}月{nth}星期{names[wd]}"
        if self.kind == "before_term":
            return "每学期开学前"
        return f"{self.start:%Y年%-m月%-d日}至{self.end:%Y年%-m月%-d日}"


_N_UNIT = re.compile(r"^(\d{1,3})\s*/\s*([a-z]+)$")
_MD = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_NTH = re.compile(r"^(last|[1-5])-(mon|tue|wed|thu|fri|sat|sun)-(\d{1,2})$")
_ONCE = re.compile(r"^once\s+(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")


def parse(text: str) -> Rule:
    """The rule of ``text``; raises :class:`RuleError` with a message in Chinese."""
    raw = (text or "").strip()
    s = re.sub(r"\s+", " ", raw.lower())
    if not s:
        raise RuleError(_("The frequency rule is empty."))
    if s in _ALIASES:
        return Rule("every", unit=_ALIASES[s], text=raw)
    if s == "before-term":
        return Rule("before_term", text=raw)
    if m := _N_UNIT.match(s):
        times, unit = int(m.group(1)), m.group(2)
        if unit not in UNITS:
            raise RuleError(
                _("“%(unit)s” is not a period; use one of %(units)s.")
                % {"unit": unit, "units": ", ".join(UNITS)}
            )
        if not 1 <= times <= 366:
            raise RuleError(_("The number of times must be between 1 and 366."))
        return Rule("every", unit=unit, times=times, text=raw)
    if m := _ONCE.match(s):
        try:
            start = datetime.date.fromisoformat(m.group(1))
            end = datetime.date.fromisoformat(m.group(2))
        except ValueError as exc:
            raise RuleError(
                _("“%(rule)s” holds a date that does not exist.") % {"rule": raw}
            ) from exc
        if end < start:
            raise RuleError(_("The window of “%(rule)s” ends before it starts.") % {"rule": raw})
        return Rule("once", start=start, end=end, text=raw)
    if s.startswith("on "):
        parts = [p.strip() for p in s[3:].split(",") if p.strip()]
        if not parts:
            raise RuleError(_("“%(rule)s” names no date.") % {"rule": raw})
        if len(parts) == 1 and (m := _NTH.match(parts[0])):
            n = -1 if m.group(1) == "last" else int(m.group(1))
            month = int(m.group(3))
            if not 1 <= month <= 12:
                raise RuleError(_("“%(rule)s” names no month 1–12.") % {"rule": raw})
            return Rule("nth", dates=((n, _WEEKDAYS.index(m.group(2)), month),), text=raw)
        dates = []
        for part in parts:
            m = _MD.match(part)
            if not m:
                raise RuleError(
                    _("“%(part)s” in “%(rule)s” is not a date written as MM-DD.")
                    % {"part": part, "rule": raw}
                )
            month, day = int(m.group(1)), int(m.group(2))
            try:
                datetime.date(2024, month, day)  # a leap year: 02-29 is a date
            except ValueError as exc:
                raise RuleError(
                    _("“%(part)s” in “%(rule)s” is not a date.") % {"part": part, "rule": raw}
                ) from exc
            dates.append((month, day))
        return Rule("dates", dates=tuple(sorted(set(dates))), text=raw)
    raise RuleError(
        _(
            "“%(rule)s” is not a frequency rule. Write for example daily, schooldays, weekly, "
            "monthly, quarterly, termly, yearly, 2/term, on 05-12, on last-mon-03, before-term."
        )
        % {"rule": raw}
    )


@dataclass(frozen=True)
class Period:
    """One occurrence's dates. ``key`` names it within the duty (2026-M05, 2026-W19 …)."""

    key: str
    start: datetime.date
    end: datetime.date
    window_start: datetime.date
    window_end: datetime.date
    grace_end: datetime.date

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def _period(key, start, end, window_start, window_end, grace_days) -> Period:
    return Period(
        key, start, end, window_start, window_end, window_end + datetime.timedelta(grace_days)
    )


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    m = day.month - 1 + months
    return datetime.date(day.year + m // 12, m % 12 + 1, 1)


def _nth_weekday(year: int, month: int, n: int, weekday: int) -> datetime.date:
    days = [
        datetime.date(year, month, d)
        for d in range(1, _calendar.monthrange(year, month)[1] + 1)
        if datetime.date(year, month, d).weekday() == weekday
    ]
    return days[-1] if n == -1 else days[min(n, len(days)) - 1]


def _fixed_date(year: int, month: int, day: int) -> datetime.date:
    """``MM-DD`` in ``year``; 02-29 falls on 28 February in a common year."""
    last = _calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day, last))


def periods(
    rule: Rule,
    start: datetime.date,
    end: datetime.date,
    cal: Calendar,
    *,
    window_days: int = 0,
    grace_days: int = 0,
) -> list[Period]:
    """Every period of ``rule`` whose window opens on or before ``end`` and whose window or
    grace reaches ``start`` or later, in date order."""
    out: list[Period] = []
    if rule.kind == "every":
        out = list(_unit_periods(rule.unit, start, end, cal, grace_days))
    elif rule.kind in ("dates", "nth"):
        span = datetime.timedelta(days=window_days)
        for year in range(start.year - 1, end.year + 2):
            for entry in rule.dates:
                day = (
                    _nth_weekday(year, entry[2], entry[0], entry[1])
                    if rule.kind == "nth"
                    else _fixed_date(year, *entry)
                )
                out.append(_period(day.isoformat(), day, day, day - span, day + span, grace_days))
    elif rule.kind == "before_term":
        # a term that starts up to a year after ``end`` may already have its window open
        for term in cal.terms_between(start, end + datetime.timedelta(days=366)):
            first = term.start
            out.append(
                _period(
                    f"{first.isoformat()}-T",
                    first - datetime.timedelta(days=window_days or 30),
                    first,
                    first - datetime.timedelta(days=window_days or 30),
                    first,
                    grace_days,
                )
            )
    elif rule.kind == "once":
        out = [
            _period(rule.start.isoformat(), rule.start, rule.end, rule.start, rule.end, grace_days)
        ]
    return sorted(
        (p for p in out if p.window_start <= end and p.grace_end >= start),
        key=lambda p: (p.window_start, p.key),
    )


def _unit_periods(unit, start, end, cal, grace_days):
    if unit in ("day", "schoolday"):
        day = start
        while day <= end:
            if unit == "day" or cal.is_school_day(day):
                yield _period(day.isoformat(), day, day, day, day, grace_days)
            day += ONE_DAY
        return
    if unit == "week":
        day = start - datetime.timedelta(days=start.weekday())
        while day <= end:
            iso = day.isocalendar()
            last = day + datetime.timedelta(days=6)
            yield _period(f"{iso.year}-W{iso.week:02d}", day, last, day, last, grace_days)
            day = last + ONE_DAY
        return
    if unit in ("month", "quarter", "half", "year"):
        step = {"month": 1, "quarter": 3, "half": 6, "year": 12}[unit]
        first = {
            "month": datetime.date(start.year, start.month, 1),
            "quarter": _quarter_start(start),
            "half": datetime.date(start.year, 1 if start.month <= 6 else 7, 1),
            "year": datetime.date(start.year, 1, 1),
        }[unit]
        while first <= end:
            nxt = _add_months(first, step)
            last = nxt - ONE_DAY
            key = {
                "month": f"{first.year}-M{first.month:02d}",
                "quarter": f"{first.year}-Q{(first.month - 1) // 3 + 1}",
                "half": f"{first.year}-H{1 if first.month == 1 else 2}",
                "year": f"{first.year}",
            }[unit]
            yield _period(key, first, last, first, last, grace_days)
            first = nxt
        return
    if unit == "schoolyear":
        year = start.year if start.month >= 9 else start.year - 1
        while datetime.date(year, 9, 1) <= end:
            first, last = datetime.date(year, 9, 1), datetime.date(year + 1, 8, 31)
            yield _period(f"{year}-{year + 1}", first, last, first, last, grace_days)
            year += 1
        return
    if unit == "term":
        for term in cal.terms_between(start, end):
            yield _period(
                f"{term.start.isoformat()}-T",
                term.start,
                term.end,
                term.start,
                term.end,
                grace_days,
            )
        return
    raise RuleError(f"unknown unit {unit}")


def period_in_vacation(period: Period, cal: Calendar) -> bool:
    """Whether the whole window lies in a vacation (no term day in it)."""
    return cal.in_vacation(period.window_start, period.window_end)


__all__ = ["Calendar", "Period", "Rule", "RuleError", "parse", "period_in_vacation", "periods"]
