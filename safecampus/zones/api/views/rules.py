"""The API of the zone's rules and settings, the re-check of every venue, the figures and the map.

Every action of the pages ``views.rules`` and ``views.overview`` is an endpoint here, scoped the
same: rules read through ``ZoneRule.objects.visible_to`` and ``get_for`` (another bureau's rule
404; a shipped national rule or a role that may only read 403), changed through
``services.save_rule`` and followed, as on the page, by the job ``zones.recheck``
(``jobs.start_recheck``) whose id and progress page the answer carries. Settings and the
re-check are the centre's (``ZONE_MANAGE``) of the bureaus it keeps; the figures and the map
rows are those of the overview and the map page (``selectors.figures``, ``selectors.map_rows``).
A refusal is ``{"code", "message", "errors"}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from safecampus.core.access import get_for, require, scope_for
from safecampus.core.api import Pagination, capability_permission
from safecampus.core.capabilities import (
    ZONE_MANAGE,
    ZONE_REGISTER_MENU,
    ZONE_REGISTER_READ,
    ZONE_RULES_READ,
)
from safecampus.core.refusals import refuse
from safecampus.orgs.models import Bureau, Department

from ... import access, jobs, selectors, services
from ...models import ZoneRule, ZoneSettings
from ...views.overview import map_bureaus, tiles_system, zone_url
from ...views.rules import rule_bureaus
from ..serializers_rules import (
    JobRefSerializer,
    ZoneFiguresQuerySerializer,
    ZoneFiguresSerializer,
    ZoneMapSerializer,
    ZoneRecheckSerializer,
    ZoneRuleActiveSerializer,
    ZoneRuleChangeSerializer,
    ZoneRuleSerializer,
    ZoneRuleWriteSerializer,
    ZoneSettingsSerializer,
    ZoneSettingsWriteSerializer,
)
from .common import error, key, who


def _bureau_id(raw, field: str = "bureau") -> int | None:
    """An optional bureau id from a query or a body; a bad value is a coded refusal."""
    if raw in (None, ""):
        return None
    raw = str(raw).strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) < 18):
        raise refuse({field: [_("Give the bureau's id.")]})
    return int(raw)


def job_ref(job) -> dict:
    """What an answer says of a started job: its id, status and progress page."""
    return {"id": job.pk, "kind": job.kind, "status": job.status, "url": job.get_absolute_url()}


def managed_bureau(user, bureau_id: int | None) -> Bureau:
    """The bureau whose rules, settings or venues ``user`` keeps, as the pages choose it: the
    first it keeps by default; 403 for a user who keeps none; 404 for one it does not keep."""
    require(user, ZONE_MANAGE)
    bureaus = [b for b in rule_bureaus(user) if b.pk in access.manage_bureaus(scope_for(user))]
    if not bureaus:
        raise DjangoPermissionDenied(pgettext("safety zone", "You may not keep zone rules."))
    if bureau_id is None:
        return bureaus[0]
    for b in bureaus:
        if b.pk == bureau_id:
            return b
    raise Http404


_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The rule's id.")
_NOT_FOUND = error("`not_found`: no such rule, or it is outside the caller's scope.")
_FORBIDDEN_READ = error(f"`permission_denied`: the caller holds none of {who(ZONE_RULES_READ)}.")
_FORBIDDEN_WRITE = error(
    f"`permission_denied`: the caller holds none of {who(ZONE_MANAGE)} on the rule's bureau, or "
    "the rule is a shipped national one (read only)."
)
_INVALID = error(
    "`invalid`: a field is wrong: the code or name missing, an unknown kind, venue type or "
    "school stage, an exclusion with no venue type, a distance outside 1–2,000 m, a line other "
    "than `gate` or `boundary`, a waiting-area rule not measured from the gates, no source, days "
    "outside 1–365. Messages per field, in Chinese; nothing is saved and no job starts."
)
_STALE = error("`stale`: `version` is not the rule's current version (reload).")
_JOB = (
    " The change starts the job `zones.recheck` that checks every venue of the bureau again, as "
    "the page does: `job` carries its id, status and progress page."
)


@extend_schema(tags=["zones"])
class ZoneRuleViewSet(viewsets.GenericViewSet):
    """The zone rules: the national ones, the bureau's own and those of the bureaus above."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(ZONE_RULES_READ, write=ZONE_MANAGE),
    ]
    pagination_class = Pagination
    serializer_class = ZoneRuleSerializer
    queryset = ZoneRule.objects.none()  # for the schema
    filter_backends: list = []

    def _changed(self, rule, job, status_code=200) -> Response:
        rule = get_for(self.request.user, ZoneRule, rule.pk)
        body = ZoneRuleChangeSerializer(rule, context={"job": job_ref(job)}).data
        return Response(body, status=status_code)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "bureau",
                int,
                description="Only the active rules that apply to this bureau's schools (the "
                "national ones, its own and those of the bureaus above), as the rules page "
                "shows them; 404 for a bureau the caller does not read.",
            ),
            OpenApiParameter("active", bool, description="true: applied rules; false: the others."),
        ],
        responses={
            200: ZoneRuleSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_READ,
            404: error("`not_found`: the bureau is outside the caller's scope."),
        },
        summary="List zone rules",
        description="The rules the caller reads: the national ones, those of its bureau(s) and "
        "of the bureaus above (a school those of its bureau). "
        f"Roles: {who(ZONE_RULES_READ)}.",
    )
    def list(self, request):
        params = request.query_params
        rows = selectors.rules(request.user).select_related("bureau")
        bureau_id = _bureau_id(params.get("bureau"))
        if bureau_id is not None:
            bureau = next((b for b in rule_bureaus(request.user) if b.pk == bureau_id), None)
            if bureau is None:
                raise Http404
            rows = rows.filter(pk__in=ZoneRule.objects.for_bureau(bureau).values("pk"))
        raw = params.get("active", "").strip().lower()
        if raw:
            active = {"true": True, "1": True, "false": False, "0": False}.get(raw)
            if active is None:
                raise refuse({"active": [_("Write true or false.")]})
            rows = rows.filter(is_active=active)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ZoneRuleSerializer(page, many=True).data)

    @extend_schema(
        parameters=[_ID],
        responses={200: ZoneRuleSerializer, 403: _FORBIDDEN_READ, 404: _NOT_FOUND},
        summary="One zone rule",
        description=f"Roles: {who(ZONE_RULES_READ)}, on the rules they read.",
    )
    def retrieve(self, request, pk=None):
        rule = get_for(request.user, ZoneRule, key(pk))
        return Response(ZoneRuleSerializer(rule).data)

    @extend_schema(
        request=ZoneRuleWriteSerializer,
        responses={
            201: ZoneRuleChangeSerializer,
            400: error(
                _INVALID.description + " `duplicate`: the bureau already has a rule with this code."
            ),
            403: _FORBIDDEN_WRITE,
            404: error("`not_found`: the bureau is not one the caller keeps."),
        },
        summary="Add a bureau's own zone rule",
        description="`code`, `name`, `kind` (`exclusion` with its `venue_types`, or "
        "`waiting_area`), `stages` (none: every stage), `distance_m`, `measure_from` (`gate` or "
        "`boundary`), `clause` (the source) and `days` to rectify, for `bureau` (default: the "
        f"caller's).{_JOB} Roles: {who(ZONE_MANAGE)}.",
    )
    def create(self, request):
        serializer = ZoneRuleWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        bureau = managed_bureau(request.user, data.pop("bureau", None))
        rule = services.save_rule(actor=request.user, bureau_id=bureau.pk, data=data)
        job = jobs.start_recheck(user=request.user, bureau=bureau)
        return self._changed(rule, job, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_ID],
        request=ZoneRuleWriteSerializer,
        responses={
            200: ZoneRuleChangeSerializer,
            400: _INVALID,
            403: _FORBIDDEN_WRITE,
            404: _NOT_FOUND,
            409: _STALE,
        },
        summary="Change a bureau's own zone rule",
        description="Any subset of the fields, with `version`; the bureau does not change."
        f"{_JOB} Roles: {who(ZONE_MANAGE)}.",
    )
    def partial_update(self, request, pk=None):
        rule = get_for(
            request.user, ZoneRule.objects.select_related("bureau"), key(pk), access.EDIT
        )
        serializer = ZoneRuleWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("bureau", None)
        version = data.pop("version", None)
        saved = services.save_rule(
            actor=request.user,
            bureau_id=rule.bureau_id,
            data={**_rule_data(rule), **data},
            rule_id=rule.pk,
            version=version,
        )
        job = jobs.start_recheck(user=request.user, bureau=rule.bureau)
        return self._changed(saved, job)

    @extend_schema(
        parameters=[_ID],
        request=ZoneRuleActiveSerializer,
        responses={
            200: ZoneRuleChangeSerializer,
            400: error("`invalid`: `active` is not true or false."),
            403: _FORBIDDEN_WRITE,
            404: _NOT_FOUND,
            409: _STALE,
        },
        summary="Apply a bureau's own rule again, or stop applying it",
        description=f"`active` true or false, with `version`.{_JOB} Roles: {who(ZONE_MANAGE)}.",
    )
    @drf_action(detail=True, methods=["post"], url_path="active", url_name="active")
    def active(self, request, pk=None):
        rule = get_for(
            request.user, ZoneRule.objects.select_related("bureau"), key(pk), access.EDIT
        )
        serializer = ZoneRuleActiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        saved = services.save_rule(
            actor=request.user,
            bureau_id=rule.bureau_id,
            data={**_rule_data(rule), "is_active": d["active"]},
            rule_id=rule.pk,
            version=d.get("version"),
        )
        job = jobs.start_recheck(user=request.user, bureau=rule.bureau)
        return self._changed(saved, job)


def _rule_data(rule: ZoneRule) -> dict:
    return {k: getattr(rule, k) for k in services.RULE_FIELDS}


_BUREAU_ID = OpenApiParameter(
    "bureau_id", int, OpenApiParameter.PATH, description="The bureau's id."
)


class ZoneSettingsView(APIView):
    """A bureau's zone settings: the department that takes zone cases."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(ZONE_REGISTER_READ, write=ZONE_MANAGE),
    ]

    def _bureau(self, bureau_id) -> Bureau:
        bureau_id = key(bureau_id)
        bureau = None
        if bureau_id in access.register_bureaus(scope_for(self.request.user)):
            bureau = Bureau.objects.filter(pk=bureau_id).first()
        if bureau is None:
            raise Http404
        return bureau

    def _body(self, bureau) -> dict:
        row = (
            ZoneSettings.objects.visible_to(self.request.user)
            .filter(bureau_id=bureau.pk)
            .select_related("department")
            .first()
        )
        dept = row.department if row else None
        return ZoneSettingsSerializer(
            {
                "bureau": bureau.pk,
                "bureau_name": bureau.name,
                "department": dept.pk if dept else None,
                "department_name": dept.name if dept else None,
                "updated_at": row.updated_at if row else None,
                "may_edit": bureau.pk in access.manage_bureaus(scope_for(self.request.user)),
            }
        ).data

    @extend_schema(
        tags=["zones"],
        parameters=[_BUREAU_ID],
        responses={
            200: ZoneSettingsSerializer,
            403: error(f"`permission_denied`: the caller holds none of {who(ZONE_REGISTER_READ)}."),
            404: error("`not_found`: the bureau is outside the caller's scope."),
        },
        summary="A bureau's zone settings",
        description="The department that takes the bureau's zone cases (null: the legal "
        f"affairs section, 法制科). Roles: {who(ZONE_REGISTER_READ)}.",
    )
    def get(self, request, bureau_id=None):
        return Response(self._body(self._bureau(bureau_id)))

    @extend_schema(
        tags=["zones"],
        parameters=[_BUREAU_ID],
        request=ZoneSettingsWriteSerializer,
        responses={
            200: ZoneSettingsSerializer,
            400: error("`invalid`: the department is not one of this bureau's."),
            403: error(
                f"`permission_denied`: the caller holds none of {who(ZONE_MANAGE)} on the bureau."
            ),
            404: error("`not_found`: the bureau is outside the caller's scope."),
        },
        summary="Choose the department that takes the bureau's zone cases",
        description=f"The change is in the rules page's history. Roles: {who(ZONE_MANAGE)}.",
    )
    def patch(self, request, bureau_id=None):
        bureau = self._bureau(bureau_id)
        serializer = ZoneSettingsWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_department(
            actor=request.user,
            bureau_id=bureau.pk,
            department_id=serializer.validated_data["department"],
        )
        return Response(self._body(bureau))


class ZoneRecheckView(APIView):
    """Check every venue of a bureau again."""

    permission_classes = [IsAuthenticated, capability_permission(ZONE_MANAGE)]

    @extend_schema(
        tags=["zones"],
        request=ZoneRecheckSerializer,
        responses={
            202: JobRefSerializer,
            400: error("`invalid`: the bureau is not an id."),
            403: error(f"`permission_denied`: the caller holds none of {who(ZONE_MANAGE)}."),
            404: error("`not_found`: the bureau is not one the caller keeps."),
        },
        summary="Check every venue of a bureau again",
        description="Starts the background job `zones.recheck` for `bureau` (default: the "
        "caller's) and answers at once with the job's id, status and progress page. "
        f"Roles: {who(ZONE_MANAGE)}.",
    )
    def post(self, request):
        serializer = ZoneRecheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bureau = managed_bureau(request.user, serializer.validated_data.get("bureau"))
        job = jobs.start_recheck(user=request.user, bureau=bureau)
        return Response(JobRefSerializer(job_ref(job)).data, status=status.HTTP_202_ACCEPTED)


class ZoneFiguresView(APIView):
    """The zone's figures of the overview, each with the list it counts."""

    permission_classes = [IsAuthenticated, capability_permission(ZONE_REGISTER_MENU)]

    @extend_schema(
        tags=["zones"],
        parameters=[ZoneFiguresQuerySerializer],
        responses={
            200: ZoneFiguresSerializer,
            400: error("`invalid`: a filter is not an id, or an unknown school stage."),
            403: error(f"`permission_denied`: the caller holds none of {who(ZONE_REGISTER_MENU)}."),
        },
        summary="The zone's figures",
        description="Open, overdue, submitted and closed cases, the venues with an open case "
        "by type, and (bureau roles) the schools with no boundary, of the cases the caller "
        "sees (a school those of its own zone, a department its own, a partner unit those that "
        "concern it), each with the URL of its list. "
        f"Roles: {who(ZONE_REGISTER_MENU)}.",
    )
    def get(self, request):
        query = ZoneFiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        bureau_id, department_id, stage = q.get("bureau"), q.get("department"), q.get("stage", "")
        if (
            department_id
            and not Department.objects.visible_to(request.user).filter(pk=department_id).exists()
        ):
            raise refuse({"department": [_("Unknown department.")]})
        f = selectors.figures(
            request.user, bureau_id=bureau_id, department_id=department_id, stage=stage
        )
        keep = {"bureau": bureau_id, "department": department_id, "stage": stage}
        body = {
            "figures": [
                {
                    "key": key,
                    "n": f[key],
                    "url": zone_url("cases/", **extra, **keep),
                    "danger": key == "overdue",
                }
                for key, extra in (
                    ("open", {"status": "open"}),
                    ("overdue", {"overdue": 1}),
                    ("submitted", {"status": "submitted"}),
                    ("closed", {"status": "closed"}),
                )
            ],
            "by_kind": [
                {**row, "url": zone_url("cases/", status="open", kind=row["kind"], **keep)}
                for row in f["by_kind"]
            ],
            "no_boundary": {
                "n": f["no_boundary"],
                "url": zone_url("schools/", boundary=0, bureau=bureau_id, stage=stage),
            }
            if "no_boundary" in f
            else None,
            "today": f["today"],
        }
        return Response(ZoneFiguresSerializer(body).data)


@method_decorator(gzip_page, name="dispatch")
class ZoneMapView(APIView):
    """The map's rows, as compact as the map page loads them."""

    permission_classes = [IsAuthenticated, capability_permission(ZONE_REGISTER_MENU)]

    @extend_schema(
        tags=["zones"],
        parameters=[
            OpenApiParameter(
                "bureau",
                int,
                description="Only this bureau's schools and venues (one the caller reads).",
            )
        ],
        responses={
            200: ZoneMapSerializer,
            400: error("`invalid`: the bureau is not an id."),
            403: error(f"`permission_denied`: the caller holds none of {who(ZONE_REGISTER_MENU)}."),
            404: error("`not_found`: the bureau is outside the caller's scope."),
        },
        summary="The map's rows",
        description="The same JSON as the map page's `map.json`: the schools the caller sees "
        "with their gates, boundary ring and zone reach, and the venues with their type, status "
        "and open cases, coordinates in the map tiles' system (`system`). "
        f"Roles: {who(ZONE_REGISTER_MENU)}.",
    )
    def get(self, request):
        bureau_id = _bureau_id(request.query_params.get("bureau"))
        if bureau_id is not None and bureau_id not in {b.pk for b in map_bureaus(request.user)}:
            raise Http404
        return Response(
            selectors.map_rows(request.user, bureau_id=bureau_id, tiles_system=tiles_system())
        )


router = SimpleRouter()
router.register("zone-rules", ZoneRuleViewSet, basename="zone-rules")

urlpatterns = [
    *router.urls,
    path("zone-settings/<str:bureau_id>/", ZoneSettingsView.as_view(), name="zone-settings"),
    path("zone-recheck/", ZoneRecheckView.as_view(), name="zone-recheck"),
    path("zone-figures/", ZoneFiguresView.as_view(), name="zone-figures"),
    path("zone-map/", ZoneMapView.as_view(), name="zone-map"),
]
