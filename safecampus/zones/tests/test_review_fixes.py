"""Regressions found in review: a school's edit page that replaces its gates, schools that existed
before the zone, malformed uploads and ids, a re-imported workbook."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.orgs.services import school_update
from safecampus.zones import services
from safecampus.zones.models import Venue, ZoneCase, ZoneSite
from safecampus.zones.receivers import build_missing_sites
from safecampus.zones.testing import ORIGIN, away, venue_data, zone_world

from .test_venues_import import _run, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def z(world, clock):
    clock.move_to("2026-12-01T10:00")
    return zone_world(world)


def test_saving_a_school_with_the_same_gates_keeps_venues_registrable(
    z, django_capture_on_commit_callbacks
):
    """The edit page sends the gates every time; they come back with new ids. The zone must
    follow, or the next venue's hit points at a deleted gate."""
    school = z.world.school_a
    gate = school.gates.get()
    same = [
        {
            "name": gate.name,
            "longitude": gate.longitude,
            "latitude": gate.latitude,
            "coord_system": gate.coord_system,
        }
    ]
    with django_capture_on_commit_callbacks(execute=True):
        school_update(
            actor=z.world.users[Role.SAFETY_CENTRE], school=school, data={"phone": "1"}, gates=same
        )
    new_gate = school.gates.get()
    assert new_gate.pk != gate.pk
    assert ZoneSite.objects.get(school=school).gates[0][0] == new_gate.pk
    venue = services.register_venue(
        actor=z.world.users[Role.SAFETY_CENTRE],
        bureau_id=z.world.bureau.pk,
        data=venue_data(away(ORIGIN, 100)),
    )
    assert ZoneCase.objects.filter(venue=venue, school=school).exists()


def test_schools_from_before_the_zone_get_their_sites_after_migrate(z):
    school = z.world.school_a
    ZoneSite.objects.filter(school=school).delete()
    build_missing_sites(apps.get_app_config("zones"))
    assert ZoneSite.objects.filter(school=school).exists()
    venue = services.register_venue(
        actor=z.world.users[Role.SAFETY_CENTRE],
        bureau_id=z.world.bureau.pk,
        data=venue_data(away(ORIGIN, 60)),
    )
    assert ZoneCase.objects.filter(venue=venue, school=school).exists()


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Polygon", "coordinates": [[1, 2, 3, 4]]},
        {"type": "Polygon", "coordinates": [[[1]]]},
        {"type": "Polygon", "coordinates": {"0": 1}},
        {"type": "MultiPolygon", "coordinates": [[]]},
    ],
)
def test_malformed_geojson_is_a_clear_refusal(z, client_for, geometry):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    response = client.post(
        reverse("zones:geometry_detail", args=[z.world.school_a.pk]),
        {
            "op": "file",
            "file-file": SimpleUploadedFile("campus.geojson", json.dumps(geometry).encode()),
            "file-coord_system": "wgs84",
        },
    )
    assert response.status_code == 400


def test_an_id_too_large_for_the_database_is_refused(z):
    with pytest.raises(ValidationError) as caught:
        services.register_venue(
            actor=z.world.users[Role.SAFETY_CENTRE],
            bureau_id=z.world.bureau.pk,
            data=venue_data(away(ORIGIN, 600)),
            partners=[2**70],
        )
    assert "partners" in caught.value.message_dict
    assert not Venue.objects.exists()


def test_an_api_id_too_large_is_a_400(z, client_for):
    client = client_for(z.world.users[Role.SAFETY_CENTRE])
    response = client.post(
        "/api/v1/zone-venues/",
        {**venue_data(away(ORIGIN, 600)), "source": "inspection", "partners": [2**70]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not Venue.objects.exists()


def test_importing_the_same_workbook_twice_is_refused_the_second_time(z, client_for):
    point = away(ORIGIN, 150)
    rows = [["网吧", "星空网吧", "", "东路1号", point[0], point[1], "GPS", "", ""]]
    client = client_for(z.law_officer)
    first = _run(client, workbook(rows))
    assert first.status == first.Status.SUCCEEDED
    second_upload = workbook(rows)
    from safecampus.core.models import Job

    response = client.post(reverse("zones:venue_import"), {"file": second_upload})
    assert response.status_code == 302
    job = Job.objects.filter(kind="zones.venue_import").order_by("-pk").first()
    from safecampus.core.jobs import job_run

    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "already in the register" in json.dumps(job.errors) or "已有" in json.dumps(
        job.errors, ensure_ascii=False
    )
    assert Venue.objects.count() == 1
    assert ZoneCase.objects.count() == 1


def _between_two_schools(z):
    from safecampus.core import geo
    from safecampus.zones.testing import gate_at

    gate_at(z.world.school_b, *geo.offset(*ORIGIN, 90.0, 300.0), name="西门")
    venue = services.register_venue(
        actor=z.world.users[Role.SAFETY_CENTRE],
        bureau_id=z.world.bureau.pk,
        data=venue_data(away(ORIGIN, 150)),
    )
    a = ZoneCase.objects.get(venue=venue, school=z.world.school_a)
    b = ZoneCase.objects.get(venue=venue, school=z.world.school_b)
    return venue, a, b


def test_a_rejected_closure_sends_the_other_schools_case_back_to_rectifying(z):
    venue, a, b = _between_two_schools(z)
    police = z.world.users[Role.PARTNER]
    services.act_on_case(actor=police, case_id=a.pk, action="record_closure", data={"note": "关"})
    b.refresh_from_db()
    assert b.status == "submitted"
    services.act_on_case(
        actor=z.law_officer, case_id=a.pk, action="reject", data={"note": "仍在营业"}
    )
    a.refresh_from_db()
    b.refresh_from_db()
    venue.refresh_from_db()
    assert (a.status, b.status, venue.status) == ("rectifying", "rectifying", "rectifying")
    assert b.events.filter(action="venue_back", actor_role="engine").exists()


def test_a_relocation_registers_the_new_place_only_when_verified(z):
    from safecampus.core import geo

    venue, a, _b = _between_two_schools(z)
    far = geo.offset(*ORIGIN, 0.0, 3000.0)
    services.act_on_case(
        actor=z.law_officer,
        case_id=a.pk,
        action="record_relocation",
        data={
            "note": "迁往北面",
            "address": "北路8号",
            "longitude": f"{far[0]:.6f}",
            "latitude": f"{far[1]:.6f}",
            "coord_system": "wgs84",
        },
    )
    assert Venue.objects.count() == 1
    services.act_on_case(actor=z.law_officer, case_id=a.pk, action="verify", data={"note": "核实"})
    venue.refresh_from_db()
    new = venue.relocated_to
    assert new is not None and new.address == "北路8号" and new.source == "relocation"
    assert 2990 < geo.distance_m(*ORIGIN, new.wgs_lon, new.wgs_lat) < 3010
    assert not ZoneCase.objects.filter(venue=new).exists()


def test_a_school_moved_to_another_bureau_leaves_its_old_districts_cases(
    z, django_capture_on_commit_callbacks
):
    venue = services.register_venue(
        actor=z.world.users[Role.SAFETY_CENTRE],
        bureau_id=z.world.bureau.pk,
        data=venue_data(away(ORIGIN, 100)),
    )
    case = ZoneCase.objects.get(venue=venue, school=z.world.school_a)
    school = z.world.school_a
    with django_capture_on_commit_callbacks(execute=True):
        school.bureau = z.world.other_bureau
        school.save()
        from safecampus.orgs.signals import announce_geometry_change

        announce_geometry_change([school.pk])
    case.refresh_from_db()
    assert case.status == "lapsed"
