"""What waits for a department officer's action (issue 6): hazards to confirm and to accept and
overdue ones of each of the officer's departments, weekly reports due this week or missed, and
forms awaiting the department's review. Each figure links to the page that lists exactly its
rows: the register (``?department=<id>&status=…``), the review queue, or the weekly report.

Rendered by ``reports/_waiting.html``, which a dashboard includes with ``waiting`` in its
context (it renders nothing when ``waiting`` is None).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from safecampus.core.access import scope_for
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard, overdue_q
from safecampus.inspections.models import InspectionForm
from safecampus.inspections.services import awaiting_review_q
from safecampus.orgs.models import Department
from safecampus.weekly.choices import WeekState
from safecampus.weekly.selectors import due_reports

from . import access
from .school import Figure, register_url

#: weekly report states that still need the department's action
REPORT_PENDING = (WeekState.NOT_DUE, WeekState.DRAFT, WeekState.MISSING)


@dataclass(frozen=True)
class DepartmentWaiting:
    department: Department
    figures: list[Figure]

    @property
    def total(self) -> int:
        return sum(f.value for f in self.figures)


@dataclass(frozen=True)
class ReportDue:
    label: str
    week_start: datetime.date
    due: datetime.date
    state: str
    state_label: str
    url: str


def department_waiting(*, user, today: datetime.date | None = None) -> dict | None:
    """What waits for ``user``'s action as a department officer; None for anyone else.

    Per department (one query for all of them): hazards reported and waiting to be confirmed,
    submitted and waiting for acceptance, and overdue — each counted in the user's scope, the
    same rows as the register link shows. Then the weekly reports due this week or missed
    (``weekly.selectors.due_reports``) and the forms awaiting review (the review queue)."""
    ids = access.waiting_department_ids(scope_for(user))
    if not ids:
        return None
    today = today or timezone.localdate()
    departments = list(
        Department.objects.visible_to(user).filter(pk__in=ids).order_by("sort_order", "name", "id")
    )
    rows = (
        Hazard.objects.visible_to(user)
        .filter(responsible_department_id__in=[d.pk for d in departments])
        .order_by()
        .values("responsible_department_id")
        .annotate(
            to_confirm=Count("pk", filter=Q(status=Status.REPORTED)),
            to_accept=Count("pk", filter=Q(status=Status.SUBMITTED)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
    )
    by_dept = {r["responsible_department_id"]: r for r in rows}
    per_department = []
    for dept in departments:
        r = by_dept.get(dept.pk, {})
        per_department.append(
            DepartmentWaiting(
                dept,
                [
                    Figure(
                        "to_confirm",
                        _("To confirm"),
                        r.get("to_confirm", 0),
                        register_url(department=dept.pk, status=Status.REPORTED),
                        True,
                        "primary",
                    ),
                    Figure(
                        "to_accept",
                        _("To accept"),
                        r.get("to_accept", 0),
                        register_url(department=dept.pk, status=Status.SUBMITTED),
                        True,
                        "info",
                    ),
                    Figure(
                        "overdue",
                        pgettext("count", "Overdue"),
                        r.get("overdue", 0),
                        register_url(department=dept.pk, overdue="true"),
                        True,
                        "danger",
                    ),
                ],
            )
        )

    reports = []
    for entry in due_reports(user=user, today=today):
        if entry.state not in REPORT_PENDING:
            continue
        if entry.report is not None:
            url = reverse("weekly:report_detail", args=[entry.report.pk])
        else:
            url = reverse(
                "weekly:week_detail", args=[entry.campaign.pk, entry.week.start.isoformat()]
            )
        reports.append(
            ReportDue(
                f"{entry.department.name} · {entry.campaign.name}",
                entry.week.start,
                entry.week.due,
                entry.state,
                str(WeekState(entry.state).label),
                url,
            )
        )

    forms = InspectionForm.objects.visible_to(user).filter(awaiting_review_q(user)).count()
    forms_figure = Figure(
        "forms_to_review",
        _("Forms to review"),
        forms,
        reverse("inspections:review_queue"),
        False,
        "primary",
    )
    return {
        "today": today,
        "departments": per_department,
        "reports": reports,
        "forms": forms_figure,
        "total": sum(d.total for d in per_department) + len(reports) + forms,
        "weekly_url": reverse("weekly:weekly_index"),
    }
