"""A school's duty log (常态化工作台账) for a term: every occurrence of the term with its status,
dates, figures and who recorded it, as an Excel workbook (``core.excel``) and as a Word
document in the 公文 layout (``core.documents``). The rows are those the user sees."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone, translation

from safecampus.core import documents
from safecampus.core.excel import Column, file_name, heading_for, write_workbook

from . import selectors
from .choices import Figure, OccurrenceStatus
from .labels import occurrence_period
from .models import DutyRecord, Occurrence

TITLE = "常态化工作台账"


@dataclass
class LogRow:
    occ: Occurrence
    status: str
    record: DutyRecord | None


@dataclass
class DutyLog:
    school: object
    term_label: str
    start: datetime.date
    end: datetime.date
    today: datetime.date
    rows: list[LogRow] = field(default_factory=list)

    def file_name(self, ext: str) -> str:
        parts = (self.school.name, TITLE, self.term_label, self.today)
        if ext == "xlsx":
            return file_name(*parts)
        return documents.file_name(
            *[p if isinstance(p, str) else f"{p:%Y-%m-%d}" for p in parts], ext=ext
        )

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OccurrenceStatus.values, 0)
        for row in self.rows:
            out[row.status] += 1
        return out


def _term(cal, key: str | None, today: datetime.date):
    """(label, start, end) of the term starting on ``key`` (yyyy-mm-dd), or of the term
    ``today`` lies in (in a vacation: the last one before it); the school year with no terms."""
    terms = cal.terms
    term = None
    if key:
        term = next((t for t in terms if t.start.isoformat() == key), None)
    if term is None:
        term = cal.term_of(today) or next((t for t in reversed(terms) if t.start <= today), None)
    if term is None:
        start, end = selectors.school_year_bounds(today)
        return f"{start.year}—{end.year}学年", start, end
    return f"{term.school_year}学年{term.name}", term.start, term.end


def duty_log(*, user, school, term: str | None, today: datetime.date) -> DutyLog:
    """The occurrences of ``school`` that ``user`` sees whose window meets the term."""
    with translation.override("zh-hans"):
        label, start, end = _term(selectors.calendar_for(school.bureau), term, today)
        records = DutyRecord.objects.select_related("created_by").order_by("created_at", "pk")
        occs = (
            Occurrence.objects.visible_to(user)
            .filter(school=school, window_start__lte=end, window_end__gte=start)
            .select_related("duty")
            .prefetch_related(Prefetch("records", queryset=records))
            .order_by("window_start", "code")
        )
        log = DutyLog(school, label, start, end, today)
        for occ in occs:
            recs = list(occ.records.all())
            superseded = {r.supersedes_id for r in recs}
            current = [r for r in recs if r.pk not in superseded]
            log.rows.append(
                LogRow(occ, occ.effective_status(today), current[-1] if current else None)
            )
        return log


def _figures(rec: DutyRecord | None) -> str:
    if rec is None or not rec.figures:
        return ""
    labels = dict(Figure.choices)
    return "；".join(f"{labels.get(k, k)}：{v}" for k, v in rec.figures.items())


def _local(moment) -> datetime.datetime | None:
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


XLSX_COLUMNS = [
    Column("序号", 6),
    Column("工作编码", 10),
    Column("工作名称", 28),
    Column("周期", 14),
    Column("窗口开始", 11),
    Column("窗口结束", 11),
    Column("最迟完成", 11),
    Column("状态", 8),
    Column("开展时间", 16),
    Column("参与人数", 8),
    Column("疏散用时（秒）", 8),
    Column("其他数据", 20),
    Column("情况摘要", 36),
    Column("记录人", 10),
    Column("记录时间", 16),
]


def log_xlsx(log: DutyLog, *, user) -> io.BytesIO:
    with translation.override("zh-hans"):
        rows = []
        for n, row in enumerate(log.rows, start=1):
            rec = row.record
            rows.append(
                [
                    n,
                    row.occ.code,
                    row.occ.duty.name,
                    occurrence_period(row.occ),
                    row.occ.window_start,
                    row.occ.window_end,
                    row.occ.grace_end,
                    str(OccurrenceStatus(row.status).label),
                    _local(rec.occurred_at) if rec else None,
                    rec.participants if rec else None,
                    rec.evacuation_seconds if rec else None,
                    _figures(rec),
                    rec.summary if rec else "",
                    rec.created_by.display_name if rec else "",
                    _local(rec.created_at) if rec else None,
                ]
            )
        out = io.BytesIO()
        write_workbook(
            out,
            title=TITLE,
            columns=XLSX_COLUMNS,
            rows=rows,
            heading=heading_for(
                user,
                f"{log.school.name}{TITLE}（{log.term_label}）",
                filters=f"学校：{log.school.name}；学期：{log.term_label}"
                f"（{log.start:%Y-%m-%d}至{log.end:%Y-%m-%d}）",
            ),
        )
    out.seek(0)
    return out


def log_docx(log: DutyLog) -> bytes:
    with translation.override("zh-hans"):
        doc = documents.Document(
            bureau=log.school.bureau,
            issuer=log.school.name,
            title=f"{log.school.name}{TITLE}",
            subtitle=f"{log.term_label}（{log.start:%Y-%m-%d}至{log.end:%Y-%m-%d}）",
            landscape=True,
        )
        c = log.counts()
        owed = len(log.rows) - c[OccurrenceStatus.EXCUSED]
        done = c[OccurrenceStatus.DONE] + c[OccurrenceStatus.DONE_LATE]
        # open ones whose window has not opened yet are not "in progress"
        later = sum(
            1
            for row in log.rows
            if row.status == OccurrenceStatus.DUE and row.occ.window_start > log.today
        )
        open_now = c[OccurrenceStatus.DUE] + c[OccurrenceStatus.EXCUSE_REQUESTED] - later
        doc.heading(1, "一、总体情况")
        doc.para(
            f"本学期应开展常态化工作{owed}项次，已完成{done}项次（其中逾期完成"
            f"{c[OccurrenceStatus.DONE_LATE]}项次），未完成{c[OccurrenceStatus.MISSED]}项次，"
            f"进行中{open_now}项次，尚未开始{later}项次，"
            f"经批准免于开展{c[OccurrenceStatus.EXCUSED]}项次。"
        )
        doc.heading(1, "二、工作台账")
        doc.table(
            ["序号", "工作名称", "周期", "最迟完成", "状态", "开展时间", "数据", "记录人"],
            [
                [
                    n,
                    row.occ.duty.name,
                    occurrence_period(row.occ),
                    f"{row.occ.grace_end:%Y-%m-%d}",
                    str(OccurrenceStatus(row.status).label),
                    f"{timezone.localtime(row.record.occurred_at):%Y-%m-%d %H:%M}"
                    if row.record
                    else "",
                    _doc_figures(row.record),
                    row.record.created_by.display_name if row.record else "",
                ]
                for n, row in enumerate(log.rows, start=1)
            ],
            widths=[0.6, 3, 1.6, 1.3, 1, 1.6, 2, 1.2],
            empty="本学期没有应开展的常态化工作。",
        )
        doc.signature(log.today)
        return doc.bytes()


def _doc_figures(rec: DutyRecord | None) -> str:
    if rec is None:
        return ""
    parts = []
    if rec.participants is not None:
        parts.append(f"参与{rec.participants}人")
    if rec.evacuation_seconds is not None:
        parts.append(f"疏散{rec.evacuation_seconds}秒")
    if other := _figures(rec):
        parts.append(other)
    return "；".join(parts)


def log_of(*, user, school_id=None, term: str | None = None, today: datetime.date) -> DutyLog:
    """The duty log ``user`` asks for, for the page and the API alike: of the school
    ``school_id`` (read through the access check: outside the scope ``Http404``), or without
    one of the first school whose duties ``user`` records; of the term ``term`` (default the
    current one). A role that does not reach duties is refused (``PermissionDenied``)."""
    from django.http import Http404
    from django.utils.translation import gettext as _

    from safecampus.core.access import get_for, require, scope_for
    from safecampus.core.capabilities import DUTY_VIEW
    from safecampus.orgs.models import School

    from . import access

    require(user, DUTY_VIEW)
    if school_id:
        school = get_for(user, School.objects.select_related("bureau"), school_id)
    else:
        ids = access.recording_school_ids(scope_for(user))
        school = (
            School.objects.filter(pk__in=ids, is_active=True)
            .select_related("bureau")
            .order_by("name")
            .first()
            if ids
            else None
        )
        if school is None:
            raise Http404(_("Choose a school."))
    return duty_log(user=user, school=school, term=term, today=today)
