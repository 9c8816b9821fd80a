"""Recurring duties over HTTP: the catalog (read), occurrences (list, detail, one endpoint per
action), evidence files, and the compliance figures.

Thin, as the register's API (``hazards.api``): parse the input, call a selector or a service,
return the detail. Reads go through ``visible_to`` / ``restrict``, one object through
``core.access.get_for`` (404 out of scope, 403 when the action is not the caller's), features
through ``require`` with the ``DUTY_*`` capabilities. A refusal from the services becomes
``{"code", "message", "errors"}`` with the status of ``core.refusals.HTTP_STATUS``.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from safecampus.core.access import get_for, require, scope_for
from safecampus.core.api import (
    CappedCountPagination,
    IgnoreAccept,
    Pagination,
    capability_permission,
    key,
)
from safecampus.core.capabilities import (
    DUTY_COMPLIANCE_VIEW,
    DUTY_OVERSEE,
    DUTY_RECORD,
    DUTY_VIEW,
)
from safecampus.hazards.evidence import serve_evidence
from safecampus.orgs.choices import SchoolStage

from .. import access, selectors, services
from ..lifecycle import (
    ACCEPT_EXCUSE,
    ASK_EXCUSE,
    CORRECT,
    NOT_CREDIBLE,
    OCCURRENCES,
    RECORD,
    RECORD_LATE,
    RECORD_PART,
    REFUSE_EXCUSE,
)
from ..models import (
    Duty,
    DutyCatalogVersion,
    DutyEvidence,
    DutyRecord,
    Occurrence,
    OccurrenceEvent,
)
from .files import DutyVersionFilesMixin
from .filters import OccurrenceFilterSet, month_range
from .serializers import (
    AskExcuseSerializer,
    ComplianceQuerySerializer,
    ComplianceSerializer,
    DecideExcuseSerializer,
    DutyVersionDetailSerializer,
    DutyVersionSerializer,
    ErrorSerializer,
    NotCredibleSerializer,
    OccurrenceDetailSerializer,
    OccurrenceListSerializer,
    RecordInputSerializer,
)

#: the lifecycle's actions taken as the owner, and those taken as the overseer
OWNER_ACTIONS = frozenset({RECORD, RECORD_LATE, RECORD_PART, CORRECT, ASK_EXCUSE})
OVERSEER_ACTIONS = frozenset({ACCEPT_EXCUSE, REFUSE_EXCUSE, NOT_CREDIBLE})
#: the lifecycle's actions by the endpoint that takes them (``correct``: ``record`` with
#: ``supersedes``)
ENDPOINT_OF = {
    RECORD: "record",
    RECORD_LATE: "record",
    RECORD_PART: "record",
    CORRECT: "correct",
    ASK_EXCUSE: "ask_excuse",
    ACCEPT_EXCUSE: "decide_excuse",
    REFUSE_EXCUSE: "decide_excuse",
    NOT_CREDIBLE: "not_credible",
}


def allowed_endpoints(user, occ, today) -> list[str]:
    """What ``user`` may do with ``occ`` now, by endpoint: the lifecycle's moves for the roles
    the user holds on it as owner and as overseer, and the window (a record or an excuse only
    until the grace ends, a record not before the window opens)."""
    scope = scope_for(user)
    actions = [
        a for a in OCCURRENCES.allowed(occ, access.record_roles(scope, occ)) if a in OWNER_ACTIONS
    ] + [
        a
        for a in OCCURRENCES.allowed(occ, access.oversee_roles(scope, occ))
        if a in OVERSEER_ACTIONS
    ]
    out: list[str] = []
    for action in actions:
        if action in (RECORD, RECORD_LATE, RECORD_PART, CORRECT) and not occ.window_open(today):
            continue
        if action == ASK_EXCUSE and today > occ.grace_end:
            continue
        if ENDPOINT_OF[action] not in out:
            out.append(ENDPOINT_OF[action])
    return out


def _who(capability) -> str:
    """The roles of ``capability``, for the schema's descriptions."""
    return ", ".join(f"`{role}`" for role in sorted(capability))


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


def _forbidden(capability) -> OpenApiResponse:
    return _error(f"`permission_denied`: the caller holds none of the roles {_who(capability)}.")


_NOT_FOUND = _error("`not_found`: no such object, or it is outside the caller's scope.")
#: the errors of an action endpoint on an occurrence
_ACTION_ERRORS = {
    400: _error(
        "`invalid`: the input does not parse or breaks a rule (messages per field in `errors`: "
        "a date in the future or outside the window, a missing figure, a missing kind of "
        "evidence under `files_<kind>`, a file that is not what its name says under `files`); "
        "`comment_required`: no reason given; `already_recorded`: the period is recorded "
        "already (correct it with `supersedes`). Nothing is saved."
    ),
    404: _NOT_FOUND,
    409: _error(
        "`invalid_transition`: the action is not possible in the occurrence's current status "
        "(or its window and grace have closed)."
    ),
}

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The object's id.")


class DutiesViewSet(viewsets.GenericViewSet):
    filter_backends: list = []


# --- the catalog ----------------------------------------------------------------------------


@extend_schema(tags=["duties"])
class DutyVersionViewSet(DutyVersionFilesMixin, DutiesViewSet):
    """The duty catalog versions (常态化工作清单) of the caller's bureau(s)."""

    permission_classes = [IsAuthenticated, capability_permission(DUTY_VIEW)]
    pagination_class = Pagination
    serializer_class = DutyVersionSerializer
    queryset = DutyCatalogVersion.objects.none()  # for the schema; reads go through the scope

    @extend_schema(
        responses={200: DutyVersionSerializer(many=True), 403: _forbidden(DUTY_VIEW)},
        summary="List the duty catalog versions",
        description="The versions of the duty catalog the caller sees (their bureau's, and for "
        "a school or partner unit the bureau it belongs to), newest first. "
        f"Roles: {_who(DUTY_VIEW)}.",
    )
    def list(self, request):
        versions = (
            DutyCatalogVersion.objects.visible_to(request.user)
            .select_related("bureau")
            .order_by("bureau_id", "-number")
        )
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(DutyVersionSerializer(page, many=True).data)

    @extend_schema(
        parameters=[_ID],
        responses={200: DutyVersionDetailSerializer, 403: _forbidden(DUTY_VIEW), 404: _NOT_FOUND},
        summary="One duty catalog version with its duties",
        description="Each duty with what counts as done, the evidence and figures a record "
        "must carry, its frequency rule (and the rule in Chinese words), window and grace, "
        "applicability, who owes it, the overseeing department and its source. "
        f"Roles: {_who(DUTY_VIEW)}.",
    )
    def retrieve(self, request, pk=None):
        version = get_for(
            request.user, DutyCatalogVersion.objects.select_related("bureau"), key(pk)
        )
        duties = (
            Duty.objects.visible_to(request.user)
            .filter(version=version)
            .select_related("overseeing_department")
            .prefetch_related("owed_by_departments")
        )
        context = {**self.get_serializer_context(), "duties": duties}
        return Response(DutyVersionDetailSerializer(version, context=context).data)


# --- occurrences ----------------------------------------------------------------------------


def _action_endpoint(method_name: str, serializer_class, *, url_path: str, summary: str, roles):
    """A ``POST /duty-occurrences/{id}/<url_path>/`` endpoint calling ``take_<...>``."""

    def endpoint(self, request, pk=None):
        return getattr(self, method_name)(request, key(pk))

    endpoint.__name__ = url_path.replace("-", "_")
    endpoint = drf_action(
        detail=True,
        methods=["post"],
        url_path=url_path,
        serializer_class=serializer_class,
        parser_classes=[MultiPartParser, FormParser]
        if serializer_class is RecordInputSerializer
        else [JSONParser, FormParser, MultiPartParser],
    )(endpoint)
    return extend_schema(
        parameters=[_ID],
        request=serializer_class,
        responses={
            (201 if serializer_class is RecordInputSerializer else 200): (
                OccurrenceDetailSerializer
            ),
            **_ACTION_ERRORS,
            403: _error(
                f"`permission_denied`: the caller holds none of the roles {_who(roles)}, or "
                "holds them but not on this occurrence (it oversees or only sees it)."
            ),
        },
        summary=summary,
        description=f"Roles: {_who(roles)}, on the occurrences they "
        + ("owe." if roles is DUTY_RECORD else "oversee.")
        + " Returns the occurrence's detail; `allowed_actions` in it lists what the caller "
        "may do now.",
    )(endpoint)


@extend_schema(tags=["duties"])
class OccurrenceViewSet(DutiesViewSet):
    """What each body owes, period by period, in the caller's scope."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(DUTY_VIEW, write=DUTY_RECORD | DUTY_OVERSEE),
    ]
    pagination_class = CappedCountPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = OccurrenceFilterSet
    serializer_class = OccurrenceDetailSerializer
    queryset = Occurrence.objects.none()  # for the schema; reads go through the scope

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Occurrence.objects.none()
        return (
            Occurrence.objects.visible_to(self.request.user)
            .select_related(
                "duty", "bureau", "school", "department", "partner", "overseeing_department"
            )
            .order_by("-window_end", "code", "owner_key", "-pk")
        )

    def detail_response(self, pk: int, *, status_code=status.HTTP_200_OK) -> Response:
        user = self.request.user
        source = Occurrence.objects.select_related(
            "duty__overseeing_department",
            "bureau",
            "school",
            "department",
            "partner",
            "overseeing_department",
        ).prefetch_related(
            "duty__owed_by_departments",
            Prefetch(
                "records",
                queryset=DutyRecord.objects.select_related("created_by").prefetch_related("files"),
            ),
            Prefetch("events", queryset=OccurrenceEvent.objects.select_related("actor")),
        )
        occ = get_for(user, source, pk)
        allowed = allowed_endpoints(user, occ, timezone.localdate())
        context = {**self.get_serializer_context(), "allowed_actions": allowed}
        return Response(OccurrenceDetailSerializer(occ, context=context).data, status=status_code)

    @extend_schema(
        responses={200: OccurrenceListSerializer(many=True), 403: _forbidden(DUTY_VIEW)},
        summary="List occurrences",
        description="The occurrences in the caller's scope (a school its own, a partner unit its "
        "own, a department those it owes or oversees, the bureau-wide roles all of their "
        "bureaus), latest window first. `status` takes the keys of the compliance figures "
        "and counts as they do; `mine=true` keeps what the caller's own body owes. The count "
        "stops at 10,000 (`count_is_capped`). Invalid filter values are refused (400). "
        f"Roles: {_who(DUTY_VIEW)}.",
    )
    def list(self, request):
        occurrences = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(occurrences)
        context = self.get_serializer_context()
        return self.get_paginated_response(
            OccurrenceListSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        parameters=[_ID],
        responses={200: OccurrenceDetailSerializer, 403: _forbidden(DUTY_VIEW), 404: _NOT_FOUND},
        summary="One occurrence with its records, evidence and events",
        description=f"Roles: {_who(DUTY_VIEW)}, on the occurrences in their scope.",
    )
    def retrieve(self, request, pk=None):
        return self.detail_response(key(pk))

    def _fetch(self, request, pk: int, capability, action: str) -> None:
        """403 for a role that never takes this action; 404 out of scope; 403 when the caller
        sees the occurrence but may not act on it (before the input is even read)."""
        require(request.user, capability, _("Your roles do not allow this."))
        get_for(request.user, Occurrence, pk, action)

    def take_record(self, request, pk: int) -> Response:
        self._fetch(request, pk, DUTY_RECORD, access.RECORD)
        serializer = RecordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.record(actor=request.user, occurrence_id=pk, **serializer.service_arguments())
        return self.detail_response(pk, status_code=status.HTTP_201_CREATED)

    def take_ask_excuse(self, request, pk: int) -> Response:
        self._fetch(request, pk, DUTY_RECORD, access.RECORD)
        serializer = AskExcuseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.ask_excuse(
            actor=request.user, occurrence_id=pk, reason=serializer.validated_data["reason"]
        )
        return self.detail_response(pk)

    def take_decide_excuse(self, request, pk: int) -> Response:
        self._fetch(request, pk, DUTY_OVERSEE, access.OVERSEE)
        serializer = DecideExcuseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.decide_excuse(actor=request.user, occurrence_id=pk, **serializer.validated_data)
        return self.detail_response(pk)

    def take_not_credible(self, request, pk: int) -> Response:
        self._fetch(request, pk, DUTY_OVERSEE, access.OVERSEE)
        serializer = NotCredibleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.mark_not_credible(
            actor=request.user, occurrence_id=pk, **serializer.validated_data
        )
        return self.detail_response(pk)

    record = _action_endpoint(
        "take_record",
        RecordInputSerializer,
        url_path="record",
        summary="Record what was done, with its evidence (multipart; the owner)",
        roles=DUTY_RECORD,
    )
    ask_excuse = _action_endpoint(
        "take_ask_excuse",
        AskExcuseSerializer,
        url_path="ask-excuse",
        summary="Ask to be excused, with the reason (the owner)",
        roles=DUTY_RECORD,
    )
    decide_excuse = _action_endpoint(
        "take_decide_excuse",
        DecideExcuseSerializer,
        url_path="decide-excuse",
        summary="Accept or refuse an excuse (the overseeing department, the centre)",
        roles=DUTY_OVERSEE,
    )
    not_credible = _action_endpoint(
        "take_not_credible",
        NotCredibleSerializer,
        url_path="not-credible",
        summary="Mark a record not credible: the occurrence is due again (the overseer)",
        roles=DUTY_OVERSEE,
    )


# --- evidence -------------------------------------------------------------------------------


@extend_schema(tags=["duties"])
class DutyEvidenceViewSet(DutiesViewSet):
    """Evidence files of duty records, only to whoever sees their occurrence."""

    permission_classes = [IsAuthenticated, capability_permission(DUTY_VIEW)]
    content_negotiation_class = IgnoreAccept
    queryset = DutyEvidence.objects.none()  # for the schema

    @extend_schema(
        parameters=[
            _ID,
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
            403: _forbidden(DUTY_VIEW),
            404: _NOT_FOUND,
        },
        summary="Download an evidence file",
        description=f"Roles: {_who(DUTY_VIEW)}, for the occurrences in their scope (the same "
        "check as the occurrence's detail).",
    )
    def retrieve(self, request, pk=None):
        evidence = DutyEvidence.objects.select_related("record").filter(pk=key(pk)).first()
        # the scope of the occurrence decides: 404 when it is not visible (or nothing is there)
        get_for(request.user, Occurrence, evidence.record.occurrence_id if evidence else None)
        thumbnail = request.query_params.get("thumbnail") in ("1", "true")
        if thumbnail and not evidence.thumbnail:
            raise exceptions.NotFound(_("This file has no thumbnail."))
        return serve_evidence(evidence, thumbnail=thumbnail)


# --- compliance -----------------------------------------------------------------------------


def _tally(t) -> dict:
    return {
        "owed": t.owed,
        "done": t.done,
        "late": t.late,
        "missed": t.missed,
        "open": t.open,
        "excused": t.excused,
        "rate": None if t.rate is None else round(t.rate, 4),
    }


@extend_schema(tags=["duties"])
class ComplianceView(APIView):
    """Compliance figures over the occurrences in the caller's scope."""

    permission_classes = [IsAuthenticated, capability_permission(DUTY_COMPLIANCE_VIEW)]

    @extend_schema(
        parameters=[ComplianceQuerySerializer],
        responses={200: ComplianceSerializer, 403: _forbidden(DUTY_COMPLIANCE_VIEW)},
        summary="Compliance figures: overall, per duty, per stage, per month",
        description="Counts the occurrences whose window has opened and ends in [`from`, `to`] "
        "(or in `month`; by default the current school year, 1 September to 31 August): "
        "`done` and `late` recorded within the window or in the grace after it, `missed` "
        "still due after the grace, `open` due (or an excuse asked) within window or grace, "
        "`excused`; `owed` = done + late + missed + open, `rate` = (done + late) / owed. "
        "The occurrence list's `status` filter counts the same way. A bureau-wide scope over whole "
        "months reads the summary refreshed every 30 minutes (`source` = `summary`, `as_of` its "
        "time; `live=true` counts now for a scope of one bureau); any other is counted now "
        "(`source` = `live`). "
        f"Roles: {_who(DUTY_COMPLIANCE_VIEW)} (a department those it owes or oversees).",
    )
    def get(self, request):
        query = ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        now = timezone.now()
        today = timezone.localdate(now)
        if params.get("month"):
            start, end = month_range(params["month"])
        else:
            year_start, year_end = selectors.school_year_bounds(today)
            start, end = params.get("from") or year_start, params.get("to") or year_end
        overseer = params.get("overseeing_department")
        figures = selectors.compliance_figures(
            user=request.user,
            today=today,
            start=start,
            end=end,
            code=params.get("code"),
            stage=params.get("stage"),
            narrow=(lambda qs: qs.filter(overseeing_department_id=overseer)) if overseer else None,
            live=params.get("live", False) and access.live_count_cheap(request.user),
        )
        overall = figures.total
        per_duty = figures.by_code
        per_stage = figures.by_stage
        per_month = figures.by_month
        names = dict(
            Duty.objects.visible_to(request.user)
            .filter(code__in=[key[0] for key in per_duty])
            .order_by("pk")
            .values_list("code", "name")
        )
        stages = {value: str(label) for value, label in SchoolStage.choices}
        body = {
            "as_of": figures.as_of or now,
            "source": figures.source,
            "today": today,
            "start": start,
            "end": end,
            "overall": _tally(overall),
            "per_duty": [
                {"code": code, "name": names.get(code, code), **_tally(t)}
                for (code,), t in sorted(per_duty.items())
            ],
            "per_stage": [
                {
                    "stage": stage,
                    "stage_display": stages.get(stage, _("Not a school")),
                    **_tally(t),
                }
                for (stage,), t in sorted(per_stage.items(), key=lambda kv: kv[0][0] or "~")
            ],
            "per_month": [
                {"month": month, **_tally(t)} for (month,), t in sorted(per_month.items())
            ],
        }
        return Response(ComplianceSerializer(body).data)
