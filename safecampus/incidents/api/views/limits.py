"""The API of a bureau's reporting limits and incident settings, as the settings page keeps them.

Everyone of the incident roles reads the limits and settings of the bureaus they belong to (a
school those it reports against; a bureau with no limits of its own reports against the
defaults, listed with a null ``id``); the safety centre changes them through
``configuration.limit_save`` / ``limit_delete`` / ``settings_save``, each change in the audit
log with before and after.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from safecampus.core.access import EDIT, get_for, scope_for
from safecampus.core.api import Pagination, capability_permission
from safecampus.core.capabilities import INCIDENT_MANAGE, INCIDENT_VIEW
from safecampus.core.refusals import Code, refuse
from safecampus.orgs.models import Bureau
from safecampus.zones.api.views.common import error, key, who

from ... import access, configuration
from ...defaults import LIMITS
from ...models import IncidentSettings, ReportingLimit
from ..serializers_config import (
    IncidentSettingsSerializer,
    IncidentSettingsWriteSerializer,
    ReportingLimitSerializer,
    ReportingLimitWriteSerializer,
)

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The limit's id.")
_FORBIDDEN_READ = error(f"`permission_denied`: the caller holds none of {who(INCIDENT_VIEW)}.")
_FORBIDDEN_WRITE = error(
    f"`permission_denied`: the caller holds none of {who(INCIDENT_MANAGE)}; `not_allowed`: "
    "not on this bureau."
)
_INVALID = error(
    "`invalid`: an unknown type or grade, a limit that is not a positive whole number, a time "
    "not like 17:00, no limit set at all; `duplicate`: the bureau has a limit for this type and "
    "grade already. Nothing is saved."
)
_LIMIT_FIELDS = (
    "incident_type",
    "severity",
    "verbal_minutes",
    "written_minutes",
    "daily_follow_up_by",
    "final_within_days",
    "source",
)


def _row(limit, *, bureau_id: int, default: bool) -> dict:
    return {
        "id": None if default else limit.pk,
        "bureau": bureau_id,
        "default": default,
        **{name: getattr(limit, name) for name in _LIMIT_FIELDS},
        "version": 0 if default else limit.version,
    }


def _read_bureau(user, raw) -> Bureau:
    """The bureau whose limits ``user`` reads: ``raw`` (404 outside the caller's bureaus), or
    the caller's own by default."""
    if raw not in (None, ""):
        return get_for(user, Bureau, key(raw))
    bureaus = Bureau.objects.visible_to(user)
    bureau = bureaus.filter(pk=getattr(user, "bureau_id", None)).first() or bureaus.first()
    if bureau is None:
        raise Http404
    return bureau


def _kept_bureau(user, bureau_id: int | None) -> int:
    """The bureau whose limits ``user`` keeps: ``bureau_id`` or the first; refused otherwise."""
    kept = sorted(access.manage_bureaus(scope_for(user)))
    if not kept:
        raise refuse(_("Your roles do not allow changing these limits."), Code.NOT_ALLOWED)
    if bureau_id is None:
        return kept[0]
    if bureau_id not in kept:
        raise refuse(_("Your roles do not allow changing these limits."), Code.NOT_ALLOWED)
    return bureau_id


class ReportingLimitViewSet(viewsets.GenericViewSet):
    """A bureau's reporting limits by incident type and grade."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(INCIDENT_VIEW, write=INCIDENT_MANAGE),
    ]
    pagination_class = Pagination
    filter_backends: list = []
    serializer_class = ReportingLimitSerializer
    queryset = ReportingLimit.objects.none()  # for the schema

    @extend_schema(
        tags=["incidents"],
        parameters=[
            OpenApiParameter(
                "bureau",
                int,
                required=False,
                description="The bureau (default: the caller's); 404 outside the caller's.",
            )
        ],
        responses={
            200: ReportingLimitSerializer(many=True),
            403: _FORBIDDEN_READ,
            404: error("`not_found`: the bureau is outside the caller's scope."),
        },
        summary="List a bureau's reporting limits",
        description="The limits the bureau's incidents are measured against: its own rows, or "
        "the defaults (common practice, `default` true, `id` null) when it has set none. For "
        "each limit the most specific row wins (type and grade, type, grade, general). "
        f"Roles: {who(INCIDENT_VIEW)}.",
    )
    def list(self, request):
        bureau = _read_bureau(request.user, request.query_params.get("bureau"))
        rows = list(ReportingLimit.objects.visible_to(request.user).filter(bureau=bureau))
        body = [_row(r, bureau_id=bureau.pk, default=False) for r in rows] or [
            _row(r, bureau_id=bureau.pk, default=True) for r in LIMITS
        ]
        page = self.paginate_queryset(body)
        return self.get_paginated_response(ReportingLimitSerializer(page, many=True).data)

    @extend_schema(
        tags=["incidents"],
        request=ReportingLimitWriteSerializer,
        responses={201: ReportingLimitSerializer, 400: _INVALID, 403: _FORBIDDEN_WRITE},
        summary="Set a reporting limit for a type and grade",
        description="Adds the bureau's limit for `incident_type` and `severity` (blank: any), or "
        "changes it when it exists. The first change copies the defaults into the bureau's own "
        f"rows. Roles: {who(INCIDENT_MANAGE)}.",
    )
    def create(self, request):
        serializer = ReportingLimitWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        bureau_id = _kept_bureau(request.user, data.pop("bureau", None))
        row = configuration.limit_save(actor=request.user, bureau_id=bureau_id, data=data)
        return Response(
            ReportingLimitSerializer(_row(row, bureau_id=bureau_id, default=False)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=["incidents"],
        parameters=[_ID],
        request=ReportingLimitWriteSerializer,
        responses={
            200: ReportingLimitSerializer,
            400: _INVALID,
            403: _FORBIDDEN_WRITE,
            404: error("`not_found`: no such limit, or not of a bureau the caller reads."),
        },
        summary="Change a reporting limit",
        description="Any subset of the fields; the bureau does not change. "
        f"Roles: {who(INCIDENT_MANAGE)}.",
    )
    def partial_update(self, request, pk=None):
        row = get_for(request.user, ReportingLimit, key(pk), EDIT)
        serializer = ReportingLimitWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("bureau", None)
        merged = {**{name: getattr(row, name) for name in _LIMIT_FIELDS}, **data}
        saved = configuration.limit_save(
            actor=request.user, bureau_id=row.bureau_id, data=merged, pk=row.pk
        )
        return Response(
            ReportingLimitSerializer(_row(saved, bureau_id=row.bureau_id, default=False)).data
        )

    @extend_schema(
        tags=["incidents"],
        parameters=[_ID],
        responses={
            204: OpenApiResponse(description="Removed."),
            400: error("`invalid`: the general limit cannot be removed (change it instead)."),
            403: _FORBIDDEN_WRITE,
            404: error("`not_found`: no such limit, or not of a bureau the caller reads."),
            409: error("`stale`: the limit no longer exists."),
        },
        summary="Remove a reporting limit",
        description=f"The general limit stays. Roles: {who(INCIDENT_MANAGE)}.",
    )
    def destroy(self, request, pk=None):
        row = get_for(request.user, ReportingLimit, key(pk), EDIT)
        configuration.limit_delete(actor=request.user, bureau_id=row.bureau_id, pk=row.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


_BUREAU_ID = OpenApiParameter(
    "bureau_id", int, OpenApiParameter.PATH, description="The bureau's id."
)


class IncidentSettingsView(APIView):
    """A bureau's incident settings: cluster thresholds, routing by type, the officers named on
    every restricted case, the lead days of sensitive periods."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(INCIDENT_VIEW, write=INCIDENT_MANAGE),
    ]

    def _body(self, bureau) -> dict:
        obj = IncidentSettings.objects.visible_to(self.request.user).filter(bureau=bureau).first()
        if obj is None:  # not yet saved: the defaults, without writing on a read
            obj = IncidentSettings(bureau=bureau)
        officers = (
            [{"id": u.pk, "name": u.display_name} for u in obj.restricted_officers.order_by("pk")]
            if obj.pk
            else []
        )
        return IncidentSettingsSerializer(
            {
                "bureau": bureau.pk,
                "restricted_officers": officers,
                "routing": {k: int(v) for k, v in (obj.routing or {}).items()},
                "cluster_day_cases": obj.cluster_day_cases,
                "cluster_window_days": obj.cluster_window_days,
                "cluster_window_cases": obj.cluster_window_cases,
                "cluster_minutes": obj.cluster_minutes,
                "sensitive_lead_days": obj.sensitive_lead_days,
                "version": obj.version,
                "updated_at": obj.updated_at,
                "may_edit": bureau.pk in access.manage_bureaus(scope_for(self.request.user)),
            }
        ).data

    @extend_schema(
        tags=["incidents"],
        parameters=[_BUREAU_ID],
        responses={
            200: IncidentSettingsSerializer,
            403: _FORBIDDEN_READ,
            404: error("`not_found`: the bureau is outside the caller's scope."),
        },
        summary="A bureau's incident settings",
        description=f"Roles: {who(INCIDENT_VIEW)}, of the bureaus they belong to.",
    )
    def get(self, request, bureau_id=None):
        return Response(self._body(get_for(request.user, Bureau, key(bureau_id))))

    @extend_schema(
        tags=["incidents"],
        parameters=[_BUREAU_ID],
        request=IncidentSettingsWriteSerializer,
        responses={
            200: IncidentSettingsSerializer,
            400: error(
                "`invalid`: a number outside its range, a type routed to a department of "
                "another bureau, an officer who is not an active person of the bureau. Nothing "
                "is saved."
            ),
            403: _FORBIDDEN_WRITE,
            404: error("`not_found`: the bureau is outside the caller's scope."),
            409: error("`stale`: the settings changed since `version` (reload)."),
        },
        summary="Change a bureau's incident settings",
        description="Any subset of the fields, with `version` (optional). Recorded in the audit "
        f"log with before and after. Roles: {who(INCIDENT_MANAGE)}.",
    )
    def patch(self, request, bureau_id=None):
        bureau = get_for(request.user, Bureau, key(bureau_id))
        serializer = IncidentSettingsWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        configuration.settings_save(
            actor=request.user, bureau_id=bureau.pk, data=data, version=version
        )
        return Response(self._body(bureau))


router = SimpleRouter()
router.register("incident-limits", ReportingLimitViewSet, basename="incident-limit")

urlpatterns = [
    *router.urls,
    path(
        "incident-settings/<str:bureau_id>/",
        IncidentSettingsView.as_view(),
        name="incident-settings",
    ),
]
