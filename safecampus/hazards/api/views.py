"""The register over HTTP: list, detail, report, and one endpoint per action.

Thin: parse the input, call a selector or a service, return the detail. A refusal from the
services becomes ``{"code", "message", "errors"}`` with the status of ``core.refusals.HTTP_STATUS``.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from safecampus.core.api import (
    COUNT_CAP,
    ID,
    NOT_FOUND,
    CappedCountPagination,
    IgnoreAccept,
    JobStartedSerializer,
    capability_permission,
    error,
    file_answer,
    job_answer,
    key,
)
from safecampus.core.capabilities import HAZARD_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.orgs.filtersets import IdFilter

from .. import selectors, services
from ..choices import Action
from ..evidence import serve_evidence
from ..excel import EXPORT_INLINE_LIMIT, export_name, export_register
from ..filtersets import HazardFilterSet
from ..models import Hazard, HazardEvidence
from .serializers import (
    ActSerializer,
    ConfirmSerializer,
    DecideSerializer,
    EditSerializer,
    ErrorSerializer,
    EvidenceSerializer,
    ExtendSerializer,
    HazardCreateSerializer,
    HazardDetailSerializer,
    HazardListSerializer,
    SubmitSerializer,
    TransferSerializer,
)

#: query parameters that belong to the pagination, not to the filters
_PAGE_PARAMS = ("page", "page_size")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


#: errors every endpoint may answer with
_COMMON_ERRORS = {
    403: _error(
        "`permission_denied`: the caller's roles do not reach the register (auditor, "
        "system or security admin, partner unit)."
    ),
}
_ACTION_ERRORS = {
    400: _error(
        "`invalid`: the input does not parse (field errors in `errors`); "
        "`reason_required`, `deadline_required`, `decision_required`, "
        "`interim_measures_required`, `lec_incomplete`, `evidence_required`, "
        "`evidence_invalid`, `evidence_too_large`, `out_of_scope`: refused by the rules."
    ),
    403: _error(
        "`permission_denied`: no access to the register; "
        "`not_allowed`: the caller's roles may not take this action on this hazard."
    ),
    404: _error("`not_found`: no such hazard, or it is outside the caller's scope."),
    409: _error(
        "`stale`: the hazard changed since `version` (reload and retry); "
        "`invalid_transition`: the action is not possible in the hazard's current status."
    ),
}


#: the hazard's id in the path
_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The hazard's id.")


def _act_endpoint(act: str, serializer_class, *, url_path: str, name: str, summary: str):
    """A ``POST /hazards/{id}/<url_path>/`` endpoint that takes ``act`` on the hazard."""

    def endpoint(self, request, pk=None):
        return self.take_action(request, pk, act, serializer_class)

    endpoint.__name__ = name
    endpoint = drf_action(
        detail=True, methods=["post"], url_path=url_path, serializer_class=serializer_class
    )(endpoint)
    return extend_schema(
        parameters=[_ID],
        request=serializer_class,
        responses={200: HazardDetailSerializer, **_ACTION_ERRORS},
        summary=summary,
        description=(
            f"Takes the action `{act}` and returns the hazard's detail. `allowed_actions` in the "
            "detail lists the actions the caller may take now."
        ),
    )(endpoint)


def _filter_type(f):
    if isinstance(f, django_filters.BooleanFilter):
        return bool
    if isinstance(f, django_filters.DateFilter):
        return OpenApiTypes.DATE
    if isinstance(f, IdFilter):
        return int
    return str


#: the register's filters, documented from the filterset the page uses
_FILTER_PARAMS = [
    OpenApiParameter(
        name,
        _filter_type(f),
        required=False,
        description=f.label,
        many=isinstance(f, django_filters.MultipleChoiceFilter),
        enum=[c[0] for c in f.extra["choices"]] if "choices" in f.extra else None,
    )
    for name, f in HazardFilterSet.base_filters.items()
]


class HazardViewSet(viewsets.GenericViewSet):
    """The hazard register (隐患台账) in the caller's scope."""

    permission_classes = [IsAuthenticated, capability_permission(HAZARD_VIEW)]
    pagination_class = CappedCountPagination
    filter_backends: list = []  # the selector filters, exactly as the register page does
    serializer_class = HazardDetailSerializer
    queryset = Hazard.objects.none()  # for the schema; every read goes through the selectors

    def detail_response(self, pk, *, status_code=status.HTTP_200_OK) -> Response:
        hazard = selectors.hazard_get(user=self.request.user, pk=pk)
        data = HazardDetailSerializer(hazard, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(
        parameters=_FILTER_PARAMS,
        responses={200: HazardListSerializer(many=True), **_COMMON_ERRORS},
        summary="List the register",
        description="Hazards in the caller's scope, newest first; the filters of the register "
        f"page. Invalid filter values are ignored. The count stops at {COUNT_CAP:,} "
        "(`count_is_capped`), and so do the pages.",
    )
    def list(self, request):
        filters = {k: v for k, v in request.GET.lists() if k not in _PAGE_PARAMS}
        hazards = selectors.hazard_list(user=request.user, filters=filters)
        page = self.paginate_queryset(hazards)
        context = self.get_serializer_context()
        return self.get_paginated_response(
            HazardListSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        parameters=[_ID],
        responses={
            200: HazardDetailSerializer,
            **_COMMON_ERRORS,
            404: _ACTION_ERRORS[404],
        },
        summary="One hazard with its timeline and evidence",
    )
    def retrieve(self, request, pk=None):
        return self.detail_response(key(pk))

    @extend_schema(
        request=HazardCreateSerializer,
        responses={
            201: HazardDetailSerializer,
            400: _error(
                "`invalid`: the input does not parse, the school is not in the caller's scope, "
                "or the item, area or department is not of the school's bureau; "
                "`interim_measures_required`, `lec_incomplete`, `evidence_invalid`, "
                "`evidence_too_large`, `out_of_scope`: refused by the rules. Nothing is saved."
            ),
            403: _error(
                "`permission_denied`: no access to the register, or the caller may not report "
                "hazards at this school."
            ),
        },
        summary="Report a hazard",
        description="JSON, or multipart with `files` repeated for the photos taken before "
        "rectification.",
    )
    def create(self, request):
        serializer = HazardCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        hazard = services.hazard_report(
            actor=request.user,
            school=data.pop("school"),
            item=data.pop("item", None),
            area=data.pop("area", None),
            responsible_department=data.pop("responsible_department", None),
            cooperating_departments=data.pop("cooperating_departments", None),
            files=data.pop("files", ()),
            data=data,
        )
        return self.detail_response(hazard.pk, status_code=status.HTTP_201_CREATED)

    def take_action(self, request, pk, act: str, serializer_class) -> Response:
        pk = key(pk)
        # scope first: a hazard outside it is a 404 whatever the input
        if not selectors.hazard_visible(user=request.user, pk=pk):
            raise exceptions.NotFound(_("Not found, or outside your scope."))
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        services.hazard_act(
            actor=request.user,
            hazard_id=pk,
            action=act,
            version=changes.pop("version"),
            comment=changes.pop("comment", ""),
            files=changes.pop("files", ()),
            phase=changes.pop("phase", None),
            changes=changes,
        )
        return self.detail_response(pk)

    confirm = _act_endpoint(
        Action.CONFIRM,
        ConfirmSerializer,
        url_path="confirm",
        name="confirm",
        summary="Confirm and assign a report (department)",
    )
    start = _act_endpoint(
        Action.START, ActSerializer, url_path="start", name="start", summary="Start rectification"
    )
    submit = _act_endpoint(
        Action.SUBMIT,
        SubmitSerializer,
        url_path="submit",
        name="submit",
        summary="Submit the rectification for acceptance, with photos (school)",
    )
    accept = _act_endpoint(
        Action.ACCEPT,
        ActSerializer,
        url_path="accept",
        name="accept",
        summary="Accept the rectification and close (department)",
    )
    reject = _act_endpoint(
        Action.REJECT,
        ActSerializer,
        url_path="reject",
        name="reject",
        summary="Reject the rectification, with the reason (department)",
    )
    withdraw = _act_endpoint(
        Action.WITHDRAW,
        ActSerializer,
        url_path="withdraw",
        name="withdraw",
        summary="Withdraw a report that is not a hazard, with the reason (department)",
    )
    mark_hard = _act_endpoint(
        Action.MARK_HARD,
        ActSerializer,
        url_path="mark-hard",
        name="mark_hard",
        summary="Mark hard to resolve in the short term, with the reason (department)",
    )
    decide = _act_endpoint(
        Action.DECIDE,
        DecideSerializer,
        url_path="decide",
        name="decide",
        summary="Record the leadership group's decision on a hazard hard to resolve",
    )
    edit = _act_endpoint(
        Action.EDIT,
        EditSerializer,
        url_path="edit",
        name="edit",
        summary="Correct the hazard's details, with the reason (department)",
    )
    extend = _act_endpoint(
        Action.EXTEND,
        ExtendSerializer,
        url_path="extend",
        name="extend",
        summary="Change the deadline, with the reason (department)",
    )
    transfer = _act_endpoint(
        Action.TRANSFER,
        TransferSerializer,
        url_path="transfer",
        name="transfer",
        summary="Transfer responsibility to another department (safety centre)",
    )
    explain = _act_endpoint(
        Action.EXPLAIN,
        ActSerializer,
        url_path="explain",
        name="explain",
        summary="Explain a delay",
    )
    evidence = _act_endpoint(
        Action.ADD_EVIDENCE,
        EvidenceSerializer,
        url_path="evidence",
        name="evidence",
        summary="Add evidence (multipart, `files` repeated)",
    )

    @extend_schema(
        parameters=_FILTER_PARAMS,
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                description="The register as filtered, an A4 workbook (隐患清单) named in Chinese "
                "after the caller's scope and the day."
            ),
            202: OpenApiResponse(
                response=JobStartedSerializer,
                description=f"More than {EXPORT_INLINE_LIMIT:,} rows: the export runs as a job; "
                "follow `url` (`/api/v1/jobs/{id}/`) and download its file when it has finished.",
            ),
            **_COMMON_ERRORS,
        },
        summary="Export the register to Excel",
        description="The filters of the register page, as for the list. The same workbook and "
        "file name as the page's 导出 button, and the export is in the audit log.",
    )
    @drf_action(
        detail=False, methods=["get"], url_path="export", content_negotiation_class=IgnoreAccept
    )
    def export(self, request):
        filters = {k: v for k, v in request.GET.lists() if k not in _PAGE_PARAMS}
        job, tmp, _rows = export_register(user=request.user, filters=filters)
        if job is not None:
            return job_answer(job, request)
        return file_answer(tmp, export_name(request.user), content_type=XLSX_CONTENT_TYPE)


@extend_schema(tags=["hazards"])
class HazardEvidenceViewSet(viewsets.GenericViewSet):
    """A hazard's evidence files (photos, documents), to the callers whose scope holds the
    hazard (the same check as the page's)."""

    permission_classes = [IsAuthenticated, capability_permission(HAZARD_VIEW)]
    queryset = HazardEvidence.objects.none()  # for the schema; reads go through the selectors
    filter_backends: list = []
    pagination_class = None
    content_negotiation_class = IgnoreAccept

    @extend_schema(
        parameters=[ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                description="The file as uploaded, under its original name."
            ),
            **_COMMON_ERRORS,
            404: NOT_FOUND,
        },
        summary="Download an evidence file",
    )
    def retrieve(self, request, pk=None):
        return serve_evidence(selectors.evidence_get(user=request.user, pk=key(pk)))

    @extend_schema(
        parameters=[ID],
        responses={
            (200, "image/jpeg"): OpenApiResponse(description="The photo's thumbnail."),
            **_COMMON_ERRORS,
            404: error("`not_found`: no such file, outside the caller's scope, or no thumbnail."),
        },
        summary="An evidence photo's thumbnail",
    )
    @drf_action(detail=True, methods=["get"])
    def thumb(self, request, pk=None):
        evidence = selectors.evidence_get(user=request.user, pk=key(pk))
        if not evidence.thumbnail:
            raise exceptions.NotFound(_("Not found, or outside your scope."))
        return serve_evidence(evidence, thumbnail=True)
