"""The facts API: a school's facts sheet, its changes, history and verification."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from safecampus.core.access import require
from safecampus.core.api import CappedCountPagination, capability_permission, key
from safecampus.core.capabilities import (
    STANDARDS_FACTS_EDIT,
    STANDARDS_VERIFY,
    STANDARDS_VIEW,
)

from ... import services
from ...choices import FactsStatus
from ...models import (
    FactsRevision,
    SecurityFacts,
)
from ..filters import FactsFilterSet
from ..serializers import (
    FactsInputSerializer,
    FactsListSerializer,
    FactsPutSerializer,
    FactsReturnSerializer,
    FactsRevisionSerializer,
    FactsSerializer,
    FactsVerifySerializer,
    HistoryQuerySerializer,
)
from .common import (
    _NOT_FOUND,
    _SCHOOL_ID,
    StandardsViewSet,
    _error,
    _forbidden,
    _who,
    facts_school,
)
from .files import FactsFilesMixin

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
        "`invalid_transition`: the facts are not awaiting verification (or none are recorded); "
        "`stale`: the facts changed after `version` was read (reload and look again)."
    ),
}


@extend_schema(tags=["standards"])
class FactsViewSet(FactsFilesMixin, StandardsViewSet):
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
        return self.detail_response(key(school_id))

    def _change(self, request, school_id, serializer_class) -> Response:
        school_id = key(school_id)
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
        school, _row = facts_school(request.user, key(school_id))
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

    def _verify(
        self, request, school_id, *, approve: bool, version: int, reason: str = ""
    ) -> Response:
        services.verify_facts(
            actor=request.user,
            school_id=school_id,
            approve=approve,
            reason=reason,
            version=version,
        )
        return self.detail_response(school_id)

    @extend_schema(
        parameters=[_SCHOOL_ID],
        request=FactsVerifySerializer,
        responses={
            200: FactsSerializer,
            400: _error("`invalid`: no `version` given."),
            **_VERIFY_ERRORS,
        },
        summary="Verify a school's facts as they stand (a department, the centre)",
        description=f"Roles: {_who(STANDARDS_VERIFY)}, of the school's bureau.",
    )
    @drf_action(detail=True, methods=["post"], url_path="verify")
    def verify(self, request, school_id=None):
        school_id = key(school_id)
        require(request.user, STANDARDS_VERIFY, _("Your roles do not allow this."))
        facts_school(request.user, school_id)
        serializer = FactsVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._verify(
            request, school_id, approve=True, version=serializer.validated_data["version"]
        )

    @extend_schema(
        parameters=[_SCHOOL_ID],
        request=FactsReturnSerializer,
        responses={
            200: FactsSerializer,
            400: _error("`invalid`: no reason or no `version` given."),
            **_VERIFY_ERRORS,
        },
        summary="Return a school's facts for correction, with the reason",
        description=f"Roles: {_who(STANDARDS_VERIFY)}, of the school's bureau.",
    )
    @drf_action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, school_id=None):
        school_id = key(school_id)
        require(request.user, STANDARDS_VERIFY, _("Your roles do not allow this."))
        facts_school(request.user, school_id)
        serializer = FactsReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._verify(
            request,
            school_id,
            approve=False,
            version=serializer.validated_data["version"],
            reason=serializer.validated_data["reason"],
        )
