"""The files of the security standards pages through the API: the findings workbook, the
compliance workbook (a job for a large scope, as the page), and a facts revision's evidence.
Each reads through the same functions as the page (``findings_export.export_findings``,
``exports.export_compliance``, ``selectors.facts_evidence``): the same scope checks, the same
bytes and Chinese file names, the same audit record."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from safecampus.catalog.choices import HazardLevel
from safecampus.core.api import (
    JOB_STARTED,
    IgnoreAccept,
    capability_permission,
    error,
    file_answer,
    job_answer,
    key,
    who,
)
from safecampus.core.capabilities import (
    STANDARDS_COMPLIANCE_VIEW,
    STANDARDS_FINDINGS_VIEW,
    STANDARDS_VIEW,
)
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.hazards.evidence import serve_evidence

from ... import exports, findings_export, selectors
from ...choices import FindingStatus, Pillar
from ..serializers import StandardComplianceQuerySerializer

#: the findings page's filters (``findings_export.FindingFilterForm``)
_FINDING_FILTERS = [
    OpenApiParameter(
        "status",
        str,
        required=False,
        enum=[*FindingStatus.values, findings_export.ALL],
        description="A status, or `all`; default `open`.",
    ),
    OpenApiParameter("key", str, required=False, description="A requirement's key."),
    OpenApiParameter("pillar", str, required=False, enum=list(Pillar.values)),
    OpenApiParameter("school", str, required=False, description="School name contains, or code."),
    OpenApiParameter(
        "department",
        str,
        required=False,
        description="A department's id, or `centre` for findings of the safety centre.",
    ),
    OpenApiParameter("rule_set", str, required=False, description="A rule set's code."),
    OpenApiParameter("level", str, required=False, enum=list(HazardLevel.values)),
    OpenApiParameter(
        "no_hazard", OpenApiTypes.BOOL, required=False, description="Not yet a hazard."
    ),
]


class FindingFilesMixin:
    """The file endpoints of ``FindingViewSet`` (``/standard-findings/export/``)."""

    @extend_schema(
        parameters=_FINDING_FILTERS,
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The findings as filtered, an Excel workbook named in Chinese after "
                "the caller's scope, the status and the day (as the page's).",
            ),
            400: error("`invalid`: a filter value is not one of its choices (in `errors`)."),
            403: error(
                f"`permission_denied`: the caller holds none of {who(STANDARDS_FINDINGS_VIEW)}."
            ),
        },
        summary="Export the findings to Excel",
        description="The filters of the findings page (default: the open findings), the same "
        "workbook and file name as its export link. Roles: "
        f"{who(STANDARDS_FINDINGS_VIEW)}, each on the findings of its scope.",
    )
    @drf_action(
        detail=False,
        methods=["get"],
        url_path="export",
        url_name="export",
        filter_backends=[],
        pagination_class=None,
    )
    def export(self, request):
        form = findings_export.filter_form(request.user, request.GET)
        if form.is_bound and not form.is_valid():
            raise ValidationError(
                {k: [str(m) for m in msgs] for k, msgs in form.errors.items()}, code="invalid"
            )
        tmp, name = findings_export.export_findings(request.user, form)
        return file_answer(tmp, name, content_type=XLSX_CONTENT_TYPE)


class FactsFilesMixin:
    """The file endpoints of ``FactsViewSet`` (``/standard-facts/evidence/{evidence_id}/``)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "evidence_id", int, OpenApiParameter.PATH, description="The file's id."
            ),
            OpenApiParameter(
                "thumb",
                bool,
                required=False,
                description="`1`: the photo's small JPEG thumbnail (when it has one).",
            ),
        ],
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file as uploaded, under its original name.",
            ),
            403: error(f"`permission_denied`: the caller holds none of {who(STANDARDS_VIEW)}."),
            404: error(
                "`not_found`: no such file, or its facts revision is outside the caller's scope."
            ),
        },
        summary="Download an evidence file of a facts revision",
        description="The same check as the facts page's: whoever sees the revision. "
        f"Roles: {who(STANDARDS_VIEW)}.",
    )
    @drf_action(
        detail=False,
        methods=["get"],
        url_path=r"evidence/(?P<evidence_id>[^/.]+)",
        url_name="evidence",
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=IgnoreAccept,
    )
    def evidence(self, request, evidence_id=None):
        ev = selectors.facts_evidence(request.user, key(evidence_id))
        thumbnail = bool(request.query_params.get("thumb")) and bool(ev.thumbnail)
        return serve_evidence(ev, thumbnail=thumbnail)


@extend_schema(tags=["standards"])
class ComplianceExportView(APIView):
    """The compliance workbook (``/standard-compliance/export/``)."""

    permission_classes = [IsAuthenticated, capability_permission(STANDARDS_COMPLIANCE_VIEW)]

    @extend_schema(
        parameters=[StandardComplianceQuerySerializer],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The compliance figures the caller reads as an Excel workbook "
                "(人防物防技防达标情况), named in Chinese after the caller's scope and the day.",
            ),
            202: JOB_STARTED,
            400: error("`invalid`: an unknown `stage`."),
            403: error(
                f"`permission_denied`: the caller holds none of {who(STANDARDS_COMPLIANCE_VIEW)}."
            ),
        },
        summary="Export the compliance figures to Excel",
        description="The same workbook and file name as the compliance page's export link; the "
        f"export is in the audit log. More than {exports.EXPORT_INLINE_LIMIT:,} schools: the "
        "workbook is written by a job (202). "
        f"Roles: {who(STANDARDS_COMPLIANCE_VIEW)}.",
    )
    def get(self, request):
        query = StandardComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stage = query.validated_data.get("stage") or None
        job, content, name = exports.export_compliance(user=request.user, stage=stage)
        if job is not None:
            return job_answer(job, request)
        return file_answer(io.BytesIO(content), name, content_type=XLSX_CONTENT_TYPE)
