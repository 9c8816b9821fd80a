"""The API of the weekly app (mounted under /api/v1/), scoped exactly as the pages:

- ``weekly/campaigns/``: the campaigns with weekly reports the caller reads (the index's list),
  each with its first and last report week; ``weekly/owed/``: a department officer's reports
  due (this week's first, then earlier weeks not submitted), as the index shows them.
- ``weekly/campaigns/{id}/matrix/``: the centre's weeks × departments matrix with each
  report's state; ``weekly/campaigns/{id}/weeks/{start}/``: one week (its row, the week's
  district reports); ``.../open/``: a department opens its report of the week;
  ``.../compile/``: the centre compiles the district report of the week (a new version).
- ``weekly-reports/``: the reports the caller reads (filters ``campaign``, ``department``,
  ``week``, ``status``, ``late``), one with its figures and history, ``save`` and ``submit``,
  and its Word and Excel copies (``export.docx``, ``export.xlsx``).
- ``weekly-district-reports/``: the district reports (filters ``campaign``, ``week``), one with
  its tables and versions, and its Word and Excel copies.

Every read goes through ``weekly.selectors`` (``visible_to``), every write through
``weekly.services``, the page's own calls: the same events, the same refusals
(``{"code", "message", "errors"}``, nothing saved).
"""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import path
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from safecampus.campaigns.models import Campaign
from safecampus.core.access import EDIT, roles_on, scope_for
from safecampus.core.api import (
    ID,
    NOT_FOUND,
    IgnoreAccept,
    Pagination,
    capability_permission,
    error,
    file_answer,
    key,
    who,
)
from safecampus.core.capabilities import REPORT_COMPILE, WEEKLY_REPORT_FILE, WEEKLY_REPORT_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.refusals import Code

from .. import access, selectors, services
from ..documents import (
    DOCX_CONTENT_TYPE,
    district_document,
    docx_bytes,
    report_document,
    xlsx_bytes,
)
from ..lifecycle import WEEKLY_REPORT
from ..models import DistrictReport, WeeklyReport, WeeklyReportEvent
from ..weeks import current_week, report_weeks
from .filters import DistrictReportFilterSet, WeeklyReportFilterSet
from .serializers import (
    CompileSerializer,
    DistrictReportDetailSerializer,
    DistrictReportSerializer,
    MatrixSerializer,
    NarrativeSerializer,
    OpenSerializer,
    OwedReportSerializer,
    WeekDetailSerializer,
    WeeklyCampaignSerializer,
    WeeklyReportDetailSerializer,
    WeeklyReportSerializer,
)

TAGS = ["weekly"]

_START = OpenApiParameter(
    "start",
    OpenApiTypes.DATE,
    OpenApiParameter.PATH,
    description="The report week's first day, `YYYY-MM-DD` (a `start` of the matrix's weeks).",
)
_FORBIDDEN_VIEW = error(f"`permission_denied`: the caller holds none of {who(WEEKLY_REPORT_VIEW)}.")
_FORBIDDEN_FILE = error(
    f"`permission_denied`: the caller holds none of {who(WEEKLY_REPORT_FILE)} (only a "
    "department's own officers write its weekly report)."
)
_FORBIDDEN_COMPILE = error(
    f"`permission_denied`: the caller holds none of {who(REPORT_COMPILE)} in the campaign's "
    "bureau (only the safety centre compiles the district report)."
)
_WEEK_NOT_FOUND = error(
    "`not_found`: no such campaign with weekly reports, or it is outside the caller's scope; or "
    "`start` is not a date written `YYYY-MM-DD`. `no_such_week`: `start` is a date but not the "
    "first day of one of the campaign's report weeks."
)


def _week(campaign, start):
    """The campaign's report week of ``start`` (``selectors.week_get``, as the pages); a date
    that starts none answers 404 ``no_such_week``."""
    try:
        return selectors.week_get(campaign, start)
    except selectors.NoSuchWeek:
        raise exceptions.NotFound(
            _("This is not a report week of the campaign."), code=Code.NO_SUCH_WEEK
        ) from None


_FILTER_INVALID = error("`invalid`: a filter value is not one of its kind.")


def _week_body(week) -> dict | None:
    return {"start": week.start, "end": week.end, "due": week.due} if week else None


def _cells(cells) -> list[dict]:
    return [
        {
            "department": dept.pk,
            "department_name": dept.name,
            "state": state,
            "report": report.pk if report is not None else None,
        }
        for dept, state, report in cells
    ]


# --- campaigns, weeks owed, the matrix, a week ---------------------------------------------------


class _ViewBase(APIView):
    permission_classes = [IsAuthenticated, capability_permission(WEEKLY_REPORT_VIEW)]


class WeeklyCampaignsView(viewsets.GenericViewSet):
    permission_classes = _ViewBase.permission_classes
    pagination_class = Pagination
    queryset = Campaign.objects.none()  # for the schema; reads go through the selectors

    @extend_schema(
        tags=TAGS,
        responses={200: WeeklyCampaignSerializer(many=True), 403: _FORBIDDEN_VIEW},
        summary="List the campaigns with weekly reports",
        description="Launched or closed campaigns in the caller's scope that have a phase with "
        "weekly reports, newest first, each with its first and last report week (the weekly "
        f"index's list). Roles: {who(WEEKLY_REPORT_VIEW)}.",
    )
    def list(self, request):
        page = self.paginate_queryset(selectors.weekly_campaigns(user=request.user))
        rows = []
        for campaign in page:
            weeks = report_weeks(campaign)
            rows.append(
                {
                    "id": campaign.pk,
                    "name": campaign.name,
                    "year": campaign.year,
                    "status": campaign.status,
                    "first_week": _week_body(weeks[0] if weeks else None),
                    "last_week": _week_body(weeks[-1] if weeks else None),
                }
            )
        return self.get_paginated_response(WeeklyCampaignSerializer(rows, many=True).data)


class OwedReportsView(viewsets.GenericViewSet):
    permission_classes = _ViewBase.permission_classes
    pagination_class = Pagination
    queryset = WeeklyReport.objects.none()  # for the schema; reads go through the selectors

    @extend_schema(
        tags=TAGS,
        responses={200: OwedReportSerializer(many=True), 403: _FORBIDDEN_VIEW},
        summary="The weekly reports the caller's departments owe",
        description="Of the running campaigns, for each department the caller writes reports "
        "for: the current week's report first (whatever its state), then earlier weeks not yet "
        "submitted, newest first (at most 30, as the weekly index shows them). Empty for a "
        "caller who writes no department's report. "
        f"Roles: {who(WEEKLY_REPORT_VIEW)} (only {who(WEEKLY_REPORT_FILE)} owe reports).",
    )
    def list(self, request):
        page = self.paginate_queryset(selectors.due_reports(user=request.user))
        return self.get_paginated_response(OwedReportSerializer(page, many=True).data)


class MatrixView(_ViewBase):
    @extend_schema(
        tags=TAGS,
        parameters=[ID],
        responses={200: MatrixSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="A campaign's weeks × departments matrix",
        description="Each report week of the campaign with every department owing reports and "
        "the state of its report (`on_time`, `late`, `draft`, `missing`, `not_due`), the "
        "counts per week and the weeks each department submitted. The bureau's readers see "
        "every department (a draft shows to them as not submitted: `missing` or `not_due`); a "
        f"department officer its own departments only. Roles: {who(WEEKLY_REPORT_VIEW)}.",
    )
    def get(self, request, pk=None):
        campaign = selectors.campaign_get(user=request.user, pk=key(pk))
        matrix = selectors.campaign_matrix(user=request.user, campaign=campaign)
        current = current_week(campaign, matrix["today"])
        body = {
            "campaign": campaign.pk,
            "campaign_name": campaign.name,
            "today": matrix["today"],
            "departments": [
                {"id": d.pk, "name": d.name, "submitted": n}
                for d, n in zip(matrix["departments"], matrix["per_department"], strict=True)
            ],
            "weeks": [
                {
                    **_week_body(row.week),
                    "current": current is not None and row.week.start == current.start,
                    "counts": row.counts,
                    "cells": _cells(row.cells),
                }
                for row in matrix["rows"]
            ],
        }
        return Response(MatrixSerializer(body).data)


class WeekView(_ViewBase):
    @extend_schema(
        tags=TAGS,
        parameters=[ID, _START],
        responses={200: WeekDetailSerializer, 403: _FORBIDDEN_VIEW, 404: _WEEK_NOT_FOUND},
        summary="One report week of a campaign",
        description="The week's row of the matrix, the departments whose report the caller "
        "writes, the week's district reports (to the bureau's readers) and whether the caller "
        f"compiles it. Roles: {who(WEEKLY_REPORT_VIEW)}.",
    )
    def get(self, request, pk=None, start=None):
        user = request.user
        campaign = selectors.campaign_get(user=user, pk=key(pk))
        week = _week(campaign, start)
        cells = selectors.week_reports(user=user, campaign=campaign, week=week)
        scope = scope_for(user)
        body = {
            "campaign": campaign.pk,
            "campaign_name": campaign.name,
            "week": _week_body(week),
            "cells": _cells(cells),
            "own_departments": [c[0].pk for c in cells if access.files_for(scope, c[0].pk)],
            "district_reports": selectors.district_reports(
                user=user, campaign=campaign, week=week
            ).select_related("campaign"),
            "can_compile": access.may_compile(scope, campaign),
        }
        return Response(WeekDetailSerializer(body).data)


def _report_detail(request, report: WeeklyReport, status_code: int = 200) -> Response:
    report = selectors.report_get(user=request.user, pk=report.pk)
    events = WeeklyReportEvent.objects.select_related("actor").order_by("at", "id")
    prefetch_related_objects([report], Prefetch("events", queryset=events))
    context = {
        "figures": selectors.figures_of(report),
        "allowed_actions": WEEKLY_REPORT.allowed(report, roles_on(request.user, report)),
    }
    return Response(WeeklyReportDetailSerializer(report, context=context).data, status=status_code)


class OpenReportView(APIView):
    permission_classes = [
        IsAuthenticated,
        capability_permission(WEEKLY_REPORT_VIEW, write=WEEKLY_REPORT_FILE),
    ]

    @extend_schema(
        tags=TAGS,
        parameters=[ID, _START],
        request=OpenSerializer,
        responses={
            200: OpenApiResponse(
                WeeklyReportDetailSerializer, description="The report was already open: it."
            ),
            201: OpenApiResponse(WeeklyReportDetailSerializer, description="The new draft."),
            400: error(
                "`invalid`: no department id; `not_running`: the campaign is not running; "
                "`not_started`: the week has not begun; `not_owing`: the department owes no "
                "reports on the campaign; `no_such_week`: not a report week. Messages in "
                "Chinese; nothing is saved."
            ),
            403: _FORBIDDEN_FILE,
            404: error(
                "`not_found`: the campaign or the week (see the week's endpoint), or the "
                "department is not one the caller writes reports for; `no_such_week`: `start` "
                "is a date but not the first day of a report week."
            ),
        },
        summary="Open a department's report of a week",
        description="The department's report of the week: the existing one (200), or a new "
        "draft (201, with its `create` event), as the week's page's 填写 button. "
        f"Roles: {who(WEEKLY_REPORT_FILE)}, for their own departments.",
    )
    def post(self, request, pk=None, start=None):
        user = request.user
        campaign = selectors.campaign_get(user=user, pk=key(pk))
        week = _week(campaign, start)
        serializer = OpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        department = selectors.own_department_get(
            user=user, pk=serializer.validated_data["department"]
        )
        before = (
            WeeklyReport.objects.editable_by(user)
            .filter(campaign=campaign, department=department, week_start=week.start)
            .exists()
        )
        report = services.weekly_report_open(
            actor=user, campaign=campaign, department=department, week_start=week.start
        )
        return _report_detail(request, report, status.HTTP_200_OK if before else 201)


class CompileView(APIView):
    permission_classes = [
        IsAuthenticated,
        capability_permission(WEEKLY_REPORT_VIEW, write=REPORT_COMPILE),
    ]

    @extend_schema(
        tags=TAGS,
        parameters=[ID, _START],
        request=CompileSerializer,
        responses={
            201: DistrictReportDetailSerializer,
            400: error(
                "`invalid`: a summary over 10,000 characters; `nothing_submitted`: no "
                "department has submitted its report of the week; `no_such_week`: not a report "
                "week. Messages in Chinese; nothing is saved."
            ),
            403: _FORBIDDEN_COMPILE,
            404: _WEEK_NOT_FOUND,
        },
        summary="Compile the district report of a week",
        description="A new version of the week's district report (earlier versions stay): the "
        "register's figures of the campaign, the departments' submitted reports beside them, "
        "the departments still missing, the change since last week, with the bureau's next "
        "document number. Runs at once (as the page; no job). "
        f"Roles: {who(REPORT_COMPILE)}, of the campaign's bureau.",
    )
    def post(self, request, pk=None, start=None):
        user = request.user
        campaign = selectors.campaign_get(user=user, pk=key(pk))
        week = _week(campaign, start)
        if not access.may_compile(scope_for(user), campaign):
            raise DjangoPermissionDenied(_("Only the safety centre compiles the district report."))
        serializer = CompileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        district = services.district_report_compile(
            actor=user,
            campaign=campaign,
            week_start=week.start,
            summary=serializer.validated_data.get("summary", ""),
        )
        return _district_detail(request, district, status.HTTP_201_CREATED)


# --- a department's report ------------------------------------------------------------------------


_ACT_ERRORS = {
    400: error(
        "`invalid`: a text over 5,000 characters, or (`submit`) no `progress`; `submitted`: the "
        "report is submitted and no longer changes. Messages in Chinese; nothing is saved."
    ),
    403: error(
        f"`permission_denied`: the caller holds none of {who(WEEKLY_REPORT_VIEW)}, or reads the "
        "report (a submitted report, to the bureau's readers) but does not write it (only "
        f"{who(WEEKLY_REPORT_FILE)} of its department)."
    ),
    404: NOT_FOUND,
}


@extend_schema(tags=TAGS)
class WeeklyReportViewSet(viewsets.GenericViewSet):
    """Departments' weekly reports: a department's own, drafts included; the bureau's readers
    every submitted one."""

    # the page's check: the role reaches weekly reports; the report's scope then decides (a
    # draft outside the caller's department is not found, a submitted one it reads but does not
    # write is refused)
    permission_classes = [IsAuthenticated, capability_permission(WEEKLY_REPORT_VIEW)]
    pagination_class = Pagination
    serializer_class = WeeklyReportSerializer
    queryset = WeeklyReport.objects.none()  # for the schema; reads go through the scope
    filter_backends = [DjangoFilterBackend]
    filterset_class = WeeklyReportFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WeeklyReport.objects.none()
        return WeeklyReport.objects.visible_to(self.request.user).select_related(
            "campaign", "department"
        )

    @extend_schema(
        responses={
            200: WeeklyReportSerializer(many=True),
            400: _FILTER_INVALID,
            403: _FORBIDDEN_VIEW,
        },
        summary="List weekly reports",
        description="Newest week first: a department officer's own departments' reports, "
        "drafts included; the bureau's readers every submitted report of their bureau. "
        f"Roles: {who(WEEKLY_REPORT_VIEW)}.",
    )
    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(WeeklyReportSerializer(page, many=True).data)

    @extend_schema(
        parameters=[ID],
        responses={200: WeeklyReportDetailSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="One weekly report with its figures and history",
        description="The narrative, the figures (frozen at submission; a draft's live from the "
        "register), every event and the actions the caller may take. "
        f"Roles: {who(WEEKLY_REPORT_VIEW)}, on the reports they read (see the list).",
    )
    def retrieve(self, request, pk=None):
        return _report_detail(request, selectors.report_get(user=request.user, pk=key(pk)))

    def _act(self, request, pk, service) -> Response:
        report = selectors.report_get(user=request.user, pk=key(pk), action=EDIT)
        serializer = NarrativeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service(actor=request.user, report_id=report.pk, data=dict(serializer.validated_data))
        return _report_detail(request, report)

    @extend_schema(
        parameters=[ID],
        request=NarrativeSerializer,
        responses={200: WeeklyReportDetailSerializer, **_ACT_ERRORS},
        summary="Save a draft's narrative",
        description="The fields given (`progress`, `problems`, `next_plan`; one left out keeps "
        "its text), with a `save` event listing what changed, as the report page's 保存草稿. "
        f"Roles: {who(WEEKLY_REPORT_FILE)}, of the report's department.",
    )
    @action(detail=True, methods=["post"])
    def save(self, request, pk=None):
        return self._act(request, pk, services.weekly_report_save)

    @extend_schema(
        parameters=[ID],
        request=NarrativeSerializer,
        responses={200: WeeklyReportDetailSerializer, **_ACT_ERRORS},
        summary="Submit a report",
        description="Saves the fields given, then submits: the register's figures are frozen "
        "into the report, a submission after the due day (Shanghai date) is marked `late`, a "
        "`submit` event is written; the report no longer changes. `progress` must not be "
        f"empty. Roles: {who(WEEKLY_REPORT_FILE)}, of the report's department.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(request, pk, services.weekly_report_submit)


_FILE = {
    (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
    403: _FORBIDDEN_VIEW,
    404: NOT_FOUND,
}


class _Download(APIView):
    permission_classes = [IsAuthenticated, capability_permission(WEEKLY_REPORT_VIEW)]
    content_negotiation_class = IgnoreAccept
    fmt = "docx"

    def _answer(self, doc):
        if self.fmt == "docx":
            content, content_type = docx_bytes(doc), DOCX_CONTENT_TYPE
        else:
            content, content_type = xlsx_bytes(doc), XLSX_CONTENT_TYPE
        return file_answer(
            io.BytesIO(content), f"{doc.filename}.{self.fmt}", content_type=content_type
        )


class ReportDownloadView(_Download):
    def get(self, request, pk=None):
        report = selectors.report_get(user=request.user, pk=key(pk))
        return self._answer(report_document(report, selectors.figures_of(report)))


class DistrictDownloadView(_Download):
    def get(self, request, pk=None):
        return self._answer(
            district_document(selectors.district_get(user=request.user, pk=key(pk)))
        )


def _download_view(base, fmt: str, what: str):
    kind = "Word" if fmt == "docx" else "Excel"
    noun = "district" if base is DistrictDownloadView else "report"

    def get(self, request, pk=None):
        return base.get(self, request, pk)

    get = extend_schema(
        tags=TAGS,
        parameters=[ID],
        responses=_FILE,
        summary=f"Download the {what} as {kind}",
        description=f"The page's {kind} copy of the {what} ({fmt}), with the page's Chinese file "
        f"name. Roles: {who(WEEKLY_REPORT_VIEW)}, on the {what}s they read.",
        operation_id=f"v1_weekly_{noun}_export_{fmt}",
    )(get)
    return type(f"{base.__name__}{fmt.title()}", (base,), {"fmt": fmt, "get": get}).as_view()


# --- the district report --------------------------------------------------------------------------


def _district_detail(request, district: DistrictReport, status_code: int = 200) -> Response:
    district = selectors.district_get(user=request.user, pk=district.pk)
    tables = selectors.district_tables(district.figures)
    district.register = tables["register"]
    district.by_department = tables["by_department"]
    district.missing = district.figures.get("missing") or []
    district.versions = list(selectors.district_versions(user=request.user, district=district))
    district.link_reports = access.reads_whole_bureau(scope_for(request.user), district.bureau_id)
    return Response(DistrictReportDetailSerializer(district).data, status=status_code)


@extend_schema(tags=TAGS)
class DistrictReportViewSet(viewsets.GenericViewSet):
    """The district weekly reports the centre compiles, read by the bureau's readers."""

    permission_classes = [IsAuthenticated, capability_permission(WEEKLY_REPORT_VIEW)]
    pagination_class = Pagination
    serializer_class = DistrictReportSerializer
    queryset = DistrictReport.objects.none()  # for the schema
    filter_backends = [DjangoFilterBackend]
    filterset_class = DistrictReportFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DistrictReport.objects.none()
        return DistrictReport.objects.visible_to(self.request.user).select_related(
            "campaign", "compiled_by"
        )

    @extend_schema(
        responses={
            200: DistrictReportSerializer(many=True),
            400: _FILTER_INVALID,
            403: _FORBIDDEN_VIEW,
        },
        summary="List district weekly reports",
        description="Newest week and version first, of the caller's bureau (empty for a "
        f"department officer). Roles: {who(WEEKLY_REPORT_VIEW)}.",
    )
    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DistrictReportSerializer(page, many=True).data)

    @extend_schema(
        parameters=[ID],
        responses={200: DistrictReportDetailSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="One district weekly report",
        description="The summary, the register's figures beside the departments' reports "
        "summed, the register per department beside each department's report, the departments "
        "missing, each department's narrative (`departments`), and every version of the week. "
        f"Roles: {who(WEEKLY_REPORT_VIEW)} of the bureau, not a department officer.",
    )
    def retrieve(self, request, pk=None):
        return _district_detail(request, selectors.district_get(user=request.user, pk=key(pk)))


router = SimpleRouter()
router.register("weekly-reports", WeeklyReportViewSet, basename="weekly-report")
router.register("weekly-district-reports", DistrictReportViewSet, basename="weekly-district")

_CAMPAIGN = "weekly/campaigns/<str:pk>/"

urlpatterns = [
    path(
        "weekly/campaigns/",
        WeeklyCampaignsView.as_view({"get": "list"}),
        name="weekly-campaign-list",
    ),
    path("weekly/owed/", OwedReportsView.as_view({"get": "list"}), name="weekly-owed"),
    path(f"{_CAMPAIGN}matrix/", MatrixView.as_view(), name="weekly-matrix"),
    path(f"{_CAMPAIGN}weeks/<str:start>/", WeekView.as_view(), name="weekly-week"),
    path(f"{_CAMPAIGN}weeks/<str:start>/open/", OpenReportView.as_view(), name="weekly-open"),
    path(f"{_CAMPAIGN}weeks/<str:start>/compile/", CompileView.as_view(), name="weekly-compile"),
    *router.urls,
    path(
        "weekly-reports/<str:pk>/export.docx",
        _download_view(ReportDownloadView, "docx", "weekly report"),
        name="weekly-report-docx",
    ),
    path(
        "weekly-reports/<str:pk>/export.xlsx",
        _download_view(ReportDownloadView, "xlsx", "weekly report"),
        name="weekly-report-xlsx",
    ),
    path(
        "weekly-district-reports/<str:pk>/export.docx",
        _download_view(DistrictDownloadView, "docx", "district report"),
        name="weekly-district-docx",
    ),
    path(
        "weekly-district-reports/<str:pk>/export.xlsx",
        _download_view(DistrictDownloadView, "xlsx", "district report"),
        name="weekly-district-xlsx",
    ),
]
