"""What the pages say and show after the review of the student safety zone: a school without a
campus boundary is measured from its gates (said on its page, the list, the venue and the case),
the export names only schools in scope, a venue's history keeps other schools' notes and cases
to the register's readers, the map's technical hint goes only to the centre, and the API
registers venues found by inspection or public report only."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory
from safecampus.zones import exports, services
from safecampus.zones.models import Venue, VenueEvent, ZoneCase, ZoneHit
from safecampus.zones.testing import ORIGIN, away, gate_at, square, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

WARNING = "未录入校园边界：按校门测算距离，校园围墙附近的场所可能漏报。请绘制或导入校园边界。"
GATES_INSTEAD = "（按校门测算，未录入校园边界）"
CAMPUS = (ORIGIN[0] + 0.0005, ORIGIN[1])


@pytest.fixture
def z(world, clock):
    clock.move_to("2026-12-01T10:00")
    z = zone_world(world)
    z.centre = world.users[Role.SAFETY_CENTRE]
    # an internet café 150 m east of school A's gate: the national rule measures from the
    # boundary, school A has none, so from its gate instead
    z.cafe = services.register_venue(
        actor=z.centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 150))
    )
    return z


def _boundary(z):
    services.save_boundary(
        actor=z.centre,
        school_id=z.world.school_a.pk,
        vertices=square(CAMPUS, 50),
        system="wgs84",
        source="api",
    )


# --- 1. no boundary: measured from the gates, said where people look ----------------------------


def test_the_zone_page_warns_of_a_missing_boundary_and_links_the_form(z, client_for):
    world = z.world
    url = reverse("zones:geometry_detail", args=[world.school_a.pk])
    page = client_for(world.users[Role.SCHOOL_OFFICER]).get(url).content.decode()
    assert WARNING in page
    assert 'data-testid="no-boundary-link"' in page and 'href="#boundary-forms"' in page
    assert 'id="boundary-forms"' in page
    # one who only reads the geometry is warned, without the link to a form they cannot use
    reader = client_for(z.law_officer).get(url)
    assert reader.status_code == 200 and not reader.context["may_edit"]
    body = reader.content.decode()
    assert WARNING in body and 'data-testid="no-boundary-link"' not in body
    _boundary(z)
    assert WARNING not in client_for(world.users[Role.SCHOOL_OFFICER]).get(url).content.decode()


def test_the_list_marks_the_schools_without_a_boundary(z, client_for):
    world = z.world
    _boundary(z)
    page = client_for(z.centre).get(reverse("zones:geometry_list")).content.decode()
    row_a = page.split(f'data-testid="school-{world.school_a.pk}"')[1].split("</tr>")[0]
    row_b = page.split(f'data-testid="school-{world.school_b.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="no-boundary-badge"' not in row_a
    assert 'data-testid="no-boundary-badge"' in row_b and "未录入边界：按校门测算" in row_b


def test_venue_and_case_pages_say_a_hit_was_measured_from_the_gates(z, client_for):
    world = z.world
    assert ZoneHit.objects.filter(venue=z.cafe, line="gates_instead").exists()
    case = ZoneCase.objects.get(venue=z.cafe, school=world.school_a)
    client = client_for(z.centre)
    venue_page = client.get(reverse("zones:venue_detail", args=[z.cafe.pk])).content.decode()
    assert GATES_INSTEAD in venue_page
    case_page = client.get(reverse("zones:case_detail", args=[case.pk])).content.decode()
    assert GATES_INSTEAD in case_page
    _boundary(z)
    assert not ZoneHit.objects.filter(venue=z.cafe, line="gates_instead").exists()
    venue_page = client.get(reverse("zones:venue_detail", args=[z.cafe.pk])).content.decode()
    assert GATES_INSTEAD not in venue_page
    case_page = client.get(reverse("zones:case_detail", args=[case.pk])).content.decode()
    assert GATES_INSTEAD not in case_page


# --- 2. the export names only schools in scope --------------------------------------------------


def _heading(user, params) -> str:
    out = io.BytesIO()
    exports.write_case_workbook(out, user=user, params=params)
    out.seek(0)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    return " ".join(str(c) for r in rows[:head] for c in r if c)


def test_the_export_header_never_names_a_school_out_of_scope(z):
    world = z.world
    school_user = world.users[Role.SCHOOL_OFFICER]
    for other in (world.school_b, world.school_other):
        block = _heading(school_user, {"school": other.pk})
        assert other.name not in block
        assert "筛选条件" in block
    # its own school, and the centre's schools, are named
    assert world.school_a.name in _heading(school_user, {"school": world.school_a.pk})
    assert world.school_b.name in _heading(z.centre, {"school": world.school_b.pk})


# --- 3. a venue's history: other schools' notes and cases to the register's readers only ------


def test_a_school_sees_the_venue_history_without_other_schools_notes(z, client_for):
    world = z.world
    school_c = SchoolFactory(bureau=world.bureau, name="丙中学", stage="junior")
    gate_at(school_c, *geo.offset(*ORIGIN, 90.0, 300.0))
    other = services.register_venue(
        actor=z.centre,
        bureau_id=world.bureau.pk,
        data=venue_data(away(ORIGIN, 160), name="月光网吧"),
    )
    case_a = ZoneCase.objects.get(venue=other, school=world.school_a)
    case_c = ZoneCase.objects.get(venue=other, school=school_c)
    VenueEvent.objects.create(
        venue=other,
        action="close",
        from_status=other.status,
        to_status=other.status,
        actor=z.law_officer,
        note="丙中学案件：老板电话13900000000",
        data={"case": case_c.pk},
    )
    url = reverse("zones:venue_detail", args=[other.pk])
    school = client_for(world.users[Role.SCHOOL_OFFICER]).get(url)
    assert school.status_code == 200
    body = school.content.decode()
    assert "老板电话" not in body
    assert reverse("zones:case_detail", args=[case_c.pk]) not in body
    assert 'data-testid="venue-event-case"' not in body
    assert z.law_officer.display_name not in body
    assert 'data-testid="venue-events"' in body  # the status changes and dates are still shown
    # the centre reads the whole register: the note, and the case it sees
    centre = client_for(z.centre).get(url).content.decode()
    assert "老板电话" in centre
    assert reverse("zones:case_detail", args=[case_c.pk]) in centre
    # an open case only the other school sees does not count for the school
    ZoneCase.objects.filter(pk=case_a.pk).update(status="closed")
    assert client_for(world.users[Role.SCHOOL_OFFICER]).get(url).context["has_open_case"] is False
    assert client_for(z.centre).get(url).context["has_open_case"] is True


# --- 4. the map's technical hint to the centre only ---------------------------------------------


def test_the_map_names_the_tiles_setting_to_the_centre_only(z, client_for):
    world = z.world
    centre = client_for(z.centre).get("/zones/map/").content.decode()
    assert "SAFECAMPUS_MAP_TILES" in centre
    school = client_for(world.users[Role.SCHOOL_OFFICER]).get("/zones/map/").content.decode()
    assert "SAFECAMPUS_MAP_TILES" not in school
    assert "底图未配置，仅显示学校与场所的相对位置。" in school


# --- 5. the API registers what an inspection or a public report found -------------------------


@pytest.mark.parametrize("source", ["import", "relocation", "nonsense"])
def test_the_api_refuses_an_import_or_relocation_source(z, client_for, source):
    client = client_for(z.law_officer)
    data = venue_data(away(ORIGIN, 600, azimuth=270), name="来源不对") | {"source": source}
    r = client.post("/api/v1/zone-venues/", data, content_type="application/json")
    assert r.status_code == 400, r.json()
    body = r.json()
    assert body["code"] == "invalid" and body["message"]
    assert "source" in body["errors"]
    assert not Venue.objects.filter(name="来源不对").exists()


@pytest.mark.parametrize("source", ["inspection", "public_report"])
def test_the_api_takes_an_inspection_or_public_report(z, client_for, source):
    client = client_for(z.law_officer)
    data = venue_data(away(ORIGIN, 600, azimuth=270), name=f"来源{source}") | {"source": source}
    r = client.post("/api/v1/zone-venues/", data, content_type="application/json")
    assert r.status_code == 201, r.json()
    assert Venue.objects.get(name=f"来源{source}").source == source
