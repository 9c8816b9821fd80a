"""Illness records and cluster alerts on the pages: a school records cases on a phone, the
class's last 14 days, open alerts with their countdown and the button to report, late ones
flagged, reported ones with the incident and whether on time; the bureau's alerts for its
roles; scope and a pinned query count."""

from __future__ import annotations

import datetime

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix, user_with_role
from safecampus.incidents import illness
from safecampus.incidents.models import ClusterAlert, IllnessRecord
from safecampus.incidents.testing import report

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

LIST = "/incidents/clusters/"
NEW = "/incidents/clusters/illness/new/"


@pytest.fixture
def now(clock):
    return clock.move_to("2027-03-10T08:30", tick=False)


@pytest.fixture
def school(world):
    return world.users[Role.SCHOOL_OFFICER]


def record(actor, school, *, day, cases, class_name="三年级2班", now):
    return illness.illness_record(
        actor=actor,
        data={
            "school": school.pk,
            "class_name": class_name,
            "day": day,
            "cases": cases,
            "symptoms": "发热、咳嗽",
        },
        now=now,
    )


def test_a_school_records_cases_and_an_alert_is_raised(world, school, now, client_for):
    client = client_for(school)
    form = client.get(NEW).content.decode()
    assert f'name="school" value="{world.school_a.pk}"' in form  # its one school, preselected
    response = client.post(
        NEW,
        {
            "school": world.school_a.pk,
            "class_name": "三年级2班",
            "day": "2027-03-10",
            "cases": 3,
            "symptoms": "发热、咳嗽",
        },
        follow=True,
    )
    assert response.status_code == 200
    alert = ClusterAlert.objects.get()
    assert alert.due_at == now + datetime.timedelta(minutes=60)
    page = response.content.decode()
    assert "09:30" in page  # the message says by when
    assert f'data-alert="{alert.pk}"' in page
    assert 'data-testid="alert-countdown"' in page and "剩余60分钟" in page
    assert f'href="/incidents/new/?cluster={alert.pk}"' in page
    assert 'data-class="三年级2班"' in page


def test_the_grid_shows_the_last_14_days_per_class(world, school, now, client_for):
    record(school, world.school_a, day=datetime.date(2027, 3, 9), cases=1, now=now)
    record(school, world.school_a, day=datetime.date(2027, 3, 10), cases=2, now=now)
    record(school, world.school_a, day=datetime.date(2027, 2, 20), cases=2, now=now)  # too old
    record(
        school,
        world.school_a,
        day=datetime.date(2027, 3, 10),
        cases=1,
        class_name="一年级1班",
        now=now,
    )
    page = client_for(school).get(LIST).content.decode()
    grid = page.split('data-testid="illness-grid"')[1].split("</table>")[0]
    row = grid.split('data-class="三年级2班"')[1].split("</tr>")[0]
    assert row.count('class="table-warning fw-bold"') == 2
    assert '<td class="fw-bold">3</td>' in row
    assert 'data-class="一年级1班"' in grid
    assert not ClusterAlert.objects.exists()


def test_a_late_alert_is_flagged(world, school, now, clock, client_for):
    record(school, world.school_a, day=now.date(), cases=3, now=now)
    clock.move_to(now + datetime.timedelta(minutes=75), tick=False)
    page = client_for(world.users[Role.SAFETY_CENTRE]).get(LIST).content.decode()
    assert 'data-testid="alert-late"' in page and "已超时15分钟" in page


def test_a_reported_alert_shows_its_incident_and_whether_on_time(
    world, school, now, clock, client_for
):
    _record, alert = record(school, world.school_a, day=now.date(), cases=3, now=now)
    later = clock.move_to(now + datetime.timedelta(minutes=40), tick=False)
    incident = report(
        school, world.school_a, now=later, incident_type="infectious", cluster=alert.pk
    )
    page = client_for(world.users[Role.SAFETY_CENTRE]).get(LIST).content.decode()
    reported = page.split('data-testid="reported-alerts"')[1]
    assert 'data-testid="alert-on-time"' in reported
    assert f'href="/incidents/{incident.pk}/"' in reported
    assert 'data-testid="no-open-alerts"' in page


def test_bureau_roles_see_their_bureaus_alerts_only(world, school, now, client_for):
    record(school, world.school_a, day=now.date(), cases=3, now=now)
    for role in (Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR):
        page = client_for(world.users[role]).get(LIST).content.decode()
        assert 'data-testid="alert-countdown"' in page, role
    assert (
        'data-testid="alert-report"'
        not in client_for(world.users[Role.LEADERSHIP]).get(LIST).content.decode()
    )
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="centre_x")
    page = client_for(outsider).get(LIST).content.decode()
    assert "data-alert=" not in page
    other_school = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    assert "data-alert=" not in client_for(other_school).get(LIST).content.decode()


def test_scope_of_the_pages(world, school, now, client):
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="centre_x")
    other_school = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    scope_matrix(
        client,
        f"{LIST}?school={world.school_a.pk}",
        permitted=world.users[Role.LEADERSHIP],
        out_of_scope=[outsider, other_school],
        wrong_role=[world.users[Role.PARTNER], world.users[Role.AUDITOR]],
    )
    scope_matrix(
        client,
        f"{NEW}?school={world.school_a.pk}",
        permitted=world.users[Role.SAFETY_CENTRE],
        out_of_scope=[outsider],
        wrong_role=[world.users[Role.LEADERSHIP], world.users[Role.PARTNER]],
    )


def test_a_day_in_the_future_is_refused_and_nothing_saved(world, school, now, client_for):
    response = client_for(school).post(
        NEW,
        {
            "school": world.school_a.pk,
            "class_name": "三年级2班",
            "day": "2027-03-11",
            "cases": 3,
            "symptoms": "发热",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-day"' in response.content.decode()
    assert not IllnessRecord.objects.exists()


def test_another_bureaus_school_cannot_be_recorded_for(world, now, client_for):
    response = client_for(world.users[Role.SAFETY_CENTRE]).post(
        NEW,
        {
            "school": world.school_other.pk,
            "class_name": "一班",
            "day": "2027-03-10",
            "cases": 3,
            "symptoms": "发热",
        },
    )
    assert response.status_code == 400
    assert not IllnessRecord.objects.exists()


def test_the_list_query_count_is_pinned(world, school, now, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    _r, alert = record(school, world.school_a, day=now.date(), cases=3, now=now)
    report(school, world.school_a, now=now, incident_type="infectious", cluster=alert.pk)
    record(school, world.school_a, day=now.date(), cases=3, class_name="九班", now=now)
    small = count_queries(client, LIST)
    for i in range(4):
        _r, alert = record(
            school, world.school_a, day=now.date(), cases=3, class_name=f"{i}班", now=now
        )
        if i % 2:
            report(school, world.school_a, now=now, incident_type="infectious", cluster=alert.pk)
    assert count_queries(client, LIST) == small
    school_client = client_for(school)
    assert count_queries(school_client, LIST) <= small + 2
