"""Coordinate systems and distances (DOMAIN.md §9), through ``core.geo`` alone.

Reference vectors, each published with its library's own tests:

- eviltransform (googollee/eviltransform, ``python/test.py``, ``TESTS``): WGS-84 → GCJ-02 in
  Shanghai, Shenzhen and Beijing, given there as (lat, lng) and asserted to 6 decimals;
- coordtransform (wandergis/coordtransform, ``test/app.js``, and its Rust port coordtransform-rs,
  whose unit tests repeat the same figures): the point (116.404, 39.915) taken as each system in
  turn. Its inverses (GCJ-02 → WGS-84, BD-09 → GCJ-02, BD-09 → WGS-84) are the one-step
  approximations, a few tenths of a metre off the exact inverse prcoords computes: the tolerance
  of 1e-5° (about a metre) holds them, and the round trips below hold the exact inverse to 1e-6°.
"""

import math

import pytest
from django.utils import translation

from safecampus.core import geo

#: 1e-5° of latitude is 1.1 m
TOL = 1e-5
#: a round trip must come back well under a metre (1e-6° ≈ 0.1 m)
ROUND_TRIP = 1e-6

# (wgs lon, wgs lat, gcj lon, gcj lat): eviltransform python/test.py TESTS, reordered to lon, lat
EVILTRANSFORM_WGS_GCJ = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
]

# coordtransform test/app.js and coordtransform-rs: (from, to, input lon/lat, published output)
COORDTRANSFORM = [
    (geo.WGS84, geo.GCJ02, (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    (geo.GCJ02, geo.WGS84, (116.404, 39.915), (116.39775550083061, 39.91359571849836)),
    (geo.GCJ02, geo.BD09, (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
    (geo.BD09, geo.GCJ02, (116.404, 39.915), (116.39762729119315, 39.90865673957631)),
    (geo.WGS84, geo.BD09, (116.404, 39.915), (116.41662724378733, 39.922699552216216)),
    (geo.BD09, geo.WGS84, (116.404, 39.915), (116.39138369954496, 39.90725321448524)),
]

MINHANG = (121.381709, 31.112813)  # a WGS-84 point in Minhang (莘庄)
TIANANMEN = (116.397428, 39.90923)


def close(a, b, tol):
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


@pytest.mark.parametrize("wgs_lon, wgs_lat, gcj_lon, gcj_lat", EVILTRANSFORM_WGS_GCJ)
def test_wgs_to_gcj_matches_eviltransform(wgs_lon, wgs_lat, gcj_lon, gcj_lat):
    got = geo.from_wgs84(wgs_lon, wgs_lat, geo.GCJ02)
    assert close(got, (gcj_lon, gcj_lat), TOL), got
    # the forward formula is exact: the published figures agree far better than the tolerance
    assert close(got, (gcj_lon, gcj_lat), 1e-8), got


@pytest.mark.parametrize("wgs_lon, wgs_lat, gcj_lon, gcj_lat", EVILTRANSFORM_WGS_GCJ)
def test_gcj_to_wgs_inverts_eviltransform(wgs_lon, wgs_lat, gcj_lon, gcj_lat):
    got = geo.to_wgs84(gcj_lon, gcj_lat, geo.GCJ02)
    assert close(got, (wgs_lon, wgs_lat), ROUND_TRIP), got
    assert geo.distance_m(*got, wgs_lon, wgs_lat) < 0.1


@pytest.mark.parametrize("source, target, given, published", COORDTRANSFORM)
def test_each_direction_matches_coordtransform(source, target, given, published):
    got = geo.convert(*given, source, target)
    assert close(got, published, TOL), (source, target, got, published)
    assert geo.distance_m(*got, *published) < 1.0


def test_tiananmen_in_the_three_systems():
    """The Tiananmen vector of many coordinate libraries' docs: WGS-84 (116.397428, 39.90923)
    → GCJ-02 ≈ (116.403671, 39.910630). Its BD-09 figure is computed here by the coordtransform
    formula (GCJ-02 → BD-09, checked against its published vector above)."""
    gcj = geo.from_wgs84(*TIANANMEN, geo.GCJ02)
    assert close(gcj, (116.403671, 39.910630), TOL), gcj
    bd = geo.from_wgs84(*TIANANMEN, geo.BD09)
    assert close(bd, geo.convert(*gcj, geo.GCJ02, geo.BD09), 1e-9)
    assert close(bd, (116.410044, 39.916973), TOL), bd


@pytest.mark.parametrize("point", [TIANANMEN, MINHANG, (113.912316, 22.543847)])
@pytest.mark.parametrize("system", [geo.GCJ02, geo.BD09])
def test_round_trip_comes_back_under_a_tenth_of_a_metre(point, system):
    there = geo.from_wgs84(*point, system)
    back = geo.to_wgs84(*there, system)
    assert close(back, point, ROUND_TRIP), back
    assert geo.distance_m(*back, *point) < 0.1


def test_round_trip_between_gcj_and_bd():
    gcj = geo.from_wgs84(*MINHANG, geo.GCJ02)
    bd = geo.convert(*gcj, geo.GCJ02, geo.BD09)
    assert close(geo.convert(*bd, geo.BD09, geo.GCJ02), gcj, ROUND_TRIP)


def test_same_system_is_identity():
    assert geo.convert(*MINHANG, geo.GCJ02, geo.GCJ02) == MINHANG
    assert geo.to_wgs84(*MINHANG, geo.WGS84) == MINHANG


def test_mixing_systems_in_shanghai_shifts_a_point_by_hundreds_of_metres():
    # the same numbers read as GCJ-02 and as WGS-84 are two places
    as_wgs = MINHANG
    as_gcj = geo.to_wgs84(*MINHANG, geo.GCJ02)
    shift = geo.distance_m(*as_wgs, *as_gcj)
    assert 400 < shift < 800, shift
    as_bd = geo.to_wgs84(*MINHANG, geo.BD09)
    assert 800 < geo.distance_m(*as_wgs, *as_bd) < 1500


# --- distances ------------------------------------------------------------------------------------


def test_one_degree_of_latitude_at_the_equator():
    # WGS-84 ellipsoid: 110,574 m from 0° to 1° (the standard table of degree lengths)
    assert geo.distance_m(0, 0, 0, 1) == pytest.approx(110_574.4, abs=1.0)


def test_one_degree_of_longitude_at_31_degrees():
    # on the parallel at 31°N a degree of longitude is π a cos φ / 180 / sqrt(1 - e² sin² φ)
    a, e2 = 6_378_137.0, 0.00669437999014
    phi = math.radians(31.0)
    parallel = math.pi * a * math.cos(phi) / 180 / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    # the geodesic is a hair shorter than the parallel arc
    d = geo.distance_m(121.0, 31.0, 122.0, 31.0)
    assert parallel - 5 < d <= parallel, (d, parallel)


@pytest.mark.parametrize("metres", [50.0, 199.0, 200.0, 201.0, 1000.0])
@pytest.mark.parametrize("azimuth", [0.0, 45.0, 90.0, 200.0])
def test_offset_and_distance_agree(metres, azimuth):
    there = geo.offset(*MINHANG, azimuth, metres)
    assert geo.distance_m(*MINHANG, *there) == pytest.approx(metres, abs=1e-6)


def test_distances_in_one_call_match_one_by_one():
    points = [geo.offset(*MINHANG, 30.0 * i, 100.0 + i) for i in range(6)]
    many = geo.distances_m(
        [MINHANG[0]] * 6, [MINHANG[1]] * 6, [p[0] for p in points], [p[1] for p in points]
    )
    assert many == pytest.approx([geo.distance_m(*MINHANG, *p) for p in points], abs=1e-6)
    assert geo.distances_m([], [], [], []) == []


def test_a_box_holds_the_distance_all_round():
    dlon, dlat = geo.degrees_around(MINHANG[1], 200)
    for azimuth in range(0, 360, 15):
        lon, lat = geo.offset(*MINHANG, azimuth, 200)
        assert abs(lon - MINHANG[0]) <= dlon and abs(lat - MINHANG[1]) <= dlat


def test_cells_cover_the_box_and_hold_its_points():
    box = (121.395, 31.095, 121.412, 31.104)
    cells = set(geo.cells_covering(*box))
    for lon in (121.395, 121.40, 121.4119):
        for lat in (31.095, 31.1, 31.1039):
            assert geo.cell_of(lon, lat) in cells
    assert geo.cell_of(121.385, 31.1) not in cells


# --- reading coordinates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, system",
    [
        ("GCJ-02", geo.GCJ02),
        ("高德", geo.GCJ02),
        ("腾讯地图", geo.GCJ02),
        ("百度", geo.BD09),
        ("BD09", geo.BD09),
        ("gps", geo.WGS84),
        ("WGS 84", geo.WGS84),
        ("", None),
        (None, None),
        ("utm", None),
    ],
)
def test_systems_as_people_write_them(raw, system):
    assert geo.parse_system(raw) == system


def test_point_problems():
    with translation.override("en"):
        point_problems_in_english()
    with translation.override("zh-hans"):
        assert "缺少坐标系" in geo.point_problem("121.4", "31.1", None)
        assert "填反" in geo.point_problem("31.1", "121.4", geo.GCJ02)
        assert "境外" in geo.point_problem("2.35", "48.85", geo.WGS84)
        assert "不是坐标系" in geo.point_problem("121.4", "31.1", "utm")


def point_problems_in_english():
    assert geo.point_problem("121.4", "31.1", geo.WGS84) is None
    assert "system" in geo.point_problem("121.4", "31.1", "")
    assert "utm" in geo.point_problem("121.4", "31.1", "utm")
    assert "swapped" in geo.point_problem("31.1", "121.4", geo.GCJ02)
    assert "outside China" in geo.point_problem("2.35", "48.85", geo.WGS84)
    assert "numbers" in geo.point_problem("abc", "31.1", geo.WGS84)
    assert "numbers" in geo.point_problem("nan", "31.1", geo.WGS84)
    assert "numbers" in geo.point_problem(None, "31.1", geo.WGS84)
