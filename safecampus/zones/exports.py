"""The zone cases as an Excel 清单 (学生安全区域周边场所整治清单): one row per case, written by
the job ``zones.case_export`` from the list's filters, streamed in chunks (the partner units and
the latest event of each chunk read in two queries), through ``core.excel`` (title and header
block, A4 landscape, numbers as numbers, text never a formula)."""

from __future__ import annotations

import tempfile

from django.utils import timezone, translation

from safecampus.catalog import citations
from safecampus.core.excel import (
    Column,
    Heading,
    file_name,
    filters_label,
    form_filters,
    iter_chunks,
    scope_label,
    write_workbook,
)
from safecampus.orgs.models import Department, School

from . import selectors
from .choices import CaseAction, CaseStatus, VenueType
from .forms_cases import CaseFilterForm
from .models import ZoneCase, ZoneCaseEvent, ZoneRule

TITLE = "学生安全区域周边场所整治清单"
#: cases read per round trip
CHUNK = 500

#: the 清单's words for a case's status (the labels of ``CaseStatus`` are short for a page)
STATUS_TEXT = {
    CaseStatus.OPEN: "待交办",
    CaseStatus.RECTIFYING: "整改中",
    CaseStatus.SUBMITTED: "待核实",
    CaseStatus.CLOSED: "已结案",
    CaseStatus.LAPSED: "已不在区域内",
}

COLUMNS = [
    Column("序号", 5),
    Column("学校", 14),
    Column("场所名称", 18),
    Column("类型", 10),
    Column("地址", 16),
    Column("距离(米)", 8),
    Column("依据", 40),
    Column("责任科室", 9),
    Column("协作单位", 12),
    Column("整改期限", 11),
    Column("状态", 8),
    Column("最新进展", 30),
]


def filter_form(params: dict | None) -> CaseFilterForm:
    """The list's filter form bound to a job's parameters (empty values left out)."""
    data = {k: v for k, v in (params or {}).items() if v not in (None, "", False)}
    if data.get("overdue") is True:
        data["overdue"] = "on"
    return CaseFilterForm(data or None)


def filters_text(form: CaseFilterForm, user) -> str:
    """ "状态：未结案；学校：甲小学" (in Chinese). A school or department is named only when
    ``user`` sees it (as the list's choices do); another's id stays a number."""
    with translation.override("zh-hans"):
        pairs = form_filters(
            form,
            resolve={
                "school": lambda pk: (
                    School.objects.visible_to(user)
                    .filter(pk=pk)
                    .values_list("name", flat=True)
                    .first()
                    or pk
                ),
                "department": lambda pk: (
                    Department.objects.visible_to(user)
                    .filter(pk=pk)
                    .values_list("name", flat=True)
                    .first()
                    or pk
                ),
            },
        )
        # an unticked "overdue" box is no filter
        return filters_label((label, value) for label, value in pairs if value != "否")


def workbook_name(user, now) -> str:
    """ "闵行区教育局法制科_学生安全区域周边场所整治清单_2026-12-05.xlsx" """
    return file_name(scope_label(user), TITLE, timezone.localtime(now).date())


def _clauses() -> dict[tuple[int | None, str], str]:
    return {
        (bureau_id, code): citations.render(clause)
        for bureau_id, code, clause in ZoneRule.objects.values_list("bureau_id", "code", "clause")
    }


def _progress_text(event: ZoneCaseEvent | None) -> str:
    if event is None:
        return ""
    label = (
        str(CaseAction(event.action).label) if event.action in CaseAction.values else event.action
    )
    when = timezone.localtime(event.at)
    text = f"{when:%Y-%m-%d} {label}"
    return f"{text}：{event.note}" if event.note else text


def rows(qs):
    """The 清单's rows of the cases ``qs``, read in chunks."""
    kinds = dict(VenueType.choices)
    clauses = _clauses()
    n = 0
    qs = qs.select_related("school", "venue", "department")
    for chunk in iter_chunks(qs.iterator(chunk_size=CHUNK), CHUNK):
        ids = [c.pk for c in chunk]
        partners: dict[int, list[str]] = {}
        for case_id, name in (
            ZoneCase.partners.through.objects.filter(zonecase_id__in=ids)
            .order_by("partnerunit__name")
            .values_list("zonecase_id", "partnerunit__name")
        ):
            partners.setdefault(case_id, []).append(name)
        latest: dict[int, ZoneCaseEvent] = {}
        for event in ZoneCaseEvent.objects.filter(case_id__in=ids).order_by("case_id", "at", "pk"):
            latest[event.case_id] = event
        for case in chunk:
            n += 1
            basis = []
            for code in case.rule_codes or []:
                text = clauses.get((case.bureau_id, code)) or clauses.get((None, code)) or code
                if text not in basis:
                    basis.append(text)
            yield [
                n,
                case.school.name,
                case.venue.name,
                str(kinds.get(case.venue_kind, case.venue_kind)),
                case.venue.address,
                round(case.distance_m, 1),
                "；".join(basis),
                case.department.name if case.department_id else "",
                "、".join(partners.get(case.pk, [])),
                case.deadline,
                STATUS_TEXT.get(case.status, case.status),
                _progress_text(latest.get(case.pk)),
            ]


def write_case_workbook(fileobj, *, user, params: dict | None = None, now=None, progress=None):
    """Write the 清单 of the cases ``user`` sees under the list's filters ``params``; returns the
    number of rows."""
    now = now or timezone.now()
    form = filter_form(params)
    qs = selectors.cases(user, form.filters(), today=timezone.localtime(now).date())
    with translation.override("zh-hans"):
        heading = Heading(
            TITLE,
            scope=scope_label(user),
            filters=filters_text(form, user),
            as_of=now,
            notes=["距离为场所至学校校门或围墙（按规则起算线）的最近直线距离，单位米"],
        )
        return write_workbook(
            fileobj, title=TITLE, columns=COLUMNS, rows=rows(qs), progress=progress, heading=heading
        )


def case_export_job(*, job, progress) -> dict:
    """The job ``zones.case_export``: the 清单 of the list as filtered when it was started."""
    from django.core.files import File

    from safecampus.audit.models import Action as AuditAction
    from safecampus.audit.services import audit_record

    user = job.created_by
    now = timezone.now()
    params = (job.params or {}).get("filters") or {}
    progress(0, None, force=True)
    with tempfile.TemporaryFile() as tmp:
        n = write_case_workbook(tmp, user=user, params=params, now=now, progress=progress)
        tmp.seek(0)
        job.output_name = workbook_name(user, now)
        job.output_file.save(job.output_name, File(tmp), save=False)
    audit_record(action=AuditAction.EXPORT, actor=user, data={"kind": "zones.cases", "rows": n})
    return {"rows": n}


EXPORT_JOB = "zones.case_export"


def start_export(user, params) -> object:
    """Start the job writing the 清单 of the cases as filtered by ``params`` (the case list's
    query-string names), for the page's export button and the API alike; a reader whose roles
    may not export is refused (``PermissionDenied``)."""
    from django.utils.translation import gettext as _

    from safecampus.core.access import require
    from safecampus.core.capabilities import JOB_CAPABILITY, ZONE_VIEW
    from safecampus.core.jobs import job_start

    require(user, ZONE_VIEW, _("Your roles do not allow this."))
    require(user, JOB_CAPABILITY[EXPORT_JOB], _("Your roles do not allow this."))
    return job_start(
        kind=EXPORT_JOB,
        title=_("Export of the zone cases"),
        user=user,
        params={"filters": CaseFilterForm(params).params()},
    )
