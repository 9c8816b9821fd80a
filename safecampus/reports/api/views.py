"""The API of the dashboards (mounted under /api/v1/), scoped exactly as the pages:

- ``dashboard/``: the bureau dashboard's figures as its page shows them, for the caller's role
  (the centre's, the leadership group's and inspectors' whole scope; a department officer's
  department), with the page's filters (``campaign``, ``found_from``, ``found_to``,
  ``bureau``, ``stage``, ``department``) and the "as of" time of the figures (a scope too large
  to count live is read from its snapshot, see ``reports.snapshots``);
- ``dashboard/map/``: the map's points (the page's ``map.json``);
- ``dashboard/status/``: the state of the count of the caller's snapshot;
- ``dashboard/refresh/``: count the snapshot again now (one count at a time: ``busy`` 409);
- ``dashboard/export.xlsx``: the workbook of the figures, named as the page names it;
- ``dashboard/schools/``: the caller's own schools (a school role held there);
- ``dashboard/schools/{id}/``: a school's dashboard (the school's own officers and principal,
  the bureau's centre, leaders and inspectors), and ``export.xlsx`` its workbook.

Every read goes through ``reports.selectors``, ``reports.snapshots`` and ``reports.school``.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from safecampus.core.api import (
    NOT_FOUND,
    IgnoreAccept,
    Pagination,
    capability_permission,
    error,
    file_answer,
    job_answer,
    key,
    who,
)
from safecampus.core.capabilities import BUREAU_WIDE, DASHBOARD_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.roles import SCHOOL_ROLES

from .. import school as school_selectors
from .. import selectors, snapshots
from ..documents import dashboard_file
from ..forms import DashboardFilterForm
from .serializers import (
    DashboardFiltersSerializer,
    DashboardJobSerializer,
    DashboardNamedSerializer,
    DashboardSerializer,
    MapSerializer,
    SchoolDashboardSerializer,
    SnapshotStateSerializer,
)

_FORBIDDEN = error(
    f"`permission_denied`: the caller holds none of {who(DASHBOARD_VIEW)} (a school's staff "
    "read their school's dashboard, `/api/v1/dashboard/schools/{id}/`)."
)
_INVALID = error(
    "`invalid`: a filter is not valid: a date that is not one, a period ending before it "
    "starts, a campaign, bureau or department that is not one of the caller's."
)
_NO_SNAPSHOT = error(
    "`not_found`: the caller's figures with these filters are counted live (there is no "
    "snapshot; the message says so), or no snapshot was made yet (read the dashboard once "
    "to start it)."
)


def _snapshot_or_404(user, filters):
    """The snapshot of the caller's figures with these filters; a 404 saying why there is none
    (a small scope is counted live, or nothing was counted yet)."""
    snap = snapshots.find(user=user, filters=filters)
    if snap is not None:
        return snap
    if snapshots.counted_live(user=user, filters=filters):
        raise exceptions.NotFound(
            _("These figures are counted live each time they are read; they have no snapshot.")
        )
    raise exceptions.NotFound(
        _("These figures have not been counted yet; open the dashboard to start counting them.")
    )


_BUSY = "busy"


class Busy(exceptions.APIException):
    status_code = 409
    default_code = _BUSY


def plain(value):
    """The dashboard's figures as JSON values: dates as ISO strings."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    return value


def _form(request, data) -> DashboardFilterForm:
    """The page's filter form of ``data``; its errors are a 400, in Chinese."""
    campaigns = selectors.visible_campaigns(request.user)
    form = DashboardFilterForm(data or None, user=request.user, campaigns=campaigns)
    if form.is_bound and not form.is_valid():
        raise exceptions.ValidationError(
            {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        )
    return form


def _filter_data(data) -> dict:
    """The filter fields of a query (or body): empty values left out."""
    if not isinstance(data, Mapping):
        raise exceptions.ValidationError(
            {"non_field_errors": [_("The request body must be an object of filters.")]}
        )
    fields = DashboardFilterForm.base_fields
    return {k: str(v) for k, v in data.items() if k in fields and v not in (None, "")}


def _snapshot_state(snap) -> dict:
    refreshing = snapshots.is_refreshing(snap)
    job = snap.job
    return {
        "computed_at": snap.computed_at,
        "refreshing": refreshing,
        "ready": snap.computed_at is not None and not refreshing,
        "job": job.pk if job is not None else None,
        "percent": job.percent if job is not None else None,
    }


_FILTERS = [DashboardFiltersSerializer]


class _Base(APIView):
    permission_classes = [IsAuthenticated, capability_permission(DASHBOARD_VIEW)]


class DashboardView(_Base):
    @extend_schema(
        tags=["dashboard"],
        parameters=_FILTERS,
        responses={200: DashboardSerializer, 400: _INVALID, 403: _FORBIDDEN},
        summary="The dashboard's figures",
        description="Every figure of the dashboard page for the caller's role and the filters: "
        "totals, rates, breakdowns (status, area, department, school type, colour, overdue), "
        "major hazards, the campaign, the weekly trend, the school league, spot checks, "
        "accountability, duties, standards, zones, incidents, messaging and the map's counts; "
        "and, for a department officer, what waits for their action. A scope too large to "
        "count live is read from its snapshot: `as_of` is when it was counted, and `figures` "
        "is null while its first count runs (the count is started as the page starts it). "
        f"Roles: {who(DASHBOARD_VIEW)}.",
    )
    def get(self, request):
        user = request.user
        form = _form(request, _filter_data(request.query_params))
        filters = form.filters()
        department = form.departments.get(filters.department_id)
        campaigns = list(form.campaigns.values())
        figures = snapshots.dashboard_figures(user=user, filters=filters, campaigns=campaigns)
        snap = figures["snapshot"]
        waiting = selectors.waiting_for(user)
        if waiting is not None:
            waiting = {
                **waiting,
                "departments": [
                    {"department": w.department, "figures": w.figures, "total": w.total}
                    for w in waiting["departments"]
                ],
            }
        data = {
            "title": selectors.dashboard_title(department),
            "department": department,
            "filters": filters.register_params(),
            "as_of": figures["as_of"] or timezone.localtime(),
            "live": snap is None,
            "snapshot": _snapshot_state(snap) if snap is not None else None,
            "figures": plain(figures["d"]) if figures["d"] is not None else None,
            "waiting": waiting,
        }
        return Response(DashboardSerializer(data).data)


class MapView(_Base):
    @extend_schema(
        tags=["dashboard"],
        parameters=_FILTERS,
        responses={200: MapSerializer, 400: _INVALID, 403: _FORBIDDEN},
        summary="The dashboard's map",
        description="The schools with coordinates (their first gate), each with its open "
        "hazards and worst open colour, as the page's map reads them; `pending` while the "
        f"snapshot of a large scope is counted. Roles: {who(DASHBOARD_VIEW)}.",
    )
    def get(self, request):
        form = _form(request, _filter_data(request.query_params))
        filters = form.filters()
        if snapshots.counted_live(user=request.user, filters=filters):
            return Response(selectors.map_points(user=request.user, filters=filters))
        text = snapshots.points_json(user=request.user, filters=filters)
        if text is None:
            return Response({"points": [], "pending": True})
        # a province's points are megabytes: sent as the database holds them
        return HttpResponse(text, content_type="application/json")


class StatusView(_Base):
    @extend_schema(
        tags=["dashboard"],
        parameters=_FILTERS,
        responses={
            200: SnapshotStateSerializer,
            400: _INVALID,
            403: _FORBIDDEN,
            404: _NO_SNAPSHOT,
        },
        summary="The count of the dashboard's snapshot",
        description="Whether the snapshot of the caller's figures with these filters is "
        "counted, and the progress of a count running now. "
        f"Roles: {who(DASHBOARD_VIEW)}.",
    )
    def get(self, request):
        form = _form(request, _filter_data(request.query_params))
        snap = _snapshot_or_404(request.user, form.filters())
        return Response(SnapshotStateSerializer(_snapshot_state(snap)).data)


class RefreshView(_Base):
    @extend_schema(
        tags=["dashboard"],
        request=DashboardFiltersSerializer,
        responses={
            202: DashboardJobSerializer,
            400: _INVALID,
            403: _FORBIDDEN,
            404: _NO_SNAPSHOT,
            409: error("`busy`: the figures are already being counted."),
        },
        summary="Count the dashboard's snapshot again now",
        description="Starts the count of the snapshot of the caller's figures with these "
        "filters (the same as the dashboard's query), as the page's 'update now' does; only "
        f"one count of a snapshot runs at a time. Roles: {who(DASHBOARD_VIEW)}.",
    )
    def post(self, request):
        form = _form(request, _filter_data(request.data))
        snap = _snapshot_or_404(request.user, form.filters())
        job = snapshots.start_refresh(snap, user=request.user)
        if job is None:
            raise Busy(_("The figures are already being counted."))
        return job_answer(job, request)


class ExportView(_Base):
    content_negotiation_class = IgnoreAccept

    @extend_schema(
        tags=["dashboard"],
        parameters=_FILTERS,
        responses={
            (200, XLSX_CONTENT_TYPE): bytes,
            400: _INVALID,
            403: _FORBIDDEN,
            409: error(
                "`busy`: the snapshot of a large scope is being counted for the first time; "
                "follow `/api/v1/dashboard/status/` and ask again."
            ),
        },
        summary="The dashboard's workbook",
        description="The figures as an Excel workbook, one sheet per group, named as the "
        f"page names it. Roles: {who(DASHBOARD_VIEW)}.",
    )
    def get(self, request):
        user = request.user
        form = _form(request, _filter_data(request.query_params))
        filters = form.filters()
        campaigns = list(form.campaigns.values())
        figures = snapshots.dashboard_figures(user=user, filters=filters, campaigns=campaigns)
        if figures["d"] is None:
            raise Busy(_("The figures are still being counted; try again in a moment."))
        content, name = dashboard_file(
            user=user,
            form=form,
            d=figures["d"],
            statuses=selectors.accountability_statuses(),
            as_of=figures["as_of"] or timezone.localtime(),
        )
        return file_answer(io.BytesIO(content), name, content_type=XLSX_CONTENT_TYPE)


_SCHOOL_ROLES = SCHOOL_ROLES | BUREAU_WIDE


class OwnSchoolsPageSerializer(serializers.Serializer):
    """A page of the caller's own schools."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DashboardNamedSerializer(many=True)


class OwnSchoolsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_dashboard_schools_list",
        tags=["dashboard"],
        responses={
            200: OwnSchoolsPageSerializer,
            403: error(
                f"`permission_denied`: the caller holds none of {who(SCHOOL_ROLES)} in a "
                f"school, nor {who(BUREAU_WIDE)} in a bureau."
            ),
        },
        summary="The caller's own schools",
        description="The schools whose dashboard is the caller's own (a school role held "
        "there), by name, as the school dashboard page offers them; empty for the bureau's "
        f"{who(BUREAU_WIDE)}, who open any school of theirs from `/api/v1/schools/`.",
    )
    def get(self, request):
        schools = school_selectors.own_schools(user=request.user)
        if not schools and not school_selectors.sees_bureau_schools(request.user):
            raise PermissionDenied(_("Your roles do not allow this."))
        paginator = Pagination()
        page = paginator.paginate_queryset(schools, request, view=self)
        return paginator.get_paginated_response(DashboardNamedSerializer(page, many=True).data)


class SchoolDashboardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["dashboard"],
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The school's id.")
        ],
        responses={
            200: SchoolDashboardSerializer,
            403: error(
                "`permission_denied`: the caller sees the school but not all of its hazards "
                f"(a department, a partner unit); school dashboards are for {who(_SCHOOL_ROLES)}."
            ),
            404: NOT_FOUND,
        },
        summary="A school's dashboard",
        description="As the school dashboard page shows it: the figures (open, overdue, due "
        "within 7 days, awaiting acceptance, returned, closed this year, forms to fill and "
        "returned), the open hazards by deadline, those returned for rework, the forms, the "
        "latest closed hazards and the duties. Roles: the school's own "
        f"{who(SCHOOL_ROLES)}; the bureau's {who(BUREAU_WIDE)}.",
    )
    def get(self, request, **kwargs):
        school = school_selectors.school_get(user=request.user, pk=key(kwargs["id"]))
        data = school_selectors.school_dashboard(user=request.user, school=school)
        data = {**data, "duties": plain(data["duties"])}
        return Response(SchoolDashboardSerializer(data).data)


class SchoolDashboardExportView(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = IgnoreAccept

    @extend_schema(
        tags=["dashboard"],
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The school's id.")
        ],
        responses={
            (200, XLSX_CONTENT_TYPE): bytes,
            403: error(
                "`permission_denied`: the caller sees the school but not all of its hazards."
            ),
            404: NOT_FOUND,
        },
        summary="A school's dashboard workbook",
        description="The school dashboard's figures and the rows behind them as an Excel "
        "workbook, named as the page names it; the export is written to the audit log as the "
        f"page writes it. Roles: the school's own {who(SCHOOL_ROLES)}; the bureau's "
        f"{who(BUREAU_WIDE)}.",
    )
    def get(self, request, **kwargs):
        school = school_selectors.school_get(user=request.user, pk=key(kwargs["id"]))
        content, name = school_selectors.school_export(
            user=request.user, school=school, base_url=request.build_absolute_uri("/")[:-1]
        )
        return file_answer(io.BytesIO(content), name, content_type=XLSX_CONTENT_TYPE)


urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="api-dashboard"),
    path("dashboard/map/", MapView.as_view(), name="api-dashboard-map"),
    path("dashboard/status/", StatusView.as_view(), name="api-dashboard-status"),
    path("dashboard/refresh/", RefreshView.as_view(), name="api-dashboard-refresh"),
    path("dashboard/export.xlsx", ExportView.as_view(), name="api-dashboard-export"),
    path("dashboard/schools/", OwnSchoolsView.as_view(), name="api-own-schools"),
    path("dashboard/schools/<str:id>/", SchoolDashboardView.as_view(), name="api-school-dashboard"),
    path(
        "dashboard/schools/<str:id>/export.xlsx",
        SchoolDashboardExportView.as_view(),
        name="api-school-dashboard-export",
    ),
]
