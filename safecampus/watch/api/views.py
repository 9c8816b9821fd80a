"""The API of the duty watch (mounted under /api/v1/), scoped exactly as the pages:

- ``watch-periods``: list, retrieve, create and update (the centre);
- ``watch-rosters``: list (filters ``period``, ``status``, ``school``), create, retrieve with
  shifts and events, ``publish``, ``revise``;
- ``watch-shifts``: retrieve, create, update, delete (while the roster is a draft), ``swap`` (on
  a published roster);
- ``watch-log``: list (filter ``shift``), create (a check-in, check-out, handover, event, call,
  patrol);
- ``watch-missed``: the missed shifts (filters ``period``, ``school``, ``day``).

A refusal from the services is ``{"code", "message", "errors"}`` with the status of
``core.refusals.HTTP_STATUS`` (``overlap``, ``not_covered``, ``invalid``… 400;
``invalid_transition`` 409; ``not_allowed`` 403).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.core.access import EDIT, get_for, roles_on, scope_for
from safecampus.core.api import capability_permission
from safecampus.core.capabilities import WATCH_VIEW
from safecampus.core.refusals import Code, refuse
from safecampus.hazards.api.serializers import ErrorSerializer
from safecampus.orgs.models import Bureau, School

from .. import access, selectors, services
from ..choices import RosterStatus
from ..lifecycle import ROSTERS
from ..models import DutyLogEntry, Roster, Shift, WatchPeriod
from .files import RosterFilesMixin
from .serializers import (
    LogEntryInputSerializer,
    LogEntrySerializer,
    PeriodInputSerializer,
    PeriodSerializer,
    RosterCreateSerializer,
    RosterDetailSerializer,
    RosterSerializer,
    ShiftCreateSerializer,
    ShiftInputSerializer,
    ShiftSerializer,
    SwapSerializer,
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


_READ_ERRORS = {
    403: _error("`permission_denied`: the caller's roles do not reach the duty watch."),
    404: _error("`not_found`: no such record, or it is outside the caller's scope."),
}
_WRITE_ERRORS = {
    400: _error(
        "`invalid`: bad input or a shift outside the period or ending before it starts; "
        "`overlap`: the person is already on another shift then (named in the message); "
        "`not_covered`: days without a leader on duty; `reason_required`; `in_future`; "
        "`already_recorded`; `not_started`, `closed`: outside the check-in window; `scope`. "
        "Nothing is saved."
    ),
    403: _error("`permission_denied` / `not_allowed`: the caller may not do this here."),
    404: _error("`not_found`: no such record, or it is outside the caller's scope."),
    409: _error("`invalid_transition`: not possible in the roster's current status."),
}


def _int(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 18 else None


class _Base(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, capability_permission(WATCH_VIEW)]
    filter_backends: list = []

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


class WatchPeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Holiday and sensitive periods of the caller's bureaus."""

    serializer_class = PeriodSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WatchPeriod.objects.none()
        return selectors.periods(self.request.user).order_by("-starts_on", "pk")

    @extend_schema(responses={200: PeriodSerializer, **_READ_ERRORS})
    def retrieve(self, request, pk=None):
        period = get_for(request.user, WatchPeriod, _int(pk))
        return Response(PeriodSerializer(period).data)

    @extend_schema(
        request=PeriodInputSerializer, responses={201: PeriodSerializer, **_WRITE_ERRORS}
    )
    def create(self, request):
        """A holiday or sensitive period (the safety centre of the bureau)."""
        data = PeriodInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        mine = access.manage_bureaus(scope_for(request.user))
        wanted = d.pop("bureau", None)
        bureau = (
            Bureau.objects.filter(pk__in=mine)
            .filter(**({"pk": wanted} if wanted else {}))
            .order_by("path", "pk")
            .first()
        )
        if bureau is None:
            raise DjangoPermissionDenied(_("Only the safety centre keeps the duty periods."))
        period = services.period_save(actor=request.user, bureau=bureau, data=d)
        return Response(PeriodSerializer(period).data, 201)

    @extend_schema(
        request=PeriodInputSerializer, responses={200: PeriodSerializer, **_WRITE_ERRORS}
    )
    def update(self, request, pk=None):
        period = get_for(request.user, WatchPeriod, _int(pk), EDIT)
        data = PeriodInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        d.pop("bureau", None)
        period = services.period_save(actor=request.user, period=period, data=d)
        return Response(PeriodSerializer(period).data)


_ROSTER_FILTERS = [
    OpenApiParameter("period", int, required=False),
    OpenApiParameter("school", int, required=False),
    OpenApiParameter("status", str, required=False, enum=list(RosterStatus.values)),
]


class RosterViewSet(RosterFilesMixin, _Base):
    """Duty rosters: the bureau's own and the schools'."""

    serializer_class = RosterSerializer
    queryset = Roster.objects.none()

    def _roster(self, pk, act: str = "view"):
        return get_for(
            self.request.user,
            Roster.objects.select_related("period", "school", "bureau"),
            _int(pk),
            act,
        )

    def _detail(self, roster) -> Response:
        context = {
            **self.get_serializer_context(),
            "allowed_actions": ROSTERS.allowed(roster, roles_on(self.request.user, roster)),
        }
        prefetch_related_objects([roster], "shifts", "events")
        return Response(RosterDetailSerializer(roster, context=context).data)

    @extend_schema(parameters=_ROSTER_FILTERS, responses={200: RosterSerializer(many=True)})
    def list(self, request):
        qs = selectors.rosters(request.user).order_by("period_id", "school_id", "pk")
        params = request.query_params
        if (p := _int(params.get("period"))) is not None:
            qs = qs.filter(period_id=p)
        if (s := _int(params.get("school"))) is not None:
            qs = qs.filter(school_id=s)
        if params.get("status") in RosterStatus.values:
            qs = qs.filter(status=params["status"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(RosterSerializer(page, many=True).data)

    @extend_schema(responses={200: RosterDetailSerializer, **_READ_ERRORS})
    def retrieve(self, request, pk=None):
        return self._detail(self._roster(pk))

    @extend_schema(
        request=RosterCreateSerializer, responses={201: RosterDetailSerializer, **_WRITE_ERRORS}
    )
    def create(self, request):
        """编制值班表: a school's roster of a period (its staff, or the centre), or the bureau's
        own (no school; the centre). The existing roster when there is one."""
        data = RosterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        period = get_for(request.user, WatchPeriod, data.validated_data["period"])
        school = None
        if data.validated_data.get("school"):
            school = get_for(request.user, School, data.validated_data["school"])
        roster = services.roster_create(actor=request.user, period=period, school=school)
        response = self._detail(roster)
        response.status_code = 201
        return response

    @extend_schema(request=None, responses={200: RosterDetailSerializer, **_WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the draft: needs a leader on duty on every day (from today for a period
        already under way) (`not_covered`)."""
        roster = self._roster(pk, EDIT)
        services.roster_publish(actor=request.user, roster=roster)
        return self._detail(roster)

    @extend_schema(request=None, responses={200: RosterDetailSerializer, **_WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Back to draft, while none of its shifts has started."""
        roster = self._roster(pk, EDIT)
        services.roster_revise(actor=request.user, roster=roster)
        return self._detail(roster)


def _person(roster, person_id):
    if person_id is None:
        return None
    person = services.eligible_people(roster).filter(pk=person_id).first()
    if person is None:
        raise refuse(
            {"person": [_("This account does not belong to the roster's school or bureau.")]},
            Code.SCOPE,
        )
    return person


class ShiftViewSet(mixins.RetrieveModelMixin, _Base):
    """Shifts: created, changed and deleted while their roster is a draft; swapped on a
    published roster."""

    serializer_class = ShiftSerializer
    queryset = Shift.objects.none()

    def _shift(self, pk, act: str = "view"):
        return get_for(
            self.request.user,
            Shift.objects.select_related("roster__period", "roster__school", "roster__bureau"),
            _int(pk),
            act,
        )

    def _out(self, shift) -> Response:
        return Response(ShiftSerializer(shift, context=self.get_serializer_context()).data)

    @extend_schema(responses={200: ShiftSerializer, **_READ_ERRORS})
    def retrieve(self, request, pk=None):
        return self._out(self._shift(pk))

    @extend_schema(request=ShiftCreateSerializer, responses={201: ShiftSerializer, **_WRITE_ERRORS})
    def create(self, request):
        data = ShiftCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        roster = get_for(
            request.user, Roster.objects.select_related("period"), d.pop("roster"), EDIT
        )
        d["person"] = _person(roster, d.get("person"))
        shift = services.shift_add(actor=request.user, roster=roster, data=d)
        return Response(ShiftSerializer(shift, context=self.get_serializer_context()).data, 201)

    @extend_schema(request=ShiftInputSerializer, responses={200: ShiftSerializer, **_WRITE_ERRORS})
    def update(self, request, pk=None):
        shift = self._shift(pk, EDIT)
        data = ShiftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        d["person"] = _person(shift.roster, d.get("person"))
        return self._out(services.shift_change(actor=request.user, shift=shift, data=d))

    @extend_schema(request=None, responses={204: None, **_WRITE_ERRORS})
    def destroy(self, request, pk=None):
        shift = self._shift(pk, EDIT)
        services.shift_remove(actor=request.user, shift=shift)
        return Response(status=204)

    @extend_schema(request=SwapSerializer, responses={200: ShiftSerializer, **_WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def swap(self, request, pk=None):
        """调班: another person takes the shift, with the reason (published rosters only)."""
        shift = self._shift(pk, EDIT)
        data = SwapSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        d["person"] = _person(shift.roster, d.get("person"))
        return self._out(services.shift_swap(actor=request.user, shift=shift, data=d))


class LogEntryViewSet(_Base):
    """The duty log: a check-in by the person on the shift (or on their behalf), then
    handovers, events, calls, patrols and the check-out."""

    serializer_class = LogEntrySerializer
    queryset = DutyLogEntry.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("shift", int, required=False)],
        responses={200: LogEntrySerializer(many=True)},
    )
    def list(self, request):
        qs = DutyLogEntry.objects.visible_to(request.user).order_by("-at", "-pk")
        if (s := _int(request.query_params.get("shift"))) is not None:
            qs = qs.filter(shift_id=s)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(LogEntrySerializer(page, many=True).data)

    @extend_schema(
        request=LogEntryInputSerializer, responses={201: LogEntrySerializer, **_WRITE_ERRORS}
    )
    def create(self, request):
        data = LogEntryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        shift = get_for(request.user, Shift.objects.select_related("roster"), d["shift"])
        next_shift = None
        if d.get("next_shift"):
            next_shift = Shift.objects.filter(roster_id=shift.roster_id, pk=d["next_shift"]).first()
            if next_shift is None:
                raise refuse(
                    {"next_shift": [_("Hand over to another shift of the same roster.")]},
                    Code.INVALID,
                )
        entry = services.log_record(
            actor=request.user,
            shift=shift,
            kind=d["kind"],
            note=d.get("note") or "",
            next_shift=next_shift,
            at=d.get("at"),
        )
        return Response(LogEntrySerializer(entry).data, 201)


class MissedViewSet(_Base):
    """Shifts of published rosters with no check-in by their start plus 30 minutes."""

    serializer_class = ShiftSerializer
    queryset = Shift.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("period", int, required=False),
            OpenApiParameter("school", int, required=False),
            OpenApiParameter("day", datetime.date, required=False),
        ],
        responses={200: ShiftSerializer(many=True)},
    )
    def list(self, request):
        params = request.query_params
        try:
            day = datetime.date.fromisoformat(params["day"]) if params.get("day") else None
        except ValueError:
            day = None
        filters = selectors.MissedFilters(
            period=_int(params.get("period")), school=_int(params.get("school")), day=day
        )
        qs = selectors.missed(request.user, now=timezone.now(), filters=filters)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(
            ShiftSerializer(page, many=True, context=self.get_serializer_context()).data
        )


router = SimpleRouter()
router.register("watch-periods", WatchPeriodViewSet, basename="watch-period")
router.register("watch-rosters", RosterViewSet, basename="watch-roster")
router.register("watch-shifts", ShiftViewSet, basename="watch-shift")
router.register("watch-log", LogEntryViewSet, basename="watch-log")
router.register("watch-missed", MissedViewSet, basename="watch-missed")

urlpatterns: list = router.urls
