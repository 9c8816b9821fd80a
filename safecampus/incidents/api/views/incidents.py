"""The API of incidents: the list (the filters of ``selectors.IncidentFilters``), one incident
with its reports (steps), events, files, timeliness and access list, the first report, one
endpoint per action a person takes on the incident page (each through ``services.incident_act``
exactly as the page's forms), and the figures of the dashboards.

The steps are part of the detail (``steps``, with each report's deadline and lateness), not an
endpoint of their own: one read of ``GET /incidents/{id}/`` gives the whole case.

Privacy: the list and the search read ``Incident.objects.visible_to`` (a restricted case only for
the people named on it); the detail and every action read through ``selectors.incident_get``,
which writes each read of a restricted case, and each attempt on one by someone not named
(404), to the audit log. The figures count restricted cases and never link to them.

A refusal from the services becomes ``{"code", "message", "errors"}`` with the status of
``core.refusals.HTTP_STATUS``.
"""

from __future__ import annotations

from contextlib import suppress
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.core.access import require, roles_on
from safecampus.core.api import CappedCountPagination, IgnoreAccept, capability_permission
from safecampus.core.capabilities import (
    INCIDENT_COMMENT,
    INCIDENT_FOLLOW,
    INCIDENT_HANDLE,
    INCIDENT_MANAGE,
    INCIDENT_REPORT,
    INCIDENT_VIEW,
)
from safecampus.hazards.evidence import serve_evidence
from safecampus.zones.api.views.common import error, key, who

from ... import selectors, services
from ...choices import IncidentAction
from ...lifecycle import INCIDENTS
from ...models import Incident
from ..serializers_config import IncidentFiguresQuerySerializer, IncidentFiguresSerializer
from ..serializers_incidents import (
    IncidentActSerializer,
    IncidentDetailSerializer,
    IncidentDisturbanceSerializer,
    IncidentEvidenceInputSerializer,
    IncidentInsuranceSerializer,
    IncidentListSerializer,
    IncidentMediationSerializer,
    IncidentNoteSerializer,
    IncidentPersonSerializer,
    IncidentQuerySerializer,
    IncidentReportSerializer,
    IncidentReportStepSerializer,
    IncidentResponsibilitySerializer,
    IncidentSyncSerializer,
    IncidentVerbalSerializer,
)
from .incident_files import IncidentFilesMixin

_FORBIDDEN = error(f"`permission_denied`: the caller holds none of {who(INCIDENT_VIEW)}.")
_NOT_FOUND = error(
    "`not_found`: no such incident, it is outside the caller's scope, or it is a restricted "
    "case on whose access list the caller is not named (the attempt is written to the audit log)."
)
_ACTION_ERRORS = {
    400: error(
        "`invalid`: the input does not parse or breaks a rule (field errors in `errors`: a "
        "follow-up describing a time before the first report, a verbal report before the "
        "incident, a 三同步 item already ticked, a person who is not of this bureau or not named "
        "on the case, the last person named); `in_future`: a time in the future; "
        "`comment_required`: the action needs a note; `evidence_invalid`, `evidence_too_large`: "
        "a file that is not what its name says, or too large. Nothing is saved."
    ),
    403: error(
        "`permission_denied`: the caller's roles do not reach incidents; "
        "`not_allowed`: the caller's roles on this incident do not allow the action."
    ),
    404: _NOT_FOUND,
    409: error(
        "`stale`: the incident changed since `version` (reload and retry); "
        "`invalid_transition`: the action is not possible now (a closing report on a closed "
        "case, a second acknowledgement or escalation, an access list on a case that is not "
        "restricted)."
    ),
}

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The incident's id.")

#: who may take each action (the lifecycle table ``incidents.lifecycle.INCIDENTS``)
_WHO = {
    "report": INCIDENT_REPORT,
    "follow": INCIDENT_FOLLOW,
    "handle": INCIDENT_HANDLE,
    "manage": INCIDENT_MANAGE,
    "comment": INCIDENT_COMMENT,
}
_SCOPE_NOTE = (
    " — each on the incidents it reaches: a school its own, a department those routed to it, the "
    "bureau roles those of their bureau, a restricted case only the people named on it."
)


def _act_endpoint(act: str, serializer_class, *, url_path: str, who_key: str, summary: str):
    """A ``POST /incidents/{id}/<url_path>/`` endpoint that takes ``act`` on the incident."""

    def endpoint(self, request, pk=None):
        return self.take_action(request, pk, act, serializer_class)

    endpoint.__name__ = url_path.replace("-", "_")  # the viewset's attribute
    endpoint = drf_action(
        detail=True,
        methods=["post"],
        url_path=url_path,
        serializer_class=serializer_class,
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )(endpoint)
    responses = {200: IncidentDetailSerializer, **_ACTION_ERRORS}
    if act == IncidentAction.REVOKE:
        responses[204] = OpenApiResponse(
            description="The caller removed themselves from the access list: the case is no "
            "longer theirs to read."
        )
    return extend_schema(
        tags=["incidents"],
        parameters=[_ID],
        request={
            "application/json": serializer_class,
            "multipart/form-data": serializer_class,
        },
        responses=responses,
        summary=summary,
        description=(
            f"Takes the action `{act}` (as the incident page's form does) and returns the "
            f"incident's detail. Roles: {who(_WHO[who_key])}{_SCOPE_NOTE} "
            "`allowed_actions` in the detail lists the actions the caller may take now. "
            "`version` is optional; when given, a stale one is refused (409)."
        ),
    )(endpoint)


def list_url(**params) -> str:
    """The incident list page with its filters (the names of the API's list filters)."""
    query = {k: str(v) for k, v in params.items() if v not in (None, "", False)}
    return reverse("incidents:incident_list") + ("?" + urlencode(query) if query else "")


class IncidentViewSet(IncidentFilesMixin, viewsets.GenericViewSet):
    """Incidents in the caller's scope: a school its own, the department an incident is routed
    to, the bureau-wide roles; a restricted case only the people named on it."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(INCIDENT_VIEW, write=INCIDENT_COMMENT),
    ]
    pagination_class = CappedCountPagination
    filter_backends: list = []
    serializer_class = IncidentDetailSerializer
    queryset = Incident.objects.none()  # for the schema; every read goes through the selectors
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def detail_response(self, incident, status_code: int = 200) -> Response:
        body = IncidentDetailSerializer(incident, context=self.get_serializer_context()).data
        return Response(body, status=status_code)

    @extend_schema(
        tags=["incidents"],
        parameters=[IncidentQuerySerializer],
        responses={
            200: IncidentListSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN,
        },
        summary="List incidents",
        description="The incidents the caller sees, newest first (by when they happened), "
        "with the filters of the incident list page. A restricted case is listed (and found by "
        f"`q`) only for the people named on it. Roles: {who(INCIDENT_VIEW)}{_SCOPE_NOTE}",
    )
    def list(self, request):
        query = IncidentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.incidents(request.user, query.filters())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(IncidentListSerializer(page, many=True).data)

    @extend_schema(
        tags=["incidents"],
        parameters=[_ID],
        responses={200: IncidentDetailSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
        summary="One incident with its reports, events, files and timeliness",
        description="The incident with its reports (`steps`: verbal, first written, follow-ups, "
        "closing, each with its deadline and whether it was late), its events, files, the "
        "timeliness summary against the limits in force when it was reported, the access list "
        "of a restricted case, and the actions the caller may take now. `private_details` only "
        "on a restricted case. Each read of a restricted case is written to the audit log. "
        f"Roles: {who(INCIDENT_VIEW)}{_SCOPE_NOTE}",
    )
    def retrieve(self, request, pk=None):
        return self.detail_response(selectors.incident_get(request.user, key(pk), what="api"))

    @extend_schema(
        tags=["incidents"],
        request={
            "application/json": IncidentReportSerializer,
            "multipart/form-data": IncidentReportSerializer,
        },
        responses={
            201: IncidentDetailSerializer,
            400: error(
                "`invalid`: a field is missing or wrong (an unknown type or grade, a time the "
                "school learned of it before it happened, private details on a case that is not "
                "restricted, a cluster alert already reported); `in_future`: every problem is a "
                "time in the future; `out_of_scope`: a school the caller may not report for; "
                "`evidence_invalid`, `evidence_too_large`. Nothing is saved."
            ),
            403: error(
                f"`permission_denied`: the caller holds none of {who(INCIDENT_REPORT)}; "
                "`not_allowed`: likewise, from the service."
            ),
        },
        summary="Report an incident (the first written report, 快报)",
        description="For a school the caller reports for (a school its own; a department or "
        "the centre any school of their bureau). With `verbal_at` (and `verbal_to`) when the "
        "phone report was already made. Bullying and abuse are restricted from the start; the "
        "centre may restrict any report (`restricted`). Urgent incidents reach the responsible "
        "department and the centre at once. JSON, or multipart with `files` repeated. "
        f"Roles: {who(INCIDENT_REPORT)}.",
    )
    def create(self, request):
        require(request.user, INCIDENT_REPORT)
        serializer = IncidentReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        files = data.pop("files", None) or ()
        incident = services.incident_report(actor=request.user, data=data, files=files)
        # a department reporting for a school of its bureau whose incidents go to another
        # department (or to the centre alone) no longer sees it: the report is made, and the
        # answer shows what the caller sent, with no action left to it
        with suppress(Http404):
            incident = selectors.incident_get(request.user, incident.pk, what="api")
        return self.detail_response(incident, status.HTTP_201_CREATED)

    @extend_schema(
        tags=["incidents"],
        parameters=[IncidentFiguresQuerySerializer],
        responses={
            200: IncidentFiguresSerializer,
            400: error("`invalid`: a filter is not an id or a date."),
            403: _FORBIDDEN,
        },
        summary="Incident figures of the dashboards",
        description="Totals, open, serious, first reports late and on time (and the rate), by "
        "type and by grade, missed daily follow-ups, of the incidents whose numbers the caller "
        "sees. Restricted cases are counted (`restricted`) and never linked: each other figure "
        "carries the URL of the incident list page it counts. "
        f"Roles: {who(INCIDENT_VIEW)}{_SCOPE_NOTE}",
    )
    @drf_action(detail=False, methods=["get"], url_path="figures")
    def figures(self, request):
        query = IncidentFiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        keep = {
            "bureau": q.get("bureau"),
            "department": q.get("department"),
            "since": q.get("since"),
            "until": q.get("until"),
        }
        f = selectors.figures(
            request.user,
            bureau_id=keep["bureau"],
            department_id=keep["department"],
            since=keep["since"],
            until=keep["until"],
        )

        def figure(name: str, label: str, n: int, **extra) -> dict:
            return {"key": name, "label": label, "n": n, "url": list_url(**keep, **extra)}

        body = {
            "total": figure("total", _("All incidents"), f["total"]),
            "open": figure("open", _("Being handled"), f["open"], status="open"),
            "serious": figure(
                "serious", _("Serious (grade III and above)"), f["serious"], serious=1
            ),
            "late": figure("late", _("First report late"), f["late"], timeliness="late"),
            "on_time": figure(
                "on_time", _("First report on time"), f["on_time"], timeliness="on_time"
            ),
            "rate": f["rate"],
            "restricted": f["restricted"],
            "missed_follow_ups": f["missed_follow_ups"],
            "by_type": [figure(r["key"], r["label"], r["n"], type=r["key"]) for r in f["by_type"]],
            "by_severity": [
                figure(r["key"], r["label"], r["n"], severity=r["key"]) for r in f["by_severity"]
            ],
        }
        return Response(IncidentFiguresSerializer(body).data)

    @extend_schema(
        tags=["incidents"],
        parameters=[
            _ID,
            OpenApiParameter(
                "evidence_id", int, OpenApiParameter.PATH, description="The file's id."
            ),
            OpenApiParameter(
                "thumbnail",
                bool,
                required=False,
                description="`1`: the photo's small JPEG thumbnail instead of the file.",
            ),
        ],
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, with the content type recognised from its content.",
            ),
            403: _FORBIDDEN,
            404: error(
                "`not_found`: no such file on this incident, or the incident is not the "
                "caller's to read (a restricted case: the attempt is written to the audit log)."
            ),
        },
        summary="Download a file of an incident",
        description="The same check as the incident's detail: each download of a restricted "
        f"case's file is written to the audit log. Roles: {who(INCIDENT_VIEW)}{_SCOPE_NOTE}",
    )
    @drf_action(
        detail=True,
        methods=["get"],
        url_path=r"files/(?P<evidence_id>[^/.]+)",
        url_name="file",
        content_negotiation_class=IgnoreAccept,
    )
    def file(self, request, pk=None, evidence_id=None):
        incident = selectors.incident_get(request.user, key(pk), what="api")
        evidence = incident.evidence.filter(pk=key(evidence_id)).first()
        if evidence is None:
            raise Http404
        thumbnail = request.query_params.get("thumbnail") in ("1", "true")
        if thumbnail and not evidence.thumbnail:
            raise Http404
        return serve_evidence(evidence, thumbnail=thumbnail)

    def take_action(self, request, pk, act: str, serializer_class) -> Response:
        # scope first (and the audit of a restricted case): outside it a 404 whatever the input
        incident = selectors.incident_get(request.user, key(pk), what="api")
        # then the move, as the service checks it: a role or a status that cannot take the
        # action is a 403 or 409 before any input is read
        INCIDENTS.check(incident, act, roles_on(request.user, incident))
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        files = data.pop("files", None) or ()
        services.incident_act(
            actor=request.user,
            incident_id=incident.pk,
            action=act,
            data=data,
            files=files,
            version=version,
        )
        fresh = (
            Incident.objects.visible_to(request.user)
            .select_related("school", "department", "reported_by")
            .filter(pk=incident.pk)
            .first()
        )
        if fresh is None:  # the caller took themselves off the access list
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self.detail_response(fresh)

    verbal = _act_endpoint(
        IncidentAction.VERBAL,
        IncidentVerbalSerializer,
        url_path="verbal",
        who_key="report",
        summary="Record the verbal report (phone): when and to whom",
    )
    follow_up = _act_endpoint(
        IncidentAction.FOLLOW_UP,
        IncidentReportStepSerializer,
        url_path="follow-up",
        who_key="report",
        summary="File a follow-up report (续报)",
    )
    close = _act_endpoint(
        IncidentAction.CLOSE,
        IncidentReportStepSerializer,
        url_path="close",
        who_key="report",
        summary="File the closing report (终报): the incident is closed",
    )
    acknowledge = _act_endpoint(
        IncidentAction.ACKNOWLEDGE,
        IncidentActSerializer,
        url_path="acknowledge",
        who_key="handle",
        summary="Acknowledge the report (接报)",
    )
    escalate = _act_endpoint(
        IncidentAction.ESCALATE,
        IncidentActSerializer,
        url_path="escalate",
        who_key="manage",
        summary="Report to the leadership group (at once)",
    )
    sync = _act_endpoint(
        IncidentAction.SYNC,
        IncidentSyncSerializer,
        url_path="sync",
        who_key="follow",
        summary="Tick a 三同步 item (report, handle, public opinion)",
    )
    responsibility = _act_endpoint(
        IncidentAction.RESPONSIBILITY,
        IncidentResponsibilitySerializer,
        url_path="responsibility",
        who_key="follow",
        summary="Record the responsibility determination",
    )
    insurance = _act_endpoint(
        IncidentAction.INSURANCE,
        IncidentInsuranceSerializer,
        url_path="insurance",
        who_key="follow",
        summary="Record the liability-insurance claim (校方责任险) and its result",
    )
    mediation = _act_endpoint(
        IncidentAction.MEDIATION,
        IncidentMediationSerializer,
        url_path="mediation",
        who_key="follow",
        summary="Record a mediation step and its outcome",
    )
    disturbance = _act_endpoint(
        IncidentAction.DISTURBANCE,
        IncidentDisturbanceSerializer,
        url_path="disturbance",
        who_key="follow",
        summary="Record the handling of a school disturbance (校闹)",
    )
    comment = _act_endpoint(
        IncidentAction.COMMENT,
        IncidentNoteSerializer,
        url_path="comment",
        who_key="comment",
        summary="Comment on the incident",
    )
    restrict = _act_endpoint(
        IncidentAction.RESTRICT,
        IncidentNoteSerializer,
        url_path="restrict",
        who_key="manage",
        summary="Restrict the case (minors' privacy), with the reason",
    )
    grant = _act_endpoint(
        IncidentAction.GRANT,
        IncidentPersonSerializer,
        url_path="grant",
        who_key="manage",
        summary="Name a person on a restricted case's access list",
    )
    revoke = _act_endpoint(
        IncidentAction.REVOKE,
        IncidentPersonSerializer,
        url_path="revoke",
        who_key="manage",
        summary="Remove a person from a restricted case's access list",
    )
    evidence = _act_endpoint(
        IncidentAction.ADD_EVIDENCE,
        IncidentEvidenceInputSerializer,
        url_path="evidence",
        who_key="follow",
        summary="Add photos or documents (multipart, `files` repeated)",
    )


router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns: list = router.urls
