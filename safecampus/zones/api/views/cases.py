"""The API of the student safety zone: cases. List (the filters of the case list page),
retrieve (with events and evidence), and one endpoint per action a person takes, each through
``services.act_on_case`` exactly as the page's forms.

A refusal from the services becomes ``{"code", "message", "errors"}`` with the status of
``core.refusals.HTTP_STATUS``.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.core.access import get_for
from safecampus.core.api import CappedCountPagination, capability_permission
from safecampus.core.capabilities import ZONE_VIEW

from ... import selectors, services
from ...choices import CaseAction, CaseStatus, VenueType
from ...forms_cases import CaseFilterForm
from ...models import ZoneCase
from ..serializers_cases import (
    CaseActSerializer,
    CaseAssignSerializer,
    CaseDetailSerializer,
    CaseEvidenceInputSerializer,
    CaseExtendSerializer,
    CaseListSerializer,
    CaseNoteSerializer,
    CaseRecordSerializer,
    CaseRelocationSerializer,
)
from .case_files import ZoneCaseFilesMixin
from .common import error

_COMMON_ERRORS = {
    403: error(
        "`permission_denied`: the caller's roles do not reach the student safety zone "
        "(auditor, system or security admin)."
    ),
}
_ACTION_ERRORS = {
    400: error(
        "`invalid`: the input does not parse or breaks a rule (field errors in `errors`: a "
        "deadline in the past, a partner unit of another bureau, new coordinates without their "
        "system); `comment_required`: the action needs a note; `coordinates_invalid`; "
        "`evidence_invalid`, `evidence_too_large`. Nothing is saved."
    ),
    403: error(
        "`permission_denied`: no access to the zone; "
        "`not_allowed`: the caller's roles on this case do not allow the action."
    ),
    404: error("`not_found`: no such case, or it is outside the caller's scope."),
    409: error(
        "`stale`: the case changed since `version` (reload and retry); "
        "`invalid_transition`: the action is not possible in the case's current status."
    ),
}

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The case's id.")

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

#: who may take each action (the lifecycle table ``zones.lifecycle.CASES``)
_WHO = {
    "manage": "the responsible department (its officers) and the safety centre",
    "record": "the responsible department, the safety centre and the partner units named on "
    "the case",
    "comment": "those who record, and the school whose zone it is",
}


def _act_endpoint(act: str, serializer_class, *, url_path: str, who: str, summary: str):
    """A ``POST /zone-cases/{id}/<url_path>/`` endpoint that takes ``act`` on the case."""

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
        request={
            "application/json": serializer_class,
            "multipart/form-data": serializer_class,
        },
        responses={200: CaseDetailSerializer, **_ACTION_ERRORS},
        summary=summary,
        description=(
            f"Takes the action `{act}` (as the case page's form does) and returns the case's "
            f"detail. Who may call it: {_WHO[who]}. `allowed_actions` in the detail lists the "
            "actions the caller may take now."
        ),
    )(endpoint)


class ZoneCaseViewSet(ZoneCaseFilesMixin, viewsets.GenericViewSet):
    """Zone cases (a venue inside a school's zone) in the caller's scope: the department a case
    goes to, the bureau-wide roles, the school whose zone it is, the partner units named."""

    permission_classes = [IsAuthenticated, capability_permission(ZONE_VIEW)]
    pagination_class = CappedCountPagination
    filter_backends: list = []
    serializer_class = CaseDetailSerializer
    queryset = ZoneCase.objects.none()  # for the schema; every read goes through the selectors

    def _case(self, pk):
        return get_for(
            self.request.user,
            ZoneCase.objects.select_related("venue", "school", "department"),
            pk,
        )

    def detail_response(self, pk) -> Response:
        case = self._case(pk)
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=_FILTER_PARAMS,
        responses={200: CaseListSerializer(many=True), **_COMMON_ERRORS},
        summary="List zone cases",
        description="The cases in the caller's scope, newest first, with the filters of the "
        "case list page (invalid values are ignored). Any role of the zone may call it; a "
        "school sees the cases of its own zone, a partner unit those naming it.",
    )
    def list(self, request):
        filters = CaseFilterForm(request.GET or None).filters()
        qs = selectors.cases(request.user, filters, today=timezone.localdate())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(
            CaseListSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        parameters=[_ID],
        responses={200: CaseDetailSerializer, **_COMMON_ERRORS, 404: _ACTION_ERRORS[404]},
        summary="One zone case with its events and evidence",
    )
    def retrieve(self, request, pk=None):
        return self.detail_response(pk)

    def take_action(self, request, pk, act: str, serializer_class) -> Response:
        case = self._case(pk)  # scope first: a case outside it is a 404 whatever the input
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        files = data.pop("files", ()) or ()
        services.act_on_case(
            actor=request.user,
            case_id=case.pk,
            action=act,
            data=data,
            files=files,
            version=version,
        )
        return self.detail_response(case.pk)

    assign = _act_endpoint(
        CaseAction.ASSIGN,
        CaseAssignSerializer,
        url_path="assign",
        who="manage",
        summary="Assign: set the deadline and the partner units",
    )
    inspect = _act_endpoint(
        CaseAction.INSPECT,
        CaseRecordSerializer,
        url_path="inspect",
        who="record",
        summary="Record an inspection of the venue, with photos",
    )
    record_closure = _act_endpoint(
        CaseAction.RECORD_CLOSURE,
        CaseRecordSerializer,
        url_path="record-closure",
        who="record",
        summary="Record the venue's closure (the case awaits verification)",
    )
    record_relocation = _act_endpoint(
        CaseAction.RECORD_RELOCATION,
        CaseRelocationSerializer,
        url_path="record-relocation",
        who="record",
        summary="Record the venue's relocation (new address, optional new coordinates)",
    )
    exempt = _act_endpoint(
        CaseAction.EXEMPT,
        CaseNoteSerializer,
        url_path="exempt",
        who="manage",
        summary="Exempt the venue, with the reason (closes the case)",
    )
    verify = _act_endpoint(
        CaseAction.VERIFY,
        CaseActSerializer,
        url_path="verify",
        who="manage",
        summary="Verify the recorded closure or relocation and close the case",
    )
    reject = _act_endpoint(
        CaseAction.REJECT,
        CaseNoteSerializer,
        url_path="reject",
        who="manage",
        summary="Reject the record: the venue still operates (with the reason)",
    )
    extend = _act_endpoint(
        CaseAction.EXTEND,
        CaseExtendSerializer,
        url_path="extend",
        who="manage",
        summary="Change the deadline, with the reason",
    )
    comment = _act_endpoint(
        CaseAction.COMMENT,
        CaseNoteSerializer,
        url_path="comment",
        who="comment",
        summary="Comment on the case",
    )
    add_evidence = _act_endpoint(
        CaseAction.ADD_EVIDENCE,
        CaseEvidenceInputSerializer,
        url_path="add-evidence",
        who="record",
        summary="Add photos or documents (multipart, `files` repeated)",
    )


router = SimpleRouter()
router.register("zone-cases", ZoneCaseViewSet, basename="zone-case")

urlpatterns: list = router.urls
