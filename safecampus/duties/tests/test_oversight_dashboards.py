"""Duty compliance on the dashboards: the bureau's (centre, leaders, a department) and a
school's, for this month and this school year; each number links to exactly its occurrences,
and a snapshot of a large scope keeps the duty figures with its "as of" time."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from safecampus.core.roles import Role

from . import oversight_world
from .oversight_world import listed

ow = oversight_world.ow  # the fixture

pytestmark = [pytest.mark.dates, pytest.mark.django_db]

FIGURE = re.compile(r'<a href="([^"]+)" data-figure="(duty-[\w-]+)"[^>]*>([\d,]+)</a>')


def duty_figures(body: str) -> dict[str, tuple[int, str]]:
    return {k: (int(n.replace(",", "")), html.unescape(u)) for u, k, n in FIGURE.findall(body)}


def numbers(figures) -> dict[str, int]:
    return {k: n for k, (n, _u) in figures.items()}


#: this month: 甲小学's excuse asked (open), 丙中学's drill done, the meeting open
MONTH = {
    "duty-month-owed": 3,
    "duty-month-completed": 1,
    "duty-month-missed": 0,
    "duty-month-open": 2,  # owed = completed + missed + open: none unaccounted
}
YEAR = {
    "duty-year-owed": 8,
    "duty-year-completed": 3,
    "duty-year-missed": 3,
    "duty-year-open": 2,
}


@pytest.mark.parametrize("role", [Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.DEPARTMENT_OFFICER])
def test_the_bureau_dashboard_shows_duty_compliance_with_links(ow, client_for, role):
    client = client_for(ow.world.users[role])
    body = client.get(reverse("reports:dashboard")).content.decode()
    figures = duty_figures(body)
    assert numbers(figures) == MONTH | YEAR
    assert 'data-testid="duty-month-rate">33.3%' in body
    assert 'data-testid="duty-year-rate">37.5%' in body
    for key, (n, link) in figures.items():
        assert link.startswith("/duties/occurrences/?")
        assert listed(client, link) == n, key


def test_a_department_dashboard_counts_what_it_oversees_or_owes(ow, client_for):
    client = client_for(ow.other_dept_user)  # 安保科 oversees and owes nothing
    figures = duty_figures(client.get(reverse("reports:dashboard")).content.decode())
    assert set(numbers(figures).values()) == {0}
    assert all(listed(client, link) == 0 for _n, link in figures.values())


def test_the_school_type_filter_narrows_the_duty_figures(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    body = client.get(reverse("reports:dashboard"), {"stage": "junior"}).content.decode()
    figures = duty_figures(body)
    # 丙中学 only: missed in m2, excused in m1, done in m0
    assert numbers(figures) == {
        "duty-month-owed": 1,
        "duty-month-completed": 1,
        "duty-month-missed": 0,
        "duty-month-open": 0,
        "duty-year-owed": 2,
        "duty-year-completed": 1,
        "duty-year-missed": 1,
        "duty-year-open": 0,
    }
    assert all(listed(client, link) == n for n, link in figures.values())


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("a", {"month": (1, 0, 0), "year": (3, 2, 0)}),
        ("c", {"month": (1, 1, 0), "year": (2, 1, 1)}),
    ],
)
def test_the_school_dashboard_shows_its_own_duties(ow, client_for, who, expected):
    user = ow.world.users[Role.SCHOOL_OFFICER] if who == "a" else ow.c_user
    client = client_for(user)
    body = client.get(reverse("reports:school_dashboard")).content.decode()
    figures = duty_figures(body)
    got = {
        p: tuple(figures[f"duty-{p}-{k}"][0] for k in ("owed", "completed", "missed"))
        for p in ("month", "year")
    }
    assert got == expected
    for n, link in figures.values():
        assert listed(client, link) == n
    details = re.search(r'href="([^"]+)" data-testid="duty-details"', body).group(1)
    assert listed(client, html.unescape(details)) == expected["year"][0]
    overdue = body.split('data-testid="duty-overdue"')
    if who == "c":
        # its missed drill of two months back, with its period
        assert len(overdue) == 2 and f"{ow.m[0].year}年{ow.m[0].month}月" in overdue[1]
        assert f"{ow.m[0]:%Y}-M{ow.m[0]:%m}" not in overdue[1]  # the period in words
    else:
        assert len(overdue) == 1


def test_the_centre_sees_a_school_dashboard_with_its_duties(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    url = reverse("reports:school_dashboard_for", args=[ow.school_c.pk])
    figures = duty_figures(client.get(url).content.decode())
    assert figures["duty-year-missed"][0] == 1
    assert all(listed(client, link) == n for n, link in figures.values())


def test_a_snapshot_keeps_the_duty_figures_as_of_its_time(
    ow, client_for, settings, django_capture_on_commit_callbacks
):
    from safecampus.duties import services
    from safecampus.reports.models import DashboardSnapshot

    settings.DASHBOARD_LIVE_MAX_SCHOOLS = 0
    settings.DASHBOARD_SNAPSHOT_MAX_AGE = 600
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("reports:dashboard"))
    snap = DashboardSnapshot.objects.get()
    assert snap.computed_at is not None
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert numbers(duty_figures(body)) == MONTH | YEAR
    # a drill recorded after the snapshot: the snapshot's figures stay as they were counted
    occ = ow.occ("DRILL", ow.world.school_a, 2)
    services.decide_excuse(
        actor=ow.world.users[Role.DEPARTMENT_OFFICER], occurrence_id=occ.pk, accept=True
    )
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert numbers(duty_figures(body))["duty-month-owed"] == 3  # live: 2
    assert 'data-testid="snapshot-bar"' in body
    live = client.get(reverse("duties:compliance"), {"period": "month"}).content.decode()
    assert '<a href="/duties/occurrences/?' in live and 'data-testid="owed">2</a>' in live


def test_the_dashboard_workbook_and_print_page_hold_the_duty_figures(ow, client_for):
    import io

    from openpyxl import load_workbook

    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    response = client.get(reverse("reports:dashboard_export"))
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["常态化工作落实情况"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=6)]
    assert [r[0] for r in rows] == ["本月", "本学年"]
    assert [r[3:6] for r in rows] == [[3, 1, 0], [8, 3, 3]]
    assert rows[1][6] == 0.375 and ws.cell(7, 7).number_format == "0.0%"
    body = client.get(reverse("reports:dashboard_print")).content.decode()
    assert 'data-testid="duty-compliance"' in body and ">37.5%<" in body
