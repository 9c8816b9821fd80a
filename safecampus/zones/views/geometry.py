"""Pages of the student safety zone: a school's geometry (campus boundary, parents' waiting
areas) with its map, the zones drawn around it and the venues inside them.

Every page reaches its school through ``access.school_geometry_q`` (the school's own staff, the
bureau's register readers): another school is a 404, a user whom the geometry does not concern at
all a 403. Changes go through ``zones.services`` (which checks ``access.can_edit_geometry``: the
school itself, and the centre on its behalf) and show every problem the services find.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from safecampus.core import geo
from safecampus.core.access import VIEW, scope_for
from safecampus.core.excel import XLSX_CONTENT_TYPE, Heading, file_name, write_workbook
from safecampus.core.forms import id_param
from safecampus.core.refusals import to_form
from safecampus.orgs.models import School, SchoolGate

from .. import access, detection, selectors, services
from ..choices import OPEN_CASE, BoundarySource, MeasureFrom, RuleKind
from ..forms_geometry import (
    VERTEX_COLUMNS,
    BoundaryFileForm,
    DrawForm,
    GeometryFilterForm,
    VertexWorkbookForm,
    WaitingAreaForm,
)
from ..geometry import buffered_outline
from ..models import SchoolBoundary, WaitingArea, ZoneCase, ZoneEvent, ZoneHit, ZoneRule

PAGE_SIZE = 50
HISTORY_SIZE = 50


# --- reaching a school ----------------------------------------------------------------------


def schools_for(user, action: str = VIEW) -> QuerySet[School]:
    """The schools whose geometry ``user`` reads (or keeps); 403 when none can be."""
    scope = scope_for(user)
    q = None if scope.is_empty else access.school_geometry_q(scope, action)
    if q is None:
        raise PermissionDenied(_("Your roles do not reach the zone geometry of schools."))
    return School.objects.filter(q)


def school_for(user, school_id: int) -> School:
    """The school whose geometry ``user`` reads: 404 outside the scope, 403 for a user whom no
    school's geometry concerns."""
    school = schools_for(user).filter(pk=school_id).select_related("bureau").first()
    if school is None:
        raise Http404
    return school


def tiles_system() -> str:
    system = getattr(settings, "SAFECAMPUS_MAP_TILES_SYSTEM", geo.WGS84) or geo.WGS84
    return system if system in geo.SYSTEMS else geo.WGS84


# --- what a school's geometry shows ---------------------------------------------------------


@dataclass
class WaitingRow:
    area: WaitingArea
    gate_name: str
    distance_m: float | None
    limit_m: int | None
    rule: ZoneRule | None

    @property
    def compliant(self) -> bool | None:
        if self.limit_m is None:
            return None
        return self.distance_m is not None and self.distance_m <= self.limit_m


def waiting_rule(school, rules: list[ZoneRule] | None = None) -> ZoneRule | None:
    """The strictest waiting-area rule that applies to ``school`` (its distance is
    ``selectors.waiting_rule_distance``), with its clause for citing."""
    if rules is None:
        rules = detection.rules_by_bureau([school.bureau_id]).get(school.bureau_id, [])
    applicable = [
        r for r in rules if r.kind == RuleKind.WAITING_AREA and r.applies_to_stage(school.stage)
    ]
    return min(applicable, key=lambda r: (r.distance_m, r.pk)) if applicable else None


def zone_rules(school, rules: list[ZoneRule]) -> list[ZoneRule]:
    return [r for r in rules if r.kind == RuleKind.EXCLUSION and r.applies_to_stage(school.stage)]


def geometry_of(school: School, *, system: str = geo.WGS84) -> dict:
    """Everything a school's geometry page and API show: gates, boundary, waiting areas (with the
    strictest waiting rule), the zones (circles around gates, the grown boundary) and the venues
    in them. Map coordinates are given in ``system`` (the tiles')."""

    def show(lon, lat) -> list[float]:
        x, y = geo.from_wgs84(lon, lat, system) if system != geo.WGS84 else (lon, lat)
        return [round(x, 7), round(y, 7)]

    rules = detection.rules_by_bureau([school.bureau_id]).get(school.bureau_id, [])
    gates = []
    for gate in SchoolGate.objects.filter(school=school).order_by("pk"):
        wgs = (
            geo.to_wgs84(gate.longitude, gate.latitude, gate.coord_system)
            if gate.coord_system in geo.SYSTEMS
            else None
        )
        gates.append({"gate": gate, "wgs": wgs})
    gate_names = {g["gate"].pk: g["gate"].name for g in gates}
    boundary = SchoolBoundary.objects.filter(school=school).select_related("updated_by").first()
    strictest = waiting_rule(school, rules)
    waiting = [
        WaitingRow(
            area=a,
            gate_name=gate_names.get(a.nearest_gate_id, ""),
            distance_m=a.gate_distance_m,
            limit_m=strictest.distance_m if strictest else None,
            rule=strictest,
        )
        for a in WaitingArea.objects.filter(school=school).order_by("pk")
    ]
    hits = selectors.hits_of_school(school)
    zones = zone_rules(school, rules)
    circles, buffers = [], []
    for rule in zones:
        if rule.measure_from == MeasureFrom.BOUNDARY and boundary is not None:
            buffers.append(
                {
                    "label": rule.name,
                    "metres": rule.distance_m,
                    "ring": [show(*v) for v in buffered_outline(boundary.wgs, rule.distance_m)],
                }
            )
        else:
            # a gate rule, or a boundary rule of a school without a boundary (measured from
            # its gates instead, as detection does)
            for g in gates:
                if g["wgs"] is not None:
                    circles.append(
                        {
                            "label": rule.name,
                            "metres": rule.distance_m,
                            "centre": show(*g["wgs"]),
                        }
                    )
    map_data = {
        "system": system,
        "tiles": getattr(settings, "SAFECAMPUS_MAP_TILES", "") or "",
        "gates": [{"name": g["gate"].name, "point": show(*g["wgs"])} for g in gates if g["wgs"]],
        "boundary": [show(*v) for v in boundary.wgs] if boundary else None,
        "circles": circles,
        "buffers": buffers,
        "waiting": [
            {
                "name": w.area.name,
                "point": show(w.area.wgs_lon, w.area.wgs_lat),
                "ok": w.compliant,
            }
            for w in waiting
        ],
        "venues": [
            {
                "name": h.venue.name,
                "kind": h.venue.kind,
                "status": h.venue.status,
                "distance": round(h.distance_m, 1),
                "point": show(h.venue.wgs_lon, h.venue.wgs_lat),
            }
            for h in hits
        ],
    }
    return {
        "gates": gates,
        "boundary": boundary,
        "waiting": waiting,
        "waiting_rule": strictest,
        "hits": hits,
        "zone_rules": zones,
        "map": map_data,
    }


# --- the list -------------------------------------------------------------------------------


def _count(qs, *, distinct: str = "pk"):
    return Coalesce(
        Subquery(
            qs.filter(school_id=OuterRef("pk"))
            .order_by()
            .values("school_id")
            .annotate(n=Count(distinct, distinct=True))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


@login_required
def geometry_list(request):
    """The schools whose zone geometry the user reads (a school only its own), with their
    gates, boundary, waiting areas, venues in the zone and open cases."""
    schools = schools_for(request.user)
    form = GeometryFilterForm(request.GET or None)
    qs = schools.annotate(
        n_gates=_count(SchoolGate.objects.all()),
        boundary_area=F("zone_boundary__area_m2"),
        n_venues=_count(ZoneHit.objects.all(), distinct="venue_id"),
        n_open=_count(ZoneCase.objects.visible_to(request.user).filter(status__in=OPEN_CASE)),
    ).select_related("bureau")
    if form.is_valid():
        f = form.cleaned_data
        if f["q"]:
            qs = qs.filter(Q(name__icontains=f["q"]) | Q(code__icontains=f["q"]))
        if f["boundary"] == "yes":
            qs = qs.filter(zone_boundary__isnull=False)
        elif f["boundary"] == "no":
            qs = qs.filter(zone_boundary__isnull=True)
        if f["in_zone"] == "yes":
            qs = qs.filter(n_venues__gt=0)
        elif f["in_zone"] == "no":
            qs = qs.filter(n_venues=0)
    page = Paginator(qs.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    rules = detection.rules_by_bureau({s.bureau_id for s in rows}) if rows else {}
    distances: dict[int, list] = {}
    for school_id, d in WaitingArea.objects.filter(school_id__in=[s.pk for s in rows]).values_list(
        "school_id", "gate_distance_m"
    ):
        distances.setdefault(school_id, []).append(d)
    for s in rows:
        rule = waiting_rule(s, rules.get(s.bureau_id, []))
        ds = distances.get(s.pk, [])
        s.n_waiting = len(ds)
        s.waiting_limit = rule.distance_m if rule else None
        s.n_waiting_ok = (
            sum(1 for d in ds if d is not None and d <= rule.distance_m) if rule else None
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "zones/geometry_list.html",
        {"page": page, "rows": rows, "form": form, "query": query.urlencode()},
    )


# --- one school -----------------------------------------------------------------------------

_OPS = ("draw", "file", "excel", "clear", "waiting_add", "waiting_remove")


def _forms(data=None, files=None, op: str = "") -> dict:
    def bound(name, cls, prefix):
        return cls(data, files, prefix=prefix) if op == name else cls(prefix=prefix)

    return {
        "draw_form": bound("draw", DrawForm, "draw"),
        "file_form": bound("file", BoundaryFileForm, "file"),
        "excel_form": bound("excel", VertexWorkbookForm, "excel"),
        "waiting_form": bound("waiting_add", WaitingAreaForm, "waiting"),
    }


def _post(request, school) -> tuple[dict, bool]:
    """Carry out the posted operation; returns the forms and whether it succeeded."""
    op = request.POST.get("op", "")
    forms = _forms(request.POST, request.FILES, op)
    user, pk = request.user, school.pk
    if op in ("draw", "file", "excel"):
        form = forms[f"{op}_form"]
        if not form.is_valid():
            return forms, False
        data = form.cleaned_data
        source = {
            "draw": BoundarySource.DRAWN,
            "excel": BoundarySource.EXCEL,
        }.get(op) or form.source()
        try:
            services.save_boundary(
                actor=user,
                school_id=pk,
                vertices=data["vertices"],
                system=data["coord_system"],
                source=source,
                version=data.get("version"),
            )
        except ValidationError as exc:
            to_form(form, exc)
            return forms, False
        messages.success(request, _("The campus boundary is saved; the zone was checked again."))
    elif op == "clear":
        try:
            services.clear_boundary(
                actor=user, school_id=pk, version=id_param(request.POST.get("version"))
            )
        except ValidationError as exc:
            forms["draw_form"].add_error(None, exc.messages)
            return forms, False
        messages.success(request, _("The campus boundary is cleared."))
    elif op == "waiting_add":
        form = forms["waiting_form"]
        if not form.is_valid():
            return forms, False
        data = form.cleaned_data
        try:
            services.add_waiting_area(
                actor=user,
                school_id=pk,
                name=data["name"],
                lon=data["longitude"],
                lat=data["latitude"],
                system=data["coord_system"],
            )
        except ValidationError as exc:
            to_form(form, exc)
            return forms, False
        messages.success(request, _("The waiting area is added."))
    elif op == "waiting_remove":
        area_id = id_param(request.POST.get("area"))
        if area_id is None or not WaitingArea.objects.filter(pk=area_id, school=school).exists():
            raise Http404
        services.remove_waiting_area(actor=user, area_id=area_id)
        messages.success(request, _("The waiting area is removed."))
    else:
        raise Http404
    return forms, True


@login_required
@require_http_methods(["GET", "POST"])
def geometry_detail(request, school_pk: int):
    """A school's map, boundary, waiting areas, the venues in its zone and the history; the
    boundary and waiting areas kept here by the school and the centre."""
    school = school_for(request.user, school_pk)
    may_edit = access.can_edit_geometry(scope_for(request.user), school)
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("You may not change this school's zone geometry."))
        forms, ok = _post(request, school)
        if ok:
            return redirect("zones:geometry_detail", school_pk=school.pk)
        status = 400
    else:
        forms = _forms()
    system = tiles_system()
    data = geometry_of(school, system=system)
    events = list(
        ZoneEvent.objects.filter(school=school)
        .select_related("actor")
        .order_by("-at", "-pk")[:HISTORY_SIZE]
    )
    sources = dict(BoundarySource.choices)
    for e in events:
        source = (e.data or {}).get("source", "")
        e.source_label = sources.get(source, source)
    return render(
        request,
        "zones/geometry_detail.html",
        {
            "school": school,
            "may_edit": may_edit,
            "system": system,
            "system_label": geo.system_label(system),
            "events": events,
            "version": data["boundary"].version if data["boundary"] else 0,
            "template_url": reverse("zones:geometry_vertex_template"),
            **data,
            **forms,
        },
        status=status,
    )


@login_required
def geometry_vertex_template(request):
    """The workbook to list a boundary's vertices in (序号, 经度, 纬度)."""
    schools_for(request.user)
    out = io.BytesIO()
    write_workbook(
        out,
        title=_("Campus boundary vertices"),
        columns=VERTEX_COLUMNS,
        rows=[],
        heading=Heading(
            _("Campus boundary vertices"),
            notes=[
                _(
                    "One row per corner, in order around the campus; the last row must repeat "
                    "the first (the ring is closed)."
                ),
                _("Choose the coordinate system of the longitudes and latitudes when uploading."),
            ],
        ),
    )
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=file_name(_("Campus boundary vertices template")),
        content_type=XLSX_CONTENT_TYPE,
    )


urlpatterns = [
    path("schools/", geometry_list, name="geometry_list"),
    path("schools/<int:school_pk>/", geometry_detail, name="geometry_detail"),
    path("schools/vertex-template/", geometry_vertex_template, name="geometry_vertex_template"),
]
