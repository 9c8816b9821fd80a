"""The files of the duty pages through the API: the compliance workbook, a school's duty log
(Excel, or a Word document) and a catalog version's workbook. Each reads through the same
functions as the page (``compliance.export_workbook``, ``exports.log_of``,
``catalog_excel.export_version``): the same scope checks, the same bytes and Chinese file
names."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action as drf_action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from safecampus.core.api import ID, capability_permission, error, file_answer, key, who
from safecampus.core.capabilities import DUTY_COMPLIANCE_VIEW, DUTY_VIEW
from safecampus.core.documents import DOCX_CONTENT_TYPE, content_disposition
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.orgs.choices import SchoolStage

from .. import compliance, exports
from ..catalog_excel import export_version

_XLSX = OpenApiResponse(OpenApiTypes.BINARY, description="The workbook, named as the page's.")

#: the compliance page's filters (``compliance.ComplianceFilterForm``)
_COMPLIANCE_FILTERS = [
    OpenApiParameter(
        "period",
        str,
        required=False,
        enum=[key for key, _label in compliance.PERIODS],
        description="The period (default the school year).",
    ),
    OpenApiParameter("month", str, required=False, description="A month instead, `YYYY-MM`."),
    OpenApiParameter("start", OpenApiTypes.DATE, required=False),
    OpenApiParameter("end", OpenApiTypes.DATE, required=False),
    OpenApiParameter("code", str, required=False, description="One duty's code."),
    OpenApiParameter("stage", str, required=False, enum=list(SchoolStage.values)),
    OpenApiParameter("overseer", int, required=False, description="Overseeing department."),
    OpenApiParameter("owner", str, required=False, enum=list(compliance.OWNER_LABELS)),
    OpenApiParameter(
        "live", str, required=False, description="`1`: count now, where that is cheap."
    ),
]


class DutyVersionFilesMixin:
    """The file endpoints of ``DutyVersionViewSet`` (``/duty-versions/{id}/export/``)."""

    @extend_schema(
        parameters=[ID],
        responses={
            (200, XLSX_CONTENT_TYPE): _XLSX,
            403: error(f"`permission_denied`: the caller holds none of {who(DUTY_VIEW)}."),
            404: error("`not_found`: no such version, or outside the caller's scope."),
        },
        summary="Export a duty catalog version to Excel",
        description="The same workbook and file name as the catalog page's export link. "
        f"Roles: {who(DUTY_VIEW)}, on the versions of their bureau(s).",
    )
    @drf_action(detail=True, methods=["get"], url_path="export", url_name="export")
    def export(self, request, pk=None):
        tmp, name = export_version(request.user, key(pk))
        return file_answer(tmp, name, content_type=XLSX_CONTENT_TYPE)


class DutyComplianceExportView(APIView):
    """The compliance workbook (``/duty-compliance/export/``)."""

    permission_classes = [IsAuthenticated, capability_permission(DUTY_COMPLIANCE_VIEW)]

    @extend_schema(
        tags=["duties"],
        parameters=_COMPLIANCE_FILTERS,
        responses={
            (200, XLSX_CONTENT_TYPE): _XLSX,
            400: error("`invalid`: a filter value is not one of its choices (in `errors`)."),
            403: error(
                f"`permission_denied`: the caller holds none of {who(DUTY_COMPLIANCE_VIEW)}."
            ),
        },
        summary="Export the duty compliance figures to Excel",
        description="The filters of the compliance page; the same workbook (常态化工作落实情况) "
        "and file name as its export link. "
        f"Roles: {who(DUTY_COMPLIANCE_VIEW)} (a department those it owes or oversees).",
    )
    def get(self, request):
        params = request.GET.copy()
        params.pop("page", None)
        form = compliance.ComplianceFilterForm(params or None, user=request.user)
        if form.is_bound and not form.is_valid():
            raise ValidationError(
                {k: [str(m) for m in msgs] for k, msgs in form.errors.items()}, code="invalid"
            )
        today = timezone.localdate()
        content, name = compliance.export_workbook(
            user=request.user,
            form=form,
            filters=form.filters(today),
            today=today,
            live=compliance.live_wanted(request.user, request.GET.get("live")),
        )
        return file_answer(io.BytesIO(content), name, content_type=XLSX_CONTENT_TYPE)


class _FileFormat(BaseContentNegotiation):
    """A file is what it is whatever the client accepts, and ``?format=`` names the file's
    kind (as the page's), not one of DRF's renderers; errors are JSON (as ``IgnoreAccept`` in
    ``views``, which imports this module)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DutyLogExportView(APIView):
    """A school's duty log (``/duty-log/export/``)."""

    permission_classes = [IsAuthenticated, capability_permission(DUTY_VIEW)]
    content_negotiation_class = _FileFormat

    @extend_schema(
        tags=["duties"],
        parameters=[
            OpenApiParameter(
                "school",
                int,
                required=False,
                description="The school; default the first whose duties the caller records.",
            ),
            OpenApiParameter(
                "term", str, required=False, description="The term; default the current one."
            ),
            OpenApiParameter(
                "format",
                str,
                required=False,
                enum=["xlsx", "docx"],
                description="`docx`: a Word document instead of the workbook.",
            ),
        ],
        responses={
            (200, XLSX_CONTENT_TYPE): _XLSX,
            (200, DOCX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="With `format=docx`: the log as a Word document."
            ),
            403: error(f"`permission_denied`: the caller holds none of {who(DUTY_VIEW)}."),
            404: error(
                "`not_found`: a school outside the caller's scope, or no school given and none "
                "whose duties the caller records."
            ),
        },
        summary="A school's duty log (常态化工作台账) for a term",
        description="The same file as the duty log page's download, Excel or Word. "
        f"Roles: {who(DUTY_VIEW)}, on the schools of their scope.",
    )
    def get(self, request):
        user = request.user
        log = exports.log_of(
            user=user,
            school_id=request.GET.get("school"),
            term=request.GET.get("term"),
            today=timezone.localdate(),
        )
        if request.GET.get("format") == "docx":
            name = log.file_name("docx")
            response = file_answer(
                io.BytesIO(exports.log_docx(log)), name, content_type=DOCX_CONTENT_TYPE
            )
            response["Content-Disposition"] = content_disposition(name)
            return response
        return file_answer(
            exports.log_xlsx(log, user=user),
            log.file_name("xlsx"),
            content_type=XLSX_CONTENT_TYPE,
        )
