"""The school dashboard (issue 6, DOMAIN.md §11): a school's open hazards by deadline, what is
overdue, what waits for acceptance or came back for rework, its forms to fill and returned, and
its history of closed hazards — and the Excel workbook of the same figures.

Every read goes through ``visible_to`` and is restricted to one school, so each query is an
index probe on the school (``hz_school_status_dl``, ``cf_school_campaign``, the events'
``hz_event_hazard_at``); nothing counts over the register, and nothing is cached.

Definitions (each figure's register link, where one exists, counts exactly the same rows):

- **open**: status reported, assigned, rectifying, submitted or hard (``OPEN_STATUSES``);
- **overdue**: open with a deadline before today (Asia/Shanghai): due today is not overdue;
- **due within 7 days**: open with a deadline from today to today + 6 days;
- **awaiting acceptance**: status submitted;
- **returned for rework**: status rectifying, and the hazard's latest change of status was a
  rejected acceptance (``reject``) or a reopening after a spot check (``reopen``). The register
  has no such filter, so the figure links to the list on the dashboard itself;
- **closed this year**: closed on or after 1 January of the current year (on-page list: the
  register has no filter on the closing date);
- **forms to fill**: the school's forms not started or in progress in launched campaigns;
  **forms returned**: its forms a department returned for revision (with the reason);
- **duties**: the school's recurring duties (``Occurrence.objects.visible_to`` of the school) for
  the current month and school year: owed, done (on time or late), missed and the rate
  (``reports.selectors.duty_figures``), each linked to ``duties:occurrence_list`` for the school;
  and its overdue ones (missed, grace ended within the last 60 days, up to ``LIST_CAP``).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from safecampus.campaigns.choices import CampaignStatus
from safecampus.core.access import get_for, scope_for
from safecampus.core.capabilities import BUREAU_WIDE
from safecampus.core.excel import Heading, add_table_sheet
from safecampus.duties.models import Occurrence
from safecampus.duties.selectors import status_q
from safecampus.hazards.choices import OPEN_STATUSES, Action, Status
from safecampus.hazards.models import Hazard, HazardEvent, overdue_q
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.models import InspectionForm
from safecampus.orgs.models import School

from . import access
from .selectors import duty_figures

#: bureau roles that see every hazard of a school of their bureau, and so its dashboard
BUREAU_VIEWERS = BUREAU_WIDE
#: rows of each list on the page and the printable page; the register has the rest
OPEN_CAP = 50
LIST_CAP = 50
HISTORY_CAP = 20
#: rows of each list in the Excel workbook
EXPORT_CAP = 10_000
DUE_SOON_DAYS = 7
#: the order statuses are listed in, and the open ones in a register link
OPEN_ORDER = [s.value for s in Status if s in OPEN_STATUSES]
#: a hazard whose latest change of status was one of these has come back to the school
RETURN_ACTIONS = (Action.REJECT, Action.REOPEN)
FILL_STATUSES = (FormStatus.NOT_STARTED, FormStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int
    #: the register filtered to the same rows, or an anchor on the dashboard itself
    url: str
    #: True when ``url`` is the register and its count equals ``value``
    in_register: bool
    #: Bootstrap colour of the number when it is not zero
    tone: str = "body"


def register_url(**filters) -> str:
    """The hazard register filtered by ``filters`` (a list value repeats the parameter)."""
    return reverse("hazards:hazard_list") + "?" + urlencode(filters, doseq=True)


def may_view(user, school: School) -> bool:
    """A school's own officers and principal, and the bureau's centre, leaders and inspectors.
    A department sees only its areas' hazards, so a whole-school dashboard is not for it."""
    return bool(access.school_dashboard_roles(scope_for(user), school))


def school_get(*, user, pk: int) -> School:
    """The school whose dashboard ``user`` asks for: 404 outside the user's scope, 403 when the
    user sees the school but not all of its hazards."""
    school = get_for(user, School.objects.select_related("bureau"), pk)
    if not may_view(user, school):
        raise PermissionDenied(_("Your roles do not allow this."))
    return school


def sees_bureau_schools(user) -> bool:
    """True for a bureau role that opens any school's dashboard from the school list."""
    return access.sees_bureau_schools(scope_for(user))


def own_schools(*, user) -> list[School]:
    """The schools the user holds a school role in, by name."""
    ids = access.own_school_ids(scope_for(user))
    if not ids:
        return []
    return list(
        School.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("bureau")
        .order_by("name", "id")
    )


def _last_move():
    """The hazard's latest event that changed its status (a spot-check reopening counts even
    when the hazard was already rectifying)."""
    return (
        HazardEvent.objects.filter(hazard_id=OuterRef("pk"))
        .filter(~Q(from_status=F("to_status")) | Q(action=Action.REOPEN))
        .order_by("-at", "-id")
    )


def forms_to_fill(user, school: School, today: datetime.date, *, limit: int) -> list:
    """The school's forms of launched campaigns still to fill or returned to it, by deadline,
    each marked ``overdue`` when its campaign's forms deadline has passed."""
    forms = list(
        InspectionForm.objects.visible_to(user)
        .filter(
            school_id=school.pk,
            campaign__status=CampaignStatus.LAUNCHED,
            status__in=(*FILL_STATUSES, FormStatus.RETURNED),
        )
        .select_related("campaign")
        .order_by("campaign__forms_due", "id")[:limit]
    )
    for f in forms:
        f.overdue = f.campaign.forms_due < today
    return forms


def returned_hazards(hazards):
    """``hazards`` narrowed to those returned for rework, with when and why."""
    last = _last_move()
    return (
        hazards.filter(status=Status.RECTIFYING)
        .annotate(
            return_action=Subquery(last.values("action")[:1]),
            returned_at=Subquery(last.values("at")[:1]),
            return_reason=Subquery(last.values("comment")[:1]),
        )
        .filter(return_action__in=RETURN_ACTIONS)
    )


def school_dashboard(
    *, user, school: School, today: datetime.date | None = None, full: bool = False
) -> dict:
    """Everything the school dashboard shows, read in the user's scope. ``full`` lifts the
    page's caps on the lists (for the Excel workbook) up to ``EXPORT_CAP`` rows each.

    Six queries whatever the school's size (plus those that load the user and the scope)."""
    if not may_view(user, school):
        raise PermissionDenied(_("Your roles do not allow this."))
    today = today or timezone.localdate()
    year_start = today.replace(month=1, day=1)
    soon_to = today + datetime.timedelta(days=DUE_SOON_DAYS - 1)
    hazards = Hazard.objects.visible_to(user).filter(school_id=school.pk)
    is_open = Q(status__in=OPEN_ORDER)
    counts = hazards.aggregate(
        open=Count("pk", filter=is_open),
        overdue=Count("pk", filter=overdue_q(today)),
        due_soon=Count("pk", filter=is_open & Q(deadline__gte=today, deadline__lte=soon_to)),
        submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
        closed_year=Count(
            "pk", filter=Q(status=Status.CLOSED, closed_on__gte=year_start, closed_on__lte=today)
        ),
    )
    returned = returned_hazards(hazards)
    counts["returned"] = returned.count()

    open_cap = EXPORT_CAP if full else OPEN_CAP
    open_rows = list(
        hazards.filter(is_open)
        .select_related("area", "item", "responsible_department")
        .order_by(F("deadline").asc(nulls_last=True), "id")[:open_cap]
    )
    for h in open_rows:
        h.days_left = (h.deadline - today).days if h.deadline else None
        h.days_late = -h.days_left if h.days_left is not None and h.days_left < 0 else 0
    returned_rows = list(
        returned.select_related("area", "item").order_by("-returned_at", "-id")[
            : EXPORT_CAP if full else LIST_CAP
        ]
    )
    history_qs = hazards.filter(status=Status.CLOSED).select_related("area", "item")
    if full:
        history_qs = history_qs.filter(closed_on__gte=year_start)
    history = list(history_qs.order_by("-closed_on", "-id")[: EXPORT_CAP if full else HISTORY_CAP])
    for h in history:
        h.days_taken = (h.closed_on - h.found_on).days if h.closed_on else None

    forms = forms_to_fill(user, school, today, limit=EXPORT_CAP if full else LIST_CAP * 2)
    to_fill = [f for f in forms if f.status in FILL_STATUSES]
    forms_returned = [f for f in forms if f.status == FormStatus.RETURNED]

    duty_qs = Occurrence.objects.visible_to(user).filter(school_id=school.pk)
    duties = duty_figures(duty_qs, {"school": str(school.pk)}, today)
    duties_overdue = list(
        duty_qs.filter(
            status_q("missed", today), grace_end__gte=today - datetime.timedelta(days=60)
        )
        .select_related("duty")
        .order_by("-grace_end", "code")[:LIST_CAP]
    )

    sid = school.pk
    figures = [
        Figure(
            "open",
            _("Open hazards"),
            counts["open"],
            register_url(school=sid, status=OPEN_ORDER),
            True,
            "primary",
        ),
        Figure(
            "overdue",
            pgettext("count", "Overdue"),
            counts["overdue"],
            register_url(school=sid, overdue="true"),
            True,
            "danger",
        ),
        Figure(
            "due_soon",
            _("Due within 7 days"),
            counts["due_soon"],
            register_url(
                school=sid,
                status=OPEN_ORDER,
                deadline_from=today.isoformat(),
                deadline_to=soon_to.isoformat(),
            ),
            True,
            "warning",
        ),
        Figure(
            "submitted",
            _("Awaiting acceptance"),
            counts["submitted"],
            register_url(school=sid, status=Status.SUBMITTED),
            True,
            "info",
        ),
        Figure(
            "returned", _("Returned for rework"), counts["returned"], "#returned", False, "danger"
        ),
        Figure(
            "closed_year",
            _("Closed this year"),
            counts["closed_year"],
            "#history",
            False,
            "success",
        ),
        Figure("forms_to_fill", _("Forms to fill"), len(to_fill), "#forms", False, "primary"),
        Figure(
            "forms_returned",
            _("Forms returned"),
            len(forms_returned),
            "#forms-returned",
            False,
            "danger",
        ),
    ]
    return {
        "school": school,
        "today": today,
        "year_start": year_start,
        "figures": figures,
        "counts": {f.key: f.value for f in figures},
        "open_hazards": open_rows,
        "open_more": counts["open"] > len(open_rows),
        "open_all_url": register_url(school=sid, status=OPEN_ORDER, sort="deadline"),
        "returned": returned_rows,
        "forms_to_fill": to_fill,
        "forms_returned": forms_returned,
        "history": history,
        "closed_all_url": register_url(school=sid, status=Status.CLOSED),
        "duties": duties,
        "duties_url": duties[-1]["owed"]["url"],
        "duties_overdue": duties_overdue,
    }


# --- the Excel workbook -------------------------------------------------------------------------


#: the name of the workbook ("<school>_学校工作台_2026-12-05.xlsx") and its sheets' titles
WORKBOOK_NAME = "学校工作台"


def _date(value):
    return value or None


def school_workbook(data: dict, *, base_url: str = "") -> bytes:
    """The figures of ``school_dashboard(..., full=True)`` and the rows behind them, one sheet
    each: figures (with the register link of each), open hazards, returned for rework, forms,
    closed this year. Each sheet is headed by the school and the time of the figures."""
    wb = Workbook()
    wb.remove(wb.active)
    school = data["school"]

    def _sheet(wb: Workbook, title: str, headers: list[str], rows, widths: list[int]) -> None:
        heading = Heading(f"{school.name} {WORKBOOK_NAME} — {title}", scope=school.name)
        add_table_sheet(wb, title, headers, rows, widths, heading=heading)

    figures = [
        [f.label, f.value, (base_url + f.url) if f.in_register else ""] for f in data["figures"]
    ]
    _sheet(
        wb,
        _("Figures"),
        [_("Figure"), _("Value"), _("Register link")],
        figures,
        [24, 14, 80],
    )
    _sheet(
        wb,
        _("Open hazards"),
        [
            _("Code"),
            _("Risk area"),
            _("Check item"),
            _("Description"),
            _("Status"),
            _("Hazard level"),
            _("Risk grade"),
            _("Responsible department"),
            _("Deadline"),
            _("Days left"),
        ],
        (
            [
                h.code,
                h.area.name,
                h.item_code,
                h.description,
                h.get_status_display(),
                h.get_level_display(),
                h.get_risk_colour_display(),
                h.responsible_department.name if h.responsible_department else "",
                _date(h.deadline),
                h.days_left,
            ]
            for h in data["open_hazards"]
        ),
        [16, 14, 10, 40, 12, 10, 14, 14, 12, 10],
    )
    _sheet(
        wb,
        _("Returned for rework"),
        [_("Code"), _("Risk area"), _("Description"), _("Returned at"), _("Reason"), _("Deadline")],
        (
            [
                h.code,
                h.area.name,
                h.description,
                _date(timezone.localtime(h.returned_at).date() if h.returned_at else None),
                h.return_reason,
                _date(h.deadline),
            ]
            for h in data["returned"]
        ),
        [16, 14, 40, 12, 40, 12],
    )
    _sheet(
        wb,
        _("Forms"),
        [_("Campaign"), _("Status"), _("Forms due"), _("Overdue"), _("Reason for return")],
        (
            [
                f.campaign.name,
                f.get_status_display(),
                _date(f.campaign.forms_due),
                _("Yes") if f.overdue else "",
                f.returned_reason,
            ]
            for f in data["forms_to_fill"] + data["forms_returned"]
        ),
        [30, 12, 12, 8, 40],
    )
    _sheet(
        wb,
        _("Closed this year"),
        [_("Code"), _("Risk area"), _("Description"), _("Found on"), _("Closed on"), _("Days")],
        (
            [
                h.code,
                h.area.name,
                h.description,
                _date(h.found_on),
                _date(h.closed_on),
                h.days_taken,
            ]
            for h in data["history"]
        ),
        [16, 14, 40, 12, 12, 8],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def school_export(*, user, school: School, base_url: str = "") -> tuple[bytes, str]:
    """The school dashboard's workbook and its name ("<school>_学校工作台_2026-12-05.xlsx"); the
    export is written to the audit log."""
    from safecampus.audit.models import Action as AuditAction
    from safecampus.audit.services import audit_record
    from safecampus.core.excel import file_name

    data = school_dashboard(user=user, school=school, full=True)
    content = school_workbook(data, base_url=base_url)
    audit_record(
        action=AuditAction.EXPORT,
        actor=user,
        target=school,
        data={"kind": "school_dashboard", "school": school.pk},
    )
    return content, file_name(school.name, WORKBOOK_NAME, data["today"])
