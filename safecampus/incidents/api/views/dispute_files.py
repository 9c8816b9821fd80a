"""The dispute register's Excel 台账 through the API: a job, as the list page's export button
starts (``dispute_exports.start_export``, the same scope and roles)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated

from safecampus.core.api import JOB_STARTED, capability_permission, error, job_answer, who
from safecampus.core.capabilities import INCIDENT_VIEW, JOB_CAPABILITY

from ... import dispute_exports
from ...choices import DisputeStatus, DisputeSubject, RiskLevel

_EXPORTERS = who(JOB_CAPABILITY[dispute_exports.EXPORT_JOB] & INCIDENT_VIEW)


#: the list's filters (those of ``DisputeFilterForm``, as ``GET /disputes/``)
_FILTER_PARAMS = [
    OpenApiParameter("q", str, required=False, description="Title or school name contains."),
    OpenApiParameter(
        "status",
        str,
        required=False,
        enum=["open", *DisputeStatus.values],
        description="A status, or `open` for every dispute not yet resolved.",
    ),
    OpenApiParameter("risk", str, required=False, enum=list(RiskLevel.values)),
    OpenApiParameter("subject", str, required=False, enum=list(DisputeSubject.values)),
    OpenApiParameter("school", int, required=False),
    OpenApiParameter("petition_risk", OpenApiTypes.BOOL, required=False),
    OpenApiParameter(
        "flagged",
        OpenApiTypes.BOOL,
        required=False,
        description="Pressing open disputes in bureaus in or near a sensitive period.",
    ),
]


class DisputeFilesMixin:
    """The file endpoints of ``DisputeViewSet`` (``/disputes/export/``)."""

    @extend_schema(
        parameters=_FILTER_PARAMS,
        responses={
            202: JOB_STARTED,
            403: error(f"`permission_denied`: the caller holds none of {_EXPORTERS}."),
        },
        summary="Export the disputes to Excel (矛盾纠纷台账)",
        description="The disputes as filtered (the filters of the list; invalid values are "
        "ignored, as the list does), written to an Excel 台账 by a job, as the list page's "
        "export button: always `202`; follow the job, and download its file (named as the "
        "page's) when it has finished. A restricted dispute is in the workbook only for the "
        f"people named on it, and then without its details. Roles: {_EXPORTERS}, each on the "
        "disputes of its scope.",
    )
    @drf_action(
        detail=False,
        methods=["post"],
        url_path="export",
        url_name="export",
        permission_classes=[
            IsAuthenticated,
            capability_permission(INCIDENT_VIEW, write=INCIDENT_VIEW),
        ],
    )
    def export(self, request):
        return job_answer(dispute_exports.start_export(request.user, request.GET), request)
