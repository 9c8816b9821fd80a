"""Coordinates as Chinese maps give them, and distances on the ellipsoid (DOMAIN.md §9).

Every coordinate keeps the system it was entered in: WGS-84 from a phone's GPS, GCJ-02 from Amap
or Tencent, BD-09 from Baidu. Mixing them shifts a point by 500–1,200 m in our districts, so a
point without its system is refused (:func:`point_problem`), and every measurement first converts
to WGS-84 (:func:`to_wgs84`, prcoords' precise inverse) and then measures along the geodesic on
the WGS-84 ellipsoid (pyproj's ``Geod``, Karney's algorithm). Neither the conversion nor the
distance is written here by hand.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import prcoords
from django.utils.translation import gettext as _
from pyproj import Geod

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)

#: the box that holds China's territory with its islands (the gates' validators use the same)
LON_MIN, LON_MAX = 73.0, 136.0
LAT_MIN, LAT_MAX = 3.0, 54.0

GEOD = Geod(ellps="WGS84")

_TO_WGS = {
    WGS84: lambda c: c,
    GCJ02: lambda c: prcoords.gcj_wgs_bored(c, False),
    BD09: lambda c: prcoords.bd_wgs_bored(c, False),
}
_FROM_WGS = {
    WGS84: lambda c: c,
    GCJ02: lambda c: prcoords.wgs_gcj(c, False),
    BD09: lambda c: prcoords.wgs_bd(c, False),
}


def system_label(system: str) -> str:
    return {
        WGS84: _("WGS-84 (GPS)"),
        GCJ02: _("GCJ-02 (Amap/Tencent)"),
        BD09: _("BD-09 (Baidu)"),
    }.get(system, system)


def parse_system(raw) -> str | None:
    """A coordinate system as people write it in a workbook (``GCJ-02``, ``高德``, ``百度``,
    ``GPS``…), or ``None`` when it is not one of the three."""
    text = str(raw or "").strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    aliases = {
        WGS84: ("wgs84", "gps", "wgs", "手机gps", "卫星定位", "天地图", "cgcs2000"),
        GCJ02: ("gcj02", "gcj", "高德", "腾讯", "火星", "高德地图", "腾讯地图", "国测局"),
        BD09: ("bd09", "bd", "百度", "百度地图", "bd09ll"),
    }
    for system, names in aliases.items():
        if text in names:
            return system
    return None


def number(raw) -> float | None:
    """A coordinate as a float, or ``None`` when it is not a finite number."""
    if raw is None or raw == "":
        return None
    try:
        value = float(Decimal(str(raw).strip()))
    except (InvalidOperation, ValueError):
        return None
    return value if math.isfinite(value) else None


def in_china(lon: float, lat: float) -> bool:
    return LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX


def point_problem(lon, lat, system) -> str | None:
    """Why a point cannot be used (in the user's language), or ``None``."""
    if not system:
        return _(
            "The coordinate system is missing: say whether the point comes from a phone's GPS "
            "(WGS-84), Amap or Tencent (GCJ-02) or Baidu (BD-09)."
        )
    if system not in SYSTEMS:
        return _("“%(system)s” is not a coordinate system: use WGS-84, GCJ-02 or BD-09.") % {
            "system": system
        }
    x, y = number(lon), number(lat)
    if x is None or y is None:
        return _("Longitude and latitude must both be numbers in degrees.")
    if not in_china(x, y):
        if in_china(y, x):
            return _(
                "Longitude and latitude look swapped (%(lon)s, %(lat)s): in China the longitude "
                "is between 73 and 136 and the latitude between 3 and 54."
            ) % {"lon": lon, "lat": lat}
        return _("The point (%(lon)s, %(lat)s) lies outside China.") % {"lon": lon, "lat": lat}
    return None


def to_wgs84(lon, lat, system: str) -> tuple[float, float]:
    """The point in WGS-84 (longitude, latitude)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = _TO_WGS[system](prcoords.Coords(float(lat), float(lon)))
    return c.lon, c.lat


def from_wgs84(lon, lat, system: str) -> tuple[float, float]:
    """A WGS-84 point in ``system`` (for a map whose tiles use it, or for tests)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = _FROM_WGS[system](prcoords.Coords(float(lat), float(lon)))
    return c.lon, c.lat


def convert(lon, lat, source: str, target: str) -> tuple[float, float]:
    if source == target:
        return float(lon), float(lat)
    return from_wgs84(*to_wgs84(lon, lat, source), target)


def distance_m(lon1, lat1, lon2, lat2) -> float:
    """The geodesic distance in metres between two WGS-84 points."""
    _az1, _az2, dist = GEOD.inv(float(lon1), float(lat1), float(lon2), float(lat2))
    return float(dist)


def distances_m(
    lons1: Sequence[float], lats1: Sequence[float], lons2: Sequence[float], lats2: Sequence[float]
) -> list[float]:
    """Geodesic distances of many pairs in one call (vectorised in PROJ)."""
    if not lons1:
        return []
    _az1, _az2, dist = GEOD.inv(list(lons1), list(lats1), list(lons2), list(lats2))
    return [float(d) for d in dist]


def offset(lon, lat, azimuth_deg: float, metres: float) -> tuple[float, float]:
    """The WGS-84 point ``metres`` from (lon, lat) along ``azimuth_deg`` (0 = north)."""
    x, y, _back = GEOD.fwd(float(lon), float(lat), azimuth_deg, metres)
    return float(x), float(y)


def degrees_around(lat: float, metres: float) -> tuple[float, float]:
    """How many degrees of longitude and latitude ``metres`` make at latitude ``lat`` (a little
    more than enough, for a bounding box)."""
    lon_e, _ = offset(0.0, lat, 90.0, metres)
    _, lat_n = offset(0.0, lat, 0.0, metres)
    _, lat_s = offset(0.0, lat, 180.0, metres)
    return abs(lon_e) * 1.001 + 1e-7, max(abs(lat_n - lat), abs(lat - lat_s)) * 1.001 + 1e-7


#: grid cells of the spatial prefilter: 0.01° of latitude and longitude (about 1.1 km × 1 km)
CELL_DEGREES = 0.01
_CELL_ROW = 40000


def cell_of(lon: float, lat: float) -> int:
    """The grid cell a WGS-84 point lies in (an integer key, indexed)."""
    return int(math.floor(lat / CELL_DEGREES)) * _CELL_ROW + int(math.floor(lon / CELL_DEGREES))


def cells_covering(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[int]:
    """Every grid cell a WGS-84 box overlaps."""
    x0, x1 = int(math.floor(min_lon / CELL_DEGREES)), int(math.floor(max_lon / CELL_DEGREES))
    y0, y1 = int(math.floor(min_lat / CELL_DEGREES)), int(math.floor(max_lat / CELL_DEGREES))
    return [y * _CELL_ROW + x for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]


__all__ = [
    "BD09",
    "GCJ02",
    "SYSTEMS",
    "WGS84",
    "cell_of",
    "cells_covering",
    "convert",
    "degrees_around",
    "distance_m",
    "distances_m",
    "from_wgs84",
    "in_china",
    "number",
    "offset",
    "parse_system",
    "point_problem",
    "system_label",
    "to_wgs84",
]
