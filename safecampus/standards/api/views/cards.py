"""The card API (each school's outcomes and the standings) and the rule sets (read)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from safecampus.core.access import get_for
from safecampus.core.api import CappedCountPagination, Pagination, capability_permission, key
from safecampus.core.capabilities import (
    STANDARDS_VIEW,
)

from ... import engine, selectors
from ...access import EDIT
from ...choices import Outcome
from ...models import (
    RuleSet,
    RuleSetVersion,
    SchoolStanding,
)
from ..filters import RuleSetFilterSet, StandingFilterSet
from ..serializers import (
    CardSerializer,
    RuleSetDetailSerializer,
    RuleSetSerializer,
    StandingSerializer,
)
from .common import (
    _ID,
    _NOT_FOUND,
    _SCHOOL_ID,
    StandardsViewSet,
    _forbidden,
    _who,
    facts_school,
)

# --- cards --------------------------------------------------------------------------------------


def card_body(school) -> dict:
    data = selectors.card(school)
    standing = data["standing"]
    outcomes = {value: str(label) for value, label in Outcome.choices}
    lines = [
        {
            "key": line.key,
            "title": line.title,
            "pillar": line.pillar,
            "outcome": line.outcome,
            "outcome_display": outcomes.get(line.outcome, line.outcome),
            "explanation": line.explanation,
            "clause": line.clause,
            "rule_set": line.rule_set,
            "required": line.required,
            "actual": line.actual,
            "missing": line.missing,
            "finding": line.finding.pk if line.finding else None,
        }
        for _pillar, _label, pillar_lines in data["pillars"]
        for line in pillar_lines
    ]
    return {
        "school": school,
        "stage": standing.stage if standing else school.stage,
        "evaluated_at": standing.evaluated_at if standing else None,
        "failing": standing.failing if standing else 0,
        "unknown": standing.unknown if standing else 0,
        "mode": data["mode"],
        "four100": data["four100"],
        "requirements": lines,
    }


@extend_schema(tags=["standards"])
class CardViewSet(StandardsViewSet):
    """Each school's 人防物防技防 card and the standings of the schools in scope."""

    permission_classes = [IsAuthenticated, capability_permission(STANDARDS_VIEW)]
    pagination_class = CappedCountPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = StandingFilterSet
    serializer_class = CardSerializer
    lookup_field = "school_id"
    lookup_url_kwarg = "school_id"
    queryset = SchoolStanding.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SchoolStanding.objects.none()
        return (
            SchoolStanding.objects.visible_to(self.request.user)
            .select_related("school")
            .order_by("-failing", "school__name", "pk")
        )

    @extend_schema(
        responses={200: StandingSerializer(many=True), 403: _forbidden(STANDARDS_VIEW)},
        summary="List the schools' standings",
        description="Each evaluated school in the caller's scope: requirements failing and with "
        "facts missing, the 4个100% flags (`null`: not known), most failing first. "
        "`failing=true` keeps the schools failing any requirement. "
        f"Roles: {_who(STANDARDS_VIEW)}.",
    )
    def list(self, request):
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        context = self.get_serializer_context()
        return self.get_paginated_response(
            StandingSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        parameters=[_SCHOOL_ID],
        responses={200: CardSerializer, 403: _forbidden(STANDARDS_VIEW), 404: _NOT_FOUND},
        summary="One school's card",
        description="Each requirement of the bureau's rules with its outcome, the rule set that "
        "decided it, the explanation in the school's numbers, the clause, the facts still "
        "missing and the open finding. "
        f"Roles: {_who(STANDARDS_VIEW)}, on the schools in their scope.",
    )
    def retrieve(self, request, school_id=None):
        school, _row = facts_school(request.user, key(school_id))
        body = card_body(school)
        return Response(CardSerializer(body, context=self.get_serializer_context()).data)


# --- rule sets ----------------------------------------------------------------------------------


@extend_schema(tags=["standards"])
class RuleSetViewSet(StandardsViewSet):
    """The rule sets the caller reads: the shipped ones and their bureau's own."""

    permission_classes = [IsAuthenticated, capability_permission(STANDARDS_VIEW)]
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = RuleSetFilterSet
    serializer_class = RuleSetDetailSerializer
    queryset = RuleSet.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RuleSet.objects.none()
        return (
            RuleSet.objects.visible_to(self.request.user)
            .select_related("bureau", "extends")
            .prefetch_related(
                Prefetch("versions", queryset=RuleSetVersion.objects.order_by("-number"))
            )
            .order_by("code")
        )

    @extend_schema(
        responses={200: RuleSetSerializer(many=True), 403: _forbidden(STANDARDS_VIEW)},
        summary="List the rule sets",
        description=f"`code` finds one set. Roles: {_who(STANDARDS_VIEW)}.",
    )
    def list(self, request):
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        context = self.get_serializer_context()
        return self.get_paginated_response(RuleSetSerializer(page, many=True, context=context).data)

    @extend_schema(
        parameters=[
            _ID,
            OpenApiParameter(
                "version",
                int,
                required=False,
                description="The version number whose rules to resolve (default: the published).",
            ),
        ],
        responses={200: RuleSetDetailSerializer, 403: _forbidden(STANDARDS_VIEW), 404: _NOT_FOUND},
        summary="One rule set with its versions and rules",
        description="The rules of its published version (or `version`) over those of the set it "
        "extends, resolved: `inherited` marks a rule taken from the set extended. A draft "
        "version is listed and read only by those who edit the set (others: 404). "
        f"Roles: {_who(STANDARDS_VIEW)}.",
    )
    def retrieve(self, request, pk=None):
        rule_set = get_for(request.user, self.get_queryset(), key(pk))
        versions = list(rule_set.versions.all())
        editor = RuleSet.objects.restrict(request.user, EDIT).filter(pk=rule_set.pk).exists()
        if not editor:
            versions = [v for v in versions if v.frozen]  # a draft: only for its editors
        version = None
        if request.query_params.get("version"):
            number = request.query_params["version"]
            version = next((v for v in versions if str(v.number) == number.strip()), None)
            if version is None:
                raise exceptions.NotFound(_("The rule set has no such version."))
        else:
            version = next((v for v in versions if v.frozen), None)
        rules, _used = engine.resolved(rule_set, version) if version else ({}, [])
        rows = [
            {**vars(c), "inherited": c.set_code != rule_set.code}
            for c in sorted(rules.values(), key=lambda c: (c.sort_order, c.key))
        ]
        context = {
            **self.get_serializer_context(),
            "rules": rows,
            "rules_version": version,
            "versions": versions,
        }
        return Response(RuleSetDetailSerializer(rule_set, context=context).data)
