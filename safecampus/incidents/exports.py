"""The incidents as an Excel 台账 (突发事件台账): one row per incident the reader sees, written by
the job ``incidents.export`` from the list's filters (the query-string names of
``selectors.IncidentFilters``), streamed in chunks through ``core.excel`` (title and header
block, A4 landscape, numbers as numbers, minutes late as numbers, text never a formula).

Rows come from ``selectors.incidents``, so a restricted case is in the workbook only for the
people named on it, and even then with its type, dates, school and status alone: its title,
place, description, measures and counts are replaced by "（受限案件，详情不导出）".
``private_details`` is never exported.
"""

from __future__ import annotations

import datetime
import tempfile

from django.utils import timezone

from safecampus.core.excel import (
    Column,
    Heading,
    file_name,
    filters_label,
    iter_chunks,
    scope_label,
    write_workbook,
)
from safecampus.orgs.models import Department, School

from . import selectors
from .choices import IncidentStatus, IncidentType, Severity
from .documents import (
    RESTRICTED_MASK,
    SEVERITY_TEXT,
    STATUS_TEXT,
    TYPE_TEXT,
    first_minutes_late,
)
from .models import IncidentStep

TITLE = "突发事件台账"
#: incidents read per round trip
CHUNK = 500

COLUMNS = [
    Column("序号", 6),
    Column("学校", 14),
    Column("事件名称", 20),
    Column("类型", 10),
    Column("等级", 10),
    Column("发生时间", 16),
    Column("知悉时间", 16),
    Column("首报时间", 16),
    Column("地点", 14),
    Column("基本情况", 36),
    Column("已采取措施", 30),
    Column("涉及学生", 6),
    Column("涉及教职工", 6),
    Column("受伤", 6),
    Column("死亡", 6),
    Column("首报迟报(分钟)", 8),
    Column("续报次数", 6),
    Column("未按时续报(次)", 8),
    Column("状态", 8),
    Column("终报时间", 16),
]

#: query-string name → label in the header block
FILTER_LABELS = {
    "bureau": "教育局",
    "school": "学校",
    "department": "责任科室",
    "status": "状态",
    "incident_type": "类型",
    "severity": "等级",
    "timeliness": "时效",
    "serious": "较大及以上",
    "since": "发生日期起",
    "until": "发生日期止",
    "q": "关键词",
}
FILTER_NAMES = tuple(FILTER_LABELS)
TIMELINESS_TEXT = {"late": "首报迟报", "on_time": "首报按时"}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "on", "yes")


def filter_params(query) -> dict:
    """The list's filters of a query string (or a job's stored parameters), as strings, empty
    ones left out: what a job keeps."""
    out = {}
    for name in FILTER_NAMES:
        value = query.get(name) if hasattr(query, "get") else None
        if value not in (None, ""):
            out[name] = str(value).strip()[:100]
    return out


def filters_from(params: dict) -> selectors.IncidentFilters:
    """``selectors.IncidentFilters`` from the query-string names; a value that does not parse is
    no filter (as the list ignores it)."""
    p = params or {}
    status = p.get("status", "")
    kind = p.get("incident_type", "")
    severity = p.get("severity", "")
    timely = p.get("timeliness", "")
    return selectors.IncidentFilters(
        bureau_id=_int(p.get("bureau")),
        school_id=_int(p.get("school")),
        department_id=_int(p.get("department")),
        status=status if status in IncidentStatus.values else "",
        incident_type=kind if kind in IncidentType.values else "",
        severity=severity if severity in Severity.values else "",
        timeliness=timely if timely in TIMELINESS_TEXT else "",
        serious=_truthy(p.get("serious", "")),
        since=_date(p.get("since")),
        until=_date(p.get("until")),
        q=str(p.get("q", "")).strip(),
    )


def filters_text(f: selectors.IncidentFilters, user) -> str:
    """ "学校：甲小学；状态：处置中" (in Chinese). A school or department is named only when
    ``user`` sees it; another's id stays a number."""

    def named(model, pk):
        return model.objects.visible_to(user).filter(pk=pk).values_list("name", flat=True).first()

    from safecampus.orgs.models import Bureau

    pairs = [
        ("bureau", f.bureau_id and (named(Bureau, f.bureau_id) or f.bureau_id)),
        ("school", f.school_id and (named(School, f.school_id) or f.school_id)),
        ("department", f.department_id and (named(Department, f.department_id) or f.department_id)),
        ("status", STATUS_TEXT.get(f.status, "")),
        ("incident_type", TYPE_TEXT.get(f.incident_type, "")),
        ("severity", SEVERITY_TEXT.get(f.severity, "")),
        ("timeliness", TIMELINESS_TEXT.get(f.timeliness, "")),
        ("serious", "是" if f.serious else ""),
        ("since", f"{f.since:%Y-%m-%d}" if f.since else ""),
        ("until", f"{f.until:%Y-%m-%d}" if f.until else ""),
        ("q", f.q),
    ]
    return filters_label((FILTER_LABELS[k], v) for k, v in pairs if v)


def workbook_name(user, now) -> str:
    """ "甲小学_突发事件台账_2027-03-01.xlsx" """
    return file_name(scope_label(user), TITLE, timezone.localtime(now).date())


def rows(qs, *, now):
    """The 台账's rows of the incidents ``qs``, read in chunks (three reads a chunk: the
    incidents, their closing reports, their follow-up windows)."""
    n = 0
    for chunk in iter_chunks(qs.iterator(chunk_size=CHUNK), CHUNK):
        ids = [i.pk for i in chunk]
        finals = dict(
            IncidentStep.objects.filter(incident_id__in=ids, kind="final").values_list(
                "incident_id", "at"
            )
        )
        missed = selectors.missed_follow_ups(qs.model.objects.filter(pk__in=ids), now=now)
        for i in chunk:
            n += 1
            common = [
                n,
                i.school.name,
                None,
                TYPE_TEXT.get(i.incident_type, i.incident_type),
                SEVERITY_TEXT.get(i.severity, i.severity),
                i.occurred_at,
                i.known_at,
                i.reported_at,
            ]
            status = STATUS_TEXT.get(i.status, i.status)
            if i.restricted:
                # type, dates, school and status only
                common[2] = RESTRICTED_MASK
                yield [*common, "", "", "", *[None] * 7, status, finals.get(i.pk)]
                continue
            tail = [
                first_minutes_late(i) if i.first_late else 0,
                i.follow_ups,
                missed.get(i.pk, 0),
                status,
                finals.get(i.pk),
            ]
            common[2] = i.title
            yield [
                *common,
                i.place,
                i.description,
                i.measures,
                i.affected_students,
                i.affected_staff,
                i.injured,
                i.deaths,
                *tail,
            ]


def write_incident_workbook(fileobj, *, user, params: dict | None = None, now=None, progress=None):
    """Write the 台账 of the incidents ``user`` sees under the list's filters ``params``; returns
    the number of rows."""
    now = now or timezone.now()
    f = filters_from(params or {})
    qs = selectors.incidents(user, f).defer("private_details", "limits", "sync")
    heading = Heading(
        TITLE,
        scope=scope_label(user),
        filters=filters_text(f, user),
        as_of=now,
        notes=[
            f"导出人：{user.display_name}",
            "受限案件（涉及未成年人隐私）仅列类型、时间、学校和状态，详情不导出",
        ],
    )
    return write_workbook(
        fileobj,
        title=TITLE,
        columns=COLUMNS,
        rows=rows(qs, now=now),
        progress=progress,
        heading=heading,
    )


def incident_export_job(*, job, progress) -> dict:
    """The job ``incidents.export``: the 台账 of the list as filtered when it was started."""
    from django.core.files import File

    from safecampus.audit.models import Action as AuditAction
    from safecampus.audit.services import audit_record

    user = job.created_by
    now = timezone.now()
    params = (job.params or {}).get("filters") or {}
    progress(0, None, force=True)
    with tempfile.TemporaryFile() as tmp:
        n = write_incident_workbook(tmp, user=user, params=params, now=now, progress=progress)
        tmp.seek(0)
        job.output_name = workbook_name(user, now)
        job.output_file.save(job.output_name, File(tmp), save=False)
    audit_record(action=AuditAction.EXPORT, actor=user, data={"kind": "incidents", "rows": n})
    return {"rows": n}


EXPORT_JOB = "incidents.export"


def start_export(user, params) -> object:
    """Start the job writing the 台账 of the incidents as filtered by ``params`` (the list
    page's query-string names), for the page's export button and the API alike; a reader whose
    roles may not export is refused (``PermissionDenied``)."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from safecampus.core.access import require
    from safecampus.core.capabilities import INCIDENT_VIEW, JOB_CAPABILITY
    from safecampus.core.jobs import job_start

    require(user, INCIDENT_VIEW)
    require(user, JOB_CAPABILITY[EXPORT_JOB], _("Your roles do not allow this."))
    return job_start(
        kind=EXPORT_JOB,
        title=pgettext("incident documents", "Export of the incidents"),
        user=user,
        params={"filters": filter_params(params)},
    )
