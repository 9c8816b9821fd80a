"""Which venues lie in which schools' zones, and the cases that follow.

Three steps, the same for one venue and for a whole province:

1. **Sites** (:func:`refresh_sites`): each school's gates and boundary converted once to WGS-84,
   the furthest its rules reach, the box of its zones, and the grid cells (``core.geo.cell_of``,
   about 1 km) that box overlaps, stored as ``ZoneSite`` and ``ZoneCell`` rows.
2. **Measuring** (:func:`measure`): a venue is measured only against the schools whose cells hold
   its own cell (one indexed read), and of those only where it lies in the school's box; then
   exactly, along the geodesic, from the line each rule names: the nearest gate, or the campus
   boundary (0 inside). A rule that measures from a boundary the school has not recorded yet is
   measured from its gates instead, and the hit says so.
3. **Cases** (:func:`sync`): the hits replace the venue's earlier ones; a venue still operating
   that lies in a school's zone has one open case for that school (opened once, revised when the
   distance changes); an open case whose venue no longer lies in the zone lapses.

A venue is measured against the schools of its own bureau and the bureaus below it (a city's
register covers its districts).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import F, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from shapely.geometry import Point

from safecampus.core import geo
from safecampus.core.db import in_write_transaction
from safecampus.orgs.models import Bureau, Department, PartnerCoverage, School, SchoolGate

from .choices import ACTIVE_VENUE, OPEN_CASE, CaseAction, HitLine, MeasureFrom, RuleKind
from .defaults import CONCERNED_PARTNERS, DEFAULT_DEPARTMENT_NAME
from .geometry import Shape
from .lifecycle import CASES
from .models import (
    SchoolBoundary,
    Venue,
    WaitingArea,
    ZoneCase,
    ZoneCaseEvent,
    ZoneCell,
    ZoneHit,
    ZoneRule,
    ZoneSettings,
    ZoneSite,
)

CHUNK = 2000
#: fewer rows than this are inserted the ordinary way (one venue entered by a user)
COPY_MIN = 20


def insert_rows(model, fields: list[str], rows: list[tuple], *, batch_size: int = 2000) -> None:
    """Insert ``rows`` (tuples of the ``fields``' column values, JSON fields already plain
    Python) into ``model``'s table: one ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql" and len(rows) >= COPY_MIN:
        meta = model._meta
        columns = [meta.get_field(f).column for f in fields]
        json_at = [
            i for i, f in enumerate(fields) if meta.get_field(f).get_internal_type() == "JSONField"
        ]
        sql = "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(meta.db_table),
            ", ".join(connection.ops.quote_name(c) for c in columns),
        )
        if connection.queries_logged:  # counted like any statement (tests, DEBUG)
            connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows", "time": "0.000"})
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            if json_at:
                for row in rows:
                    row = list(row)
                    for i in json_at:
                        row[i] = json.dumps(row[i], ensure_ascii=False)
                    copy.write_row(row)
            else:
                for row in rows:
                    copy.write_row(row)
        return
    model.objects.bulk_create(
        [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=batch_size
    )


def new_ids(model, n: int) -> list[int] | None:
    """``n`` fresh primary keys of ``model`` taken from its sequence (PostgreSQL, many rows),
    else None."""
    if connection.vendor != "postgresql" or n < COPY_MIN:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, n],
        )
        return [r[0] for r in cursor.fetchall()]


@dataclass
class Found:
    """A venue lies in a school's zone under a rule."""

    school_id: int
    rule_id: int
    line: str
    gate_id: int | None
    gate_name: str
    distance: float


class Measured:
    """What measuring and syncing read of a venue (a row, not a model instance)."""

    __slots__ = ("pk", "bureau_id", "kind", "status", "wgs_lon", "wgs_lat", "cell")

    def __init__(self, pk, bureau_id, kind, status, wgs_lon, wgs_lat, cell):
        self.pk, self.bureau_id, self.kind, self.status = pk, bureau_id, kind, status
        self.wgs_lon, self.wgs_lat, self.cell = wgs_lon, wgs_lat, cell

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_VENUE


class Site:
    """A school's zone geometry in memory (a ``ZoneSite`` row)."""

    __slots__ = ("school_id", "bureau_id", "stage", "gates", "ring", "box", "_shape")

    def __init__(self, school_id, bureau_id, stage, gates, ring, box):
        self.school_id, self.bureau_id, self.stage = school_id, bureau_id, stage
        self.gates, self.ring, self.box = gates, ring, box
        self._shape = None

    @classmethod
    def of(cls, row: ZoneSite) -> Site:
        box = (
            (row.min_lon, row.min_lat, row.max_lon, row.max_lat)
            if row.min_lon is not None
            else None
        )
        return cls(row.school_id, row.bureau_id, row.stage, row.gates, row.ring, box)

    @property
    def shape(self) -> Shape | None:
        if self._shape is None and self.ring:
            self._shape = Shape(self.ring)
        return self._shape

    def in_box(self, lon: float, lat: float) -> bool:
        box = self.box
        return box is not None and box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


# --- rules --------------------------------------------------------------------------------------


def ancestors(path: str, pk: int) -> list[int]:
    ids = [int(x) for x in (path or "").strip("/").split("/") if x]
    return ids or [pk]


def rules_by_bureau(bureau_ids: Iterable[int]) -> dict[int, list[ZoneRule]]:
    """The active rules that apply to each bureau's schools (national, own, from above)."""
    paths = dict(Bureau.objects.filter(pk__in=set(bureau_ids)).values_list("pk", "path"))
    chains = {pk: ancestors(path, pk) for pk, path in paths.items()}
    wanted = {b for chain in chains.values() for b in chain}
    rules = list(
        ZoneRule.objects.filter(Q(bureau__isnull=True) | Q(bureau_id__in=wanted), is_active=True)
    )
    return {
        pk: [r for r in rules if r.bureau_id is None or r.bureau_id in chain]
        for pk, chain in chains.items()
    }


def reach_of(rules: list[ZoneRule], stage: str) -> int:
    """How far (m) the exclusion rules of a school of ``stage`` reach."""
    return max(
        (r.distance_m for r in rules if r.kind == RuleKind.EXCLUSION and r.applies_to_stage(stage)),
        default=0,
    )


def subtree_ids(bureau_id: int) -> list[int]:
    """The bureau and every bureau below it (one query: its path, a prefix of theirs)."""
    ids = list(
        Bureau.objects.filter(
            Q(pk=bureau_id)
            | Q(
                path__startswith=Subquery(
                    Bureau.objects.filter(pk=bureau_id).exclude(path="").values("path")[:1]
                )
            )
        ).values_list("pk", flat=True)
    )
    return ids or [bureau_id]


def chain_ids(bureau_id: int) -> list[int]:
    path = Bureau.objects.filter(pk=bureau_id).values_list("path", flat=True).first()
    return ancestors(path or "", bureau_id)


# --- sites --------------------------------------------------------------------------------------


def fingerprint(bureau_id, stage, gates, ring, reach, box) -> str:
    """A digest of a site's derived geometry (what its row and its cells are made of)."""
    raw = repr((bureau_id, stage, gates, ring, reach, box, geo.CELL_DEGREES)).encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def refresh_sites(
    school_ids: Iterable[int], *, rules: dict | None = None, only_changed: bool = False
) -> dict[int, Site]:
    """Rebuild the zone sites and cells of ``school_ids`` from their gates and boundaries, and
    measure their waiting areas again. Returns the sites. With ``only_changed``, a site whose
    fingerprint is the stored one keeps its row and cells (a run over an unchanged province
    writes nothing)."""
    ids = sorted(set(school_ids))
    if not ids:
        return {}
    schools = list(School.objects.filter(pk__in=ids).values_list("pk", "bureau_id", "stage"))
    rules = rules if rules is not None else rules_by_bureau({b for _pk, b, _s in schools})
    gates = defaultdict(list)
    for pk, school_id, name, lon, lat, system in (
        SchoolGate.objects.filter(school_id__in=ids)
        .order_by("school_id", "id")
        .values_list("pk", "school_id", "name", "longitude", "latitude", "coord_system")
    ):
        if system in geo.SYSTEMS:
            wlon, wlat = geo.to_wgs84(lon, lat, system)
            gates[school_id].append([pk, name, round(wlon, 8), round(wlat, 8)])
    rings = dict(SchoolBoundary.objects.filter(school_id__in=ids).values_list("school_id", "wgs"))
    stored = (
        dict(ZoneSite.objects.filter(school_id__in=ids).values_list("school_id", "fingerprint"))
        if only_changed
        else {}
    )
    sites, rows, cells, changed = {}, [], [], []
    reaches: dict[tuple, int] = {}
    now = timezone.now()
    for pk, bureau_id, stage in schools:
        key = (bureau_id, stage)
        reach = reaches.get(key)
        if reach is None:
            reach = reaches[key] = reach_of(rules.get(bureau_id, []), stage)
        school_gates, ring = gates[pk], rings.get(pk)
        points = [(g[2], g[3]) for g in school_gates] + [tuple(v) for v in ring or []]
        box = None
        if points:
            lons, lats = [p[0] for p in points], [p[1] for p in points]
            dlon, dlat = geo.degrees_around(max(abs(min(lats)), abs(max(lats))), reach + 1.0)
            box = (min(lons) - dlon, min(lats) - dlat, max(lons) + dlon, max(lats) + dlat)
        sites[pk] = Site(pk, bureau_id, stage, school_gates, ring, box)
        digest = fingerprint(bureau_id, stage, school_gates, ring, reach, box)
        if only_changed and stored.get(pk) == digest:
            continue
        changed.append(pk)
        if box:
            cells.extend((c, pk, bureau_id) for c in geo.cells_covering(*box))
        rows.append(
            (
                pk,
                bureau_id,
                stage,
                school_gates,
                ring,
                reach,
                box[0] if box else None,
                box[1] if box else None,
                box[2] if box else None,
                box[3] if box else None,
                now,
                digest,
            )
        )
    # the sites of schools gone, and those rebuilt
    gone = [pk for pk in (stored if only_changed else ids) if pk not in sites]
    renew = changed + gone
    if renew:
        ZoneSite.objects.filter(school_id__in=renew).delete()
        insert_rows(ZoneSite, SITE_FIELDS, rows)
        ZoneCell.objects.filter(school_id__in=renew).delete()
        insert_rows(ZoneCell, ["cell", "school_id", "bureau_id"], cells, batch_size=5000)
    _measure_waiting_areas(ids, gates)
    return sites


SITE_FIELDS = [
    "school_id",
    "bureau_id",
    "stage",
    "gates",
    "ring",
    "reach_m",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "refreshed_at",
    "fingerprint",
]


def _measure_waiting_areas(ids: list[int], gates: dict) -> None:
    areas = []
    for area in WaitingArea.objects.filter(school_id__in=ids):
        found = nearest_gate(gates.get(area.school_id, []), area.wgs_lon, area.wgs_lat)
        if found != (area.nearest_gate_id, area.gate_distance_m):
            area.nearest_gate_id, area.gate_distance_m = found
            areas.append(area)
    if areas:
        WaitingArea.objects.bulk_update(areas, ["nearest_gate", "gate_distance_m"], batch_size=1000)


def nearest_gate(gates: list, lon: float, lat: float) -> tuple[int | None, float | None]:
    """The nearest of ``gates`` (``[id, name, lon, lat]`` in WGS-84) and its distance."""
    if not gates:
        return None, None
    n = len(gates)
    ds = geo.distances_m([lon] * n, [lat] * n, [g[2] for g in gates], [g[3] for g in gates])
    i = min(range(n), key=ds.__getitem__)
    return gates[i][0], ds[i]


def sites_of(school_ids: Iterable[int]) -> dict[int, Site]:
    return {
        row.school_id: Site.of(row)
        for row in ZoneSite.objects.filter(school_id__in=set(school_ids))
    }


# --- measuring ----------------------------------------------------------------------------------


def measure(lon: float, lat: float, kind: str, site: Site, rules: list[ZoneRule]) -> list[Found]:
    """The zones of ``site`` under ``rules`` that a venue of ``kind`` at (lon, lat) in WGS-84
    lies in, with the distance from each rule's line."""
    if not site.in_box(lon, lat):
        return []
    applicable = [r for r in rules if r.applies_to_venue(kind) and r.applies_to_stage(site.stage)]
    if not applicable:
        return []
    gate = boundary = None
    found = []
    for rule in applicable:
        if rule.measure_from == MeasureFrom.BOUNDARY and site.ring:
            if boundary is None:
                boundary = site.shape.measure(lon, lat)
            distance, line, gate_id, gate_name = boundary, HitLine.BOUNDARY, None, ""
        else:
            if not site.gates:
                continue
            if gate is None:
                gate = _nearest(site.gates, lon, lat)
            gate_id, gate_name, distance = gate
            line = HitLine.GATE if rule.measure_from == MeasureFrom.GATE else HitLine.GATES_INSTEAD
        if distance <= rule.distance_m:
            found.append(Found(site.school_id, rule.pk, line, gate_id, gate_name, distance))
    return found


def _nearest(gates: list, lon: float, lat: float) -> tuple[int, str, float]:
    pk, distance = nearest_gate(gates, lon, lat)
    name = next(g[1] for g in gates if g[0] == pk)
    return pk, name, distance


class Batch:
    """Many venues measured against their candidate sites at once: the same findings as
    :func:`measure` for each pair, but the box test and the rules first for every pair, then
    every geodesic distance of the batch (venue to each gate, venue to the nearest point of a
    boundary) in one vectorised ``pyproj`` call instead of one call per pair."""

    def __init__(self, rules: dict[int, list[ZoneRule]]):
        self.rules = rules
        self._applicable: dict[tuple, tuple] = {}
        self.lon1: list[float] = []
        self.lat1: list[float] = []
        self.lon2: list[float] = []
        self.lat2: list[float] = []
        #: (key, site, rules, gate slice or None, boundary index or None)
        self.pending: list[tuple] = []

    def applicable(self, bureau_id: int, stage: str, kind: str) -> tuple:
        key = (bureau_id, stage, kind)
        found = self._applicable.get(key)
        if found is None:
            found = tuple(
                r
                for r in self.rules.get(bureau_id, [])
                if r.applies_to_venue(kind) and r.applies_to_stage(stage)
            )
            self._applicable[key] = found
        return found

    def add(self, key, lon: float, lat: float, kind: str, site: Site) -> None:
        """Queue the venue ``key`` at (lon, lat) against ``site`` (nothing if out of its box or
        no rule applies)."""
        if not site.in_box(lon, lat):
            return
        rules = self.applicable(site.bureau_id, site.stage, kind)
        if not rules:
            return
        need_gate = need_boundary = False
        for rule in rules:
            if rule.measure_from == MeasureFrom.BOUNDARY and site.ring:
                need_boundary = True
            else:
                need_gate = True
        gates = boundary = None
        if need_gate and site.gates:
            start = len(self.lon1)
            for g in site.gates:
                self.lon1.append(lon)
                self.lat1.append(lat)
                self.lon2.append(g[2])
                self.lat2.append(g[3])
            gates = (start, len(self.lon1))
        if need_boundary:
            shape = site.shape
            point = Point(shape.plane.xy(lon, lat))
            if shape.polygon.contains(point):
                boundary = -1  # inside the campus: 0 m
            else:
                nearest = shape.exterior.interpolate(shape.exterior.project(point))
                nlon, nlat = shape.plane.lonlat(nearest.x, nearest.y)
                boundary = len(self.lon1)
                self.lon1.append(lon)
                self.lat1.append(lat)
                self.lon2.append(nlon)
                self.lat2.append(nlat)
        self.pending.append((key, site, rules, gates, boundary))

    def run(self) -> dict:
        """Every queued pair measured: ``{key: [Found, …]}`` (keys with no finding left out)."""
        out: dict = defaultdict(list)
        if not self.pending:
            return out
        distances = (
            geo.GEOD.inv(
                np.asarray(self.lon1, dtype=float),
                np.asarray(self.lat1, dtype=float),
                np.asarray(self.lon2, dtype=float),
                np.asarray(self.lat2, dtype=float),
            )[2].tolist()
            if self.lon1
            else []
        )
        for key, site, rules, gates, boundary in self.pending:
            gate = None
            if gates is not None:
                start, end = gates
                i = min(range(start, end), key=distances.__getitem__)
                g = site.gates[i - start]
                gate = (g[0], g[1], float(distances[i]))
            found = out[key]
            for rule in rules:
                if rule.measure_from == MeasureFrom.BOUNDARY and site.ring:
                    distance = 0.0 if boundary == -1 else float(distances[boundary])
                    line, gate_id, gate_name = HitLine.BOUNDARY, None, ""
                else:
                    if gate is None:
                        continue
                    gate_id, gate_name, distance = gate
                    line = (
                        HitLine.GATE
                        if rule.measure_from == MeasureFrom.GATE
                        else HitLine.GATES_INSTEAD
                    )
                if distance <= rule.distance_m:
                    found.append(Found(site.school_id, rule.pk, line, gate_id, gate_name, distance))
        return out


def candidates(cell: int, bureau_ids: Iterable[int]) -> list[int]:
    """The schools (of ``bureau_ids``) some zone of which reaches into ``cell``."""
    return list(
        ZoneCell.objects.filter(cell=cell, bureau_id__in=list(bureau_ids)).values_list(
            "school_id", flat=True
        )
    )


# --- cases --------------------------------------------------------------------------------------


class Context:
    """What syncing needs once per run: rules by id and bureau, each bureau's department."""

    def __init__(self, rules: dict[int, list[ZoneRule]] | None = None):
        self.rules = rules or {}
        self.by_id: dict[int, ZoneRule] = {r.pk: r for rs in self.rules.values() for r in rs}
        self.departments: dict[int, int | None] = {}
        #: the bureau of each school measured (filled from the sites, saves a query in sync)
        self.school_bureau: dict[int, int] = {}

    def know(self, sites: Iterable[Site]) -> None:
        self.school_bureau.update((site.school_id, site.bureau_id) for site in sites)

    def need(self, bureau_ids: Iterable[int]) -> None:
        missing = set(bureau_ids) - set(self.rules)
        if missing:
            for pk, rules in rules_by_bureau(missing).items():
                self.rules[pk] = rules
                self.by_id.update({r.pk: r for r in rules})

    def department(self, bureau_id: int) -> int | None:
        if bureau_id not in self.departments:
            chosen = (
                ZoneSettings.objects.filter(bureau_id=bureau_id)
                .values_list("department_id", flat=True)
                .first()
            )
            if chosen is None:
                chosen = (
                    Department.objects.filter(bureau_id=bureau_id, name=DEFAULT_DEPARTMENT_NAME)
                    .values_list("pk", flat=True)
                    .first()
                )
            self.departments[bureau_id] = chosen
        return self.departments[bureau_id]


def describe(hits: list[Found], rules: dict[int, ZoneRule]) -> str:
    """The finding in words: each rule broken, the line and the distance."""
    parts = []
    for hit in sorted(hits, key=lambda h: h.distance):
        rule = rules[hit.rule_id]
        if hit.line == HitLine.BOUNDARY:
            where = _("the campus boundary") if hit.distance > 0 else _("inside the campus")
        elif hit.line == HitLine.GATE:
            where = hit.gate_name or _("the gate")
        else:
            where = _("%(gate)s (no boundary recorded)") % {"gate": hit.gate_name or _("the gate")}
        parts.append(
            _("%(rule)s: %(distance).0f m from %(where)s (limit %(limit)d m)")
            % {
                "rule": rule.name,
                "distance": hit.distance,
                "where": where,
                "limit": rule.distance_m,
            }
        )
    return "；".join(parts)[:400]


def _local_date(now: datetime.datetime) -> datetime.date:
    return timezone.localtime(now).date()


def sync(
    venues: list[Venue],
    found: dict[int, list[Found]],
    *,
    now: datetime.datetime,
    ctx: Context,
    schools: set[int] | None = None,
    span: tuple[int, int, list[int]] | None = None,
) -> Counter:
    """Write what measuring found for ``venues`` (restricted to ``schools`` when given): their
    hits, the cases opened, revised and lapsed. Returns the counts."""
    counts: Counter = Counter()
    if not venues:
        return counts
    venue_ids = [v.pk for v in venues]
    by_venue = {v.pk: v for v in venues}
    if span is not None:
        # ``venues`` are every venue of the bureaus ``span[2]`` with a key from ``span[0]`` to
        # ``span[1]``: a key range reads the same rows as a long list of keys (those of other
        # bureaus in the range are left aside below)
        lo, hi, bureaus = span
        hits = ZoneHit.objects.filter(venue_id__gte=lo, venue_id__lte=hi)
        cases = ZoneCase.objects.filter(venue_id__gte=lo, venue_id__lte=hi, status__in=OPEN_CASE)
        checked = Venue.objects.filter(pk__gte=lo, pk__lte=hi, bureau_id__in=bureaus)
    else:
        # a request's check (a venue registered or moved, a school's gates or boundary changed):
        # two of them on the same venue wait for each other here, in key order, so they never
        # both open its case
        if connection.in_atomic_block:  # the request's transaction (a script may run without)
            list(
                Venue.objects.select_for_update()
                .filter(pk__in=venue_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        hits = ZoneHit.objects.filter(venue_id__in=venue_ids)
        cases = ZoneCase.objects.filter(venue_id__in=venue_ids, status__in=OPEN_CASE)
        checked = Venue.objects.filter(pk__in=venue_ids)
    if schools is not None:
        hits, cases = hits.filter(school_id__in=schools), cases.filter(school_id__in=schools)
    school_bureau = ctx.school_bureau
    unknown = {f.school_id for fs in found.values() for f in fs} - set(school_bureau)
    if unknown:
        school_bureau.update(School.objects.filter(pk__in=unknown).values_list("pk", "bureau_id"))
    # the hits replace the venue's earlier ones; those found again unchanged are kept as they
    # are (a second run over an unchanged province writes no hit at all)
    wanted = {
        (venue_id, f.school_id, f.rule_id, f.line, f.gate_id, f.gate_name[:32]): round(
            f.distance, 2
        )
        for venue_id, fs in found.items()
        if venue_id in by_venue
        for f in fs
        if schools is None or f.school_id in schools
    }
    stale = []
    for pk, *key, distance in hits.values_list(
        "pk", "venue_id", "school_id", "rule_id", "line", "gate_id", "gate_name", "distance_m"
    ):
        key = tuple(key)
        if key[0] not in by_venue:
            continue
        if key in wanted and wanted[key] == distance:
            del wanted[key]
        else:
            stale.append(pk)
    if stale:
        ZoneHit.objects.filter(pk__in=stale).delete()
    gate_ids = {key[4] for key in wanted if key[4] is not None}
    if gate_ids:
        # a site built before its school's gates were replaced names gates that are gone
        gone = gate_ids - set(
            SchoolGate.objects.filter(pk__in=gate_ids).values_list("pk", flat=True)
        )
        if gone:
            wanted = {
                (k[0], k[1], k[2], k[3], None if k[4] in gone else k[4], k[5]): d
                for k, d in wanted.items()
            }
    insert_rows(
        ZoneHit,
        HIT_FIELDS,
        [
            (venue_id, school_id, school_bureau[school_id], rule_id, line, gate_id, name, d, now)
            for (venue_id, school_id, rule_id, line, gate_id, name), d in wanted.items()
        ],
    )
    open_cases = {(c.venue_id, c.school_id): c for c in cases if c.venue_id in by_venue}
    new: list[tuple[ZoneCase, list[Found]]] = []
    revisions: list[tuple] = []
    today = _local_date(now)
    with translation.override(settings.LANGUAGE_CODE):
        for venue in venues:
            grouped: dict[int, list[Found]] = defaultdict(list)
            for f in found.get(venue.pk, []):
                if schools is None or f.school_id in schools:
                    grouped[f.school_id].append(f)
            for school_id, school_hits in grouped.items():
                case = open_cases.pop((venue.pk, school_id), None)
                distance = round(min(h.distance for h in school_hits), 2)
                codes = sorted(ctx.by_id[h.rule_id].code for h in school_hits)
                if case is not None:
                    if abs(case.distance_m - distance) >= 0.5 or case.rule_codes != codes:
                        summary = describe(school_hits, ctx.by_id)
                        revisions.append((case, distance, summary, codes))
                    continue
                if not venue.is_active:
                    continue
                days = min(ctx.by_id[h.rule_id].days for h in school_hits)
                bureau_id = school_bureau[school_id]
                new.append(
                    (
                        ZoneCase(
                            bureau_id=bureau_id,
                            school_id=school_id,
                            venue_id=venue.pk,
                            venue_kind=venue.kind,
                            department_id=ctx.department(bureau_id),
                            status="open",
                            distance_m=distance,
                            summary=describe(school_hits, ctx.by_id),
                            rule_codes=codes,
                            deadline=today + datetime.timedelta(days=days),
                            opened_at=now,
                            status_changed_at=now,
                        ),
                        school_hits,
                    )
                )
    for case, distance, summary, codes in revisions:
        _revise(case, distance, summary, codes, now)
        counts["revised"] += 1
    for case in open_cases.values():
        _lapse(case, now)
        counts["lapsed"] += 1
    if new:
        _open(new, by_venue, now)
        counts["opened"] += len(new)
    checked.update(checked_at=now)
    return counts


def _open(new: list[tuple[ZoneCase, list[Found]]], by_venue: dict[int, Venue], now) -> None:
    ids = new_ids(ZoneCase, len(new))
    if ids is not None:  # PostgreSQL: keys from the sequence, the rows by COPY
        created = [c for c, _h in new]
        for case, pk in zip(created, ids, strict=True):
            case.pk = pk
        insert_rows(
            ZoneCase, CASE_FIELDS, [tuple(getattr(c, f) for f in CASE_FIELDS) for c in created]
        )
    else:
        created = ZoneCase.objects.bulk_create([c for c, _h in new], batch_size=1000)
    if created and created[0].pk is None:  # a backend that does not return keys
        keys = {(c.venue_id, c.school_id) for c in created}
        ids = {
            (v, s): pk
            for pk, v, s in ZoneCase.objects.filter(
                venue_id__in={k[0] for k in keys}, status="open", opened_at=now
            ).values_list("pk", "venue_id", "school_id")
        }
        for case in created:
            case.pk = ids[(case.venue_id, case.school_id)]
    venue_ids = {c.venue_id for c in created}
    school_ids = {c.school_id for c in created}
    named = defaultdict(set)
    for venue_id, partner_id in Venue.partners.through.objects.filter(
        venue_id__in=venue_ids
    ).values_list("venue_id", "partnerunit_id"):
        named[venue_id].add(partner_id)
    covering = defaultdict(list)
    for school_id, partner_id, kind in PartnerCoverage.objects.filter(
        school_id__in=school_ids
    ).values_list("school_id", "partner_id", "partner__kind"):
        covering[school_id].append((partner_id, kind))
    links, events = [], []
    through = ZoneCase.partners.through
    engine = CaseAction.OPEN
    for case in created:
        kinds = set(CONCERNED_PARTNERS.get(case.venue_kind, []))
        partners = set(named[case.venue_id]) | {
            p for p, k in covering[case.school_id] if k in kinds
        }
        links.extend((case.pk, p) for p in sorted(partners))
        events.append(
            (
                case.pk,
                engine,
                "",
                "open",
                None,
                "engine",
                now,
                "",
                {
                    "distance_m": case.distance_m,
                    "rules": case.rule_codes,
                    "partners": sorted(partners),
                    "deadline": case.deadline.isoformat() if case.deadline else None,
                },
            )
        )
    insert_rows(through, ["zonecase_id", "partnerunit_id"], links)
    insert_rows(ZoneCaseEvent, EVENT_FIELDS, events)


HIT_FIELDS = [
    "venue_id",
    "school_id",
    "bureau_id",
    "rule_id",
    "line",
    "gate_id",
    "gate_name",
    "distance_m",
    "checked_at",
]
CASE_FIELDS = [
    "id",
    "bureau_id",
    "school_id",
    "venue_id",
    "venue_kind",
    "department_id",
    "status",
    "distance_m",
    "summary",
    "rule_codes",
    "deadline",
    "opened_at",
    "closed_at",
    "version",
    "status_changed_at",
]
EVENT_FIELDS = [
    "case_id",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_role",
    "at",
    "note",
    "data",
]


def _engine_event(case, action, now, data):
    def event(from_status, to_status):
        return ZoneCaseEvent.objects.create(
            case=case,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=None,
            actor_role="engine",
            at=now,
            data=data,
        )

    return event


def _revise(case: ZoneCase, distance: float, summary: str, codes: list[str], now) -> None:
    move = CASES.check(case, CaseAction.REVISE, {"engine"})
    data = {"distance_m": [case.distance_m, distance], "rules": [case.rule_codes, codes]}
    case.distance_m, case.summary, case.rule_codes = distance, summary, codes
    CASES.commit(
        case,
        move,
        event=_engine_event(case, CaseAction.REVISE, now, data),
        now=now,
        update_fields=["distance_m", "summary", "rule_codes"],
    )


def _lapse(case: ZoneCase, now) -> None:
    move = CASES.check(case, CaseAction.LAPSE, {"engine"})
    CASES.commit(case, move, event=_engine_event(case, CaseAction.LAPSE, now, {}), now=now)


# --- the three ways in ----------------------------------------------------------------------------


def check_venues(venues: list[Venue], *, now, ctx: Context | None = None) -> Counter:
    """Measure ``venues`` (any bureau) against every school whose zones reach them, and sync."""
    ctx = ctx or Context()
    if not venues:
        return Counter()
    trees = {b: subtree_ids(b) for b in {v.bureau_id for v in venues}}
    cells = defaultdict(set)
    for cell, school_id, bureau_id in ZoneCell.objects.filter(
        cell__in={v.cell for v in venues},
        bureau_id__in={b for tree in trees.values() for b in tree},
    ).values_list("cell", "school_id", "bureau_id"):
        cells[cell].add((school_id, bureau_id))
    sites = sites_of({s for pairs in cells.values() for s, _b in pairs})
    ctx.need({s.bureau_id for s in sites.values()})
    ctx.know(sites.values())
    batch = Batch(ctx.rules)
    for venue in venues:
        tree = set(trees[venue.bureau_id])
        for school_id, bureau_id in cells.get(venue.cell, ()):
            if bureau_id in tree and school_id in sites:
                batch.add(venue.pk, venue.wgs_lon, venue.wgs_lat, venue.kind, sites[school_id])
    measured = batch.run()
    found = {venue.pk: measured.get(venue.pk, []) for venue in venues}
    return sync(venues, found, now=now, ctx=ctx)


def check_school(school_id: int, *, now) -> Counter:
    """After a school's gates, boundary or stage changed: rebuild its site and measure the
    venues around it (and those it had cases with) against it alone."""
    bureau_id = School.objects.filter(pk=school_id).values_list("bureau_id", flat=True).first()
    if bureau_id is None:
        return Counter()
    ctx = Context()
    ctx.need([bureau_id])
    site = refresh_sites([school_id], rules=ctx.rules).get(school_id)
    if site is None:
        return Counter()
    ctx.know([site])
    chain = ancestors(
        Bureau.objects.filter(pk=bureau_id).values_list("path", flat=True).first() or "",
        bureau_id,
    )
    cells = geo.cells_covering(*site.box) if site.box else []
    # the venues around it, and those it had hits or open cases with (three indexed reads)
    ids = set(Venue.objects.filter(cell__in=cells).values_list("pk", flat=True)) if cells else set()
    ids.update(ZoneHit.objects.filter(school_id=school_id).values_list("venue_id", flat=True))
    ids.update(
        ZoneCase.objects.filter(school_id=school_id, status__in=OPEN_CASE).values_list(
            "venue_id", flat=True
        )
    )
    venues = list(Venue.objects.filter(pk__in=ids)) if ids else []
    batch = Batch(ctx.rules)
    for v in venues:
        # a venue of another bureau (the school moved out of its subtree) is no longer
        # measured against it: its hits go and its open cases lapse
        if v.bureau_id in chain:
            batch.add(v.pk, v.wgs_lon, v.wgs_lat, v.kind, site)
    measured = batch.run()
    found = {v.pk: measured.get(v.pk, []) for v in venues}
    return sync(venues, found, now=now, ctx=ctx, schools={school_id})


def recheck_bureau(
    bureau_id: int, *, now, progress: Callable[[int, int], None] | None = None
) -> Counter:
    """Check every venue of the bureau's subtree against every school of it again."""
    tree = subtree_ids(bureau_id)
    ctx = Context(rules_by_bureau(tree))
    school_ids = list(School.objects.filter(bureau_id__in=tree).values_list("pk", flat=True))
    # schools handed to another bureau since their sites were built: rebuilt under their new one
    left = list(
        ZoneSite.objects.filter(bureau_id__in=tree)
        .exclude(school__bureau_id=F("bureau_id"))
        .values_list("school_id", flat=True)
    )
    if left:
        in_write_transaction(lambda: refresh_sites(left))
    sites: dict[int, Site] = {}
    for start in range(0, len(school_ids), 5000):
        part = school_ids[start : start + 5000]
        sites.update(
            in_write_transaction(
                lambda part=part: refresh_sites(part, rules=ctx.rules, only_changed=True)
            )
        )
    # the schools some zone of which reaches each cell, by their bureau: a venue is measured
    # against the schools of its own bureau and the bureaus below it only
    cells: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for cell, school_id, school_bureau in ZoneCell.objects.filter(bureau_id__in=tree).values_list(
        "cell", "school_id", "bureau_id"
    ):
        cells[cell][school_bureau].append(school_id)
    below = defaultdict(set)  # bureau -> itself and the bureaus below it
    for pk, path in Bureau.objects.filter(pk__in=tree).values_list("pk", "path"):
        for above in ancestors(path, pk):
            below[above].add(pk)
    ctx.know(sites.values())
    venue_ids = list(
        Venue.objects.filter(bureau_id__in=tree).order_by("pk").values_list("pk", flat=True)
    )
    counts: Counter = Counter()
    total = len(venue_ids)
    for start in range(0, total, CHUNK):
        part = venue_ids[start : start + CHUNK]
        chunk = [
            Measured(*values)
            for values in Venue.objects.filter(
                bureau_id__in=tree, pk__gte=part[0], pk__lte=part[-1]
            )
            .order_by("pk")
            .values_list(*Measured.__slots__)
        ]
        batch = Batch(ctx.rules)
        for venue in chunk:
            by_bureau = cells.get(venue.cell)
            if not by_bureau:
                continue
            mine = below[venue.bureau_id]
            for school_bureau, school_ids_in_cell in by_bureau.items():
                if school_bureau not in mine:
                    continue
                for school_id in school_ids_in_cell:
                    site = sites.get(school_id)
                    if site is not None:
                        batch.add(venue.pk, venue.wgs_lon, venue.wgs_lat, venue.kind, site)
        measured = batch.run()
        found = {venue.pk: measured.get(venue.pk, []) for venue in chunk}
        counts += in_write_transaction(
            lambda chunk=chunk, found=found, part=part: sync(
                chunk, found, now=now, ctx=ctx, span=(part[0], part[-1], tree)
            )
        )
        counts["venues"] += len(chunk)
        if progress:
            progress(min(start + CHUNK, total), total)
    counts["schools"] = len(school_ids)
    return counts
