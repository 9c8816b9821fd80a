"""The API of the student safety zone: venues (list, retrieve, create, partial update, the
register's status buttons).

Scoped exactly as the pages: the list reads ``selectors.venues`` (a school the venues in its own
zone, a partner unit those of its cases), one venue ``core.access.get_for`` (another scope 404),
writes ``zones.services`` (a role that may only read 403). A refusal is
``{"code", "message", "errors"}`` with the status of ``core.refusals.HTTP_STATUS``.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.core.access import get_for, scope_for
from safecampus.core.api import CappedCountPagination, capability_permission
from safecampus.core.capabilities import ZONE_VENUE_EDIT, ZONE_VIEW
from safecampus.core.refusals import refuse
from safecampus.orgs.models import Bureau, School

from ... import access, selectors, services
from ...choices import OPEN_CASE, VenueSource, VenueStatus, VenueType
from ...models import Venue, ZoneCase, ZoneHit
from ..serializers_venues import (
    VenueDetailSerializer,
    VenueListSerializer,
    VenueStatusSerializer,
    VenueWriteSerializer,
)
from .common import error, key, who

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The venue's id.")
_NOT_FOUND = error("`not_found`: no such venue, or it is outside the caller's scope.")
_FORBIDDEN_READ = error(f"`permission_denied`: the caller holds none of {who(ZONE_VIEW)}.")
_FORBIDDEN_WRITE = error(
    f"`permission_denied`: the caller holds none of {who(ZONE_VENUE_EDIT)} on this venue's "
    "bureau (a school or a partner unit reads only)."
)
_INVALID = error(
    "`invalid`: a field is wrong (type, name, lengths, partner units); "
    "`coordinates_invalid`: the coordinate system is missing or unknown, the point lies outside "
    "China or its longitude and latitude are swapped; `at_school`: the point is a school's gate "
    "or inside its campus. Messages per field, in Chinese; nothing is saved."
)
_STALE = error("`stale`: `version` is not the venue's current version (reload).")
_FILTERS = [
    OpenApiParameter("kind", str, enum=list(VenueType.values), description="The venue type."),
    OpenApiParameter("status", str, enum=list(VenueStatus.values), description="The status."),
    OpenApiParameter(
        "in_zone", bool, description="true: venues inside some school's zone; false: outside."
    ),
    OpenApiParameter("q", str, description="Search in name, address and licence number."),
    OpenApiParameter("bureau", int, description="Only this bureau's register."),
]


def _filters(params) -> selectors.VenueFilters:
    errors: dict[str, list[str]] = {}
    kind = params.get("kind", "").strip()
    if kind and kind not in VenueType.values:
        errors["kind"] = [_("Unknown venue type.")]
    status = params.get("status", "").strip()
    if status and status not in VenueStatus.values:
        errors["status"] = [_("Unknown status.")]
    raw = params.get("in_zone", "").strip().lower()
    in_zone = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(
        raw
    )
    if raw and in_zone is None:
        errors["in_zone"] = [_("Write true or false.")]
    bureau = params.get("bureau", "").strip()
    if bureau and not (bureau.isascii() and bureau.isdigit() and len(bureau) < 18):
        errors["bureau"] = [_("Give the bureau's id.")]
    if errors:
        raise refuse(errors)
    return selectors.VenueFilters(
        bureau_id=int(bureau) if bureau else None,
        kind=kind,
        status=status,
        in_zone=in_zone,
        q=params.get("q", "").strip()[:100],
    )


def with_hits(user, venues: list[Venue]) -> list[Venue]:
    """Each venue with ``hit_rows`` (its nearest hit per school ``user`` sees) and
    ``open_cases`` (those ``user`` sees): two reads for the lot."""
    ids = [v.pk for v in venues]
    hits = defaultdict(dict)
    counts = {}
    if ids:
        for hit in (
            ZoneHit.objects.filter(
                venue_id__in=ids, school_id__in=School.objects.visible_to(user).values("pk")
            )
            .select_related("school", "rule")
            .order_by("distance_m", "pk")
        ):
            hits[hit.venue_id].setdefault(hit.school_id, hit)
        counts = dict(
            ZoneCase.objects.visible_to(user)
            .filter(venue_id__in=ids, status__in=OPEN_CASE)
            .values("venue_id")
            .annotate(n=Count("pk"))
            .values_list("venue_id", "n")
        )
    for v in venues:
        v.hit_rows = list(hits.get(v.pk, {}).values())
        v.open_cases = counts.get(v.pk, 0)
    return venues


@extend_schema(tags=["zones"])
class VenueViewSet(viewsets.GenericViewSet):
    """The venue register of the student safety zone."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(ZONE_VIEW, write=ZONE_VENUE_EDIT),
    ]
    pagination_class = CappedCountPagination
    serializer_class = VenueDetailSerializer
    queryset = Venue.objects.none()  # for the schema
    filter_backends: list = []

    def detail_response(self, pk: int, status: int = 200) -> Response:
        user = self.request.user
        venue = get_for(user, Venue.objects.prefetch_related("partners"), pk)
        venue.hit_rows = selectors.hits_of_venue(user, venue)
        venue.open_cases = (
            ZoneCase.objects.visible_to(user).filter(venue=venue, status__in=OPEN_CASE).count()
        )
        return Response(VenueDetailSerializer(venue).data, status=status)

    @extend_schema(
        parameters=_FILTERS,
        responses={
            200: VenueListSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_READ,
        },
        summary="List venues",
        description="The venues the caller sees (the bureau's officers the whole register, a "
        "school those in its own zone, a partner unit those of the cases that concern it), "
        "newest first, each with the schools whose zone holds it (nearest hit per school). "
        f"Roles: {who(ZONE_VIEW)}.",
    )
    def list(self, request):
        filters = _filters(request.query_params)
        rows = selectors.venues(request.user, filters).prefetch_related("partners")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            VenueListSerializer(with_hits(request.user, list(page)), many=True).data
        )

    @extend_schema(
        parameters=[_ID],
        responses={200: VenueDetailSerializer, 403: _FORBIDDEN_READ, 404: _NOT_FOUND},
        summary="One venue with the zones it lies in",
        description=f"Roles: {who(ZONE_VIEW)}, on the venues in their scope.",
    )
    def retrieve(self, request, pk=None):
        return self.detail_response(key(pk))

    @extend_schema(
        request=VenueWriteSerializer,
        responses={201: VenueDetailSerializer, 400: _INVALID, 403: _FORBIDDEN_WRITE},
        summary="Register a venue",
        description="Enters a venue in a bureau's register (`bureau`, default the caller's) and "
        "checks it against every school's zones at once: a venue inside a zone opens its case "
        "before the answer. `coord_system` is required (wgs84, gcj02, bd09). "
        f"Roles: {who(ZONE_VENUE_EDIT)}.",
    )
    def create(self, request):
        serializer = VenueWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        mine = access.venue_edit_bureaus(scope_for(request.user))
        if not mine:
            raise DjangoPermissionDenied(_("You may not enter venues in any bureau's register."))
        bureau = (
            data.pop("bureau", None)
            or (
                Bureau.objects.filter(pk__in=mine)
                .order_by("path", "pk")
                .values_list("pk", flat=True)
            )[0]
        )
        venue = services.register_venue(
            actor=request.user,
            bureau_id=bureau,
            data=data,
            partners=data.get("partners") or [],
            source=data.get("source") or VenueSource.INSPECTION,
        )
        return self.detail_response(venue.pk, status=201)

    @extend_schema(
        parameters=[_ID],
        request=VenueWriteSerializer,
        responses={
            200: VenueDetailSerializer,
            400: _INVALID,
            403: _FORBIDDEN_WRITE,
            404: _NOT_FOUND,
            409: _STALE,
        },
        summary="Correct a venue's details or position",
        description="Any subset of the fields, with `version`. A new position (give the "
        "coordinates with their system) is checked against the zones again at once. "
        f"Roles: {who(ZONE_VENUE_EDIT)}.",
    )
    def partial_update(self, request, pk=None):
        pk = key(pk)
        get_for(request.user, Venue, pk, access.EDIT)
        serializer = VenueWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("bureau", None)
        data.pop("source", None)
        version = data.pop("version", None)
        partners = data.pop("partners", None)
        services.update_venue(
            actor=request.user, venue_id=pk, data=data, partners=partners, version=version
        )
        return self.detail_response(pk)

    @extend_schema(
        parameters=[_ID],
        request=VenueStatusSerializer,
        responses={
            200: VenueDetailSerializer,
            400: error("`reason_required`: an exemption needs its reason; `invalid`."),
            403: _FORBIDDEN_WRITE,
            404: _NOT_FOUND,
            409: error(
                "`invalid_transition`: the action is not open in the venue's status, or the "
                "venue has open cases (record its closure or relocation on them); `stale`."
            ),
        },
        summary="A register button: rectify, close, relocate, exempt, reopen",
        description="For a venue with no open case (one with open cases moves with them). "
        "`exempt` needs `reason`; `reopen` checks the venue against the zones again. "
        f"Roles: {who(ZONE_VENUE_EDIT)}.",
    )
    @drf_action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, pk=None):
        pk = key(pk)
        get_for(request.user, Venue, pk, access.EDIT)
        serializer = VenueStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        services.venue_status(
            actor=request.user,
            venue_id=pk,
            action=d["action"],
            reason=d.get("reason") or "",
            version=d.get("version"),
        )
        return self.detail_response(pk)


router = SimpleRouter()
router.register("zone-venues", VenueViewSet, basename="zone-venues")
urlpatterns = router.urls
