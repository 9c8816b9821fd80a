"""Writes of the school calendar: a bureau's terms (``SchoolTerm``) and its override days
(``CalendarDay``: a public holiday or a make-up workday the library does not know).

Kept by ``DUTY_MANAGE`` of the bureau (404 outside its scope, 403 for a reader); every write is
audited; refused, with nothing saved, when a term ends before it starts, overlaps another term
of the bureau or repeats one of its school year, and when a day is already on record.
"""

from __future__ import annotations

import datetime
import re

from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _

from safecampus.audit.services import audit_record
from safecampus.core.access import get_for, require, scope_for
from safecampus.core.capabilities import DUTY_MANAGE
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse

from . import access
from .choices import DayKind, TermKind
from .models import CalendarDay, SchoolTerm

_SCHOOL_YEAR = re.compile(r"^(20\d\d)-(20\d\d)$")


def _manage(actor, bureau_id: int) -> None:
    require(actor, DUTY_MANAGE)
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise Http404


def _day(value: datetime.date) -> str:
    return f"{value:%Y-%m-%d}"


def _term_problems(*, bureau_id: int, data: dict, term_id: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    school_year = (data.get("school_year") or "").strip()
    kind, start, end = data.get("kind"), data.get("start"), data.get("end")
    m = _SCHOOL_YEAR.match(school_year)
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        errors["school_year"] = [_("Write the school year as 2026-2027.")]
    if kind not in TermKind.values:
        errors["kind"] = [_("Choose the autumn or the spring term.")]
    if start is None:
        errors["start"] = [_("Give the first day.")]
    if end is None:
        errors["end"] = [_("Give the last day.")]
    if errors:
        return errors
    if end < start:
        errors["end"] = [
            _("The term ends (%(end)s) before it starts (%(start)s).")
            % {"end": _day(end), "start": _day(start)}
        ]
        return errors
    first = int(m.group(1))
    if not (datetime.date(first, 7, 1) <= start and end <= datetime.date(first + 1, 8, 31)):
        errors["start"] = [
            _(
                "A term of the school year %(year)s lies between 1 July %(first)d "
                "and 31 August %(last)d."
            )
            % {"year": school_year, "first": first, "last": first + 1}
        ]
        return errors
    others = SchoolTerm.objects.filter(bureau_id=bureau_id).exclude(pk=term_id)
    if others.filter(school_year=school_year, kind=kind).exists():
        errors["kind"] = [
            _("The school year %(year)s already has its %(term)s.")
            % {"year": school_year, "term": TermKind(kind).label}
        ]
    overlap = others.filter(start__lte=end, end__gte=start).first()
    if overlap is not None:
        errors.setdefault("start", []).append(
            _("The term overlaps %(term)s (%(start)s to %(end)s).")
            % {"term": str(overlap), "start": _day(overlap.start), "end": _day(overlap.end)}
        )
    return errors


def term_save(
    *, actor, bureau_id: int | None = None, data: dict, term_id: int | None = None
) -> SchoolTerm:
    """Add a term to ``bureau_id`` or (with ``term_id``) change one. ``data``: school_year
    ("2026-2027"), kind, start, end."""
    if term_id is not None:
        term = get_for(actor, SchoolTerm, term_id, "edit")
        bureau_id = term.bureau_id
        before = {"start": _day(term.start), "end": _day(term.end)}
    else:
        term, before = SchoolTerm(bureau_id=bureau_id), None
    _manage(actor, bureau_id)

    def write():
        errors = _term_problems(bureau_id=bureau_id, data=data, term_id=term_id)
        if errors:
            raise refuse(errors, Code.INVALID)
        term.school_year = data["school_year"].strip()
        term.kind = data["kind"]
        term.start, term.end = data["start"], data["end"]
        term.save()
        audit_record(
            action="duties.term_save",
            actor=actor,
            target=term,
            bureau_id=bureau_id,
            data={
                "before": before,
                "after": {"start": _day(term.start), "end": _day(term.end)},
            },
        )
        return term

    try:
        return in_write_transaction(write)
    except IntegrityError as exc:  # a concurrent save of the same term
        raise refuse(
            {"kind": [_("The school year already has this term.")]}, Code.DUPLICATE
        ) from exc


def term_delete(*, actor, term_id: int) -> None:
    term = get_for(actor, SchoolTerm, term_id, "edit")
    _manage(actor, term.bureau_id)

    def write():
        audit_record(
            action="duties.term_delete",
            actor=actor,
            target=term,
            bureau_id=term.bureau_id,
            data={"start": _day(term.start), "end": _day(term.end)},
        )
        term.delete()

    in_write_transaction(write)


def day_add(*, actor, bureau_id: int, date: datetime.date | None, kind: str, name: str):
    """Add a public holiday or a make-up workday (调休) to the bureau's override days."""
    _manage(actor, bureau_id)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if date is None:
        errors["date"] = [_("Give the date.")]
    if kind not in DayKind.values:
        errors["kind"] = [_("Choose a public holiday or a make-up workday.")]
    if not name:
        errors["name"] = [_("Give the day's name, e.g. 春节 or 春节调休上班.")]
    elif len(name) > 40:
        errors["name"] = [_("At most %(n)d characters.") % {"n": 40}]
    if errors:
        raise refuse(errors, Code.INVALID)

    def duplicate(existing):
        return refuse(
            {
                "date": [
                    _("%(day)s is already on record (%(name)s).")
                    % {"day": _day(date), "name": existing.name if existing else ""}
                ]
            },
            Code.DUPLICATE,
        )

    def write():
        existing = CalendarDay.objects.filter(bureau_id=bureau_id, date=date).first()
        if existing is not None:
            raise duplicate(existing)
        day = CalendarDay.objects.create(
            bureau_id=bureau_id, date=date, kind=kind, name=name, created_by=actor
        )
        audit_record(
            action="duties.day_add",
            actor=actor,
            target=day,
            bureau_id=bureau_id,
            data={"date": _day(date), "kind": kind, "name": name},
        )
        return day

    try:
        return in_write_transaction(write)
    except IntegrityError as exc:
        raise duplicate(None) from exc


def day_delete(*, actor, day_id: int) -> None:
    day = get_for(actor, CalendarDay, day_id, "edit")
    _manage(actor, day.bureau_id)

    def write():
        audit_record(
            action="duties.day_delete",
            actor=actor,
            target=day,
            bureau_id=day.bureau_id,
            data={"date": _day(day.date), "kind": day.kind, "name": day.name},
        )
        day.delete()

    in_write_transaction(write)
