"""The bureau dashboard of the centre, the leadership group, inspectors and department officers:
the page, its printable A4 version and the Excel workbook of its figures."""

from __future__ import annotations

from itertools import zip_longest

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.capabilities import DASHBOARD_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.roles import SCHOOL_ROLES, Role
from safecampus.core.scoping import scope_for
from safecampus.orgs.choices import SchoolStage

from . import selectors
from .documents import dashboard_workbook
from .forms import DashboardFilterForm


def _require(user) -> None:
    scope = scope_for(user)
    if not scope.has(*DASHBOARD_VIEW):
        raise PermissionDenied(_("Your roles do not allow this."))


def _context(request) -> tuple[dict, int]:
    """The figures for the request's filters; (context, HTTP status: 400 on bad filters)."""
    user = request.user
    campaigns = selectors.visible_campaigns(user)
    form = DashboardFilterForm(request.GET or None, user=user, campaigns=campaigns)
    valid = form.is_valid() if form.is_bound else True
    filters = form.filters()
    data = selectors.dashboard(user=user, filters=filters, campaigns=campaigns)
    ctx = {
        "form": form,
        "filters": filters,
        "stage_label": dict(SchoolStage.choices).get(filters.stage, ""),
        "d": data,
        "statuses": selectors.accountability_statuses(),
        "query": request.GET.urlencode(),
        "now": timezone.localtime(),
    }
    if scope_for(user).has(Role.DEPARTMENT_OFFICER):
        from .waiting import department_waiting

        ctx["waiting"] = department_waiting(user=user)
    return ctx, 200 if valid else 400


@login_required
def dashboard(request):
    """/dashboard/: cards, charts and tables; every number links to the register."""
    scope = scope_for(request.user)
    if not scope.has(*DASHBOARD_VIEW) and scope.has(*SCHOOL_ROLES):
        return redirect(reverse("reports:school_dashboard"))
    _require(request.user)
    ctx, status = _context(request)
    ctx["chart_data"] = _chart_data(ctx["d"])
    return render(request, "reports/dashboard.html", ctx, status=status)


@login_required
def dashboard_print(request):
    """/dashboard/print/: the same figures as tables, laid out for A4."""
    _require(request.user)
    ctx, status = _context(request)
    league = ctx["d"]["league"]
    ctx["league_rows"] = list(
        zip_longest(league["open"], league["overdue"], league["slowest"], fillvalue={})
    )
    return render(request, "reports/dashboard_print.html", ctx, status=status)


@login_required
def dashboard_export(request):
    """/dashboard/export.xlsx: a workbook of the figures, one sheet per group."""
    _require(request.user)
    ctx, status = _context(request)
    if status != 200:
        return render(request, "reports/dashboard.html", ctx, status=status)
    content = dashboard_workbook(ctx["d"], statuses=ctx["statuses"])
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    name = f"dashboard-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _chart_data(d: dict) -> dict:
    """What the charts draw (json_script): labels, numbers and the register URL of each."""

    def rows(items):
        return [{"label": r["label"], "n": r["n"], "url": r["url"], "key": r["key"]} for r in items]

    return {
        "status": rows(d["by_status"]),
        "area": rows(d["by_area"]),
        "department": rows(d["by_department"]),
        "stage": rows(d["by_stage"]),
        "colour": rows(d["by_colour"]),
        "overdue": rows(d["overdue_buckets"]),
        "trend": [
            {
                "week": w["start"].strftime("%m-%d"),
                "new": w["new"],
                "closed": w["closed"],
                "new_url": w["new_url"],
                "closed_url": w["closed_url"],
            }
            for w in d["trend"]
        ],
        "map": d["map"]["points"],
        "labels": {
            "new": _("New"),
            "closed": _("Closed"),
            "open": _("Open hazards"),
            "lon": _("Longitude"),
            "lat": _("Latitude"),
        },
    }
