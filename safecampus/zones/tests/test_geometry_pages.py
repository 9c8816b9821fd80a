"""The pages of a school's zone geometry: who reaches which school, the boundary drawn, uploaded
as GeoJSON, KML or a workbook of vertices, every bad boundary refused with nothing saved, and
the waiting areas measured against the 50 m rule."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix, user_with_role
from safecampus.zones import services
from safecampus.zones.models import SchoolBoundary, WaitingArea, ZoneEvent
from safecampus.zones.testing import ORIGIN, away, square, venue_data, zone_world

pytestmark = pytest.mark.django_db

#: a campus east of school A's gate: its west wall passes the gate
CAMPUS = (ORIGIN[0] + 0.0005, ORIGIN[1])


def detail(school) -> str:
    return reverse("zones:geometry_detail", args=[school.pk])


@pytest.fixture
def z(world, clock):
    return zone_world(world)


# --- scope ------------------------------------------------------------------------------------


def test_school_user_sees_only_its_own_school(z, client_for):
    world = z.world
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    response = client.get(reverse("zones:geometry_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.school_a.name in body
    assert world.school_b.name not in body
    assert client.get(detail(world.school_a)).status_code == 200
    assert client.get(detail(world.school_b)).status_code == 404
    assert client.get(detail(world.school_other)).status_code == 404


def test_centre_sees_every_school_of_its_bureau(z, client_for):
    world = z.world
    client = client_for(world.users[Role.SAFETY_CENTRE])
    body = client.get(reverse("zones:geometry_list")).content.decode()
    assert world.school_a.name in body and world.school_b.name in body
    assert world.school_other.name not in body


def test_scope_matrix_of_the_detail_page(z, client):
    world = z.world
    other_school = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    scope_matrix(
        client,
        detail(world.school_a),
        permitted=world.users[Role.SCHOOL_OFFICER],
        out_of_scope=[other_school],
        wrong_role=[world.users[Role.PARTNER]],
    )
    scope_matrix(
        client,
        reverse("zones:geometry_list"),
        permitted=world.users[Role.PRINCIPAL],
        wrong_role=[world.users[Role.PARTNER]],
    )


def test_scope_matrix_of_a_change(z, client):
    world = z.world
    other_school = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    scope_matrix(
        client,
        detail(world.school_a),
        method="post",
        data={"op": "waiting_add", "waiting-name": "南门等候区", "waiting-longitude": "x"},
        permitted=world.users[Role.SCHOOL_OFFICER],
        out_of_scope=[other_school],
        # an inspector reads the geometry but may not keep it
        wrong_role=[world.users[Role.INSPECTOR], world.users[Role.PARTNER]],
        ok=(400,),
    )
    assert not WaitingArea.objects.exists()


def test_a_reader_sees_no_editing_tools(z, client_for):
    client = client_for(z.world.users[Role.INSPECTOR])
    body = client.get(detail(z.world.school_a)).content.decode()
    assert 'data-testid="draw-tools"' not in body
    assert 'data-testid="zone-map"' in body


def test_the_page_uses_local_leaflet_without_tiles(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    response = client.get(detail(z.world.school_a))
    body = response.content.decode()
    assert "vendor/leaflet/leaflet.js" in body and "vendor/leaflet/leaflet.css" in body
    assert "js/zone_draw.js" in body
    data = response.context["map"]
    assert data["tiles"] == "" and data["system"] == "wgs84"
    assert data["gates"][0]["point"] == [pytest.approx(ORIGIN[0]), pytest.approx(ORIGIN[1])]
    # gate rules draw circles around the gate; without a boundary, boundary rules do too
    assert {c["metres"] for c in data["circles"]} == {200}


def test_the_map_shows_a_gcj_tile_system(z, client_for, settings):
    settings.SAFECAMPUS_MAP_TILES_SYSTEM = "gcj02"
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    data = client.get(detail(z.world.school_a)).context["map"]
    gcj = geo.from_wgs84(*ORIGIN, "gcj02")
    assert data["system"] == "gcj02"
    assert data["gates"][0]["point"] == [pytest.approx(gcj[0]), pytest.approx(gcj[1])]


# --- the boundary -----------------------------------------------------------------------------


def _draw(client, school, ring, system="wgs84", version=""):
    return client.post(
        detail(school),
        {
            "op": "draw",
            "draw-vertices": json.dumps(ring),
            "draw-coord_system": system,
            "draw-version": version,
        },
    )


def test_drawing_saves_the_boundary_and_the_history(z, client_for):
    world = z.world
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    response = _draw(client, world.school_a, square(CAMPUS, 50))
    assert response.status_code == 302
    row = SchoolBoundary.objects.get(school=world.school_a)
    assert row.source == "drawn" and row.coord_system == "wgs84"
    assert 9000 < row.area_m2 < 11000
    page = client.get(detail(world.school_a))
    body = page.content.decode()
    assert world.users[Role.SCHOOL_OFFICER].display_name in body
    assert page.context["map"]["boundary"]
    # the buffered boundary of the internet-café rule is drawn
    assert [b["metres"] for b in page.context["map"]["buffers"]] == [200]


def test_centre_draws_on_behalf_of_the_school(z, client_for):
    client = client_for(z.world.users[Role.SAFETY_CENTRE])
    assert _draw(client, z.world.school_a, square(CAMPUS, 50)).status_code == 302
    event = ZoneEvent.objects.get(school=z.world.school_a, kind="boundary")
    assert event.actor == z.world.users[Role.SAFETY_CENTRE]


def test_a_drawing_in_gcj02_is_kept_in_its_system(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    ring = square(CAMPUS, 50, system="gcj02")
    assert _draw(client, z.world.school_a, ring, system="gcj02").status_code == 302
    row = SchoolBoundary.objects.get(school=z.world.school_a)
    assert row.coord_system == "gcj02"
    assert row.wgs[0][0] == pytest.approx(square(CAMPUS, 50)[0][0], abs=1e-5)


def test_a_stale_version_is_refused(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    _draw(client, z.world.school_a, square(CAMPUS, 50))
    response = _draw(client, z.world.school_a, square(CAMPUS, 60), version="0")
    assert response.status_code == 400
    assert "Reload" in response.content.decode() or "重新" in response.content.decode()
    assert SchoolBoundary.objects.get(school=z.world.school_a).version == 1


def test_geojson_upload(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [square(CAMPUS, 50)]},
                }
            ],
        }
    )
    response = client.post(
        detail(z.world.school_a),
        {
            "op": "file",
            "file-file": SimpleUploadedFile("campus.geojson", text.encode()),
            "file-coord_system": "wgs84",
        },
    )
    assert response.status_code == 302
    assert SchoolBoundary.objects.get(school=z.world.school_a).source == "geojson"


def _kml(ring) -> bytes:
    coords = " ".join(f"{lon},{lat},0" for lon, lat in ring)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        "<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>"
        f"{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"
    ).encode()


def test_kml_upload(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    ring = square(CAMPUS, 50, system="bd09")
    response = client.post(
        detail(z.world.school_a),
        {
            "op": "file",
            "file-file": SimpleUploadedFile("campus.kml", _kml(ring)),
            "file-coord_system": "bd09",
        },
    )
    assert response.status_code == 302
    row = SchoolBoundary.objects.get(school=z.world.school_a)
    assert (row.source, row.coord_system) == ("kml", "bd09")


def test_an_upload_without_its_system_is_refused(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    response = client.post(
        detail(z.world.school_a),
        {"op": "file", "file-file": SimpleUploadedFile("campus.kml", _kml(square(CAMPUS, 50)))},
    )
    assert response.status_code == 400
    assert "GCJ-02" in response.content.decode()
    assert not SchoolBoundary.objects.exists()


def _workbook(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "经度", "纬度"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("vertices.xlsx", out.getvalue())


def test_excel_vertices_upload(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    ring = square(CAMPUS, 50)
    rows = [[i, lon, lat] for i, (lon, lat) in enumerate(ring, start=1)]
    response = client.post(
        detail(z.world.school_a),
        {"op": "excel", "excel-file": _workbook(rows[::-1]), "excel-coord_system": "wgs84"},
    )
    assert response.status_code == 302
    row = SchoolBoundary.objects.get(school=z.world.school_a)
    assert row.source == "excel"
    assert row.vertices[0] == pytest.approx(ring[0])


def test_the_vertex_template_says_the_ring_is_closed(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    response = client.get(reverse("zones:geometry_vertex_template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(str(c) for row in wb.active.iter_rows(values_only=True) for c in row if c)
    assert "序号" in text and "经度" in text and "纬度" in text
    assert "第一" in text or "first" in text


def _bowtie():
    a, b, c, d = square(CAMPUS, 50)[:4]
    return [a, c, b, d, a]


@pytest.mark.parametrize(
    "ring, system, words",
    [
        (square(CAMPUS, 50)[:-1], "wgs84", ("not closed", "闭合")),
        (_bowtie(), "wgs84", ("crosses itself", "自相交", "交叉")),
        (square((ORIGIN[0] + 0.0115, ORIGIN[1]), 50), "wgs84", ("nearest gate", "门")),
        (square(CAMPUS, 50), "", ("GCJ-02",)),
        ([[lat, lon] for lon, lat in square(CAMPUS, 50)], "wgs84", ("swapped", "颠倒", "反")),
    ],
    ids=["open ring", "bow-tie", "1 km from the gates", "missing system", "swapped"],
)
def test_bad_boundaries_are_refused_and_nothing_saved(z, client_for, ring, system, words):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    response = _draw(client, z.world.school_a, ring, system=system)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="geometry-errors"' in body
    assert any(w in body for w in words), body[body.find("geometry-errors") :][:600]
    assert not SchoolBoundary.objects.exists()
    assert not ZoneEvent.objects.filter(kind="boundary").exists()


def test_clear_the_boundary(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    _draw(client, z.world.school_a, square(CAMPUS, 50))
    response = client.post(detail(z.world.school_a), {"op": "clear", "version": "1"})
    assert response.status_code == 302
    assert not SchoolBoundary.objects.exists()
    assert ZoneEvent.objects.filter(action="clear").count() == 1


# --- waiting areas ----------------------------------------------------------------------------


def _add_waiting(client, school, point, system="wgs84", name="南门家长等候区"):
    return client.post(
        detail(school),
        {
            "op": "waiting_add",
            "waiting-name": name,
            "waiting-longitude": point[0],
            "waiting-latitude": point[1],
            "waiting-coord_system": system,
        },
    )


def test_a_waiting_area_within_50_m_complies(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    assert _add_waiting(client, z.world.school_a, away(ORIGIN, 32, 180)).status_code == 302
    page = client.get(detail(z.world.school_a))
    (row,) = page.context["waiting"]
    assert row.compliant is True and row.limit_m == 50
    body = page.content.decode()
    assert 'data-compliant="yes"' in body
    assert "距1号门 32 米，符合50米要求" in body


def test_a_waiting_area_over_50_m_does_not(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    _add_waiting(client, z.world.school_a, away(ORIGIN, 60, 180))
    (row,) = client.get(detail(z.world.school_a)).context["waiting"]
    assert row.compliant is False
    assert 59 < row.distance_m < 61


def test_a_waiting_area_without_system_is_refused(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    response = _add_waiting(client, z.world.school_a, away(ORIGIN, 30), system="")
    assert response.status_code == 400
    assert not WaitingArea.objects.exists()


def test_remove_a_waiting_area(z, client_for):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    _add_waiting(client, z.world.school_a, away(ORIGIN, 30))
    area = WaitingArea.objects.get()
    other = client_for(z.world.users[Role.INSPECTOR])
    assert (
        other.post(detail(z.world.school_a), {"op": "waiting_remove", "area": area.pk}).status_code
        == 403
    )
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    response = client.post(detail(z.world.school_a), {"op": "waiting_remove", "area": area.pk})
    assert response.status_code == 302
    assert not WaitingArea.objects.exists()


# --- the list ---------------------------------------------------------------------------------


def test_list_figures_and_filters(z, client_for):
    world = z.world
    centre = world.users[Role.SAFETY_CENTRE]
    services.save_boundary(
        actor=centre,
        school_id=world.school_a.pk,
        vertices=square(CAMPUS, 50),
        system="wgs84",
        source="api",
    )
    services.register_venue(
        actor=centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 150, 270))
    )
    client = client_for(centre)
    response = client.get(reverse("zones:geometry_list"))
    rows = {s.pk: s for s in response.context["rows"]}
    a = rows[world.school_a.pk]
    assert (a.n_gates, a.n_venues, a.n_open) == (1, 1, 1)
    assert a.boundary_area > 0
    rows = client.get(reverse("zones:geometry_list"), {"boundary": "no"}).context["rows"]
    assert [s.pk for s in rows] == [world.school_b.pk]
    rows = client.get(reverse("zones:geometry_list"), {"in_zone": "yes"}).context["rows"]
    assert [s.pk for s in rows] == [world.school_a.pk]


#: session and user, the scope, the count, the page (its counts as subqueries), the rules (bureau
#: paths and rules), the waiting areas of the page
LIST_QUERIES = 10


def test_list_query_count_is_pinned(z, client_for):
    from safecampus.core.testing import SchoolFactory

    world = z.world
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = reverse("zones:geometry_list")
    few = count_queries(client, url)
    for i in range(5):
        school = SchoolFactory(bureau=world.bureau, name=f"丙{i}小学")
        WaitingArea.objects.create(
            school=school,
            bureau=world.bureau,
            name="等候区",
            longitude="121.4",
            latitude="31.1",
            coord_system="wgs84",
            wgs_lon=121.4,
            wgs_lat=31.1,
        )
    assert count_queries(client, url) == few == LIST_QUERIES
