"""Security standards over HTTP: facts sheets (read, change, history, verify, return), cards,
rule sets (read), findings (list, detail, turn into hazards) and the compliance figures.

Thin, as the register's and the duties' APIs: parse the input, call a selector or a service,
return the detail. Reads go through ``visible_to`` / ``restrict``, one object through
``core.access.get_for`` (404 out of scope, 403 when the action is not the caller's), features
through ``require`` with the ``STANDARDS_*`` capabilities. A refusal from the services becomes
``{"code", "message", "errors"}`` with the status of ``core.refusals.HTTP_STATUS`` (a stale
version 409, bad values 400 with messages per field).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from safecampus.core.access import get_for, require, scope_for
from safecampus.core.api import CappedCountPagination, Pagination, capability_permission
from safecampus.core.api import exception_handler as core_exception_handler
from safecampus.core.capabilities import (
    STANDARDS_COMPLIANCE_VIEW,
    STANDARDS_FACTS_EDIT,
    STANDARDS_FINDING_ACT,
    STANDARDS_VERIFY,
    STANDARDS_VIEW,
)
from safecampus.core.refusals import refusal_response
from safecampus.core.roles import SCHOOL_ROLES
from safecampus.orgs.models import School

from .. import access, engine, selectors, services
from ..choices import FactsStatus, FindingAction, Outcome
from ..lifecycle import FINDINGS
from ..models import (
    FactsRevision,
    Finding,
    FindingEvent,
    RuleSet,
    RuleSetVersion,
    SchoolStanding,
    SecurityFacts,
)
from .filters import FactsFilterSet, FindingFilterSet, RuleSetFilterSet, StandingFilterSet
from .serializers import (
    CardSerializer,
    ErrorSerializer,
    FactsInputSerializer,
    FactsListSerializer,
    FactsPutSerializer,
    FactsReturnSerializer,
    FactsRevisionSerializer,
    FactsSerializer,
    FindingDetailSerializer,
    FindingInterimSerializer,
    FindingSerializer,
    HistoryQuerySerializer,
    RaiseHazardsSerializer,
    RuleSetDetailSerializer,
    RuleSetSerializer,
    StandardComplianceQuerySerializer,
    StandardComplianceSerializer,
    StandingSerializer,
)


def exception_handler(exc, context):
    """The shared handler, plus what the services raise: coded refusals (rolled back), a
    record outside the caller's scope (404) and a refusal of the caller's roles (403, with the
    service's reason)."""
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return refusal_response(exc)
    if isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound(_("Not found, or outside your scope."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return core_exception_handler(exc, context)


def _who(capability) -> str:
    return ", ".join(f"`{role}`" for role in sorted(capability))


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


def _forbidden(capability) -> OpenApiResponse:
    return _error(f"`permission_denied`: the caller holds none of the roles {_who(capability)}.")


_NOT_FOUND = _error("`not_found`: no such object, or it is outside the caller's scope.")
_SCHOOL_ID = OpenApiParameter(
    "school_id", int, OpenApiParameter.PATH, description="The school's id."
)
_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The object's id.")


def _pk(pk) -> int:
    """The id in the path; anything else, or an id beyond the database's range, names nothing."""
    pk = str(pk)
    if not (pk.isascii() and pk.isdigit()) or int(pk) > 2**63 - 1:
        raise exceptions.NotFound(_("Not found, or outside your scope."))
    return int(pk)


def facts_school(user, school_id: int) -> tuple[School, SecurityFacts | None]:
    """The school whose facts and card ``user`` reads, with its facts row (``None`` before the
    first record). The facts' own scope decides (a partner unit only when granted); before the
    first record, the school's staff and the bureau's card readers see the empty sheet. 404
    otherwise."""
    facts = SecurityFacts.objects.filter(school_id=school_id).values_list("pk", flat=True).first()
    if facts is not None:
        row = get_for(
            user,
            SecurityFacts.objects.select_related("school", "updated_by", "verified_by"),
            facts,
        )
        return row.school, row
    school = get_for(user, School, school_id)
    if not access.facts_roles(scope_for(user), school) & (access.CARD_READERS | SCHOOL_ROLES):
        raise Http404
    return school, None


class StandardsViewSet(viewsets.GenericViewSet):
    filter_backends: list = []

    def get_exception_handler(self):
        return exception_handler


# --- facts --------------------------------------------------------------------------------------

_FACTS_WRITE_ERRORS = {
    400: _error(
        "`invalid`: the input does not parse, names an unknown fact, gives a value out of range "
        "(a negative number, a date in the future), or more gates than the school has "
        "(messages per field in `errors`; a gate's as `gate2.guards_day`). Nothing is saved."
    ),
    403: _error(
        f"`permission_denied`: the caller holds none of the roles {_who(STANDARDS_FACTS_EDIT)}, "
        "or not on this school."
    ),
    404: _NOT_FOUND,
    409: _error(
        "`stale`: someone changed the facts after `version` was read (reload and retry). "
        "Nothing is saved."
    ),
}
_VERIFY_ERRORS = {
    403: _error(
        f"`permission_denied`: the caller holds none of the roles {_who(STANDARDS_VERIFY)}, "
        "or not in this school's bureau."
    ),
    404: _NOT_FOUND,
    409: _error(
        "`invalid_transition`: the facts are not awaiting verification (or none are recorded)."
    ),
}


@extend_schema(tags=["standards"])
class FactsViewSet(StandardsViewSet):
    """Each school's security facts (人防、物防、技防), by the school's id."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(STANDARDS_VIEW, write=STANDARDS_FACTS_EDIT | STANDARDS_VERIFY),
    ]
    pagination_class = CappedCountPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = FactsFilterSet
    serializer_class = FactsSerializer
    lookup_field = "school_id"
    lookup_url_kwarg = "school_id"
    queryset = SecurityFacts.objects.none()  # for the schema; reads go through the scope

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SecurityFacts.objects.none()
        return (
            SecurityFacts.objects.visible_to(self.request.user)
            .select_related("school", "updated_by", "verified_by")
            .order_by("school__name", "pk")
        )

    def detail_response(self, school_id: int) -> Response:
        school, row = facts_school(self.request.user, school_id)
        facts, gates = services.facts_for(school)
        if row is not None:
            facts = row
        sheet = services.snapshot(facts, gates)
        body = {
            "school": school,
            "stage": school.stage,
            "gate_count": school.gate_count or 0,
            "recorded": row is not None,
            "version": facts.version,
            "status": facts.status,
            "status_display": str(FactsStatus(facts.status).label),
            "return_reason": facts.return_reason,
            "updated_at": facts.updated_at,
            "updated_by": facts.updated_by if facts.updated_by_id else None,
            "verified_at": facts.verified_at,
            "verified_by": facts.verified_by if facts.verified_by_id else None,
            "facts": sheet["school"],
            "gates": sheet["gates"],
        }
        return Response(FactsSerializer(body, context=self.get_serializer_context()).data)

    @extend_schema(
        responses={200: FactsListSerializer(many=True), 403: _forbidden(STANDARDS_VIEW)},
        summary="List the schools' facts sheets",
        description="The facts sheets the caller sees (a school its own; the bureau's officers "
        "all of their bureaus'; a partner unit those of the schools it covers when the bureau "
        "granted it), by school name; `status` filters by verification. "
        f"Roles: {_who(STANDARDS_VIEW)}.",
    )
    def list(self, request):
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        context = self.get_serializer_context()
        return self.get_paginated_response(
            FactsListSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        parameters=[_SCHOOL_ID],
        responses={200: FactsSerializer, 403: _forbidden(STANDARDS_VIEW), 404: _NOT_FOUND},
        summary="One school's facts sheet",
        description="The school-level facts by name (`null`: not recorded), one entry per gate, "
        "the sheet's `version` (send it back with a change) and its verification. "
        f"Roles: {_who(STANDARDS_VIEW)}, on the schools in their scope.",
    )
    def retrieve(self, request, school_id=None):
        return self.detail_response(_pk(school_id))

    def _change(self, request, school_id, serializer_class) -> Response:
        school_id = _pk(school_id)
        require(request.user, STANDARDS_FACTS_EDIT, _("Your roles do not allow this."))
        facts_school(request.user, school_id)  # 404 out of scope, before the input is read
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.update_facts(
            actor=request.user,
            school_id=school_id,
            values=data["facts"],
            gates=data["gates"],
            version=data.get("version"),
            comment=data["comment"],
        )
        return self.detail_response(school_id)

    @extend_schema(
        parameters=[_SCHOOL_ID],
        request=FactsPutSerializer,
        responses={200: FactsSerializer, **_FACTS_WRITE_ERRORS},
        summary="Change a school's facts (the school, the centre)",
        description="Records the facts named (the others stay as they are) and runs the "
        "school's rules in the same transaction: a failed requirement opens a finding, one that "
        "complies again resolves it. `version` is required. Returns the sheet, now awaiting "
        f"verification. Roles: {_who(STANDARDS_FACTS_EDIT)}, on the schools they keep.",
    )
    def update(self, request, school_id=None):
        return self._change(request, school_id, FactsPutSerializer)

    @extend_schema(
        parameters=[_SCHOOL_ID],
        request=FactsInputSerializer,
        responses={200: FactsSerializer, **_FACTS_WRITE_ERRORS},
        summary="Change some of a school's facts (the school, the centre)",
        description="As `PUT`, with `version` optional (without it, no conflict is checked). "
        f"Roles: {_who(STANDARDS_FACTS_EDIT)}, on the schools they keep.",
    )
    def partial_update(self, request, school_id=None):
        return self._change(request, school_id, FactsInputSerializer)

    @extend_schema(
        parameters=[_SCHOOL_ID, HistoryQuerySerializer],
        responses={
            200: FactsRevisionSerializer(many=True),
            403: _forbidden(STANDARDS_VIEW),
            404: _NOT_FOUND,
        },
        summary="The revisions of a school's facts",
        description="Every change, verification and return, newest first, each with the whole "
        "sheet as it left it and what changed. `as_of=YYYY-MM-DD` keeps only the revision in "
        "force at the end of that day (none before the first record): the facts on that date. "
        f"Roles: {_who(STANDARDS_VIEW)}, on the schools in their scope.",
    )
    @drf_action(detail=True, methods=["get"], url_path="history")
    def history(self, request, school_id=None):
        school, _row = facts_school(request.user, _pk(school_id))
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        revisions = (
            FactsRevision.objects.visible_to(request.user)
            .filter(school=school)
            .select_related("actor")
            .order_by("-number")
        )
        if query.validated_data.get("as_of"):
            revision = services.facts_as_of(school, query.validated_data["as_of"])
            revisions = revisions.filter(pk=revision.pk if revision else None)
        page = self.paginate_queryset(revisions)
        context = self.get_serializer_context()
        return self.get_paginated_response(
            FactsRevisionSerializer(page, many=True, context=context).data
        )

    def _verify(self, request, school_id, *, approve: bool, reason: str = "") -> Response:
        services.verify_facts(
            actor=request.user, school_id=school_id, approve=approve, reason=reason
        )
        return self.detail_response(school_id)

    @extend_schema(
        parameters=[_SCHOOL_ID],
        request=None,
        responses={200: FactsSerializer, **_VERIFY_ERRORS},
        summary="Verify a school's facts as they stand (a department, the centre)",
        description=f"Roles: {_who(STANDARDS_VERIFY)}, of the school's bureau.",
    )
    @drf_action(detail=True, methods=["post"], url_path="verify")
    def verify(self, request, school_id=None):
        school_id = _pk(school_id)
        require(request.user, STANDARDS_VERIFY, _("Your roles do not allow this."))
        facts_school(request.user, school_id)
        return self._verify(request, school_id, approve=True)

    @extend_schema(
        parameters=[_SCHOOL_ID],
        request=FactsReturnSerializer,
        responses={
            200: FactsSerializer,
            400: _error("`invalid`: no reason given."),
            **_VERIFY_ERRORS,
        },
        summary="Return a school's facts for correction, with the reason",
        description=f"Roles: {_who(STANDARDS_VERIFY)}, of the school's bureau.",
    )
    @drf_action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, school_id=None):
        school_id = _pk(school_id)
        require(request.user, STANDARDS_VERIFY, _("Your roles do not allow this."))
        facts_school(request.user, school_id)
        serializer = FactsReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._verify(
            request, school_id, approve=False, reason=serializer.validated_data["reason"]
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
        school, _row = facts_school(request.user, _pk(school_id))
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
        "extends, resolved: `inherited` marks a rule taken from the set extended. "
        f"Roles: {_who(STANDARDS_VIEW)}.",
    )
    def retrieve(self, request, pk=None):
        rule_set = get_for(request.user, self.get_queryset(), _pk(pk))
        version = None
        if request.query_params.get("version"):
            number = request.query_params["version"]
            version = next(
                (v for v in rule_set.versions.all() if str(v.number) == number.strip()), None
            )
            if version is None:
                raise exceptions.NotFound(_("The rule set has no such version."))
        else:
            version = next((v for v in rule_set.versions.all() if v.frozen), None)
        rules, _used = engine.resolved(rule_set, version) if version else ({}, [])
        rows = [
            {**vars(c), "inherited": c.set_code != rule_set.code}
            for c in sorted(rules.values(), key=lambda c: (c.sort_order, c.key))
        ]
        context = {**self.get_serializer_context(), "rules": rows, "rules_version": version}
        return Response(RuleSetDetailSerializer(rule_set, context=context).data)


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
class FindingViewSet(StandardsViewSet):
    """The requirements schools fail, in the caller's scope, and their hazards."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(STANDARDS_VIEW, write=STANDARDS_FINDING_ACT),
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
        responses={200: FindingSerializer(many=True), 403: _forbidden(STANDARDS_VIEW)},
        summary="List findings",
        description="The findings the caller sees (a school its own, a department those that go "
        "to it, the bureau-wide roles all of their bureaus'), newest first. Invalid filter "
        f"values are refused (400). Roles: {_who(STANDARDS_VIEW)}.",
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
            403: _forbidden(STANDARDS_VIEW),
            404: _NOT_FOUND,
        },
        summary="One finding with its events",
        description=f"Roles: {_who(STANDARDS_VIEW)}, on the findings in their scope.",
    )
    def retrieve(self, request, pk=None):
        return self.detail_response(_pk(pk))

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
        pk = _pk(pk)
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

    def get_exception_handler(self):
        return exception_handler

    @extend_schema(
        parameters=[StandardComplianceQuerySerializer],
        responses={200: StandardComplianceSerializer, 403: _forbidden(STANDARDS_COMPLIANCE_VIEW)},
        summary="Compliance figures: per requirement, per stage, 4个100%",
        description="Over the bureaus the caller reads whole, at the schools' last evaluation: "
        "per requirement the schools complying (`pass`), failing, where it does not apply "
        "(`na`), with facts missing, and the rate among those it applies to; per stage the "
        "same counts over every requirement; each part of the 4个100%. `stage` narrows the "
        f"per-requirement figures. Roles: {_who(STANDARDS_COMPLIANCE_VIEW)}.",
    )
    def get(self, request):
        query = StandardComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stage = query.validated_data.get("stage")
        body = {
            "by_rule": selectors.by_rule(request.user, stage=stage),
            "by_stage": selectors.by_stage(request.user),
            "four100": selectors.four100_rates(request.user),
        }
        return Response(body)


__all__ = [
    "CardViewSet",
    "ComplianceView",
    "FactsViewSet",
    "FindingViewSet",
    "RuleSetViewSet",
]
