"""The API of a school's zone geometry (gates, boundary, waiting areas, the venues in its zone)
and of the check of a point ("what lies within 200 m of here").

Thin, as the other APIs: parse the input, call a selector or a service, return the detail. A
school is reached as its pages reach it (``views.geometry.school_for``: 404 out of scope, 403
for a user whom no school's geometry concerns); changes go through ``zones.services`` (403 for a
reader who may not keep the geometry). A refusal is ``{"code", "message", "errors"}``: 400 for
a bad boundary or point (every problem, in Chinese; nothing saved), 409 for a stale version.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from safecampus.core import geo
from safecampus.core.access import require, scope_for
from safecampus.core.capabilities import ZONE_GEOMETRY_EDIT, ZONE_VIEW
from safecampus.core.refusals import Code, refuse

from ... import access, selectors, services
from ...choices import BoundarySource
from ...models import WaitingArea
from ...views.geometry import geometry_of, school_for
from ..serializers_geometry import (
    BoundaryDeleteSerializer,
    BoundaryInputSerializer,
    WaitingAreaInputSerializer,
    ZoneCheckQuerySerializer,
    ZoneCheckSerializer,
    ZoneSchoolSerializer,
    ZoneWaitingAreaSerializer,
    cited,
)
from .common import error, key, who

_NOT_FOUND = error("`not_found`: no such school (or area), or it is outside the caller's scope.")
_FORBIDDEN_READ = error(
    "`permission_denied`: the caller's roles reach no school's zone geometry (a partner unit)."
)
_FORBIDDEN_EDIT = error(
    f"`permission_denied`: the caller holds none of the roles {who(ZONE_GEOMETRY_EDIT)} on this "
    "school (its own staff, or the bureau's safety centre)."
)
_SCHOOL_ID = OpenApiParameter(
    "school_id", int, OpenApiParameter.PATH, description="The school's id."
)
_AREA_ID = OpenApiParameter(
    "area_id", int, OpenApiParameter.PATH, description="The waiting area's id."
)


def _waiting_row(w) -> dict:
    return {
        "id": w.area.pk,
        "name": w.area.name,
        "longitude": str(w.area.longitude),
        "latitude": str(w.area.latitude),
        "coord_system": w.area.coord_system,
        "wgs84": [w.area.wgs_lon, w.area.wgs_lat],
        "nearest_gate": w.gate_name,
        "gate_distance_m": round(w.distance_m, 1) if w.distance_m is not None else None,
        "limit_m": w.limit_m,
        "compliant": w.compliant,
        "clause": cited(w.rule.clause) if w.rule else "",
    }


def school_body(user, school) -> dict:
    data = geometry_of(school)
    boundary = data["boundary"]
    return {
        "school": school,
        "stage": school.stage,
        "gates": [
            {
                "id": g["gate"].pk,
                "name": g["gate"].name,
                "longitude": str(g["gate"].longitude),
                "latitude": str(g["gate"].latitude),
                "coord_system": g["gate"].coord_system,
                "wgs84": list(g["wgs"]) if g["wgs"] else None,
            }
            for g in data["gates"]
        ],
        "boundary": {
            "vertices": boundary.vertices,
            "coord_system": boundary.coord_system,
            "wgs84": boundary.wgs,
            "area_m2": boundary.area_m2,
            "source": boundary.source,
            "version": boundary.version,
            "updated_at": boundary.updated_at,
        }
        if boundary
        else None,
        "waiting_areas": [_waiting_row(w) for w in data["waiting"]],
        "hits": [
            {
                "venue": h.venue,
                "kind": h.venue.kind,
                "status": h.venue.status,
                "rule": h.rule.code,
                "line": h.line,
                "gate": h.gate_name,
                "distance_m": round(h.distance_m, 1),
            }
            for h in data["hits"]
        ],
        "may_edit": access.can_edit_geometry(scope_for(user), school),
    }


class ZoneSchoolViewSet(viewsets.GenericViewSet):
    """A school's zone geometry, by the school's id."""

    permission_classes = [IsAuthenticated]
    serializer_class = ZoneSchoolSerializer
    filter_backends: list = []
    pagination_class = None
    lookup_field = "school_id"
    lookup_url_kwarg = "school_id"

    def _detail(self, school_id: int, status_code: int = 200) -> Response:
        school = school_for(self.request.user, school_id)
        return Response(
            ZoneSchoolSerializer(school_body(self.request.user, school)).data, status=status_code
        )

    @extend_schema(
        tags=["zones"],
        parameters=[_SCHOOL_ID],
        responses={200: ZoneSchoolSerializer, 403: _FORBIDDEN_READ, 404: _NOT_FOUND},
        summary="A school's zone geometry",
        description="The gates (as entered, with their system, and in WGS-84), the campus "
        "boundary (vertices as entered with their system, and in WGS-84; `null` before one is "
        "recorded), the parents' waiting areas with their distance to the nearest gate and "
        "whether they meet the strictest waiting rule (cited), and the venues in the school's "
        "zones, nearest first. Read by the school's own staff and the bureau's officers.",
    )
    def retrieve(self, request, school_id=None):
        return self._detail(key(school_id))

    @extend_schema(
        tags=["zones"],
        methods=["PUT"],
        parameters=[_SCHOOL_ID],
        request=BoundaryInputSerializer,
        responses={
            200: ZoneSchoolSerializer,
            400: error(
                "`boundary_invalid`: the ring is open, crosses itself, has too few corners, "
                "lies far from the school's gates, or a corner is outside China, swapped or "
                "without a coordinate system (every problem in `errors.boundary`). Nothing is "
                "saved."
            ),
            403: _FORBIDDEN_EDIT,
            404: _NOT_FOUND,
            409: error("`stale`: the boundary changed after `version` was read."),
        },
        summary="Record a school's campus boundary",
        description="Replaces the boundary (the old one stays in the history) with `vertices` "
        "in `coord_system` (required: no default), recorded with source `api`, and checks the "
        "venues around the school again at once. Returns the school's geometry.",
    )
    @extend_schema(
        tags=["zones"],
        methods=["DELETE"],
        parameters=[_SCHOOL_ID, OpenApiParameter("version", int, required=False)],
        request=None,
        responses={
            204: None,
            403: _FORBIDDEN_EDIT,
            404: _NOT_FOUND,
            409: error("`stale`: the boundary changed after `version` was read."),
        },
        summary="Clear a school's campus boundary",
        description="The zones measured from the boundary are measured from the gates again.",
    )
    @drf_action(detail=True, methods=["put", "delete"], url_path="boundary")
    def boundary(self, request, school_id=None):
        school_id = key(school_id)
        school_for(request.user, school_id)  # 404 out of scope, before the input is read
        if request.method == "DELETE":
            query = BoundaryDeleteSerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            services.clear_boundary(
                actor=request.user, school_id=school_id, version=query.validated_data.get("version")
            )
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = BoundaryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.save_boundary(
            actor=request.user,
            school_id=school_id,
            vertices=[list(v) for v in data["vertices"]],
            system=data["coord_system"],
            source=BoundarySource.API,
            version=data.get("version"),
        )
        return self._detail(school_id)

    @extend_schema(
        tags=["zones"],
        parameters=[_SCHOOL_ID],
        request=WaitingAreaInputSerializer,
        responses={
            201: ZoneWaitingAreaSerializer,
            400: error(
                "`coordinates_invalid`: the point is outside China, swapped, not a number or "
                "without its coordinate system; `invalid`: no name. Nothing is saved."
            ),
            403: _FORBIDDEN_EDIT,
            404: _NOT_FOUND,
        },
        summary="Add a parents' waiting area",
        description="Measured at once from the nearest gate; the answer says whether it meets "
        "the strictest waiting rule of the school.",
    )
    @drf_action(detail=True, methods=["post"], url_path="waiting-areas")
    def waiting_areas(self, request, school_id=None):
        school_id = key(school_id)
        school = school_for(request.user, school_id)
        serializer = WaitingAreaInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        area = services.add_waiting_area(
            actor=request.user,
            school_id=school_id,
            name=data["name"],
            lon=data["longitude"],
            lat=data["latitude"],
            system=data["coord_system"],
        )
        row = next(w for w in geometry_of(school)["waiting"] if w.area.pk == area.pk)
        return Response(
            ZoneWaitingAreaSerializer(_waiting_row(row)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        tags=["zones"],
        parameters=[_SCHOOL_ID, _AREA_ID],
        request=None,
        responses={204: None, 403: _FORBIDDEN_EDIT, 404: _NOT_FOUND},
        summary="Remove a parents' waiting area",
    )
    @drf_action(detail=True, methods=["delete"], url_path=r"waiting-areas/(?P<area_id>[^/.]+)")
    def waiting_area(self, request, school_id=None, area_id=None):
        school_id, area_id = key(school_id), key(area_id)
        school = school_for(request.user, school_id)
        if not WaitingArea.objects.filter(pk=area_id, school=school).exists():
            raise Http404
        services.remove_waiting_area(actor=request.user, area_id=area_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ZoneCheckView(APIView):
    """What lies within so many metres of a point."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["zones"],
        parameters=[ZoneCheckQuerySerializer],
        responses={
            200: ZoneCheckSerializer,
            400: error(
                "`coordinates_invalid`: the point has no or an unknown coordinate system, is "
                "outside China, swapped or not a number; `invalid`: `metres` is not 1–2000."
            ),
            403: error(f"`permission_denied`: the caller holds none of {who(ZONE_VIEW)}."),
        },
        summary="What lies near a point",
        description="The venues the caller sees and the schools whose gate or boundary lie "
        "within `metres` (default 200, at most 2000) of the point (`lon`, `lat` in `system`), "
        "with their geodesic distances, nearest first.",
    )
    def get(self, request):
        require(request.user, ZONE_VIEW)
        params = request.query_params
        if not params.get("system"):
            raise refuse({"system": [geo.point_problem(0, 0, "")]}, Code.COORDINATES_INVALID)
        query = ZoneCheckQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        why = geo.point_problem(q["lon"], q["lat"], q["system"])
        if why:
            raise refuse({"coordinates": [why]}, Code.COORDINATES_INVALID)
        found = selectors.near_point(request.user, q["lon"], q["lat"], q["system"], q["metres"])
        body = {
            "wgs84": found["wgs84"],
            "metres": found["metres"],
            "venues": [
                {
                    "id": r["venue"].pk,
                    "name": r["venue"].name,
                    "kind": r["venue"].kind,
                    "status": r["venue"].status,
                    "wgs84": [r["venue"].wgs_lon, r["venue"].wgs_lat],
                    "distance_m": r["distance_m"],
                }
                for r in found["venues"]
            ],
            "schools": found["schools"],
        }
        return Response(ZoneCheckSerializer(body).data)


router = SimpleRouter()
router.register("zone-schools", ZoneSchoolViewSet, basename="zone-school")

urlpatterns = [
    *router.urls,
    path("zone-check/", ZoneCheckView.as_view(), name="zone-check"),
]
