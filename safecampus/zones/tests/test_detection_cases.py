"""Detection and cases: one case per venue and school, never two; every change of a venue, a gate,
a boundary or a school's stage is measured again at once."""

import pytest

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory
from safecampus.orgs.services import school_update
from safecampus.zones import detection, services
from safecampus.zones.models import ZoneCase, ZoneCaseEvent, ZoneHit
from safecampus.zones.testing import ORIGIN, away, gate_at, square, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def centre(world):
    return world.users[Role.SAFETY_CENTRE]


def register(world, point, *, kind="internet_cafe", now, name="星空网吧", system=geo.WGS84):
    return services.register_venue(
        actor=centre(world),
        bureau_id=world.bureau.pk,
        data=venue_data(point, kind=kind, name=name, system=system),
        now=now,
    )


def gate_row(lon, lat, name="1号门", system=geo.WGS84):
    lon, lat = geo.from_wgs84(lon, lat, system)
    return {
        "name": name,
        "longitude": f"{lon:.6f}",
        "latitude": f"{lat:.6f}",
        "coord_system": system,
    }


def open_cases(venue):
    return list(
        ZoneCase.objects.filter(venue=venue, status__in=["open", "rectifying", "submitted"])
    )


def test_a_venue_between_two_schools_opens_one_case_per_school(world, clock):
    zone_world(world)
    school_c = SchoolFactory(bureau=world.bureau, name="丙中学", stage="junior")
    gate_at(school_c, *geo.offset(*ORIGIN, 90.0, 300.0))
    venue = register(world, away(ORIGIN, 150), now=clock.now)
    cases = {c.school_id: c for c in ZoneCase.objects.filter(venue=venue)}
    assert set(cases) == {world.school_a.pk, school_c.pk}
    for case in cases.values():
        assert case.status == "open"
        assert case.distance_m == pytest.approx(150, abs=0.3)
        assert ZoneCaseEvent.objects.filter(case=case, action="open").count() == 1
    assert ZoneHit.objects.filter(venue=venue).values("school").distinct().count() == 2


def test_checking_again_never_duplicates_a_case(world, clock):
    zone_world(world)
    venue = register(world, away(ORIGIN, 150), now=clock.now)
    first = [c.pk for c in open_cases(venue)]
    assert len(first) == 1
    for _ in range(2):
        counts = detection.check_venues([venue], now=clock.now)
        assert counts["opened"] == 0
    for _ in range(2):
        counts = detection.recheck_bureau(world.bureau.pk, now=clock.now)
        assert counts["opened"] == 0 and counts["lapsed"] == 0
    assert [c.pk for c in open_cases(venue)] == first
    assert ZoneCase.objects.filter(venue=venue).count() == 1
    assert ZoneCaseEvent.objects.filter(case_id=first[0]).count() == 1  # only its opening


def test_the_same_venue_registered_twice_has_one_case_per_school_each(world, clock):
    zone_world(world)
    one = register(world, away(ORIGIN, 150), now=clock.now)
    two = register(world, away(ORIGIN, 150), now=clock.now)
    assert len(open_cases(one)) == 1 and len(open_cases(two)) == 1
    detection.recheck_bureau(world.bureau.pk, now=clock.now)
    assert len(open_cases(one)) == 1 and len(open_cases(two)) == 1


def test_recheck_of_the_bureau_opens_what_registration_missed(world, clock):
    """Venues written before their school's gate existed are found by the bureau's check."""
    venue = register(world, away(ORIGIN, 150), now=clock.now)  # no gates yet
    assert not open_cases(venue)
    zone_world(world)  # gates appear (their sites only: nothing measured the venue yet)
    ZoneCase.objects.filter(venue=venue).delete()
    detection.recheck_bureau(world.bureau.pk, now=clock.now)
    assert [c.school_id for c in open_cases(venue)] == [world.school_a.pk]


def test_a_revised_distance_is_recorded_once(world, clock):
    zone_world(world)
    venue = register(world, away(ORIGIN, 150), now=clock.now)
    services.update_venue(
        actor=centre(world),
        venue_id=venue.pk,
        data=dict(zip(("longitude", "latitude"), away(ORIGIN, 120), strict=True)),
        now=clock.now,
    )
    (case,) = open_cases(venue)
    assert case.distance_m == pytest.approx(120, abs=0.3)
    assert list(
        ZoneCaseEvent.objects.filter(case=case).order_by("pk").values_list("action", flat=True)
    ) == ["open", "revise"]


# --- measured again when something moves ------------------------------------------------


def test_moving_a_gate_opens_and_lapses_cases(world, clock, django_capture_on_commit_callbacks):
    zone_world(world)
    admin = world.users[Role.SYSTEM_ADMIN]
    venue = register(world, away(ORIGIN, 400), now=clock.now)
    assert not open_cases(venue)

    near = geo.offset(*ORIGIN, 90.0, 250.0)  # 150 m from the venue
    with django_capture_on_commit_callbacks(execute=True):
        school_update(actor=admin, school=world.school_a, data={}, gates=[gate_row(*near)])
    (case,) = open_cases(venue)
    assert case.school_id == world.school_a.pk
    assert case.distance_m == pytest.approx(150, abs=0.3)

    with django_capture_on_commit_callbacks(execute=True):
        school_update(actor=admin, school=world.school_a, data={}, gates=[gate_row(*ORIGIN)])
    assert not open_cases(venue)
    case.refresh_from_db()
    assert case.status == "lapsed"
    assert not ZoneHit.objects.filter(venue=venue).exists()


def test_a_gate_entered_in_baidu_is_measured_at_its_place(
    world, clock, django_capture_on_commit_callbacks
):
    zone_world(world)
    admin = world.users[Role.SYSTEM_ADMIN]
    venue = register(world, away(ORIGIN, 400), now=clock.now)
    near = geo.offset(*ORIGIN, 90.0, 250.0)
    with django_capture_on_commit_callbacks(execute=True):
        school_update(
            actor=admin,
            school=world.school_a,
            data={},
            gates=[gate_row(*near, system=geo.BD09)],
        )
    (case,) = open_cases(venue)
    assert case.distance_m == pytest.approx(150, abs=0.5)


def test_a_school_becoming_a_kindergarten_lapses_the_internet_cafe_case(
    world, clock, django_capture_on_commit_callbacks
):
    zone_world(world, packs=())  # the national rule alone
    venue = register(world, away(ORIGIN, 150), now=clock.now)
    (case,) = open_cases(venue)
    assert case.rule_codes == ["NET_CAFE_200"]
    with django_capture_on_commit_callbacks(execute=True):
        school_update(
            actor=world.users[Role.SYSTEM_ADMIN],
            school=world.school_a,
            data={"stage": "kindergarten"},
        )
    case.refresh_from_db()
    assert case.status == "lapsed"
    with django_capture_on_commit_callbacks(execute=True):
        school_update(
            actor=world.users[Role.SYSTEM_ADMIN], school=world.school_a, data={"stage": "primary"}
        )
    (again,) = open_cases(venue)
    assert again.pk != case.pk


def test_a_new_boundary_measures_again(world, clock):
    zone_world(world, packs=())
    venue = register(world, away(ORIGIN, 250), now=clock.now)
    assert not open_cases(venue)
    services.save_boundary(
        actor=centre(world),
        school_id=world.school_a.pk,
        vertices=square(geo.offset(*ORIGIN, 90.0, 50.0), 50),
        system=geo.WGS84,
        source="api",
        now=clock.now,
    )
    (case,) = open_cases(venue)
    assert case.distance_m == pytest.approx(150, abs=0.3)
    services.clear_boundary(actor=centre(world), school_id=world.school_a.pk, now=clock.now)
    case.refresh_from_db()
    assert case.status == "lapsed"  # 250 m from the gate again


def test_a_moved_venue_is_measured_again(world, clock):
    zone_world(world)
    venue = register(world, away(ORIGIN, 400), now=clock.now)
    assert not open_cases(venue)
    services.update_venue(
        actor=centre(world),
        venue_id=venue.pk,
        data=dict(zip(("longitude", "latitude"), away(ORIGIN, 150), strict=True)),
        now=clock.now,
    )
    (case,) = open_cases(venue)
    assert case.school_id == world.school_a.pk
    # the same place written in GCJ-02: no move at all, nothing changes
    gcj = away(ORIGIN, 150, 90.0, geo.GCJ02)
    services.update_venue(
        actor=centre(world),
        venue_id=venue.pk,
        data={"longitude": gcj[0], "latitude": gcj[1], "coord_system": geo.GCJ02},
        now=clock.now,
    )
    assert [c.pk for c in open_cases(venue)] == [case.pk]
    services.update_venue(
        actor=centre(world),
        venue_id=venue.pk,
        data=dict(zip(("longitude", "latitude"), away(ORIGIN, 400), strict=True))
        | {"coord_system": geo.WGS84},
        now=clock.now,
    )
    assert not open_cases(venue)


def test_a_changed_venue_type_is_measured_again(world, clock):
    zone_world(world)
    venue = register(world, away(ORIGIN, 150), kind="hotel", now=clock.now, name="某旅馆")
    assert not open_cases(venue)
    services.update_venue(
        actor=centre(world), venue_id=venue.pk, data={"kind": "bar"}, now=clock.now
    )
    (case,) = open_cases(venue)
    assert case.rule_codes == ["ZONE_GATE_200"]


def test_a_closed_venue_opens_no_new_case(world, clock, django_capture_on_commit_callbacks):
    zone_world(world)
    venue = register(world, away(ORIGIN, 400), now=clock.now)
    services.venue_status(
        actor=centre(world), venue_id=venue.pk, action="close", reason="已关停", now=clock.now
    )
    venue.refresh_from_db()
    assert venue.status == "closed"
    near = geo.offset(*ORIGIN, 90.0, 250.0)
    with django_capture_on_commit_callbacks(execute=True):
        school_update(
            actor=world.users[Role.SYSTEM_ADMIN],
            school=world.school_a,
            data={},
            gates=[gate_row(*near)],
        )
    detection.recheck_bureau(world.bureau.pk, now=clock.now)
    assert not ZoneCase.objects.filter(venue=venue).exists()
    # it is still found in the zone (a hit), only no case is opened for it
    assert ZoneHit.objects.filter(venue=venue).exists()


def test_the_case_goes_to_the_law_department_with_the_partner_covering_the_school(world, clock):
    z = zone_world(world)
    venue = register(world, away(ORIGIN, 150), now=clock.now)
    (case,) = open_cases(venue)
    assert case.department_id == z.law.pk
    assert world.partner.pk in case.partner_id_set()
    assert case.deadline is not None
    assert (case.deadline - clock.now.date()).days in (29, 30, 31)


def test_a_school_moved_to_another_bureau_is_measured_under_its_new_bureau(world, clock):
    """A school handed to another district (its zone site still names the old one): the old
    district's check still runs, the school's zone follows it to the new district, and the old
    district's venues no longer open cases against it."""
    from safecampus.orgs.models import School

    zone_world(world)
    venue = register(world, away(ORIGIN, 150), now=clock.now)
    (case,) = open_cases(venue)
    School.objects.filter(pk=world.school_a.pk).update(bureau=world.other_bureau)
    counts = detection.recheck_bureau(world.bureau.pk, now=clock.now)
    assert counts["venues"] == 1
    detection.recheck_bureau(world.other_bureau.pk, now=clock.now)
    site = detection.sites_of([world.school_a.pk])[world.school_a.pk]
    assert site.bureau_id == world.other_bureau.pk
    case.refresh_from_db()
    assert case.status == "lapsed"
