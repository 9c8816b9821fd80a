"""The overview, the map page and its rows: who reaches them, what they count and link to, the
coordinates in the tiles' system, pinned query counts."""

import pytest
from django.test import override_settings

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, user_with_role
from safecampus.zones import services
from safecampus.zones.testing import ORIGIN, away, square, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

IN_SCOPE = (
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
    Role.DEPARTMENT_OFFICER,
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.PARTNER,
)
WRONG_ROLE = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)


@pytest.fixture
def zw(world, clock):
    clock.move_to("2026-12-01T10:00")
    z = zone_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    z.cafe = services.register_venue(
        actor=centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 150))
    )
    z.far = services.register_venue(
        actor=centre,
        bureau_id=world.bureau.pk,
        data=venue_data(away(ORIGIN, 3000, azimuth=0), name="远处网吧"),
    )
    return z


@pytest.mark.parametrize("url", ["/zones/", "/zones/map/", "/zones/map.json"])
def test_pages_answer_each_role_in_scope_and_refuse_others(zw, world, client, url):
    for role in IN_SCOPE:
        client.force_login(world.users[role])
        assert client.get(url).status_code == 200, role
    for role in WRONG_ROLE:
        client.force_login(world.users[role])
        assert client.get(url).status_code == 403, role
    client.logout()
    assert client.get(url).status_code == 302


def test_overview_counts_and_links(zw, world, client_for):
    page = client_for(world.users[Role.SAFETY_CENTRE]).get("/zones/").content.decode()
    assert (
        'href="/zones/cases/?status=open" class="fs-4 fw-bold" data-figure="zone-open">1<' in page
    )
    assert 'href="/zones/cases/?overdue=1"' in page
    assert 'href="/zones/cases/?status=open&amp;kind=internet_cafe"' in page
    assert 'data-figure="zone-kind-internet_cafe">1<' in page
    # school B has no boundary, nor has school A
    assert 'href="/zones/schools/?boundary=0"' in page
    assert 'data-figure="zone-no-boundary">2<' in page
    for link in (
        "/zones/map/",
        "/zones/venues/",
        "/zones/cases/",
        "/zones/schools/",
        "/zones/rules/",
    ):
        assert f'href="{link}"' in page


def test_a_partner_sees_its_cases_and_no_rules_link(zw, world, client_for):
    page = client_for(world.users[Role.PARTNER]).get("/zones/").content.decode()
    assert 'data-figure="zone-open">1<' in page
    assert "/zones/rules/" not in page.split('data-testid="zone-links"')[1]
    assert "zone-no-boundary" not in page


def test_another_bureau_sees_nothing_of_this_one(zw, world, client_for):
    other = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="other_centre")
    client = client_for(other)
    assert 'data-figure="zone-open">0<' in client.get("/zones/").content.decode()
    rows = client.get("/zones/map.json").json()
    assert rows["venues"] == []
    assert {s[0] for s in rows["schools"]} <= {world.school_other.pk}
    # the filter by bureau offers only its own bureaus
    assert client.get(f"/zones/map/?bureau={world.bureau.pk}").status_code == 404
    assert client.get(f"/zones/map.json?bureau={world.bureau.pk}").status_code == 404
    assert client.get("/zones/map.json?bureau=x").status_code == 404


def test_map_rows_hold_the_school_and_the_venue(zw, world, client_for):
    rows = client_for(world.users[Role.SAFETY_CENTRE]).get("/zones/map.json").json()
    assert rows["system"] == "wgs84"
    schools = {s[0]: s for s in rows["schools"]}
    a = schools[world.school_a.pk]
    assert a[1] == world.school_a.name
    assert a[2] == [[pytest.approx(ORIGIN[0], abs=1e-6), pytest.approx(ORIGIN[1], abs=1e-6)]]
    assert a[3] is None
    assert a[4] >= 200
    venues = {v[0]: v for v in rows["venues"]}
    cafe = venues[zw.cafe.pk]
    assert cafe[1:4] == ["星空网吧", "internet_cafe", "operating"]
    assert cafe[6] == 1
    assert venues[zw.far.pk][6] == 0


@override_settings(
    SAFECAMPUS_MAP_TILES_SYSTEM="gcj02", SAFECAMPUS_MAP_TILES="/tiles/{z}/{x}/{y}.png"
)
def test_map_rows_come_in_the_tiles_system(zw, world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    services.save_boundary(
        actor=world.users[Role.SAFETY_CENTRE],
        school_id=world.school_a.pk,
        vertices=square((ORIGIN[0] + 0.0005, ORIGIN[1]), 50),
        system="wgs84",
        source="api",
    )
    rows = client.get("/zones/map.json").json()
    assert rows["system"] == "gcj02"
    a = {s[0]: s for s in rows["schools"]}[world.school_a.pk]
    glon, glat = geo.from_wgs84(*ORIGIN, geo.GCJ02)
    assert a[2][0] == [pytest.approx(glon, abs=2e-6), pytest.approx(glat, abs=2e-6)]
    # GCJ-02 lies some hundreds of metres off WGS-84 here
    assert geo.distance_m(ORIGIN[0], ORIGIN[1], *a[2][0]) > 100
    assert a[3] and len(a[3]) >= 4
    cafe = {v[0]: v for v in rows["venues"]}[zw.cafe.pk]
    wlon, wlat = zw.cafe.wgs_lon, zw.cafe.wgs_lat
    assert cafe[4:6] == [
        pytest.approx(geo.from_wgs84(wlon, wlat, geo.GCJ02)[0], abs=2e-6),
        pytest.approx(geo.from_wgs84(wlon, wlat, geo.GCJ02)[1], abs=2e-6),
    ]
    page = client.get("/zones/map/").content.decode()
    assert "/tiles/{z}/{x}/{y}.png" in page
    assert 'data-testid="map-no-tiles"' not in page


def test_map_page_uses_local_leaflet_and_no_tiles_by_default(zw, world, client_for):
    page = client_for(world.users[Role.SAFETY_CENTRE]).get("/zones/map/").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "/static/vendor/leaflet/leaflet.css" in page
    assert "/static/js/zone_map.js" in page
    assert 'data-testid="map-no-tiles"' in page
    assert 'data-testid="map-legend"' in page
    assert "http://" not in page.split("zone-map-config")[1]
    assert "https://" not in page.split("zone-map-config")[1]


def test_a_school_sees_its_own_zone_on_the_map(zw, world, client_for):
    rows = client_for(world.users[Role.SCHOOL_OFFICER]).get("/zones/map.json").json()
    assert [s[0] for s in rows["schools"]] == [world.school_a.pk]
    assert [v[0] for v in rows["venues"]] == [zw.cafe.pk]


def test_a_partner_sees_the_venues_of_its_cases(zw, world, client_for):
    rows = client_for(world.users[Role.PARTNER]).get("/zones/map.json").json()
    assert [v[0] for v in rows["venues"]] == [zw.cafe.pk]


def test_map_data_is_gzipped(zw, world, client_for):
    response = client_for(world.users[Role.SAFETY_CENTRE]).get(
        "/zones/map.json", HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.status_code == 200
    # tiny payloads are left alone by GZipMiddleware rules; the decorator is there
    assert "Accept-Encoding" in response.get("Vary", "")


@pytest.mark.parametrize("url", ["/zones/", "/zones/map.json"])
def test_query_count_does_not_grow_with_the_register(zw, world, client_for, url):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    small = count_queries(client, url)
    centre = world.users[Role.SAFETY_CENTRE]
    for i in range(5):
        services.register_venue(
            actor=centre,
            bureau_id=world.bureau.pk,
            data=venue_data(away(ORIGIN, 100 + 10 * i, azimuth=45 * i), name=f"网吧{i}"),
        )
    large = count_queries(client, url)
    # the overview: session, user, roles (3), the figures (totals, by type, schools with no
    # boundary) and the menu's unread count; the map: session, user, roles, the schools' sites,
    # the open cases per venue and the venues
    assert (small, large) == ({"/zones/": 8, "/zones/map.json": 7}[url],) * 2


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            Role.SAFETY_CENTRE,
            [
                "/zones/",
                "/zones/map/",
                "/zones/venues/",
                "/zones/cases/",
                "/zones/schools/",
                "/zones/rules/",
            ],
        ),
        (
            Role.SCHOOL_OFFICER,
            [
                "/zones/",
                "/zones/map/",
                "/zones/venues/",
                "/zones/cases/",
                "/zones/schools/",
                "/zones/rules/",
            ],
        ),
        (Role.PARTNER, ["/zones/", "/zones/map/", "/zones/venues/", "/zones/cases/"]),
        (Role.AUDITOR, []),
    ],
)
def test_the_menu_offers_the_safety_zone(world, client_for, role, expected):
    client = client_for(world.users[role])
    items = client.get("/").context["nav_items"]
    menus = [i for i in items if i.children and i.children[0].url == "/zones/"]
    assert ([c.url for c in menus[0].children] if menus else []) == expected
    for url in expected:
        if url in ("/zones/", "/zones/map/", "/zones/rules/"):
            assert client.get(url).status_code == 200, url


def test_the_menu_reads_in_chinese(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    items = client.get("/").context["nav_items"]
    menu = next(i for i in items if i.children and i.children[0].url == "/zones/")
    assert str(menu.label) == "学生安全区域"
    assert [str(c.label) for c in menu.children] == [
        "概览",
        "地图",
        "周边场所",
        "整治案件",
        "学校边界",
        "区域规则",
    ]
