"""Reading the student safety zone, scoped: lists with their filters, the figures of the
dashboards, the map's compact rows and the check of one point. Pages, the API and the exports
read through these, never around them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from safecampus.core import geo
from safecampus.core.access import scope_for
from safecampus.orgs.models import School

from . import access, detection
from .choices import OPEN_CASE, RUNNING_CASE, CaseStatus, RuleKind, VenueType
from .models import Venue, WaitingArea, ZoneCase, ZoneHit, ZoneRule, ZoneSite


@dataclass
class CaseFilters:
    bureau_id: int | None = None
    school_id: int | None = None
    department_id: int | None = None
    #: "open": every case not yet closed; "found": the open ones nobody assigned yet
    status: str = ""
    stage: str = ""
    kind: str = ""
    overdue: bool = False
    q: str = ""


def cases(user, filters: CaseFilters | None = None, *, today: datetime.date | None = None):
    """The cases ``user`` sees, narrowed by ``filters``; newest first, with what a list row
    shows joined in (no query per row)."""
    f = filters or CaseFilters()
    qs = ZoneCase.objects.visible_to(user).select_related("school", "venue", "department")
    if f.bureau_id:
        qs = qs.filter(bureau_id=f.bureau_id)
    if f.school_id:
        qs = qs.filter(school_id=f.school_id)
    if f.department_id:
        qs = qs.filter(department_id=f.department_id)
    if f.stage:
        qs = qs.filter(school__stage=f.stage)
    if f.status == "open":
        qs = qs.filter(status__in=OPEN_CASE)
    elif f.status == "found":
        qs = qs.filter(status=CaseStatus.OPEN)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(venue_kind=f.kind)
    if f.overdue:
        today = today or timezone.localdate()
        qs = qs.filter(status__in=RUNNING_CASE, deadline__lt=today)
    if f.q:
        qs = qs.filter(Q(venue__name__icontains=f.q) | Q(school__name__icontains=f.q))
    return qs.order_by("-opened_at", "-pk")


@dataclass
class VenueFilters:
    bureau_id: int | None = None
    status: str = ""
    kind: str = ""
    in_zone: bool | None = None
    q: str = ""


def venues(user, filters: VenueFilters | None = None) -> QuerySet[Venue]:
    f = filters or VenueFilters()
    qs = Venue.objects.visible_to(user)
    if f.bureau_id:
        qs = qs.filter(bureau_id=f.bureau_id)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.in_zone is not None:
        inside = ZoneHit.objects.filter(venue_id__in=qs.values("pk")).values("venue_id")
        qs = qs.filter(pk__in=inside) if f.in_zone else qs.exclude(pk__in=inside)
    if f.q:
        qs = qs.filter(
            Q(name__icontains=f.q) | Q(address__icontains=f.q) | Q(licence__icontains=f.q)
        )
    return qs.order_by("-created_at", "-pk")


def hits_of_venue(user, venue) -> list[ZoneHit]:
    """Where a venue lies: the schools (that ``user`` sees) whose zones hold it, nearest first."""
    schools = School.objects.visible_to(user).values("pk")
    return list(
        ZoneHit.objects.filter(venue=venue, school_id__in=schools)
        .select_related("school", "rule")
        .order_by("distance_m", "pk")
    )


def hits_of_school(school) -> list[ZoneHit]:
    """The venues in a school's zones (the caller has checked the school is visible)."""
    return list(
        ZoneHit.objects.filter(school=school)
        .select_related("venue", "rule")
        .order_by("distance_m", "pk")
    )


def rules(user) -> QuerySet[ZoneRule]:
    return ZoneRule.objects.visible_to(user).order_by("bureau_id", "kind", "distance_m", "code")


def waiting_areas(school) -> list[WaitingArea]:
    return list(WaitingArea.objects.filter(school=school).select_related("nearest_gate"))


# --- figures -------------------------------------------------------------------------------------


def figures(
    user,
    *,
    bureau_id: int | None = None,
    department_id: int | None = None,
    stage: str = "",
    today: datetime.date | None = None,
) -> dict:
    """The dashboards' zone card: open cases, overdue cases, venues in zones by type, schools
    with no boundary, in three reads. Each figure comes with the filters of its list."""
    today = today or timezone.localdate()
    qs = ZoneCase.objects.visible_to(user)
    if bureau_id:
        qs = qs.filter(bureau_id=bureau_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if stage:
        qs = qs.filter(school__stage=stage)
    totals = qs.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_CASE)),
        overdue=Count("pk", filter=Q(status__in=RUNNING_CASE, deadline__lt=today)),
        submitted=Count("pk", filter=Q(status=CaseStatus.SUBMITTED)),
        closed=Count("pk", filter=Q(status=CaseStatus.CLOSED)),
        total=Count("pk"),
    )
    labels = dict(VenueType.choices)
    by_kind = [
        {
            "kind": row["venue_kind"],
            "label": str(labels.get(row["venue_kind"], row["venue_kind"])),
            "n": row["n"],
        }
        for row in qs.filter(status__in=OPEN_CASE)
        .values("venue_kind")
        .annotate(n=Count("venue_id", distinct=True))
        .order_by("-n", "venue_kind")
    ]
    out = {**totals, "by_kind": by_kind, "today": today}
    bureaus = access.case_bureaus(scope_for(user))
    if bureaus and not department_id:
        sites = ZoneSite.objects.filter(bureau_id__in=bureaus)
        if bureau_id:
            sites = sites.filter(bureau_id=bureau_id)
        if stage:
            sites = sites.filter(stage=stage)
        out["no_boundary"] = sites.filter(ring__isnull=True).count()
    return out


# --- the map --------------------------------------------------------------------------------------


def map_rows(user, *, bureau_id: int | None = None, tiles_system: str = geo.WGS84) -> dict:
    """What the map draws, as compact rows (coordinates in the tiles' system):

    - ``schools``: ``[id, name, [[lon, lat], …gates], ring or null, reach_m]``;
    - ``venues``: ``[id, name, type, status, lon, lat, open cases]``.
    """
    schools = School.objects.filter(access.school_geometry_q(scope_for(user)) or Q(pk__in=[]))
    if bureau_id:
        schools = schools.filter(bureau_id=bureau_id)
    sites = ZoneSite.objects.filter(school_id__in=schools.values("pk")).values_list(
        "school_id", "school__name", "gates", "ring", "reach_m"
    )

    def show(lon, lat):
        if tiles_system == geo.WGS84:
            return [round(lon, 6), round(lat, 6)]
        x, y = geo.from_wgs84(lon, lat, tiles_system)
        return [round(x, 6), round(y, 6)]

    school_rows = [
        [
            pk,
            name,
            [show(g[2], g[3]) for g in gates],
            [show(*v) for v in ring] if ring else None,
            reach,
        ]
        for pk, name, gates, ring, reach in sites.iterator(chunk_size=2000)
    ]
    vqs = Venue.objects.visible_to(user)
    if bureau_id:
        vqs = vqs.filter(bureau_id=bureau_id)
    open_counts = dict(
        ZoneCase.objects.visible_to(user)
        .filter(status__in=OPEN_CASE, venue_id__in=vqs.values("pk"))
        .values("venue_id")
        .annotate(n=Count("pk"))
        .values_list("venue_id", "n")
    )
    venue_rows = [
        [pk, name, kind, status, *show(lon, lat), open_counts.get(pk, 0)]
        for pk, name, kind, status, lon, lat in vqs.values_list(
            "pk", "name", "kind", "status", "wgs_lon", "wgs_lat"
        ).iterator(chunk_size=5000)
    ]
    return {"schools": school_rows, "venues": venue_rows, "system": tiles_system}


# --- what lies near a point --------------------------------------------------------------------


def near_point(user, lon, lat, system: str, metres: int = 200) -> dict:
    """What lies within ``metres`` of a point: the venues ``user`` sees and the schools (their
    nearest gate or boundary), nearest first. Refuses a point without its system (the caller
    turns the message into a 400)."""
    why = geo.point_problem(lon, lat, system)
    if why:
        raise ValueError(why)
    metres = max(1, min(int(metres), 2000))
    wlon, wlat = geo.to_wgs84(lon, lat, system)
    dlon, dlat = geo.degrees_around(wlat, metres)
    found_venues = []
    for v in Venue.objects.visible_to(user).filter(
        wgs_lon__range=(wlon - dlon, wlon + dlon), wgs_lat__range=(wlat - dlat, wlat + dlat)
    ):
        d = geo.distance_m(wlon, wlat, v.wgs_lon, v.wgs_lat)
        if d <= metres:
            found_venues.append({"venue": v, "distance_m": round(d, 1)})
    visible = School.objects.filter(access.school_geometry_q(scope_for(user)) or Q(pk__in=[]))
    found_schools = []
    site_ids = set(
        ZoneSite.objects.filter(
            school_id__in=visible.values("pk"),
            min_lon__lte=wlon + dlon,
            max_lon__gte=wlon - dlon,
            min_lat__lte=wlat + dlat,
            max_lat__gte=wlat - dlat,
        ).values_list("school_id", flat=True)
    )
    names = dict(School.objects.filter(pk__in=site_ids).values_list("pk", "name"))
    for site in detection.sites_of(site_ids).values():
        gate_id, gate_d = detection.nearest_gate(site.gates, wlon, wlat)
        boundary_d = site.shape.measure(wlon, wlat) if site.shape else None
        measured = [d for d in (gate_d, boundary_d) if d is not None]
        if measured and min(measured) <= metres:
            found_schools.append(
                {
                    "school_id": site.school_id,
                    "name": names.get(site.school_id, ""),
                    "gate_distance_m": round(gate_d, 1) if gate_d is not None else None,
                    "boundary_distance_m": round(boundary_d, 1) if boundary_d is not None else None,
                }
            )
    found_venues.sort(key=lambda r: r["distance_m"])
    found_schools.sort(
        key=lambda r: min(
            x for x in (r["gate_distance_m"], r["boundary_distance_m"]) if x is not None
        )
    )
    return {
        "wgs84": [wlon, wlat],
        "metres": metres,
        "venues": found_venues,
        "schools": found_schools,
    }


def waiting_rule_distance(school) -> int | None:
    limits = [
        r.distance_m
        for r in ZoneRule.objects.for_bureau(school.bureau).filter(kind=RuleKind.WAITING_AREA)
        if r.applies_to_stage(school.stage)
    ]
    return min(limits) if limits else None


def case_evidence(user, pk, evidence_pk):
    """A photo or document of the case ``pk``, for the page and the API alike: the case read
    through the access check (outside the scope ``Http404``), the file one of that case's."""
    from django.http import Http404
    from django.utils.translation import gettext as _

    from safecampus.core.access import get_for, require
    from safecampus.core.capabilities import ZONE_VIEW

    from .models import ZoneCaseEvidence

    require(user, ZONE_VIEW, _("Your roles do not allow this."))
    case = get_for(user, ZoneCase, pk)
    evidence = ZoneCaseEvidence.objects.filter(case=case, pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    return evidence
