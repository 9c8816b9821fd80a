"""The bureau dashboard of the centre, the leadership group, inspectors and department officers:
the page, its printable A4 version and the Excel workbook of its figures."""

from __future__ import annotations

from itertools import zip_longest

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_POST

from safecampus.core.access import require, scope_for
from safecampus.core.capabilities import DASHBOARD_VIEW
from safecampus.core.excel import (
    XLSX_CONTENT_TYPE,
    attachment,
)
from safecampus.core.roles import SCHOOL_ROLES
from safecampus.orgs.choices import SchoolStage

from . import selectors, snapshots
from .documents import dashboard_file
from .forms import DashboardFilterForm


def _form(request, data=None) -> tuple[DashboardFilterForm, list, bool]:
    """The filter form of the request's query (or of ``data``); (form, campaigns, valid)."""
    data = request.GET if data is None else data
    campaigns = selectors.visible_campaigns(request.user)
    form = DashboardFilterForm(data or None, user=request.user, campaigns=campaigns)
    valid = form.is_valid() if form.is_bound else True
    return form, campaigns, valid


def _context(request) -> tuple[dict, int]:
    """The figures for the request's filters; (context, HTTP status: 400 on bad filters).

    A scope small enough is counted live; a larger one is read from its snapshot (``d`` is
    None while the first count runs, and ``snapshot`` says how old the figures are)."""
    user = request.user
    form, campaigns, valid = _form(request)
    filters = form.filters()
    department = form.departments.get(filters.department_id)
    ctx = {
        "form": form,
        "filters": filters,
        "title": selectors.dashboard_title(department),
        "department": department,
        "stage_label": dict(SchoolStage.choices).get(filters.stage, ""),
        "statuses": selectors.accountability_statuses(),
        "query": request.GET.urlencode(),
        "now": timezone.localtime(),
        "snapshot": None,
        "top_departments": f":{selectors.TOP_DEPARTMENTS}",
        "top_departments_n": selectors.TOP_DEPARTMENTS,
    }
    figures = snapshots.dashboard_figures(user=user, filters=filters, campaigns=campaigns)
    ctx["d"] = figures["d"]
    if figures["snapshot"] is not None:
        ctx["snapshot"] = figures["snapshot"]
        ctx["refreshing"] = figures["refreshing"]
    if figures["as_of"] is not None:
        ctx["now"] = figures["as_of"]
    if (waiting := selectors.waiting_for(user)) is not None:
        ctx["waiting"] = waiting
    return ctx, 200 if valid else 400


@login_required
def dashboard(request):
    """/dashboard/: cards, charts and tables; every number links to the register."""
    scope = scope_for(request.user)
    if not scope.has(*DASHBOARD_VIEW) and scope.has(*SCHOOL_ROLES):
        return redirect(reverse("reports:school_dashboard"))
    require(request.user, DASHBOARD_VIEW)
    ctx, status = _context(request)
    if ctx["d"] is not None:
        ctx["chart_data"] = _chart_data(ctx["d"])
    return render(request, "reports/dashboard.html", ctx, status=status)


def _snapshot_pending(request, ctx: dict, status: int):
    """Print and export of a snapshot not counted yet: the dashboard page with its progress."""
    if ctx["d"] is None:
        return render(request, "reports/dashboard.html", ctx, status=status)
    return None


@login_required
def dashboard_print(request):
    """/dashboard/print/: the same figures as tables, laid out for A4."""
    require(request.user, DASHBOARD_VIEW)
    ctx, status = _context(request)
    if (pending := _snapshot_pending(request, ctx, status)) is not None:
        return pending
    league = ctx["d"]["league"]
    ctx["league_rows"] = list(
        zip_longest(league["open"], league["overdue"], league["slowest"], fillvalue={})
    )
    return render(request, "reports/dashboard_print.html", ctx, status=status)


@gzip_page
@login_required
def dashboard_map(request):
    """/dashboard/map.json: the map's points, loaded by the page after it is drawn (40,000
    schools make a 2 MB list that the other figures should not wait for)."""
    require(request.user, DASHBOARD_VIEW)
    form, _campaigns, valid = _form(request)
    if not valid:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    filters = form.filters()
    if snapshots.counted_live(user=request.user, filters=filters):
        payload = selectors.map_points(user=request.user, filters=filters)
        return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    text = snapshots.points_json(user=request.user, filters=filters)
    if text is None:
        return JsonResponse({"points": [], "pending": True})
    return HttpResponse(text, content_type="application/json")


@login_required
def dashboard_status(request):
    """/dashboard/status/: the progress of the count of the viewer's snapshot (polled by the
    page while it runs); tells the page to reload once the figures are there."""
    require(request.user, DASHBOARD_VIEW)
    form, _campaigns, _valid = _form(request)
    snap = snapshots.find(user=request.user, filters=form.filters())
    if snap is None:
        raise Http404
    if snap.computed_at is not None and not snapshots.is_refreshing(snap):
        response = HttpResponse(_("The figures are ready."))
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "reports/_snapshot_status.html",
        {
            "snapshot": snap,
            "refreshing": snapshots.is_refreshing(snap),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def dashboard_refresh(request):
    """POST /dashboard/refresh/: count the viewer's snapshot again now (one count at a time)."""
    require(request.user, DASHBOARD_VIEW)
    # the dashboard's query, passed in hidden fields
    data = request.POST.copy()
    data.pop("csrfmiddlewaretoken", None)
    form, _campaigns, _valid = _form(request, data)
    snap = snapshots.find(user=request.user, filters=form.filters())
    if snap is None:
        raise Http404
    if snapshots.start_refresh(snap, user=request.user) is None:
        messages.info(request, _("The figures are already being counted."))
    query = form.data.urlencode() if form.is_bound else ""
    return redirect(reverse("reports:dashboard") + (f"?{query}" if query else ""))


@login_required
def dashboard_export(request):
    """/dashboard/export.xlsx: a workbook of the figures, one sheet per group."""
    require(request.user, DASHBOARD_VIEW)
    ctx, status = _context(request)
    if (pending := _snapshot_pending(request, ctx, status)) is not None:
        return pending
    if status != 200:
        ctx["chart_data"] = _chart_data(ctx["d"])
        return render(request, "reports/dashboard.html", ctx, status=status)
    content, name = dashboard_file(
        user=request.user, form=ctx["form"], d=ctx["d"], statuses=ctx["statuses"], as_of=ctx["now"]
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(name)
    return response


def _chart_data(d: dict) -> dict:
    """What the charts draw (json_script): labels, numbers and the register URL of each."""

    def rows(items):
        return [{"label": r["label"], "n": r["n"], "url": r["url"], "key": r["key"]} for r in items]

    return {
        "status": rows(d["by_status"]),
        "area": rows(d["by_area"]),
        "department": rows(d["by_department"][: selectors.TOP_DEPARTMENTS]),
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
        "labels": {
            "new": _("New"),
            "closed": _("Closed"),
            "open": _("Open hazards"),
            "lon": _("Longitude"),
            "lat": _("Latitude"),
        },
    }
