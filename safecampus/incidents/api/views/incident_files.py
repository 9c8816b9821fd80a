"""The files of the incident pages through the API: the Excel 台账 of the list (a job, as the
page's export button starts), the Word 公文 of one report of an incident (快报 / 续报 / 终报),
and a bureau's monthly summary. Each reads through the same functions as the page
(``exports.start_export``, ``documents.document_for``, ``documents.summary_bureau`` and
``documents.summary_for``): the same scope checks, the same bytes and Chinese file names, the
same audit records."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import pgettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated

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
from safecampus.core.capabilities import INCIDENT_FIGURES_VIEW, INCIDENT_VIEW, JOB_CAPABILITY
from safecampus.core.documents import DOCX_CONTENT_TYPE, content_disposition
from safecampus.incidents.inputs import MAX_ID

from ... import documents, exports
from ..serializers_incidents import IncidentQuerySerializer

_SCOPE = (
    " Each on the incidents it reaches: a school its own, a department those routed to it, the "
    "bureau roles those of their bureau, a restricted case only the people named on it."
)


class IncidentSummaryQuerySerializer(serializers.Serializer):
    """Which monthly summary: the month, and the bureau when the caller sees several."""

    month = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        help_text="The month, `YYYY-MM`; not one still to come.",
    )
    bureau = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="The bureau; default the first the caller sees.",
    )

    def validate_month(self, value):
        month = documents.parse_month(value, timezone.localdate())
        if month is None:
            raise serializers.ValidationError(
                pgettext("incident documents", "Choose a month that has begun, written as 2027-03.")
            )
        return month


def docx_answer(content: bytes, name: str):
    """A Word document as the page sends it: the same bytes, content type, attachment header
    (``core.documents.content_disposition``) and ``Cache-Control``."""
    response = file_answer(io.BytesIO(content), name, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(name)
    response["Cache-Control"] = "private, no-store"
    return response


def _page_filters(query: IncidentQuerySerializer) -> dict:
    """The API's list filters under the list page's query-string names (what the job keeps)."""
    d = query.validated_data
    out = {
        "bureau": d.get("bureau"),
        "school": d.get("school"),
        "department": d.get("department"),
        "status": d.get("status"),
        "incident_type": d.get("type"),
        "severity": d.get("severity"),
        "timeliness": d.get("timeliness"),
        "serious": "1" if d.get("serious") else None,
        "since": d["since"].isoformat() if d.get("since") else None,
        "until": d["until"].isoformat() if d.get("until") else None,
        "q": d.get("q"),
    }
    return {k: v for k, v in out.items() if v not in (None, "")}


class IncidentFilesMixin:
    """The file endpoints of ``IncidentViewSet`` (``/incidents/export/``,
    ``/incidents/summary/``, ``/incidents/{id}/documents/{kind}/``)."""

    @extend_schema(
        tags=["incidents"],
        parameters=[IncidentQuerySerializer],
        responses={
            202: JOB_STARTED,
            400: error("`invalid`: a filter value is not one of its kind."),
            403: error(
                f"`permission_denied`: the caller holds none of "
                f"{who(JOB_CAPABILITY[exports.EXPORT_JOB] & INCIDENT_VIEW)}."
            ),
        },
        summary="Export the incidents to Excel (突发事件台账)",
        description="The incidents as filtered (the filters of the list), written to an Excel "
        "台账 by a job, as the list page's export button: always `202`; follow the job, and "
        "download its file (named as the page's) when it has finished. A restricted case is in "
        "the workbook only for the people named on it, and then without its details. Roles: "
        f"{who(JOB_CAPABILITY[exports.EXPORT_JOB] & INCIDENT_VIEW)}.{_SCOPE}",
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
        query = IncidentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return job_answer(exports.start_export(request.user, _page_filters(query)), request)

    @extend_schema(
        tags=["incidents"],
        parameters=[IncidentSummaryQuerySerializer],
        responses={
            (200, DOCX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The month's summary as a Word 公文, named as the page's.",
            ),
            400: error("`invalid`: no month, or a month still to come."),
            403: error(
                f"`permission_denied`: the caller holds none of {who(INCIDENT_FIGURES_VIEW)}."
            ),
            404: error("`not_found`: a bureau outside the caller's scope."),
        },
        summary="A bureau's monthly incident summary (Word)",
        description="The same document as the summary page: counts by type and grade, "
        "timeliness, the serious cases (restricted cases counted, never listed). Each download "
        f"is written to the audit log. Roles: {who(INCIDENT_FIGURES_VIEW)}.",
    )
    @drf_action(
        detail=False,
        methods=["get"],
        url_path="summary",
        url_name="summary",
        content_negotiation_class=IgnoreAccept,
    )
    def summary(self, request):
        bureau = documents.summary_bureau(request.user, request.query_params.get("bureau"))
        query = IncidentSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        month = query.validated_data["month"]
        return docx_answer(*documents.summary_for(request.user, bureau=bureau, month=month))

    @extend_schema(
        tags=["incidents"],
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The incident's id."),
            OpenApiParameter(
                "kind",
                str,
                OpenApiParameter.PATH,
                enum=list(documents.KINDS),
                description="`initial` (快报), `follow_up` (续报) or `final` (终报).",
            ),
            OpenApiParameter(
                "n",
                int,
                required=False,
                description="For `follow_up`: the N-th follow-up (default the latest).",
            ),
        ],
        responses={
            (200, DOCX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The report as a Word 公文, named as the page's.",
            ),
            403: error(f"`permission_denied`: the caller holds none of {who(INCIDENT_VIEW)}."),
            404: error(
                "`not_found`: no such incident or outside the caller's scope (a restricted case "
                "on whose access list the caller is not named: the attempt is written to the "
                "audit log), an unknown `kind`, or a report the incident does not have yet."
            ),
        },
        summary="The Word document of one report of an incident",
        description="The same 公文 as the incident page's download. Each download of a "
        f"restricted case's document is written to the audit log. Roles: {who(INCIDENT_VIEW)}."
        f"{_SCOPE}",
    )
    @drf_action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<kind>[^/.]+)",
        url_name="document",
        content_negotiation_class=IgnoreAccept,
    )
    def document(self, request, pk=None, kind=None):
        content, name = documents.document_for(
            request.user, key(pk), kind=kind, n=request.query_params.get("n")
        )
        return docx_answer(content, name)
