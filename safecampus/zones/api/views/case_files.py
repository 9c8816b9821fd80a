"""The files of the zone case pages through the API: the Excel 清单 of the cases (a job, as the
list page's export button starts) and a case's photos and documents. Each reads through the
same functions as the page (``exports.start_export``, ``selectors.case_evidence``): the same
scope checks, the same bytes and file names."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action as drf_action

from safecampus.core.api import JOB_STARTED, error, job_answer, key, who
from safecampus.core.capabilities import JOB_CAPABILITY, ZONE_VIEW
from safecampus.duties.api.views import IgnoreAccept
from safecampus.hazards.evidence import serve_evidence

from ... import exports, selectors
from ...choices import CaseStatus, VenueType

_EXPORTERS = who(JOB_CAPABILITY[exports.EXPORT_JOB] & ZONE_VIEW)

#: the list's filters (those of ``CaseFilterForm``, as ``GET /zone-cases/``)
_FILTER_PARAMS = [
    OpenApiParameter("q", str, required=False, description="Venue or school name contains."),
    OpenApiParameter(
        "status",
        str,
        required=False,
        enum=["open", *CaseStatus.values],
        description="A status, or `open` for every case not yet closed.",
    ),
    OpenApiParameter("kind", str, required=False, enum=list(VenueType.values)),
    OpenApiParameter("school", int, required=False),
    OpenApiParameter("department", int, required=False),
    OpenApiParameter(
        "overdue", OpenApiTypes.BOOL, required=False, description="Past the deadline."
    ),
]


class ZoneCaseFilesMixin:
    """The file endpoints of ``ZoneCaseViewSet`` (``/zone-cases/export/``,
    ``/zone-cases/{id}/evidence/{evidence_id}/``)."""

    @extend_schema(
        parameters=_FILTER_PARAMS,
        responses={
            202: JOB_STARTED,
            403: error(f"`permission_denied`: the caller holds none of {_EXPORTERS}."),
        },
        summary="Export the zone cases to Excel",
        description="The cases as filtered (the filters of the list; invalid values are "
        "ignored, as the list does), written to an Excel 清单 by a job, as the list page's "
        "export button: always `202`; follow the job, and download its file (named as the "
        f"page's) when it has finished. Roles: {_EXPORTERS}, each on the cases of its scope "
        "(a partner unit those naming it).",
    )
    @drf_action(detail=False, methods=["post"], url_path="export", url_name="export")
    def export(self, request):
        return job_answer(exports.start_export(request.user, request.GET), request)

    @extend_schema(
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The case's id."),
            OpenApiParameter(
                "evidence_id", int, OpenApiParameter.PATH, description="The file's id."
            ),
            OpenApiParameter(
                "thumb",
                bool,
                required=False,
                description="`1`: the photo's small JPEG thumbnail instead of the file.",
            ),
        ],
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file as uploaded, under its original name.",
            ),
            403: error(f"`permission_denied`: the caller holds none of {who(ZONE_VIEW)}."),
            404: error(
                "`not_found`: no such file on this case, no thumbnail, or the case is outside "
                "the caller's scope."
            ),
        },
        summary="Download a photo or document of a zone case",
        description="The same check as the case page's: whoever sees the case. "
        f"Roles: {who(ZONE_VIEW)}.",
    )
    @drf_action(
        detail=True,
        methods=["get"],
        url_path=r"evidence/(?P<evidence_id>[^/.]+)",
        url_name="evidence",
        content_negotiation_class=IgnoreAccept,
    )
    def evidence(self, request, pk=None, evidence_id=None):
        ev = selectors.case_evidence(request.user, key(pk), key(evidence_id))
        if request.query_params.get("thumb"):
            if not ev.thumbnail:
                raise Http404
            return serve_evidence(ev, thumbnail=True)
        return serve_evidence(ev)
