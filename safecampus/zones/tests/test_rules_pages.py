"""The rules and settings pages: who reads and keeps them, a rule's create, change and
deactivation with its history and the re-check job, the settings, the re-check button."""

import pytest

from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.orgs.models import Bureau
from safecampus.zones.choices import ZoneEventKind
from safecampus.zones.models import ZoneEvent, ZoneRule, ZoneSettings
from safecampus.zones.testing import zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

RULE = {
    "code": "MH_BAR_100",
    "name": "校门100米内不得开设酒吧",
    "kind": "exclusion",
    "venue_types": ["bar"],
    "stages": ["primary", "junior"],
    "distance_m": "100",
    "measure_from": "gate",
    "clause": "000 §四(一)10",
    "days": "20",
}


@pytest.fixture
def zw(world, clock):
    clock.move_to("2026-12-01T10:00")
    return zone_world(world)


def _own_rule(world, **extra):
    return ZoneRule.objects.create(
        bureau=world.bureau,
        **{
            **RULE,
            "code": "OWN_1",
            "name": "自定规则",
            "distance_m": 120,
            "days": 20,
            **extra,
        },
    )


def test_the_rules_page_reads_for_every_officer_and_the_school(zw, world, client):
    for role in (
        Role.SAFETY_CENTRE,
        Role.LEADERSHIP,
        Role.INSPECTOR,
        Role.DEPARTMENT_OFFICER,
        Role.SCHOOL_OFFICER,
        Role.PRINCIPAL,
    ):
        client.force_login(world.users[role])
        page = client.get("/zones/rules/")
        assert page.status_code == 200, role
        text = page.content.decode()
        assert 'data-rule="NET_CAFE_200"' in text
        assert 'data-rule="ZONE_GATE_200"' in text
        assert ("rule-new" in text) == (role == Role.SAFETY_CENTRE)
    for role in (Role.PARTNER, Role.SYSTEM_ADMIN, Role.AUDITOR):
        client.force_login(world.users[role])
        assert client.get("/zones/rules/").status_code == 403, role


def test_the_rule_explains_its_line_and_cites_its_source(zw, world, client_for):
    text = client_for(world.users[Role.SAFETY_CENTRE]).get("/zones/rules/").content.decode()
    card = text.split('data-rule="NET_CAFE_200"')[1].split("data-rule=")[0]
    assert "200 m" in card
    assert "互联网上网服务营业场所管理条例" in card
    # national: read only
    assert "rule-edit" not in card


def test_another_bureau_does_not_see_this_bureaus_own_rules(zw, world, client_for):
    rule = _own_rule(world)
    other = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="other_centre")
    client = client_for(other)
    assert 'data-rule="OWN_1"' not in client.get("/zones/rules/").content.decode()
    assert client.get(f"/zones/rules/{rule.pk}/edit/").status_code == 404
    assert client.post(f"/zones/rules/{rule.pk}/active/", {"active": "0"}).status_code == 404
    assert client.get(f"/zones/rules/?bureau={world.bureau.pk}").status_code == 404
    assert client.get(f"/zones/settings/?bureau={world.bureau.pk}").status_code == 404


def test_a_department_officer_may_not_keep_rules(zw, world, client_for):
    rule = _own_rule(world)
    client = client_for(world.users[Role.DEPARTMENT_OFFICER])
    assert client.post("/zones/rules/new/", RULE).status_code == 403
    assert client.get(f"/zones/rules/{rule.pk}/edit/").status_code == 403
    assert client.post(f"/zones/rules/{rule.pk}/active/", {"active": "0"}).status_code == 403
    assert client.post("/zones/rules/recheck/").status_code == 403
    assert client.get("/zones/settings/").status_code == 403
    assert not ZoneRule.objects.filter(code="MH_BAR_100").exists()


def test_the_national_rule_is_read_only(zw, world, client_for):
    national = ZoneRule.objects.get(code="NET_CAFE_200", bureau__isnull=True)
    client = client_for(world.users[Role.SAFETY_CENTRE])
    assert client.get(f"/zones/rules/{national.pk}/edit/").status_code == 403
    assert client.post(f"/zones/rules/{national.pk}/active/", {"active": "0"}).status_code == 403


def test_the_centre_creates_edits_and_deactivates_a_rule(zw, world, client_for):
    centre = world.users[Role.SAFETY_CENTRE]
    client = client_for(centre)
    assert client.get("/zones/rules/new/").status_code == 200
    response = client.post(f"/zones/rules/new/?bureau={world.bureau.pk}", RULE)
    assert response.status_code == 302
    job = Job.objects.get(kind="zones.recheck")
    assert response["Location"] == job.get_absolute_url()
    assert job.params == {"bureau": world.bureau.pk}
    rule = ZoneRule.objects.get(bureau=world.bureau, code="MH_BAR_100")
    assert (rule.distance_m, rule.days, rule.venue_types) == (100, 20, ["bar"])
    event = ZoneEvent.objects.get(kind=ZoneEventKind.RULE, object_id=rule.pk, action="create")
    assert event.actor == centre
    assert event.data["before"] is None

    form = client.get(f"/zones/rules/{rule.pk}/edit/")
    assert form.status_code == 200
    response = client.post(
        f"/zones/rules/{rule.pk}/edit/", {**RULE, "distance_m": "150", "version": rule.version}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.distance_m == 150
    event = ZoneEvent.objects.get(kind=ZoneEventKind.RULE, object_id=rule.pk, action="update")
    assert (event.data["before"]["distance_m"], event.data["after"]["distance_m"]) == (100, 150)
    assert Job.objects.filter(kind="zones.recheck").count() == 2

    response = client.post(
        f"/zones/rules/{rule.pk}/active/", {"active": "0", "version": rule.version}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active
    assert Job.objects.filter(kind="zones.recheck").count() == 3
    page = client.get("/zones/rules/").content.decode()
    assert 'data-rule="MH_BAR_100"' not in page
    assert "rule-reactivate" in page
    history = page.split('data-testid="rule-history"')[1]
    assert centre.display_name in history
    assert "150" in history and "100" in history


def test_a_bad_rule_is_refused_in_chinese_and_nothing_is_saved(zw, world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        "/zones/rules/new/",
        {**RULE, "distance_m": "5000", "venue_types": []},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert 'data-testid="error-distance_m"' in response.content.decode()
    assert 'data-testid="error-venue_types"' in response.content.decode()
    assert not ZoneRule.objects.filter(code="MH_BAR_100").exists()
    assert not Job.objects.filter(kind="zones.recheck").exists()


def test_a_stale_edit_is_refused(zw, world, client_for):
    rule = _own_rule(world)
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        f"/zones/rules/{rule.pk}/edit/",
        {**RULE, "code": "OWN_1", "version": rule.version + 5},
    )
    assert response.status_code in (200, 409)
    rule.refresh_from_db()
    assert rule.distance_m == 120


def test_the_centre_chooses_the_department_and_rechecks(zw, world, client_for):
    centre = world.users[Role.SAFETY_CENTRE]
    client = client_for(centre)
    assert client.get("/zones/settings/").status_code == 200
    response = client.post("/zones/settings/", {"department": world.department.pk})
    assert response.status_code == 302
    assert ZoneSettings.objects.get(bureau=world.bureau).department_id == world.department.pk
    assert ZoneEvent.objects.filter(kind=ZoneEventKind.SETTINGS, actor=centre).exists()
    page = client.get("/zones/rules/").content.decode()
    assert world.department.name in page.split('data-testid="zone-department"')[1][:200]
    # a department of another bureau is refused
    from safecampus.core.testing import DepartmentFactory

    foreign = DepartmentFactory(bureau=world.other_bureau, name="外区科")
    response = client.post("/zones/settings/", {"department": foreign.pk})
    assert response.status_code == 200
    assert ZoneSettings.objects.get(bureau=world.bureau).department_id == world.department.pk

    response = client.post("/zones/rules/recheck/")
    job = Job.objects.get(kind="zones.recheck")
    assert response["Location"] == job.get_absolute_url()
    assert Bureau.objects.get(pk=job.params["bureau"]) == world.bureau
