"""The findings API (list, detail, turning them into hazards) and the compliance figures."""

from __future__ import annotations

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from safecampus.core.access import get_for, scope_for
from safecampus.core.api import CappedCountPagination, capability_permission, key
from safecampus.core.capabilities import (
    STANDARDS_COMPLIANCE_VIEW,
    STANDARDS_FINDING_ACT,
    STANDARDS_FINDINGS_VIEW,
)

from ... import access, selectors, services
from ...choices import FindingAction
from ...lifecycle import FINDINGS
from ...models import (
    Finding,
    FindingEvent,
)
from ..filters import FindingFilterSet
from ..serializers import (
    FindingDetailSerializer,
    FindingInterimSerializer,
    FindingSerializer,
    RaiseHazardsSerializer,
    StandardComplianceQuerySerializer,
    StandardComplianceSerializer,
)
from .common import (
    _ID,
    _NOT_FOUND,
    StandardsViewSet,
    _error,
    _forbidden,
    _who,
)
from .files import FindingFilesMixin

# --- findings -----------------------------------------------------------------------------------

_FINDING_ACT_ERRORS = {
    400: _error(
        "`invalid`: the input does not parse, a date is not YYYY-MM-DD, the chosen findings are "
        "not all open and the caller's, the bureau's catalog lacks the rule's check item; "
        "`interim_measures_required`: a major hazard needs the interim measures. Nothing is "
        "saved."
    ),
    403: _error(
        "`permission_denied`: the caller holds none of the roles "
        f"{_who(STANDARDS_FINDING_ACT)}, or only sees this finding."
    ),
    409: _error("`invalid_transition`: the finding is resolved, or a hazard already."),
}


@extend_schema(tags=["standards"])
class FindingViewSet(FindingFilesMixin, StandardsViewSet):
    """The requirements schools fail, in the caller's scope, and their hazards."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(STANDARDS_FINDINGS_VIEW, write=STANDARDS_FINDING_ACT),
    ]
    pagination_class = CappedCountPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = FindingFilterSet
    serializer_class = FindingDetailSerializer
    queryset = Finding.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Finding.objects.none()
        return (
            Finding.objects.visible_to(self.request.user)
            .select_related("school", "department", "hazard")
            .order_by("-opened_at", "-pk")
        )

    def detail_response(self, pk: int) -> Response:
        user = self.request.user
        source = Finding.objects.select_related("school", "department", "hazard").prefetch_related(
            Prefetch("events", queryset=FindingEvent.objects.select_related("actor"))
        )
        finding = get_for(user, source, pk)
        scope = scope_for(user)
        allowed = access.can_act_on_finding(scope, finding) and (
            FindingAction.RAISE_HAZARD
            in FINDINGS.allowed(finding, access.finding_roles(scope, finding))
        )
        context = {**self.get_serializer_context(), "can_raise_hazard": allowed}
        return Response(FindingDetailSerializer(finding, context=context).data)

    @extend_schema(
        responses={200: FindingSerializer(many=True), 403: _forbidden(STANDARDS_FINDINGS_VIEW)},
        summary="List findings",
        description="The findings the caller sees (a school its own, a department those that go "
        "to it, the bureau-wide roles all of their bureaus'), newest first. Invalid filter "
        f"values are refused (400). Roles: {_who(STANDARDS_FINDINGS_VIEW)}.",
    )
    def list(self, request):
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        context = self.get_serializer_context()
        return self.get_paginated_response(FindingSerializer(page, many=True, context=context).data)

    @extend_schema(
        parameters=[_ID],
        responses={
            200: FindingDetailSerializer,
            403: _forbidden(STANDARDS_FINDINGS_VIEW),
            404: _NOT_FOUND,
        },
        summary="One finding with its events",
        description=f"Roles: {_who(STANDARDS_FINDINGS_VIEW)}, on the findings in their scope.",
    )
    def retrieve(self, request, pk=None):
        return self.detail_response(key(pk))

    @extend_schema(
        parameters=[_ID],
        request=FindingInterimSerializer,
        responses={200: FindingDetailSerializer, 404: _NOT_FOUND, **_FINDING_ACT_ERRORS},
        summary="Turn a finding into a hazard (its department, the centre)",
        description="Reports a hazard (source: rule finding) under the rule's check item, with "
        "the clause and the explanation, or links the finding to the open hazard of the same "
        "school and requirement (never a duplicate). A major one needs the interim measures. "
        f"Roles: {_who(STANDARDS_FINDING_ACT)}, on the findings that go to them.",
    )
    @drf_action(detail=True, methods=["post"], url_path="raise-hazard")
    def raise_hazard(self, request, pk=None):
        pk = key(pk)
        get_for(request.user, Finding, pk, access.ACT)
        serializer = FindingInterimSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.raise_hazard(
            actor=request.user, finding_id=pk, interim=dict(serializer.validated_data)
        )
        return self.detail_response(pk)

    @extend_schema(
        request=RaiseHazardsSerializer,
        responses={200: FindingSerializer(many=True), **_FINDING_ACT_ERRORS},
        summary="Turn several findings into hazards, all or nothing",
        description="`ids`: the findings chosen; or `all=true`: every open finding the caller "
        "may act on that is not a hazard yet. The interim measures apply to the major ones. "
        "Returns the findings turned. "
        f"Roles: {_who(STANDARDS_FINDING_ACT)}.",
    )
    @drf_action(detail=False, methods=["post"], url_path="raise-hazards", pagination_class=None)
    def raise_hazards(self, request):
        serializer = RaiseHazardsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ids = data.pop("ids", None)
        data.pop("all", None)
        findings = services.raise_hazards(actor=request.user, finding_ids=ids, interim=data)
        rows = (
            Finding.objects.filter(pk__in=[f.pk for f in findings])
            .select_related("school", "department", "hazard")
            .order_by("pk")
        )
        context = self.get_serializer_context()
        return Response(FindingSerializer(rows, many=True, context=context).data)


# --- compliance ---------------------------------------------------------------------------------


@extend_schema(tags=["standards"])
class ComplianceView(APIView):
    """The district's figures of security standards."""

    permission_classes = [IsAuthenticated, capability_permission(STANDARDS_COMPLIANCE_VIEW)]

    @extend_schema(
        parameters=[StandardComplianceQuerySerializer],
        responses={200: StandardComplianceSerializer, 403: _forbidden(STANDARDS_COMPLIANCE_VIEW)},
        summary="Compliance figures: per requirement, per stage, 4个100%",
        description="The figures of the compliance page. Over the bureaus the caller reads "
        "whole, at the schools' last evaluation: per requirement the schools complying "
        "(`pass`), failing, where it does not apply (`na`), with facts missing, and the rate "
        "among those it applies to; per stage the same counts over every requirement; each "
        "part of the 4个100% over the cards the caller reads. A department (`whole` false) "
        "counts the open findings that go to it as `fail` (no rate). `stage` narrows the "
        "per-requirement figures and the 4个100%. "
        f"Roles: {_who(STANDARDS_COMPLIANCE_VIEW)}.",
    )
    def get(self, request):
        query = StandardComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stage = query.validated_data.get("stage")
        req = selectors.requirement_rows(request.user, stage=stage)
        body = {
            "whole": req["whole"],
            "by_rule": req["rows"],
            "by_stage": selectors.stage_rows(request.user),
            "four100": {f["part"]: f for f in selectors.four100_figures(request.user, stage=stage)},
        }
        return Response(StandardComplianceSerializer(body).data)
