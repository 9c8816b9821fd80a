"""Campus boundaries: reading them (GeoJSON, KML, a list of vertices), checking them, and
measuring from them.

A boundary is one closed ring. Shapely decides whether it is a valid polygon (no self-crossing,
at least three corners). Distances from a boundary are found in two steps: the nearest point of
the ring to a venue, in a plane laid on the ground at the school (metres east and north of a
corner, at the scale the ellipsoid has there: over a few hundred metres the plane's error is
centimetres), then the geodesic distance from the venue to that point on the ellipsoid
(``core.geo``), which is the figure reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from xml.etree import ElementTree

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import Point, Polygon
from shapely.validation import explain_validity

from safecampus.core import geo

#: a boundary this far (m) from every gate of its school is refused: the gates stand on it
GATE_TOLERANCE_M = 150.0
#: the most vertices a boundary may have
MAX_VERTICES = 2000
#: the largest campus we accept (km²): a boundary larger than this is a mistake
MAX_AREA_M2 = 5_000_000.0


class BoundaryError(ValueError):
    """Every problem found in a boundary, as messages for the user."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# --- a plane laid on the ground -----------------------------------------------------------------


@dataclass(frozen=True)
class Plane:
    """Metres east and north of (lon0, lat0), at the ellipsoid's scale there."""

    lon0: float
    lat0: float
    kx: float
    ky: float

    @classmethod
    def at(cls, lon0: float, lat0: float) -> Plane:
        east, _lat = geo.offset(lon0, lat0, 90.0, 500.0)
        _lon, north = geo.offset(lon0, lat0, 0.0, 500.0)
        _lon, south = geo.offset(lon0, lat0, 180.0, 500.0)
        return cls(lon0, lat0, 500.0 / (east - lon0), 1000.0 / (north - south))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        return self.lon0 + x / self.kx, self.lat0 + y / self.ky


class Shape:
    """A school's boundary ring (WGS-84) ready for measuring."""

    def __init__(self, ring: list[list[float]]):
        self.plane = Plane.at(ring[0][0], ring[0][1])
        self.polygon = Polygon([self.plane.xy(lon, lat) for lon, lat in ring])
        shapely.prepare(self.polygon)
        self.exterior = self.polygon.exterior

    def measure(self, lon: float, lat: float) -> float:
        """The geodesic distance (m) from the point to the boundary; 0 inside the campus."""
        point = Point(self.plane.xy(lon, lat))
        if self.polygon.contains(point):
            return 0.0
        nearest = self.exterior.interpolate(self.exterior.project(point))
        nlon, nlat = self.plane.lonlat(nearest.x, nearest.y)
        return geo.distance_m(lon, lat, nlon, nlat)

    def contains(self, lon: float, lat: float) -> bool:
        return self.polygon.contains(Point(self.plane.xy(lon, lat)))

    def area_m2(self) -> float:
        return float(self.polygon.area)


# --- checking a ring ----------------------------------------------------------------------------


def ring_problems(vertices: list, system: str) -> list[str]:
    """Why ``vertices`` (``[[lon, lat], …]`` in ``system``, first repeated last) cannot be a
    campus boundary; empty when it can."""
    problems: list[str] = []
    if not system:
        return [geo.point_problem(0, 0, system)]
    if system not in geo.SYSTEMS:
        return [geo.point_problem(0, 0, system)]
    if not isinstance(vertices, list) or len(vertices) < 4:
        return [_("A boundary needs at least three corners, and the first repeated at the end.")]
    if len(vertices) > MAX_VERTICES:
        return [_("A boundary may have at most %(n)d corners.") % {"n": MAX_VERTICES}]
    points = []
    for i, vertex in enumerate(vertices, start=1):
        if not isinstance(vertex, list | tuple) or len(vertex) < 2:
            problems.append(_("Corner %(n)d is not a longitude and a latitude.") % {"n": i})
            continue
        why = geo.point_problem(vertex[0], vertex[1], system)
        if why:
            problems.append(_("Corner %(n)d: %(why)s") % {"n": i, "why": why})
            continue
        points.append((geo.number(vertex[0]), geo.number(vertex[1])))
    if problems:
        return problems
    if points[0] != points[-1]:
        return [
            _(
                "The boundary is not closed: its last corner must repeat the first "
                "(%(lon)s, %(lat)s)."
            )
            % {"lon": points[0][0], "lat": points[0][1]}
        ]
    if len(set(points[:-1])) < 3:
        return [_("A boundary needs at least three different corners.")]
    wgs = [geo.to_wgs84(lon, lat, system) for lon, lat in points]
    plane = Plane.at(*wgs[0])
    polygon = Polygon([plane.xy(lon, lat) for lon, lat in wgs])
    if not polygon.is_valid:
        reason = explain_validity(polygon)
        where = re.search(r"\[([-\d.e]+)\s+([-\d.e]+)\]", reason)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            if where:
                lon, lat = plane.lonlat(float(where[1]), float(where[2]))
                lon, lat = geo.from_wgs84(lon, lat, system)
                return [
                    _("The boundary crosses itself near (%(lon).6f, %(lat).6f).")
                    % {"lon": lon, "lat": lat}
                ]
            return [_("The boundary crosses itself.")]
        return [_("The corners do not make a valid polygon (%(why)s).") % {"why": reason}]
    if polygon.area > MAX_AREA_M2:
        return [
            _("The boundary encloses %(km).1f km², far more than a campus: check the corners.")
            % {"km": polygon.area / 1e6}
        ]
    return []


def gate_problems(wgs_ring: list[list[float]], gates: list[tuple[str, float, float]]) -> list[str]:
    """Refuse a boundary that no gate of the school stands near: ``gates`` are (name, lon, lat)
    in WGS-84."""
    if not gates:
        return []
    shape = Shape(wgs_ring)
    distances = [(shape.measure(lon, lat), name) for name, lon, lat in gates]
    nearest, name = min(distances)
    if nearest > GATE_TOLERANCE_M:
        return [
            _(
                "The boundary lies %(m).0f m from the nearest gate (%(gate)s): gates stand on "
                "the boundary. Check that the corners and the gates use the coordinate system "
                "you chose."
            )
            % {"m": nearest, "gate": name}
        ]
    return []


def to_wgs(vertices: list, system: str) -> list[list[float]]:
    return [list(geo.to_wgs84(v[0], v[1], system)) for v in vertices]


def area_m2(wgs_ring: list[list[float]]) -> float:
    return Shape(wgs_ring).area_m2()


def buffered_outline(wgs_ring: list[list[float]], metres: float, *, segments: int = 8) -> list:
    """The ring grown outwards by ``metres`` (for drawing a zone measured from the boundary)."""
    shape = Shape(wgs_ring)
    grown = shape.polygon.buffer(metres, quad_segs=segments)
    return [list(shape.plane.lonlat(x, y)) for x, y in grown.exterior.coords]


# --- reading a file ------------------------------------------------------------------------------

MAX_FILE_BYTES = 2 * 1024 * 1024


def _closed(ring: list) -> list:
    return [[c[0], c[1]] for c in ring]


def parse_geojson(text: str) -> list:
    """The outer ring of the first polygon in a GeoJSON text (Polygon, MultiPolygon, Feature or
    FeatureCollection), as written."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BoundaryError(
            [_("The file is not valid GeoJSON (%(why)s).") % {"why": exc}]
        ) from None
    geometry = data
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        geometry = next(
            (
                f.get("geometry")
                for f in features
                if isinstance(f, dict)
                and isinstance(f.get("geometry"), dict)
                and f["geometry"].get("type") in ("Polygon", "MultiPolygon")
            ),
            None,
        )
    elif isinstance(data, dict) and data.get("type") == "Feature":
        geometry = data.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise BoundaryError([_("The GeoJSON holds no polygon.")])
    coords = geometry.get("coordinates") or []
    try:
        if geometry["type"] == "MultiPolygon":
            coords = coords[0] if coords else []
        ring = coords[0] if coords else None
        if not isinstance(ring, list) or not all(isinstance(c, list) and len(c) >= 2 for c in ring):
            raise BoundaryError([_("The GeoJSON polygon has no corners.")])
        return _closed(ring)
    except (TypeError, KeyError, IndexError):
        raise BoundaryError([_("The GeoJSON polygon has no corners.")]) from None


def parse_kml(text: str) -> list:
    """The outer ring of the first polygon of a KML text, as written (``lon,lat[,alt]``)."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise BoundaryError([_("The KML file declares entities, which are not accepted.")])
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise BoundaryError([_("The file is not valid KML (%(why)s).") % {"why": exc}]) from None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "outerBoundaryIs":
            continue
        for child in element.iter():
            if child.tag.rsplit("}", 1)[-1] == "coordinates" and child.text:
                ring = []
                for chunk in child.text.split():
                    parts = chunk.split(",")
                    if len(parts) < 2:
                        raise BoundaryError(
                            [
                                _("A KML coordinate “%(c)s” is not “longitude,latitude”.")
                                % {"c": chunk}
                            ]
                        )
                    ring.append([parts[0], parts[1]])
                return ring
    raise BoundaryError([_("The KML holds no polygon.")])


def parse_upload(name: str, data: bytes) -> list:
    """The ring of an uploaded GeoJSON or KML file."""
    if len(data) > MAX_FILE_BYTES:
        raise BoundaryError([_("The file is larger than 2 MB.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BoundaryError([_("The file is not UTF-8 text.")]) from None
    lower = (name or "").lower()
    if lower.endswith(".kml") or text.lstrip().startswith("<"):
        return parse_kml(text)
    return parse_geojson(text)
