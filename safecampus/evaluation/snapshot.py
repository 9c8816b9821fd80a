"""The archive's snapshot: what a campaign was when it was archived, as plain JSON.

``build_snapshot`` reads the register and the supervision records through the archiving user's
scope (the centre of the campaign's bureau) and freezes them, labels included, so the archive
reads the same after the register, the catalog or an organisation's name change.
``summarise`` turns a snapshot into the tables of the archive page and the written summary.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.db.models import Prefetch, Q
from django.utils import timezone

from safecampus.accountability.models import AccountabilityRecord, Consultation, ConsultationItem
from safecampus.hazards.choices import Decision, Summary
from safecampus.orgs.choices import SchoolStage
from safecampus.spotchecks.models import Result, SpotCheck, SpotCheckItem
from safecampus.weekly.models import DistrictReport, ReportStatus, WeeklyReport
from safecampus.weekly.weeks import departments_owing, report_weeks

from .selectors import CATEGORIES, campaign_hazards, feedback_deadline

SNAPSHOT_VERSION = 1
#: rows read per query while the register is copied
CHUNK = 1000


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _hazard_row(h, latest) -> dict:
    return {
        "id": h.pk,
        "code": h.code,
        "school": h.school.name,
        "school_code": h.school.code,
        "school_type": h.school.stage,
        "school_type_label": str(h.school.get_stage_display()),
        "area_code": h.area_code,
        "area": h.area.name,
        "item_code": h.item_code,
        "item": h.item.text if h.item_id else "",
        "description": h.description,
        "level": h.level,
        "level_label": str(h.get_level_display()),
        "colour": h.risk_colour,
        "colour_label": str(h.get_risk_colour_display()) if h.risk_colour else "",
        "department_id": h.responsible_department_id,
        "department": h.responsible_department.name if h.responsible_department_id else "",
        "status": h.status,
        "status_label": str(h.get_status_display()),
        "derived": h.derived,
        "confirmed": latest.category if latest else None,
        "complete_by": _iso(latest.complete_by) if latest else None,
        "confirmation_note": latest.note if latest else "",
        "confirmed_at": _iso(latest.at) if latest else None,
        "stale": bool(latest and latest.derived != h.derived),
        "deadline": _iso(h.deadline),
        "closed_on": _iso(h.closed_on),
        "interim_measures": h.interim_measures,
        "interim_unit": h.interim_unit,
        "interim_person": h.interim_person,
        "supervised": h.supervised,
        "escalated": h.escalated,
    }


def _hazards(actor, campaign, progress) -> list[dict]:
    from .models import SummaryConfirmation

    qs = (
        campaign_hazards(user=actor, campaign=campaign)
        .select_related("school", "area", "item", "responsible_department")
        .order_by("pk")
    )
    total = qs.count()
    progress(0, total, force=True)
    rows: list[dict] = []
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            break
        latest = SummaryConfirmation.objects.in_bulk([h.latest_id for h in chunk if h.latest_id])
        rows += [_hazard_row(h, latest.get(h.latest_id)) for h in chunk]
        last = chunk[-1].pk
        progress(len(rows), total)
    return rows


def _weekly(actor, campaign, today: datetime.date) -> tuple[list, list, list]:
    reports = list(
        WeeklyReport.objects.visible_to(actor)
        .filter(campaign=campaign, status=ReportStatus.SUBMITTED)
        .select_related("department")
        .order_by("week_start", "department__sort_order", "department_id")
    )
    report_rows = [
        {
            "department": r.department.name,
            "department_id": r.department_id,
            "week_start": _iso(r.week_start),
            "week_end": _iso(r.week_end),
            "due_on": _iso(r.due_on),
            "submitted_at": _iso(r.submitted_at),
            "late": r.late,
            "figures": r.figures,
            "progress": r.progress,
            "problems": r.problems,
            "next_plan": r.next_plan,
        }
        for r in reports
    ]
    district = [
        {
            "week_start": _iso(d.week_start),
            "week_end": _iso(d.week_end),
            "version": d.version,
            "figures": d.figures,
            "departments": d.departments,
            "summary": d.summary,
            "compiled_at": _iso(d.compiled_at),
        }
        for d in DistrictReport.objects.visible_to(actor)
        .filter(campaign=campaign)
        .order_by("week_start", "version")
    ]
    # the submission record: every report week whose due day has passed, per department owing
    due_weeks = [w for w in report_weeks(campaign) if w.due <= today]
    submitted = {(r.department_id, r.week_start): r for r in reports}
    record = []
    for dept in departments_owing(campaign).order_by("sort_order", "name"):
        on_time = late = missing = 0
        for week in due_weeks:
            report = submitted.get((dept.pk, week.start))
            if report is None:
                missing += 1
            elif report.late:
                late += 1
            else:
                on_time += 1
        record.append(
            {
                "department": dept.name,
                "weeks": len(due_weeks),
                "on_time": on_time,
                "late": late,
                "missing": missing,
            }
        )
    return report_rows, district, record


def _spot_checks(actor, campaign) -> list[dict]:
    checks = (
        SpotCheck.objects.visible_to(actor)
        .filter(campaign=campaign)
        .prefetch_related(
            Prefetch(
                "items",
                SpotCheckItem.objects.select_related(
                    "hazard__school", "hazard__responsible_department", "inspector"
                ).order_by("stratum", "hazard_id"),
            )
        )
        .order_by("ordered_at", "pk")
    )
    out = []
    for check in checks:
        items = [
            {
                "hazard_code": i.hazard.code,
                "school": i.hazard.school.name,
                "department": (
                    i.hazard.responsible_department.name
                    if i.hazard.responsible_department_id
                    else ""
                ),
                "claim": i.claim,
                "claim_label": str(i.get_claim_display()),
                "result": i.result,
                "result_label": str(i.get_result_display()),
                "finding": i.finding,
                "checked_on": _iso(i.checked_on),
                "inspector": (i.inspector.display_name if i.inspector_id else ""),
            }
            for i in check.items.all()
        ]
        out.append(
            {
                "id": check.pk,
                "title": check.title,
                "proportion": str(check.proportion),
                "seed": check.seed,
                "population_size": check.population_size,
                "sample_size": check.sample_size,
                "status": check.status,
                "status_label": str(check.get_status_display()),
                "ordered_at": _iso(check.ordered_at),
                "completed_at": _iso(check.completed_at),
                "items": items,
            }
        )
    return out


def _consultations(actor, campaign) -> list[dict]:
    campaign_items = ConsultationItem.objects.filter(hazard__campaign=campaign)
    consultations = (
        Consultation.objects.visible_to(actor)
        .filter(Q(campaign=campaign) | Q(pk__in=campaign_items.values("consultation_id")))
        .prefetch_related(
            Prefetch(
                "items",
                ConsultationItem.objects.select_related("hazard__school", "department").order_by(
                    "pk"
                ),
            )
        )
        .order_by("held_on", "pk")
    )
    decision_labels = dict(Decision.choices)
    return [
        {
            "title": c.title,
            "kind": c.kind,
            "kind_label": str(c.get_kind_display()),
            "held_on": _iso(c.held_on),
            "attendees": c.attendees,
            "notes": c.notes,
            "status": c.status,
            "status_label": str(c.get_status_display()),
            "items": [
                {
                    "hazard_code": i.hazard.code,
                    "school": i.hazard.school.name,
                    "reason_label": str(i.get_reason_display()),
                    "decisions": [str(decision_labels.get(d, d)) for d in i.decisions],
                    "department": i.department.name if i.department_id else "",
                    "deadline": _iso(i.deadline),
                    "comment": i.comment,
                    "applied_at": _iso(i.applied_at),
                }
                for i in c.items.all()
            ],
        }
        for c in consultations
    ]


def _accountability(actor, campaign) -> list[dict]:
    linked = (
        Q(hazards__campaign=campaign)
        | Q(spot_check_item__spot_check__campaign=campaign)
        | Q(weekly_report__campaign=campaign)
    )
    ids = AccountabilityRecord.objects.filter(linked).values("pk")
    records = (
        AccountabilityRecord.objects.visible_to(actor)
        .filter(pk__in=ids)
        .select_related("school", "department")
        .prefetch_related("hazards")
        .order_by("opened_at", "pk")
    )
    return [
        {
            "kind": r.kind,
            "kind_label": str(r.get_kind_display()),
            "status": r.status,
            "status_label": str(r.get_status_display()),
            "basis_label": str(r.get_basis_display()),
            "school": r.school.name if r.school_id else "",
            "department": r.department.name if r.department_id else "",
            "reason": r.reason,
            "hazards": sorted(h.code for h in r.hazards.all()),
            "deadline": _iso(r.deadline),
            "opened_at": _iso(r.opened_at),
            "closed_at": _iso(r.closed_at),
        }
        for r in records
    ]


def build_snapshot(*, actor, campaign, progress, when: datetime.datetime | None = None) -> dict:
    """Everything the archive keeps of ``campaign``, read through ``actor``'s scope."""
    when = when or timezone.now()
    today = timezone.localdate(when)
    hazards = _hazards(actor, campaign, progress)
    reports, district, record = _weekly(actor, campaign, today)
    phases = list(campaign.phases.all())
    deadline = feedback_deadline(campaign)
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "archived_at": _iso(when),
        "archived_by": actor.display_name,
        "campaign": {
            "id": campaign.pk,
            "name": campaign.name,
            "doc_number": campaign.doc_number,
            "year": campaign.year,
            "starts_on": _iso(min((p.starts_on for p in phases), default=None)),
            "ends_on": _iso(max((p.ends_on for p in phases), default=None)),
            "phases": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "starts_on": _iso(p.starts_on),
                    "ends_on": _iso(p.ends_on),
                }
                for p in phases
            ],
            "feedback_due": _iso(deadline),
        },
        "hazards": hazards,
        "weekly_reports": reports,
        "weekly_record": record,
        "district_reports": district,
        "spot_checks": _spot_checks(actor, campaign),
        "consultations": _consultations(actor, campaign),
        "accountability": _accountability(actor, campaign),
    }
    snapshot["totals"] = totals_of(snapshot)
    return snapshot


def final_category(row: dict) -> str:
    """The category that counts: as the department confirmed it, else as derived."""
    return row["confirmed"] or row["derived"]


def totals_of(snapshot: dict) -> dict:
    hazards = snapshot["hazards"]
    by_category = Counter(final_category(h) for h in hazards)
    items = [i for c in snapshot["spot_checks"] for i in c["items"]]
    return {
        "hazards": len(hazards),
        "by_category": {c: by_category.get(c, 0) for c in CATEGORIES},
        "confirmed": sum(1 for h in hazards if h["confirmed"] and not h["stale"]),
        "major": sum(1 for h in hazards if h["level"] == "major"),
        "weekly_reports": len(snapshot["weekly_reports"]),
        "district_reports": len(snapshot["district_reports"]),
        "spot_checks": len(snapshot["spot_checks"]),
        "spot_check_items": len(items),
        "not_as_claimed": sum(1 for i in items if i["result"] == Result.NOT_AS_CLAIMED),
        "consultations": len(snapshot["consultations"]),
        "accountability": len(snapshot["accountability"]),
    }


def _grouped(hazards: list[dict], key, label) -> list[dict]:
    groups: dict = defaultdict(lambda: {"total": 0, **dict.fromkeys(CATEGORIES, 0)})
    labels = {}
    for h in hazards:
        k = key(h)
        labels[k] = label(h)
        groups[k]["total"] += 1
        groups[k][final_category(h)] += 1
    return [{"key": k, "label": labels[k] or "—", **groups[k]} for k in sorted(groups, key=str)]


def summarise(snapshot: dict) -> dict:
    """The tables of the archive page and the written summary, from the snapshot alone."""
    hazards = snapshot["hazards"]
    category_labels = dict(Summary.choices)
    totals = snapshot["totals"]
    n = totals["hazards"]
    by_category = [
        {
            "key": c,
            "label": str(category_labels[c]),
            "count": totals["by_category"][c],
            "share": round(100 * totals["by_category"][c] / n, 1) if n else 0,
        }
        for c in CATEGORIES
    ]
    stage_order = {s: i for i, (s, _label) in enumerate(SchoolStage.choices)}
    by_type = _grouped(hazards, lambda h: h["school_type"], lambda h: h["school_type_label"])
    by_type.sort(key=lambda r: stage_order.get(r["key"], 99))
    checks = []
    for c in snapshot["spot_checks"]:
        results = Counter(i["result"] for i in c["items"])
        checks.append(
            {
                **c,
                "drawn": len(c["items"]),
                "checked": len(c["items"]) - results.get(Result.PENDING, 0),
                "confirmed": results.get(Result.CONFIRMED, 0),
                "not_as_claimed": results.get(Result.NOT_AS_CLAIMED, 0),
                "failed_items": [i for i in c["items"] if i["result"] == Result.NOT_AS_CLAIMED],
            }
        )
    kinds = Counter(r["kind_label"] for r in snapshot["accountability"])
    return {
        "by_category": by_category,
        "by_area": _grouped(
            hazards, lambda h: h["area_code"], lambda h: f"{h['area_code']} {h['area']}"
        ),
        "by_department": _grouped(hazards, lambda h: h["department"], lambda h: h["department"]),
        "by_type": by_type,
        "major": [h for h in hazards if h["level"] == "major"],
        "hard": [h for h in hazards if final_category(h) == Summary.HARD],
        "spot_checks": checks,
        "accountability_by_kind": sorted(kinds.items()),
    }
