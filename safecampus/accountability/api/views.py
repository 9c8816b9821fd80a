"""The API of the accountability app (mounted under /api/v1/), scoped exactly as the pages:

- ``accountability-records``: the records the caller reads (the bureau's centre, leaders and
  inspectors every record of their bureau; a department those against it; a school those
  against it): list (filters ``kind``, ``status``, ``school``, ``department``, as the page),
  open (``POST``, the centre and the leaders), one with its history, and each step of the
  record's lifecycle as its own action: ``follow-up`` and ``close``.
- ``consultations``: the consultations the caller reads (the bureau's centre, leaders and
  inspectors; a department those on its hazards): list (filter ``status``), the candidate
  hazards of a new one (``candidates``), plan one (``POST``), one with the items the caller
  sees, and ``apply`` (the decisions on every hazard, all or nothing).

Thin over the pages' selectors and services: reads through ``selectors`` (``visible_to``), one
record through ``core.access.get_for`` (404 outside the scope), each write through the service
the page calls, which writes the same event. A refusal is ``{"code", "message", "errors"}`` with
the status of ``core.refusals.HTTP_STATUS`` (``invalid``, ``comment_required``,
``not_candidate`` 400; ``invalid_transition`` 409; ``not_allowed`` 403); nothing is changed.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from safecampus.core.access import require, roles_on, scope_for
from safecampus.core.api import ID, NOT_FOUND, Pagination, capability_permission, error, key, who
from safecampus.core.capabilities import (
    ACCOUNTABILITY_MANAGE,
    ACCOUNTABILITY_VIEW,
    CONSULTATION_MANAGE,
    CONSULTATION_VIEW,
)

from .. import access, selectors, services
from ..lifecycle import CONSULTATIONS, RECORDS
from ..models import AccountabilityRecord, Consultation
from .filters import ConsultationFilterSet, RecordFilterSet
from .serializers import (
    AccountabilityRecordCreateSerializer,
    AccountabilityRecordDetailSerializer,
    AccountabilityRecordSerializer,
    AccountabilityRecordStepSerializer,
    ConsultationApplySerializer,
    ConsultationCandidateSerializer,
    ConsultationCreateSerializer,
    ConsultationDetailSerializer,
    ConsultationSerializer,
)

_FORBIDDEN_READ_RECORDS = error(
    f"`permission_denied`: the caller holds none of {who(ACCOUNTABILITY_VIEW)}."
)
_FORBIDDEN_MANAGE_RECORDS = error(
    f"`permission_denied`: the caller holds none of {who(ACCOUNTABILITY_MANAGE)}, or not on "
    "this record's bureau; `not_allowed`: the table does not give the caller's roles this step."
)
_FORBIDDEN_READ_CONSULTATIONS = error(
    f"`permission_denied`: the caller holds none of {who(CONSULTATION_VIEW)}."
)
_FORBIDDEN_MANAGE_CONSULTATIONS = error(
    f"`permission_denied`: the caller holds none of {who(CONSULTATION_MANAGE)}, or not on this "
    "consultation's bureau; `not_allowed`: the table does not give the caller's roles this "
    "action."
)
_STEP_ERRORS = {
    400: error(
        "`comment_required`: no comment on what was done. Message in Chinese; nothing is saved."
    ),
    403: _FORBIDDEN_MANAGE_RECORDS,
    404: NOT_FOUND,
    409: error("`invalid_transition`: the record is closed and takes no further steps."),
}


# --- accountability records ---------------------------------------------------------------------


@extend_schema(tags=["accountability"])
class RecordViewSet(viewsets.GenericViewSet):
    """Accountability records (约谈, 通报批评, 挂牌督办, 限期整改, 追责问责)."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(ACCOUNTABILITY_VIEW, write=ACCOUNTABILITY_MANAGE),
    ]
    pagination_class = Pagination
    serializer_class = AccountabilityRecordSerializer
    queryset = AccountabilityRecord.objects.none()  # for the schema
    filter_backends = [DjangoFilterBackend]
    filterset_class = RecordFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccountabilityRecord.objects.none()
        return selectors.record_list(user=self.request.user)

    def _detail(self, record_id: int, *, status_code=status.HTTP_200_OK) -> Response:
        user = self.request.user
        record = selectors.record_get(user=user, pk=record_id)
        record.visible_hazards = list(selectors.record_hazards(user=user, record=record))
        record.allowed_actions = RECORDS.allowed(record, roles_on(user, record))
        # the page's timeline, with who took each step
        record.events_list = list(record.events.select_related("actor"))
        data = AccountabilityRecordDetailSerializer(record).data
        return Response(data, status=status_code)

    @extend_schema(
        responses={
            200: AccountabilityRecordSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_READ_RECORDS,
        },
        summary="List accountability records",
        description="Newest first, the records the caller reads: the bureau's centre, leaders "
        "and inspectors every record of their bureau; a department officer those against its "
        "department; a school's staff those against their school. Filters as the page: `kind`, "
        f"`status`, `school`, `department`. Roles: {who(ACCOUNTABILITY_VIEW)}.",
    )
    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(AccountabilityRecordSerializer(page, many=True).data)

    @extend_schema(
        request=AccountabilityRecordCreateSerializer,
        responses={
            201: AccountabilityRecordDetailSerializer,
            400: error(
                "`invalid`: no measure or reason, neither school nor department, no deadline "
                "for 限期整改, a school, department, weekly report or hazard code outside the "
                "bureaus the caller manages, a hazard not of the school or department named. "
                "Messages in Chinese; nothing is saved."
            ),
            403: error(
                f"`permission_denied`: the caller holds none of {who(ACCOUNTABILITY_MANAGE)}."
            ),
        },
        summary="Open an accountability record",
        description="Against a school and/or a department of a bureau the caller manages; the "
        "school's staff and the department's officers are told. Writes the `open` event, as "
        f"the page. Roles: {who(ACCOUNTABILITY_MANAGE)}.",
    )
    def create(self, request):
        user = request.user
        require(user, ACCOUNTABILITY_MANAGE)
        bureau_ids = access.manage_bureaus(scope_for(user))
        serializer = AccountabilityRecordCreateSerializer(
            data=request.data, context={"user": user, "bureau_ids": bureau_ids}
        )
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        record = services.record_open(
            actor=user,
            bureau_id=services.record_bureau(
                school=d["school"], department=d["department"], bureau_ids=bureau_ids
            ),
            kind=d["kind"],
            basis=d["basis"],
            reason=d["reason"],
            school=d["school"],
            department=d["department"],
            hazards=d["hazard_codes"],
            weekly_report=d["weekly_report"],
            deadline=d["deadline"],
        )
        return self._detail(record.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[ID],
        responses={
            200: AccountabilityRecordDetailSerializer,
            403: _FORBIDDEN_READ_RECORDS,
            404: NOT_FOUND,
        },
        summary="One accountability record with its history",
        description="With every step taken (who, in which role, when, what was done), the "
        "hazards concerned that the caller may see, and the steps the caller may take now. "
        f"Roles: {who(ACCOUNTABILITY_VIEW)} who read the record (see the list).",
    )
    def retrieve(self, request, pk=None):
        return self._detail(key(pk))

    def _step(self, request, pk, step) -> Response:
        record = selectors.record_get(user=request.user, pk=key(pk))  # 404 outside the scope
        serializer = AccountabilityRecordStepSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step(actor=request.user, record_id=record.pk, comment=serializer.validated_data["comment"])
        return self._detail(record.pk)

    @extend_schema(
        parameters=[ID],
        request=AccountabilityRecordStepSerializer,
        responses={200: AccountabilityRecordDetailSerializer, **_STEP_ERRORS},
        summary="Record a follow-up on a record",
        description="督促、复查、整改情况: the first follow-up moves an open record to being "
        "followed up; the `follow_up` event is written, as the page. "
        f"Roles: {who(ACCOUNTABILITY_MANAGE)} of the record's bureau.",
    )
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        return self._step(request, pk, services.record_follow_up)

    @extend_schema(
        parameters=[ID],
        request=AccountabilityRecordStepSerializer,
        responses={200: AccountabilityRecordDetailSerializer, **_STEP_ERRORS},
        summary="Close a record",
        description="With what settled it; a closed record takes no further steps. The "
        "`close` event is written, as the page. "
        f"Roles: {who(ACCOUNTABILITY_MANAGE)} of the record's bureau.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(request, pk, services.record_close)


# --- consultations ------------------------------------------------------------------------------


@extend_schema(tags=["accountability"])
class ConsultationViewSet(viewsets.GenericViewSet):
    """Consultations (专题研商 / 专题协调会) on hazards hard to resolve or disputed."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(CONSULTATION_VIEW, write=CONSULTATION_MANAGE),
    ]
    pagination_class = Pagination
    serializer_class = ConsultationSerializer
    queryset = Consultation.objects.none()  # for the schema
    filter_backends = [DjangoFilterBackend]
    filterset_class = ConsultationFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Consultation.objects.none()
        return selectors.consultation_list(user=self.request.user)

    def _detail(self, consultation_id: int, *, status_code=status.HTTP_200_OK) -> Response:
        user = self.request.user
        consultation = selectors.consultation_get(user=user, pk=consultation_id)
        consultation.allowed_actions = CONSULTATIONS.allowed(
            consultation, roles_on(user, consultation)
        )
        # a department officer reads only the items on hazards it may see
        consultation.visible_items = selectors.consultation_items(
            user=user, consultation=consultation
        )
        consultation.n_items = len(consultation.visible_items)
        consultation.decision_departments = (
            selectors.consultation_departments(user=user, consultation=consultation)
            if access.APPLY in consultation.allowed_actions
            else []
        )
        return Response(ConsultationDetailSerializer(consultation).data, status=status_code)

    @extend_schema(
        responses={
            200: ConsultationSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_READ_CONSULTATIONS,
        },
        summary="List consultations",
        description="Latest held first, the consultations the caller reads: the bureau's "
        "centre, leaders and inspectors every one of their bureau; a department officer those "
        "that discuss a hazard of its department (`n_items` counts only the hazards the caller "
        f"sees). Filter as the page: `status`. Roles: {who(CONSULTATION_VIEW)}.",
    )
    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ConsultationSerializer(page, many=True).data)

    @extend_schema(
        responses={
            200: ConsultationCandidateSerializer(many=True),
            403: error(
                f"`permission_denied`: the caller holds none of {who(CONSULTATION_MANAGE)}."
            ),
        },
        summary="Hazards that may be discussed at a new consultation",
        description="The hazards of the bureaus whose consultations the caller holds that are "
        "open and hard to resolve, or with their responsible department disputed or missing, "
        "and not already on a consultation still to be held (the page's choices). "
        f"Roles: {who(CONSULTATION_MANAGE)}.",
    )
    @action(detail=False, methods=["get"])
    def candidates(self, request):
        require(request.user, CONSULTATION_MANAGE)
        bureau_ids = access.consultation_bureaus(scope_for(request.user))
        qs = selectors.consultation_candidates(user=request.user, bureau_ids=bureau_ids)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ConsultationCandidateSerializer(page, many=True).data)

    @extend_schema(
        request=ConsultationCreateSerializer,
        responses={
            201: ConsultationDetailSerializer,
            400: error(
                "`invalid`: a missing kind, title, date or attendees, no hazard, hazards of "
                "more than one bureau, a campaign or hazard outside the caller's bureaus; "
                "`not_candidate`: a hazard not (any more) to be discussed, or already on a "
                "consultation still to be held. Messages in Chinese; nothing is saved."
            ),
            403: error(
                f"`permission_denied`: the caller holds none of {who(CONSULTATION_MANAGE)}."
            ),
        },
        summary="Plan a consultation",
        description="On hazards chosen from the candidates of one bureau; its decisions are "
        f"then applied with `apply`. Roles: {who(CONSULTATION_MANAGE)}.",
    )
    def create(self, request):
        user = request.user
        require(user, CONSULTATION_MANAGE)
        bureau_ids = access.consultation_bureaus(scope_for(user))
        serializer = ConsultationCreateSerializer(
            data=request.data, context={"user": user, "bureau_ids": bureau_ids}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        hazards = data.pop("hazards")
        consultation = services.consultation_create(actor=user, data=data, hazards=hazards)
        return self._detail(consultation.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[ID],
        responses={
            200: ConsultationDetailSerializer,
            403: _FORBIDDEN_READ_CONSULTATIONS,
            404: NOT_FOUND,
        },
        summary="One consultation with its hazards and decisions",
        description="With the hazards discussed that the caller may see (a department officer "
        "only its own), the decision on each once applied, and whether the caller may apply "
        f"the decisions now. Roles: {who(CONSULTATION_VIEW)} who read it (see the list).",
    )
    def retrieve(self, request, pk=None):
        return self._detail(key(pk))

    @extend_schema(
        parameters=[ID],
        request=ConsultationApplySerializer,
        responses={
            200: ConsultationDetailSerializer,
            400: error(
                "`invalid`: an item not of this consultation or given twice, a department not "
                "of its bureau, a hazard without a responsible department and none named, a "
                "decision a hazard refuses (the error is under `item_<id>`, naming the hazard's "
                "code); `deadline_required` and the other refusals of the hazard register. "
                "Messages in Chinese; nothing is applied."
            ),
            403: _FORBIDDEN_MANAGE_CONSULTATIONS,
            404: NOT_FOUND,
            409: error("`invalid_transition`: the decisions are already applied."),
        },
        summary="Apply a consultation's decisions",
        description="The decision on each hazard discussed (`items`: a new deadline, a new "
        "responsible department, 挂牌督办, district leaders asked to supervise), applied to "
        "the hazards all at once and once: one hazard event each, as the page, naming the "
        f"consultation. Roles: {who(CONSULTATION_MANAGE)} of the consultation's bureau.",
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        user = request.user
        consultation = selectors.consultation_get(user=user, pk=key(pk))  # 404 outside
        serializer = ConsultationApplySerializer(
            data=request.data,
            context={
                "items": selectors.consultation_items(user=user, consultation=consultation),
                "departments": selectors.consultation_departments(
                    user=user, consultation=consultation
                ),
            },
        )
        serializer.is_valid(raise_exception=True)
        services.consultation_apply(
            actor=user,
            consultation_id=consultation.pk,
            decisions=serializer.validated_data["items"],
        )
        return self._detail(consultation.pk)
