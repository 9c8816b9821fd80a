"""Drill records imported from a workbook (a background job, ``duties.record_import``): one row
per drill, all or nothing.

Every row is checked before anything is written, with the checks of ``services.record``
(``services.record_problems``) and those only a row has: the school by its code and within the
importer's reach, the duty by its code in the school's catalog and owed by the school, the
period whose window holds the date, not yet recorded (nor twice in the file). An imported row
carries no files, so a duty that requires evidence is refused: it is recorded on its page. The
rows are then written in one transaction (``services.record_rows``); a refusal there (a record
made meanwhile) rolls every row back.
"""

from __future__ import annotations

import datetime
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.access import scope_for
from safecampus.core.excel import (
    Column,
    ExcelRefused,
    RowError,
    cell_text,
    file_name,
    heading_for,
    read_workbook,
    write_workbook,
)
from safecampus.core.jobs import JobRefused
from safecampus.core.refusals import errors_of
from safecampus.orgs.models import School

from . import access, selectors, services
from .choices import OccurrenceStatus as S
from .models import Occurrence

SCHOOL = "学校标识码"
DUTY = "工作编码"
HELD_AT = "开展时间"
SCENARIO = "演练情景"
PARTICIPANTS = "参与人数"
EVACUATION = "疏散用时（秒）"
SUMMARY = "情况摘要"
#: services' field → the column it comes from
FIELD_COLUMNS = {
    "occurred_at": HELD_AT,
    "participants": PARTICIPANTS,
    "evacuation_seconds": EVACUATION,
    "scenario": SCENARIO,
    "summary": SUMMARY,
}
MAX_ROWS = 5000


def columns() -> list[Column]:
    return [
        Column(SCHOOL, 14, required=True),
        Column(DUTY, 10, required=True),
        Column(HELD_AT, 18, required=True, help="2026-11-10 09:30"),
        Column(SCENARIO, 24),
        Column(PARTICIPANTS, 10),
        Column(EVACUATION, 12),
        Column(SUMMARY, 40),
    ]


def template_name() -> str:
    return file_name("应急演练记录导入模板", timezone.localdate())


def template_bytes(user) -> io.BytesIO:
    """The empty workbook to fill in, with its header block."""
    out = io.BytesIO()
    write_workbook(
        out,
        title="演练记录",
        columns=columns(),
        rows=[],
        heading=heading_for(
            user,
            "应急演练记录导入模板",
            notes=[
                "每行一次演练；开展时间写作 2026-11-10 09:30；"
                "要求照片等附件的工作请在页面上逐条记录。"
            ],
        ),
    )
    out.seek(0)
    return out


def record_import_job(*, job, progress) -> dict:
    with job.input_file.open("rb") as fh:
        return record_import(
            fileobj=fh, actor=job.created_by, name=job.params.get("name", ""), progress=progress
        )


def _held_at(value, err) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        err(HELD_AT, _("Give the time of day as well as the date."))
        return None
    else:
        text = cell_text(value).replace("/", "-").replace("T", " ")
        if not text:
            err(HELD_AT, _("Required."))
            return None
        moment = None
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
            try:
                moment = datetime.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            err(
                HELD_AT,
                _("'%(v)s' is not a date and time such as 2026-11-10 09:30.") % {"v": text},
            )
            return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _number(value, column, err):
    text = cell_text(value)
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        err(column, _("Must be a whole number of 0 or more, got '%(v)s'.") % {"v": text})
        return None
    if number < 0:
        err(column, _("Must be a whole number of 0 or more, got '%(v)s'.") % {"v": text})
        return None
    return number


class _Checker:
    """The reads a row's check needs, each done once per school."""

    def __init__(self, actor, today: datetime.date):
        self.actor = actor
        self.today = today
        self.mine = access.recording_school_ids(scope_for(actor))
        self.schools: dict[str, School | None] = {}
        self.duties: dict[int, dict] = {}

    def school(self, code: str):
        """The school of ``code`` among those the importer sees, or None."""
        if code not in self.schools:
            school = (
                School.objects.visible_to(self.actor)
                .filter(code=code)
                .select_related("bureau")
                .first()
            )
            if school is not None and school.pk in self.mine and school.is_active:
                services.ensure_for_school(school, today=self.today)
            self.schools[code] = school
        return self.schools[code]

    def exists(self, code: str) -> bool:
        """Whether a school of ``code`` exists at all (beyond the importer's sight: its name
        is not told)."""
        return School.objects.filter(code=code).exists()

    def duty(self, school, code: str):
        if school.bureau_id not in self.duties:
            self.duties[school.bureau_id] = {
                d.code: d for d, _since in selectors.owed_duties(school.bureau)
            }
        return self.duties[school.bureau_id].get(code)


def record_import(*, fileobj, actor, name: str = "", progress=None, now=None) -> dict:
    """Check every row, then record all of them in one transaction, or nothing."""
    progress = progress or (lambda *a, **k: None)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    try:
        sheet = read_workbook(fileobj, columns=columns(), name=name)
    except ExcelRefused as refusal:
        raise JobRefused(refusal.message) from refusal
    total = len(sheet.rows)
    if not total:
        raise JobRefused(_("The workbook has no rows."))
    if total > MAX_ROWS:
        raise JobRefused(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS})
    progress(0, total + 1, force=True)
    checker = _Checker(actor, today)
    errors: list[RowError] = []
    rows: list[tuple[int, int, dict]] = []  # (excel row, occurrence id, data)
    taken: dict[int, list[int]] = {}  # occurrence id → excel rows of this file
    for i, (number, raw) in enumerate(sheet.rows, start=1):
        found = _check_row(number, raw, checker, errors, taken, now)
        if found is not None:
            rows.append((number, *found))
        if i % 100 == 0:
            progress(i)
    if errors:
        _refuse_rows(errors)
    try:
        records = services.record_rows(
            actor=actor, rows=[(pk, data) for _n, pk, data in rows], now=now
        )
    except ValidationError as exc:
        number = rows[getattr(exc, "row", 0)][0]
        _refuse_rows(
            [
                RowError(number, FIELD_COLUMNS.get(field, ""), message)
                for field, messages in errors_of(exc).items()
                for message in messages
            ]
        )
    except (Http404, PermissionDenied) as exc:
        raise JobRefused(
            _("A period left your reach while importing; nothing was imported.")
        ) from exc
    progress(total + 1, force=True)
    return {"rows": len(records), "message": _("%(n)d records imported.") % {"n": len(records)}}


def _check_row(number, raw, checker: _Checker, errors, taken, now):
    """(occurrence id, data) of a good row; every problem of a bad one into ``errors``."""
    before = len(errors)

    def err(column, message):
        errors.append(RowError(number, column, message))

    school_code = cell_text(raw.get(SCHOOL))
    duty_code = cell_text(raw.get(DUTY)).upper()
    held_at = _held_at(raw.get(HELD_AT), err)
    data = {
        "occurred_at": held_at,
        "scenario": cell_text(raw.get(SCENARIO))[:200],
        "summary": cell_text(raw.get(SUMMARY)),
        "participants": _number(raw.get(PARTICIPANTS), PARTICIPANTS, err),
        "evacuation_seconds": _number(raw.get(EVACUATION), EVACUATION, err),
    }
    if not school_code:
        err(SCHOOL, _("Required."))
        return None
    school = checker.school(school_code)
    if school is None:
        if checker.exists(school_code):
            err(SCHOOL, _("The school %(v)s is not within your reach.") % {"v": school_code})
        else:
            err(SCHOOL, _("Unknown school code '%(v)s'.") % {"v": school_code})
        return None
    if school.pk not in checker.mine or not school.is_active:
        err(SCHOOL, _("%(school)s is not within your reach.") % {"school": school.name})
        return None
    if not duty_code:
        err(DUTY, _("Required."))
        return None
    duty = checker.duty(school, duty_code)
    if duty is None:
        err(DUTY, _("Unknown duty code '%(v)s' in the duty catalog.") % {"v": duty_code})
        return None
    if not duty.applies_to(school):
        err(
            DUTY,
            _("%(school)s does not owe “%(duty)s”.") % {"school": school.name, "duty": duty.name},
        )
        return None
    if duty.evidence:
        err(
            DUTY,
            _(
                "“%(duty)s” requires %(evidence)s, which an imported row cannot carry: "
                "record it on its page."
            )
            % {"duty": duty.name, "evidence": "、".join(duty.evidence_labels)},
        )
    if held_at is None:
        return None
    if held_at > now:
        err(HELD_AT, _("The date and time lie in the future."))
        return None
    day = timezone.localtime(held_at).date()
    occ = (
        Occurrence.objects.restrict(checker.actor, access.RECORD)
        .filter(school=school, code=duty_code, window_start__lte=day, grace_end__gte=day)
        .select_related("duty")
        # the period whose window holds the day, before one whose grace does
        .order_by("-window_start")
        .first()
    )
    if occ is None:
        err(
            HELD_AT,
            _("%(day)s lies in no period's window of “%(duty)s”.")
            % {"day": f"{day:%Y-%m-%d}", "duty": duty.name},
        )
        return None
    if occ.status in (S.DONE, S.DONE_LATE):
        err(
            HELD_AT,
            _("“%(duty)s” of %(period)s is already recorded.")
            % {"duty": duty.name, "period": _period(occ)},
        )
    elif occ.status in (S.EXCUSED, S.EXCUSE_REQUESTED):
        err(
            HELD_AT,
            _("“%(duty)s” of %(period)s is excused or awaits a decision on its excuse.")
            % {"duty": duty.name, "period": _period(occ)},
        )
    elif taken.get(occ.pk) and len(taken[occ.pk]) + occ.recorded >= occ.required:
        err(
            HELD_AT,
            _("Row %(row)d already records “%(duty)s” of %(period)s.")
            % {"row": taken[occ.pk][-1], "duty": duty.name, "period": _period(occ)},
        )
    for field, messages in services.record_problems(occ, data, now=now).items():
        if field.startswith("files"):
            continue  # said once above
        for message in messages:
            err(FIELD_COLUMNS.get(field, DUTY), message)
    if len(errors) > before:
        return None
    taken.setdefault(occ.pk, []).append(number)
    return occ.pk, data


def _period(occ) -> str:
    from .labels import occurrence_period

    return occurrence_period(occ)


def _refuse_rows(errors: list[RowError]):
    errors.sort(key=lambda e: (e.row, e.column))
    raise JobRefused(
        _("%(n)d problems in %(rows)d rows; nothing was imported. Fix them and import again.")
        % {"n": len(errors), "rows": len({e.row for e in errors})},
        [e.as_dict() for e in errors],
    )


__all__ = ["columns", "record_import", "record_import_job", "template_bytes"]
