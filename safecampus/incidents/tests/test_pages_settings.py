"""The incident settings page: reporting limits (defaults with their source until the bureau
configures its own), cluster thresholds, routing, the officers named on restricted cases; the
centre changes them, the other roles of the bureau read them; stale forms refused; scope."""

from __future__ import annotations

import pytest

from safecampus.audit.models import AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix, user_with_role
from safecampus.incidents import configuration, services
from safecampus.incidents.models import IncidentSettings, ReportingLimit

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

URL = "/incidents/settings/"


@pytest.fixture(autouse=True)
def _fixed_clock(clock):
    return clock


@pytest.fixture
def centre(world):
    return world.users[Role.SAFETY_CENTRE]


@pytest.fixture
def other_centre(world):
    return user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="centre_x")


def _settings_post(world, **overrides) -> dict:
    data = {
        "bureau": world.bureau.pk,
        "cluster_day_cases": 3,
        "cluster_window_days": 3,
        "cluster_window_cases": 5,
        "cluster_minutes": 60,
        "sensitive_lead_days": 7,
        "version": services.settings_for(world.bureau.pk).version,
    }
    data.update(overrides)
    return data


def test_the_centre_sees_the_defaults_with_their_source_and_the_form(world, centre, client_for):
    page = client_for(centre).get(URL).content.decode()
    assert 'data-testid="limits-defaults"' in page
    assert "通行做法：事发30分钟内口头报告、1小时内书面报告" in page
    assert 'data-limit="food_poisoning-any"' in page
    assert 'data-testid="settings-form"' in page
    assert 'data-testid="no-officers"' in page  # nobody designated: every centre officer
    assert 'data-testid="limit-edit-default"' in page
    assert "incident_type=food_poisoning" in page


def test_the_school_reads_the_limits_without_the_forms(world, client_for):
    response = client_for(world.users[Role.SCHOOL_OFFICER]).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="limits"' in page and 'data-testid="settings-read"' in page
    assert 'data-testid="settings-form"' not in page and "limit-new" not in page


def test_scope_of_the_page(world, centre, other_centre, client):
    scope_matrix(
        client,
        f"{URL}?bureau={world.bureau.pk}",
        permitted=world.users[Role.LEADERSHIP],
        out_of_scope=[other_centre],
        wrong_role=[world.users[Role.PARTNER], world.users[Role.AUDITOR]],
    )
    # a school reads, but may not change
    scope_matrix(
        client,
        URL,
        method="post",
        data=_settings_post(world),
        permitted=centre,
        wrong_role=[world.users[Role.SCHOOL_OFFICER], world.users[Role.LEADERSHIP]],
    )
    scope_matrix(
        client,
        f"/incidents/settings/limits/new/?bureau={world.bureau.pk}",
        permitted=centre,
        out_of_scope=[other_centre],
        wrong_role=[world.users[Role.SCHOOL_OFFICER], world.users[Role.DEPARTMENT_OFFICER]],
    )


def test_the_centre_changes_thresholds_routing_and_officers(world, centre, client_for):
    client = client_for(centre)
    response = client.post(
        URL,
        _settings_post(
            world,
            cluster_day_cases=4,
            cluster_minutes=45,
            route_food_poisoning=world.department.pk,
            restricted_officers=[centre.pk],
        ),
    )
    assert response.status_code == 302
    obj = IncidentSettings.objects.get(bureau=world.bureau)
    assert (obj.cluster_day_cases, obj.cluster_minutes) == (4, 45)
    assert obj.routing == {"food_poisoning": world.department.pk}
    assert list(obj.restricted_officers.values_list("pk", flat=True)) == [centre.pk]
    assert obj.updated_by == centre and obj.version == 1
    event = AuditEvent.objects.filter(target_type="incidents.incidentsettings").latest("seq")
    assert event.data["changes"]["cluster_day_cases"] == [3, 4]
    page = client.get(URL).content.decode()
    assert 'data-testid="no-officers"' not in page
    assert centre.display_name in page.split('data-testid="last-change"')[1][:200]


def test_a_stale_settings_form_is_refused_and_nothing_changes(world, centre, client_for):
    client = client_for(centre)
    stale = _settings_post(world, cluster_day_cases=4)
    configuration.settings_save(
        actor=centre, bureau_id=world.bureau.pk, data={"cluster_minutes": 30}
    )
    response = client.post(URL, stale)
    assert response.status_code == 400
    assert "该记录已被他人修改" in response.content.decode()
    assert IncidentSettings.objects.get(bureau=world.bureau).cluster_day_cases == 3


def test_numbers_out_of_range_are_refused(world, centre, client_for):
    response = client_for(centre).post(URL, _settings_post(world, cluster_day_cases=1))
    assert response.status_code == 400
    assert 'data-testid="error-cluster_day_cases"' in response.content.decode()
    assert IncidentSettings.objects.get(bureau=world.bureau).version == 0


def test_only_the_bureaus_centre_and_leaders_can_be_named(world, centre, client_for):
    response = client_for(centre).post(
        URL, _settings_post(world, restricted_officers=[world.users[Role.SCHOOL_OFFICER].pk])
    )
    assert response.status_code == 400
    assert 'data-testid="error-restricted_officers"' in response.content.decode()


def test_a_new_limit_makes_the_defaults_the_bureaus_own(world, centre, client_for):
    client = client_for(centre)
    response = client.post(
        "/incidents/settings/limits/new/",
        {
            "bureau": world.bureau.pk,
            "incident_type": "fire",
            "severity": "major",
            "verbal_minutes": 15,
            "source": "区应急预案",
        },
    )
    assert response.status_code == 302
    rows = ReportingLimit.objects.filter(bureau=world.bureau)
    assert rows.count() == 4  # the three defaults and the new row
    assert rows.get(incident_type="fire").verbal_minutes == 15
    page = client.get(URL).content.decode()
    assert 'data-testid="limits-defaults"' not in page
    assert 'data-limit="fire-major"' in page
    limits = services.limits_for(world.bureau.pk, "fire", "major")
    assert (limits.verbal_minutes, limits.written_minutes) == (15, 60)


def test_changing_a_default_prefills_it(world, centre, client_for):
    page = (
        client_for(centre)
        .get("/incidents/settings/limits/new/?incident_type=food_poisoning&severity=")
        .content.decode()
    )
    assert 'value="120"' in page and 'value="17:00"' in page


def test_a_limit_with_nothing_set_is_refused(world, centre, client_for):
    response = client_for(centre).post(
        "/incidents/settings/limits/new/", {"bureau": world.bureau.pk, "incident_type": "fire"}
    )
    assert response.status_code == 400
    assert not ReportingLimit.objects.exists()


def test_edit_and_remove_a_limit(world, centre, other_centre, client, client_for):
    row = configuration.limit_save(
        actor=centre,
        bureau_id=world.bureau.pk,
        data={"incident_type": "fire", "verbal_minutes": 20},
    )
    edit = f"/incidents/settings/limits/{row.pk}/"
    scope_matrix(
        client,
        edit,
        permitted=centre,
        out_of_scope=[other_centre],
        wrong_role=[world.users[Role.SCHOOL_OFFICER]],
    )
    c = client_for(centre)
    response = c.post(edit, {"incident_type": "fire", "verbal_minutes": 25, "version": row.version})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.verbal_minutes == 25
    # the old version is stale now
    response = c.post(edit, {"incident_type": "fire", "verbal_minutes": 5, "version": 1})
    assert response.status_code == 400
    row.refresh_from_db()
    assert row.verbal_minutes == 25
    c.logout()
    delete = f"/incidents/settings/limits/{row.pk}/delete/"
    assert client_for(other_centre).post(delete).status_code == 404
    assert client_for(world.users[Role.LEADERSHIP]).post(delete).status_code == 403
    assert client_for(centre).post(delete).status_code == 302
    assert not ReportingLimit.objects.filter(pk=row.pk).exists()


def test_the_general_limit_cannot_be_removed(world, centre, client_for):
    configuration.limit_save(
        actor=centre,
        bureau_id=world.bureau.pk,
        data={"incident_type": "fire", "verbal_minutes": 20},
    )
    general = ReportingLimit.objects.get(bureau=world.bureau, incident_type="", severity="")
    client = client_for(centre)
    response = client.post(f"/incidents/settings/limits/{general.pk}/delete/", follow=True)
    assert "不能删除" in response.content.decode()
    assert ReportingLimit.objects.filter(pk=general.pk).exists()


def test_the_page_query_count_is_pinned(world, centre, client_for):
    client = client_for(centre)
    small = count_queries(client, URL)
    for t in ("fire", "traffic", "violence"):
        configuration.limit_save(
            actor=centre, bureau_id=world.bureau.pk, data={"incident_type": t, "verbal_minutes": 20}
        )
    assert count_queries(client, URL) == small
