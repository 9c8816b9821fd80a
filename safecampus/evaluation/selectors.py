"""Reads of the summary evaluation, each taking the user whose scope they obey."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import (
    Case,
    CharField,
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from safecampus.campaigns.choices import CampaignStatus, PhaseKind
from safecampus.campaigns.models import Campaign, CampaignMilestone, CampaignPhase
from safecampus.core.access import get_for, roles_on, scope_for
from safecampus.core.capabilities import SUMMARY_CONFIRM
from safecampus.hazards.choices import Status, Summary
from safecampus.hazards.models import Hazard
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.models import InspectionForm
from safecampus.orgs.models import Department
from safecampus.weekly.models import ReportStatus, WeeklyReport
from safecampus.weekly.weeks import departments_owing, report_weeks

from . import access
from .models import CampaignArchive, SummaryConfirmation

CATEGORIES = [s for s, _label in Summary.choices]

#: the summary category the register gives a hazard (``Hazard.summary`` in SQL; withdrawn
#: hazards are left out before this is used)
DERIVED = Case(
    When(status=Status.CLOSED, then=Value(Summary.RESOLVED)),
    When(status=Status.HARD, then=Value(Summary.HARD)),
    default=Value(Summary.IN_PROGRESS),
    output_field=CharField(),
)


def evaluation_phase(campaign):
    """The campaign's summary-and-evaluation phase (the first, if there are several)."""
    return next((p for p in campaign.phases.all() if p.kind == PhaseKind.EVALUATION), None)


def feedback_deadline(campaign) -> datetime.date | None:
    """When departments owe their feedback: the first key deadline inside the evaluation phase
    (部门反馈, 6/10 in 000), else the end of the phase; None without an evaluation phase."""
    phase = evaluation_phase(campaign)
    if phase is None:
        return None
    inside = [
        m.due_on for m in campaign.milestones.all() if phase.starts_on <= m.due_on <= phase.ends_on
    ]
    return min(inside) if inside else phase.ends_on


def own_hazards_q(user) -> Q | None:
    """The hazards whose category ``user`` states or oversees (see ``access.own_hazards_q``)."""
    return access.own_hazards_q(scope_for(user))


def confirm_role(user, hazard: Hazard) -> str | None:
    """The role ``user`` confirms ``hazard``'s category as, or None (``access.confirm_role``)."""
    return access.confirm_role(scope_for(user), hazard)


def campaign_get(*, user, pk: int):
    """A launched (or closed) campaign in the user's scope, with its phases and milestones."""
    return get_for(
        user,
        Campaign.objects.exclude(status=CampaignStatus.DRAFT).prefetch_related(
            "phases", "milestones"
        ),
        pk,
    )


def confirmable_get(*, user, pk: int) -> Hazard:
    """A campaign hazard (withdrawn reports left out) whose category the user states or
    oversees, within their scope (404 for any other)."""
    own = own_hazards_q(user)
    if own is None:
        raise Http404
    return get_for(
        user,
        Hazard.objects.filter(own, campaign__isnull=False)
        .exclude(status=Status.WITHDRAWN)
        .select_related("campaign", "school", "responsible_department"),
        pk,
    )


def archive_get(*, user, campaign_pk: int) -> CampaignArchive:
    """The archive of campaign ``campaign_pk`` (one per campaign), fetched by its campaign:
    404 when it does not exist or the user may not read it, exactly as ``get_for`` answers."""
    archive = (
        CampaignArchive.objects.visible_to(user)
        .select_related("campaign", "archived_by")
        .filter(campaign_id=campaign_pk)
        .first()
    )
    if archive is None:
        raise Http404
    return archive


def archive_of(*, user, campaign) -> CampaignArchive | None:
    return CampaignArchive.objects.visible_to(user).filter(campaign=campaign).first()


def confirmation_history(*, user, hazard):
    return (
        SummaryConfirmation.objects.visible_to(user)
        .filter(hazard=hazard)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def campaign_hazards(*, user, campaign) -> QuerySet:
    """The campaign's hazards (withdrawn reports left out) that ``user`` states or oversees,
    each with its derived category and its latest confirmation."""
    own = own_hazards_q(user)
    if own is None:
        return Hazard.objects.none()
    latest = SummaryConfirmation.objects.filter(hazard=OuterRef("pk")).order_by("-id")
    return (
        Hazard.objects.visible_to(user)
        .filter(own, campaign=campaign)
        .exclude(status=Status.WITHDRAWN)
        .annotate(
            derived=DERIVED,
            latest_id=Subquery(latest.values("id")[:1]),
            latest_category=Subquery(latest.values("category")[:1]),
            latest_derived=Subquery(latest.values("derived")[:1]),
        )
    )


def needs_confirmation_q() -> Q:
    """Not confirmed yet, or the register moved on since (the derived category changed)."""
    return Q(latest_id__isnull=True) | ~Q(latest_derived=DERIVED)


def confirmation_rows(*, user, campaign, department_id=None, state: str = "", category: str = ""):
    """The confirmation list of the evaluation page, ordered by department, school and code."""
    hazards = campaign_hazards(user=user, campaign=campaign)
    if department_id:
        hazards = hazards.filter(responsible_department_id=department_id)
    if state == "pending":
        hazards = hazards.filter(needs_confirmation_q())
    elif state == "confirmed":
        hazards = hazards.exclude(needs_confirmation_q())
    if category in CATEGORIES:
        hazards = hazards.filter(derived=category)
    return hazards.select_related("school", "responsible_department").order_by(
        "responsible_department__sort_order", "responsible_department_id", "school__name", "code"
    )


def attach_latest(hazards: list[Hazard]) -> None:
    """Give each hazard of a page its latest confirmation (``h.latest``), in one query."""
    ids = [h.latest_id for h in hazards if h.latest_id]
    by_id = {
        c.pk: c for c in SummaryConfirmation.objects.filter(pk__in=ids).select_related("actor")
    }
    for h in hazards:
        h.latest = by_id.get(h.latest_id)
        h.stale = h.latest is not None and h.latest.derived != h.derived


def evaluation_progress(*, user, campaign, today: datetime.date | None = None) -> dict:
    """Per department: hazards, confirmed (and not outdated by the register since), changed
    since confirmation, counts by category (as confirmed, else as derived) and whether the
    department is late (hazards still to confirm after the feedback deadline). Two queries."""
    today = today or timezone.localdate()
    deadline = feedback_deadline(campaign)
    past_deadline = deadline is not None and today > deadline
    rows = (
        campaign_hazards(user=user, campaign=campaign)
        .values_list("responsible_department_id", "derived", "latest_category", "latest_derived")
        .annotate(n=Count("pk"))
        .order_by()
    )
    blank = {"total": 0, "confirmed": 0, "stale": 0, **dict.fromkeys(CATEGORIES, 0)}
    by_dept: dict[int | None, dict] = defaultdict(lambda: dict(blank))
    for dept_id, derived, latest, latest_derived, n in rows:
        row = by_dept[dept_id]
        row["total"] += n
        if latest is None:
            row[derived] += n
        elif latest_derived != derived:
            row["stale"] += n
            row[derived] += n
        else:
            row["confirmed"] += n
            row[latest] += n
    names = dict(
        Department.objects.filter(pk__in=[d for d in by_dept if d]).values_list("pk", "name")
    )
    departments = []
    for dept_id in sorted(by_dept, key=lambda d: (d is None, names.get(d, ""))):
        row = by_dept[dept_id]
        row.update(
            id=dept_id,
            name=names.get(dept_id, ""),
            pending=row["total"] - row["confirmed"],
            late=past_deadline and row["total"] > row["confirmed"],
        )
        departments.append(row)
    totals = dict(blank)
    for row in departments:
        for key in blank:
            totals[key] += row[key]
    totals["pending"] = totals["total"] - totals["confirmed"]
    return {
        "departments": departments,
        "totals": totals,
        "deadline": deadline,
        "past_deadline": past_deadline,
    }


# --- before archiving ---------------------------------------------------------------------------


def archive_deadline(campaign) -> datetime.date | None:
    """The date after which a campaign may be archived without a written reason: the feedback
    deadline (see :func:`feedback_deadline`), else the end of its last phase."""
    deadline = feedback_deadline(campaign)
    if deadline is None:
        ends = [p.ends_on for p in campaign.phases.all()]
        deadline = max(ends) if ends else None
    return deadline


def archive_readiness(campaign, today: datetime.date | None = None) -> dict:
    """What is still incomplete in ``campaign`` before it is archived, over the whole campaign
    (the centre's view, whatever a reader's scope): forms not submitted, hazards whose summary
    category no department has confirmed (or whose register moved on since), weekly reports
    missing (report weeks whose due day has passed, per department owing), and whether the
    feedback deadline has passed. ``items`` lists the incomplete ones, for the page and for the
    archive record. A handful of queries."""
    today = today or timezone.localdate()
    forms = InspectionForm.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=~Q(status__in=[FormStatus.SUBMITTED, FormStatus.ACCEPTED])),
    )
    latest = SummaryConfirmation.objects.filter(hazard=OuterRef("pk")).order_by("-id")
    hazards = (
        Hazard.objects.filter(campaign=campaign)
        .exclude(status=Status.WITHDRAWN)
        .annotate(
            derived=DERIVED,
            latest_id=Subquery(latest.values("id")[:1]),
            latest_derived=Subquery(latest.values("derived")[:1]),
        )
        .aggregate(total=Count("pk"), unconfirmed=Count("pk", filter=needs_confirmation_q()))
    )
    due_weeks = {w.start for w in report_weeks(campaign) if w.due < today}
    owing = set(departments_owing(campaign).values_list("pk", flat=True))
    submitted = set(
        WeeklyReport.objects.filter(
            campaign=campaign,
            status=ReportStatus.SUBMITTED,
            week_start__in=due_weeks,
            department_id__in=owing,
        ).values_list("department_id", "week_start")
    )
    weekly_missing = len(due_weeks) * len(owing) - len(submitted)
    deadline = archive_deadline(campaign)
    deadline_passed = deadline is not None and today > deadline
    items = []
    if forms["open"]:
        items.append({"key": "forms", "count": forms["open"], "of": forms["total"]})
    if hazards["unconfirmed"]:
        items.append(
            {"key": "confirmations", "count": hazards["unconfirmed"], "of": hazards["total"]}
        )
    if weekly_missing:
        items.append({"key": "weekly", "count": weekly_missing, "of": len(due_weeks) * len(owing)})
    if not deadline_passed:
        items.append({"key": "deadline", "deadline": deadline.isoformat() if deadline else None})
    return {
        "forms_open": forms["open"],
        "forms_total": forms["total"],
        "hazards_unconfirmed": hazards["unconfirmed"],
        "hazards_total": hazards["total"],
        "weekly_missing": weekly_missing,
        "deadline": deadline,
        "deadline_passed": deadline_passed,
        "items": items,
        "complete": not items,
    }


# --- what the pages and the API show -------------------------------------------------------------


def evaluation_campaigns(*, user) -> QuerySet:
    """The launched (or closed) campaigns the user sees, newest first, with their phases,
    milestones and archive (for :func:`attach_evaluation`)."""
    return (
        Campaign.objects.visible_to(user)
        .exclude(status=CampaignStatus.DRAFT)
        .select_related("archive")
        .prefetch_related(
            Prefetch("phases", CampaignPhase.objects.order_by("starts_on", "sort_order")),
            Prefetch("milestones", CampaignMilestone.objects.order_by("due_on")),
        )
        .order_by("-year", "-id")
    )


def attach_evaluation(campaigns) -> None:
    """Give each campaign of a page its evaluation phase, feedback deadline and archive."""
    for c in campaigns:
        c.evaluation_phase = evaluation_phase(c)
        c.feedback_due = feedback_deadline(c)
        c.archived = getattr(c, "archive", None)


def evaluation_overview(*, user, campaign, today: datetime.date) -> dict:
    """What the evaluation page shows of ``campaign`` above its confirmation list: the phase,
    the progress per department, whether the user confirms and archives, why confirmations are
    closed, what is still incomplete before the centre archives, the archive, and the written
    documents offered (a draft summary before archiving to the centre and the leadership group,
    the departments' material)."""
    from . import material, services

    scope = scope_for(user)
    archive = archive_of(user=user, campaign=campaign)
    can_archive = access.may_archive(scope, campaign)
    may_draft = archive is None and access.summary_role(roles_on(user, campaign)) is not None
    return {
        "phase": evaluation_phase(campaign),
        "progress": evaluation_progress(user=user, campaign=campaign, today=today),
        "can_confirm": scope.has(*SUMMARY_CONFIRM),
        "closed_reason": services.closed_reason(campaign, today),
        "can_archive": can_archive,
        # what is still incomplete, listed before the centre archives
        "readiness": (
            archive_readiness(campaign, today) if can_archive and archive is None else None
        ),
        "archive": archive,
        "can_draft_summary": may_draft,
        "material_departments": material.material_departments(user=user, campaign=campaign),
    }


def archive_hazards(snapshot: dict, *, category: str = "", department: str = "") -> list[dict]:
    """The archived hazards of ``snapshot``, of one final category and/or one department (by
    name) if given, each labelled with its derived and confirmed category."""
    from .snapshot import final_category

    hazards = snapshot["hazards"]
    if category in Summary.values:
        hazards = [h for h in hazards if final_category(h) == category]
    if department:
        hazards = [h for h in hazards if h["department"] == department]
    labels = dict(Summary.choices)
    for h in hazards:
        h["derived_label"] = labels.get(h["derived"], "")
        h["confirmed_label"] = labels.get(h["confirmed"], "") if h["confirmed"] else ""
    return hazards


def archive_file_name(archive) -> str:
    """The name of the archive's snapshot when downloaded."""
    return f"{archive.campaign.name}_归档.json.gz"
