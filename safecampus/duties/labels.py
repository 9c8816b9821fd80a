"""How a person reads an occurrence's period and status: "2026年11月", "2026年第47周",
"2026年第4季度", "11月18日", "2026年秋季学期开学前"; the badge colour of each status."""

from __future__ import annotations

import datetime
import re

from .choices import OccurrenceStatus as S

_MONTH = re.compile(r"^(\d{4})-M(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_YEAR = re.compile(r"^(\d{4})$")
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TERM = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-T$")


def _day(day: datetime.date) -> str:
    return f"{day.month}月{day.day}日"


def _term_name(first: datetime.date) -> str:
    return f"{first.year}年{'秋季' if first.month >= 7 else '春季'}学期"


def period_label(key: str, start: datetime.date | None = None, end: datetime.date | None = None):
    """The period ``key`` (``rules.Period.key``) in Chinese words; ``start``/``end`` (the
    occurrence's period) tell a term from the days before it and a one-off span from a day."""
    if m := _MONTH.match(key):
        return f"{m[1]}年{int(m[2])}月"
    if m := _WEEK.match(key):
        return f"{m[1]}年第{int(m[2])}周"
    if m := _QUARTER.match(key):
        return f"{m[1]}年第{m[2]}季度"
    if m := _HALF.match(key):
        return f"{m[1]}年{'上' if m[2] == '1' else '下'}半年"
    if m := _YEAR.match(key):
        return f"{m[1]}年"
    if m := _SCHOOL_YEAR.match(key):
        return f"{m[1]}—{m[2]}学年"
    if m := _TERM.match(key):
        first = datetime.date(int(m[1]), int(m[2]), int(m[3]))
        if start is not None and start < first:
            return f"{_term_name(first)}开学前"
        return _term_name(first)
    if m := _DAY.match(key):
        day = datetime.date(int(m[1]), int(m[2]), int(m[3]))
        if start is not None and end is not None and end != start:
            return f"{_day(start)}至{_day(end)}"
        return _day(day)
    return key


def occurrence_period(occ) -> str:
    return period_label(occ.period_key, occ.period_start, occ.period_end)


#: status → Bootstrap badge class
BADGES = {
    S.DUE: "text-bg-primary",
    S.EXCUSE_REQUESTED: "text-bg-info",
    S.DONE: "text-bg-success",
    S.DONE_LATE: "text-bg-warning",
    S.EXCUSED: "text-bg-secondary",
    S.MISSED: "text-bg-danger",
}
