"""The API of the dispute register (矛盾纠纷): list (the filters of the list page), create,
retrieve (with events and, on a restricted case, its access list), one ``POST`` per action
through ``dispute_services.dispute_act`` exactly as the page's forms, the disputes flagged for
the centre around sensitive periods, and the figures. Scoped exactly as the pages: a restricted
dispute is a 404 to anyone not named on it (and the attempt is audited).

A refusal from the services becomes ``{"code", "message", "errors"}`` with the status of
``core.refusals.HTTP_STATUS``.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework import viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.core.api import CappedCountPagination, capability_permission
from safecampus.core.capabilities import INCIDENT_COMMENT, INCIDENT_VIEW
from safecampus.zones.api.views.common import error, key

from ... import dispute_selectors, dispute_services
from ...choices import DisputeAction, DisputeStatus, DisputeSubject, RiskLevel
from ...forms_disputes import DisputeFilterForm
from ...models import Dispute
from ..serializers_disputes import (
    DisputeActSerializer,
    DisputeAssessSerializer,
    DisputeCreateSerializer,
    DisputeDetailSerializer,
    DisputeEscalateSerializer,
    DisputeFiguresSerializer,
    DisputeListSerializer,
    DisputeMediateSerializer,
    DisputeResolveSerializer,
    DisputeUserSerializer,
    FlaggedSerializer,
)
from .dispute_files import DisputeFilesMixin

_COMMON_ERRORS = {
    403: error("`permission_denied`: the caller's roles do not reach disputes (partner units)."),
}
_WRITE_ERRORS = {
    400: error(
        "`invalid`: the input breaks a rule (field errors in `errors`: fewer than two parties, "
        "a count below 1, names outside a restricted case, an unknown choice); `in_future`: "
        "`found_on` lies in the future; `out_of_scope`: a school the caller may not register "
        "for; `comment_required`: the action needs a note. Nothing is saved."
    ),
    403: error(
        "`permission_denied`: no access to disputes; `not_allowed`: the caller's roles on this "
        "dispute do not allow the action."
    ),
    404: error("`not_found`: no such dispute, or outside the caller's scope (or not named on it)."),
    409: error(
        "`stale`: the dispute changed since `version`; `invalid_transition`: the action is not "
        "possible in the dispute's current status."
    ),
}

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The dispute's id.")

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

_WHO = {
    "record": "the school (its own), the responsible department and the safety centre",
    "comment": "those who record, the leadership group and inspectors",
    "manage": "the safety centre",
}


def _act_endpoint(act: str, serializer_class, *, url_path: str, who: str, summary: str):
    def endpoint(self, request, pk=None):
        return self.take_action(request, pk, act, serializer_class)

    endpoint.__name__ = act
    endpoint = drf_action(
        detail=True,
        methods=["post"],
        url_path=url_path,
        serializer_class=serializer_class,
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )(endpoint)
    return extend_schema(
        parameters=[_ID],
        request={"application/json": serializer_class, "multipart/form-data": serializer_class},
        responses={200: DisputeDetailSerializer, **_WRITE_ERRORS},
        summary=summary,
        description=(
            f"Takes the action `{act}` (as the dispute page's form does) and returns the "
            f"dispute's detail. Who may call it: {_WHO[who]}. `allowed_actions` in the detail "
            "lists the actions the caller may take now."
        ),
    )(endpoint)


class DisputeViewSet(DisputeFilesMixin, viewsets.GenericViewSet):
    """Disputes in the caller's scope: a school its own, the responsible department, the
    bureau-wide roles; a restricted dispute only the people named on it."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(INCIDENT_VIEW, write=INCIDENT_COMMENT),
    ]
    pagination_class = CappedCountPagination
    filter_backends: list = []
    serializer_class = DisputeDetailSerializer
    queryset = Dispute.objects.none()  # for the schema; every read goes through the selectors

    def detail_response(self, pk, *, what: str = "api", status: int = 200) -> Response:
        dispute = dispute_selectors.dispute_get(self.request.user, key(pk), what=what)
        context = {**self.get_serializer_context(), "timeline": dispute_selectors.timeline(dispute)}
        return Response(DisputeDetailSerializer(dispute, context=context).data, status=status)

    @extend_schema(
        parameters=_FILTER_PARAMS,
        responses={200: DisputeListSerializer(many=True), **_COMMON_ERRORS},
        summary="List disputes",
        description="The disputes in the caller's scope, newest first, with the filters of the "
        "list page (invalid values are ignored).",
    )
    def list(self, request):
        filters = DisputeFilterForm(request.GET or None).filters()
        qs = dispute_selectors.disputes(request.user, filters, today=timezone.localdate())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(
            DisputeListSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=DisputeCreateSerializer,
        responses={201: DisputeDetailSerializer, **_WRITE_ERRORS},
        summary="Register a dispute",
        description=f"Who may call it: {_WHO['record']}. A bullying dispute is restricted from "
        "the start; the safety centre may restrict any (`restricted`). A dispute at high risk "
        "or at risk of petitions reaches the safety centre at once.",
    )
    def create(self, request):
        serializer = DisputeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispute = dispute_services.dispute_register(
            actor=request.user, data=dict(serializer.validated_data)
        )
        return self.detail_response(dispute.pk, status=http.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_ID],
        responses={200: DisputeDetailSerializer, **_COMMON_ERRORS, 404: _WRITE_ERRORS[404]},
        summary="One dispute with its events",
        description="A restricted dispute's read is written to the audit log; to anyone not "
        "named on it, it is a 404 (and the attempt is audited).",
    )
    def retrieve(self, request, pk=None):
        return self.detail_response(pk)

    @extend_schema(
        responses={200: FlaggedSerializer(many=True), **_COMMON_ERRORS},
        summary="Disputes flagged around sensitive periods",
        description="The open disputes at high risk or at risk of group or level-skipping "
        "petitions in bureaus whose sensitive or holiday period starts within the bureau's "
        "lead days or is under way, each with that period.",
    )
    @drf_action(detail=False, methods=["get"], url_path="flagged", pagination_class=None)
    def flagged(self, request):
        rows = dispute_selectors.flagged(request.user, timezone.localdate())
        return Response(
            FlaggedSerializer(rows, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        responses={200: DisputeFiguresSerializer, **_COMMON_ERRORS},
        summary="Dispute figures",
        description="Open disputes (by risk, at risk of petitions), escalated, resolved this "
        "month; restricted disputes are counted, never shown.",
    )
    @drf_action(detail=False, methods=["get"], url_path="figures", pagination_class=None)
    def figures(self, request):
        return Response(DisputeFiguresSerializer(dispute_selectors.figures(request.user)).data)

    def take_action(self, request, pk, act: str, serializer_class) -> Response:
        dispute = dispute_selectors.dispute_get(request.user, key(pk), what="api")
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        dispute_services.dispute_act(
            actor=request.user, dispute_id=dispute.pk, action=act, data=data, version=version
        )
        return self.detail_response(dispute.pk)

    mediate = _act_endpoint(
        DisputeAction.MEDIATE,
        DisputeMediateSerializer,
        url_path="mediate",
        who="record",
        summary="Record a mediation step (route, outcome, note)",
    )
    escalate = _act_endpoint(
        DisputeAction.ESCALATE,
        DisputeEscalateSerializer,
        url_path="escalate",
        who="record",
        summary="Escalate (to whom, and why in the note)",
    )
    resolve = _act_endpoint(
        DisputeAction.RESOLVE,
        DisputeResolveSerializer,
        url_path="resolve",
        who="record",
        summary="Record the resolution (outcome required)",
    )
    reopen = _act_endpoint(
        DisputeAction.REOPEN,
        DisputeActSerializer,
        url_path="reopen",
        who="record",
        summary="Reopen a resolved dispute (note required)",
    )
    assess = _act_endpoint(
        DisputeAction.ASSESS,
        DisputeAssessSerializer,
        url_path="assess",
        who="record",
        summary="Assess the risk again (risk, petition risk, note)",
    )
    comment = _act_endpoint(
        DisputeAction.COMMENT,
        DisputeActSerializer,
        url_path="comment",
        who="comment",
        summary="Comment on the dispute",
    )
    restrict = _act_endpoint(
        DisputeAction.RESTRICT,
        DisputeActSerializer,
        url_path="restrict",
        who="manage",
        summary="Restrict the dispute (minors' privacy)",
    )
    grant = _act_endpoint(
        DisputeAction.GRANT,
        DisputeUserSerializer,
        url_path="grant",
        who="manage",
        summary="Name a person on a restricted dispute",
    )
    revoke = _act_endpoint(
        DisputeAction.REVOKE,
        DisputeUserSerializer,
        url_path="revoke",
        who="manage",
        summary="Remove a person from a restricted dispute",
    )


router = SimpleRouter()
router.register("disputes", DisputeViewSet, basename="dispute")

urlpatterns: list = router.urls
