"""Writes of the weekly reports: a department opens, saves and submits its report; the centre
compiles the district report. Each write validates, saves and records its event row in one
transaction; a refusal is a ``ValidationError`` with a code.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.campaigns.choices import CampaignStatus
from safecampus.campaigns.models import Campaign
from safecampus.core.access import roles_on, scope_for
from safecampus.core.refusals import Code, refusal_code, refuse
from safecampus.core.roles import Role
from safecampus.orgs.models import Department
from safecampus.orgs.services import document_number

from . import access
from .choices import METRIC_KEYS
from .lifecycle import WEEKLY_REPORT
from .models import (
    DistrictReport,
    ReportAction,
    ReportStatus,
    WeeklyReport,
    WeeklyReportEvent,
)
from .selectors import change, register_figures, report_figures, week_of_report
from .weeks import Week, departments_owing, week_of

NARRATIVE_FIELDS = ("progress", "problems", "next_plan")


def _event(
    report: WeeklyReport, *, action: str, actor, at, data: dict, role: str = Role.DEPARTMENT_OFFICER
) -> WeeklyReportEvent:
    return WeeklyReportEvent.objects.create(
        report=report, action=action, actor=actor, actor_role=role, at=at, data=data
    )


def _forbidden() -> ValidationError:
    return refuse(_("Only the department's own officers write its weekly report."), Code.FORBIDDEN)


def _require_file(actor, department_id: int) -> None:
    if not access.files_for(scope_for(actor), department_id):
        raise _forbidden()


def _week(campaign: Campaign, week_start: datetime.date) -> Week:
    week = week_of(campaign, week_start)
    if week is None:
        raise refuse(_("This is not a report week of the campaign."), "no_such_week")
    return week


@transaction.atomic
def weekly_report_open(
    *,
    actor,
    campaign: Campaign,
    department: Department,
    week_start: datetime.date,
    now: datetime.datetime | None = None,
) -> WeeklyReport:
    """The department's report of the week: the existing one, or a new draft."""
    now = now or timezone.now()
    _require_file(actor, department.pk)
    if campaign.status != CampaignStatus.LAUNCHED:
        raise refuse(_("Weekly reports are filed only while the campaign runs."), "not_running")
    week = _week(campaign, week_start)
    if week.start > timezone.localdate(now):
        raise refuse(_("This week has not begun yet."), "not_started")
    if not departments_owing(campaign).filter(pk=department.pk).exists():
        raise refuse(_("This department owes no weekly reports on the campaign."), "not_owing")
    existing = WeeklyReport.objects.filter(
        campaign=campaign, department=department, week_start=week.start
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # two officers opening it at once: one draft, both get it
            report = _create_draft(actor, campaign, department, week, now)
    except IntegrityError:
        return WeeklyReport.objects.get(
            campaign=campaign, department=department, week_start=week.start
        )
    _event(report, action=ReportAction.CREATE, actor=actor, at=now, data={})
    return report


def _create_draft(actor, campaign, department, week, now) -> WeeklyReport:
    return WeeklyReport.objects.create(
        campaign=campaign,
        bureau_id=campaign.bureau_id,
        department=department,
        week_start=week.start,
        week_end=week.end,
        due_on=week.due,
        created_by=actor,
        created_at=now,
    )


def _locked_draft(actor, report_id: int) -> WeeklyReport:
    report = (
        WeeklyReport.objects.editable_by(actor)
        .select_for_update()
        .select_related("campaign", "department")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise _forbidden()
    return report


def _check(report: WeeklyReport, action: str, roles: frozenset[str]):
    """The table's move, its refusals told the way this app always told them: a submitted
    report no longer changes (``submitted``); only the department writes it (``forbidden``)."""
    try:
        return WEEKLY_REPORT.check(report, action, roles)
    except ValidationError as exc:
        if refusal_code(exc) == Code.INVALID_TRANSITION:
            raise refuse(
                _("The report is submitted; it no longer changes."), Code.SUBMITTED
            ) from None
        raise _forbidden() from None


def _apply_narrative(report: WeeklyReport, data: dict) -> dict:
    """Set the narrative fields given in ``data``; returns {field: [before, after]}."""
    changed = {}
    for name in NARRATIVE_FIELDS:
        if name in data and data[name] is not None:
            value = data[name].strip()
            if value != getattr(report, name):
                changed[name] = [getattr(report, name), value]
                setattr(report, name, value)
    return changed


@transaction.atomic
def weekly_report_save(
    *, actor, report_id: int, data: dict, now: datetime.datetime | None = None
) -> WeeklyReport:
    """Save the narrative of a draft."""
    now = now or timezone.now()
    report = _locked_draft(actor, report_id)
    roles = roles_on(actor, report)
    move = _check(report, ReportAction.SAVE, roles)
    changed = _apply_narrative(report, data)
    WEEKLY_REPORT.commit(
        report,
        move,
        now=now,
        event=lambda _from, _to: _event(
            report,
            action=ReportAction.SAVE,
            actor=actor,
            at=now,
            data={"changed": changed},
            role=WEEKLY_REPORT.acting_role(roles, move),
        ),
    )
    return report


@transaction.atomic
def weekly_report_submit(
    *, actor, report_id: int, data: dict, now: datetime.datetime | None = None
) -> WeeklyReport:
    """Submit a draft: the narrative is saved, the register's figures are frozen into the
    report, and a submission after the due day (Asia/Shanghai date) is marked late."""
    now = now or timezone.now()
    report = _locked_draft(actor, report_id)
    roles = roles_on(actor, report)
    move = _check(report, ReportAction.SUBMIT, roles)
    changed = _apply_narrative(report, data)
    if not report.progress:
        raise refuse(
            {"progress": [_("Describe the progress of the week before submitting.")]}, "invalid"
        )
    today = timezone.localdate(now)
    report.figures = report_figures(
        campaign=report.campaign,
        department=report.department,
        week=week_of_report(report),
        as_of=today,
    )
    report.submitted_by = actor
    report.late = today > report.due_on
    WEEKLY_REPORT.commit(
        report,
        move,
        now=now,
        event=lambda _from, _to: _event(
            report,
            action=ReportAction.SUBMIT,
            actor=actor,
            at=now,
            data={"changed": changed, "late": report.late, "totals": report.figures["totals"]},
            role=WEEKLY_REPORT.acting_role(roles, move),
        ),
    )
    return report


# --- the district report ------------------------------------------------------------------------


def _merge(rows_by_key: dict, key: str, rows: list[dict], label: str) -> None:
    for row in rows:
        into = rows_by_key.setdefault(
            row[key], {key: row[key], label: row[label], **dict.fromkeys(METRIC_KEYS, 0)}
        )
        for k in METRIC_KEYS:
            into[k] += row.get(k, 0)


def district_figures(reports: list[WeeklyReport]) -> dict:
    """The departments' frozen figures summed: totals, by school, by risk area."""
    totals = dict.fromkeys(METRIC_KEYS, 0)
    schools: dict = {}
    areas: dict = {}
    for report in reports:
        for k in METRIC_KEYS:
            totals[k] += report.figures["totals"].get(k, 0)
        _merge(schools, "school_id", report.figures["by_school"], "school")
        _merge(areas, "area_code", report.figures["by_area"], "area")
    return {
        "totals": totals,
        "by_school": sorted(schools.values(), key=lambda r: (r["school"], r["school_id"])),
        "by_area": sorted(areas.values(), key=lambda r: r["area_code"]),
    }


def _beside(rows: list[dict], owing: list[Department], reports: list[WeeklyReport]) -> list[dict]:
    """The register's figures per department (every department owing reports, with zeros where
    the register holds none of its hazards, and hazards no department holds yet), each with
    whether the department submitted its report and the totals that report states."""
    by_id = {r["department_id"]: r for r in rows}
    submitted = {r.department_id: r.figures["totals"] for r in reports}
    out = []
    for dept in owing:
        row = by_id.pop(dept.pk, None) or {
            "department_id": dept.pk,
            "department": dept.name,
            **dict.fromkeys(METRIC_KEYS, 0),
        }
        out.append(row)
    out += sorted(by_id.values(), key=lambda r: (r["department_id"] is None, r["department"]))
    for row in out:
        row["submitted"] = row["department_id"] in submitted
        row["reported"] = submitted.get(row["department_id"])
        if row["department_id"] is None:
            row["department"] = _("Not yet assigned to a department")
    return out


@transaction.atomic
def district_report_compile(
    *,
    actor,
    campaign: Campaign,
    week_start: datetime.date,
    summary: str = "",
    now: datetime.datetime | None = None,
) -> DistrictReport:
    """Compile the district report of the week: the campaign's figures from the register (all
    its hazards, the departments that have not submitted included), with the departments'
    submitted reports beside them and the departments still missing. Each compilation is a new
    version; earlier versions stay as they were.

    ``figures`` keys: ``totals``/``by_school``/``by_area`` (the register), ``by_department`` (the
    register per department, each with ``submitted`` and its report's ``reported`` totals),
    ``reported`` and ``reported_totals`` (the submitted reports summed), ``missing``, ``change``
    (register totals against the previous week's district report), ``previous_week``, ``as_of``,
    ``week_start``, ``week_end``."""
    now = now or timezone.now()
    if not access.may_compile(scope_for(actor), campaign):
        raise refuse(_("Only the safety centre compiles the district report."), "forbidden")
    week = _week(campaign, week_start)
    reports = list(
        WeeklyReport.objects.visible_to(actor)
        .filter(campaign=campaign, week_start=week.start, status=ReportStatus.SUBMITTED)
        .select_related("department")
        .order_by("department__sort_order", "department__name")
    )
    if not reports:
        raise refuse(
            _("No department has submitted its report for this week yet."), "nothing_submitted"
        )
    today = timezone.localdate(now)
    # 全区汇总 states the register (every hazard of the campaign, whichever department holds it
    # and whether or not it has reported); the departments' own figures stand beside it
    figures = register_figures(campaign=campaign, week=week, as_of=today)
    figures["reported"] = district_figures(reports)
    figures["reported_totals"] = figures["reported"]["totals"]
    owing = list(departments_owing(campaign).order_by("sort_order", "name"))
    figures["by_department"] = _beside(figures["by_department"], owing, reports)
    submitted_ids = {r.department_id for r in reports}
    figures["missing"] = [
        {"department_id": d.pk, "department": d.name} for d in owing if d.pk not in submitted_ids
    ]
    previous = (
        DistrictReport.objects.filter(campaign=campaign, week_start__lt=week.start)
        .order_by("-week_start", "-version")
        .values("week_start", "figures")
        .first()
    )
    figures["previous_week"] = previous["week_start"].isoformat() if previous else None
    figures["change"] = change(
        figures["totals"], previous["figures"].get("totals") if previous else None
    )
    departments = [
        {
            "department_id": r.department_id,
            "department": r.department.name,
            "report_id": r.pk,
            "submitted_at": timezone.localtime(r.submitted_at).isoformat(timespec="minutes"),
            "late": r.late,
            "progress": r.progress,
            "problems": r.problems,
            "next_plan": r.next_plan,
            "totals": r.figures["totals"],
        }
        for r in reports
    ]
    # two compilations at once queue on the campaign's row and get consecutive versions
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    last = DistrictReport.objects.filter(campaign=campaign, week_start=week.start).aggregate(
        m=Max("version")
    )["m"]
    # each compiled version is a document the bureau sends: it takes the bureau's next number
    # here, in this transaction, so a compilation that fails gives its number back
    number, _serial = document_number(campaign.bureau, now)
    return DistrictReport.objects.create(
        campaign=campaign,
        bureau_id=campaign.bureau_id,
        doc_number=number,
        week_start=week.start,
        week_end=week.end,
        version=(last or 0) + 1,
        figures=figures,
        departments=departments,
        summary=(summary or "").strip(),
        compiled_by=actor,
        compiled_at=now,
    )
