"""The incident figures page: a month's totals, open, serious, the timeliness rate, by type and
by grade, missed follow-ups and open cluster alerts; every number a link to the incident list
with the matching filters except the restricted count (and the always-restricted types);
scope and a pinned query count."""

from __future__ import annotations

import datetime
import re

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix, user_with_role
from safecampus.incidents import illness
from safecampus.incidents.testing import report

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

URL = "/incidents/overview/"
FIGURE = re.compile(r'<a href="([^"]+)"[^>]*data-figure="([^"]+)"[^>]*>([\d,]+)</a>')


@pytest.fixture
def now(clock):
    return clock.move_to("2027-03-15T10:00", tick=False)


@pytest.fixture
def incidents(world, now):
    school = world.users[Role.SCHOOL_OFFICER]
    on_time = report(school, world.school_a, now=now, minutes_after=30)
    late = report(
        school, world.school_a, now=now, minutes_after=61, incident_type="fire", severity="larger"
    )
    hidden = report(school, world.school_a, now=now, incident_type="bullying", title="欺凌事件")
    february = report(
        school,
        world.school_a,
        now=now,
        occurred_at=datetime.datetime(2027, 2, 10, 9, tzinfo=now.tzinfo),
    )
    illness.illness_record(
        actor=school,
        data={
            "school": world.school_a.pk,
            "class_name": "一班",
            "day": now.date(),
            "cases": 3,
            "symptoms": "发热",
        },
        now=now,
    )
    return {"on_time": on_time, "late": late, "hidden": hidden, "february": february}


def figures(page: str) -> dict[str, tuple[str, int]]:
    return {key: (href.replace("&amp;", "&"), int(n)) for href, key, n in FIGURE.findall(page)}


def test_the_centre_sees_this_months_figures_with_links(world, incidents, client_for):
    page = client_for(world.users[Role.SAFETY_CENTRE]).get(URL).content.decode()
    got = figures(page)
    period = "since=2027-03-01&until=2027-03-31"
    assert got["incident-total"] == (f"/incidents/?{period}", 2)  # the restricted one apart
    assert got["incident-open"] == (f"/incidents/?{period}&status=open", 2)
    assert got["incident-serious"] == (f"/incidents/?{period}&serious=1", 1)
    assert got["incident-late"] == (f"/incidents/?{period}&timeliness=late", 1)
    assert got["incident-on_time"] == (f"/incidents/?{period}&timeliness=on_time", 1)
    assert got["incident-type-fire"] == (f"/incidents/?{period}&incident_type=fire", 1)
    assert got["incident-grade-larger"] == (f"/incidents/?{period}&severity=larger", 1)
    assert got["incident-clusters"] == ("/incidents/clusters/", 1)
    assert 'data-testid="incident-rate">50.0%<' in page


def test_restricted_cases_are_counted_never_linked(world, incidents, client_for):
    page = client_for(world.users[Role.LEADERSHIP]).get(URL).content.decode()
    restricted = page.split('data-testid="incident-restricted"')[1].split("</p>")[0]
    assert "<strong>1</strong>" in restricted and "<a" not in restricted
    assert "incident-type-bullying" not in figures(page)
    assert f"/incidents/{incidents['hidden'].pk}/" not in page
    assert "欺凌事件" not in page


def test_the_month_picker(world, incidents, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    page = client.get(URL, {"month": "2027-02"}).content.decode()
    assert figures(page)["incident-total"] == ("/incidents/?since=2027-02-01&until=2027-02-28", 1)
    assert 'value="2027-02"' in page
    assert client.get(URL, {"month": "2027-13"}).status_code == 404
    assert client.get(URL, {"month": "soon"}).status_code == 404


def test_a_department_counts_what_is_routed_to_it(world, incidents, client_for):
    page = client_for(world.users[Role.DEPARTMENT_OFFICER]).get(URL).content.decode()
    assert figures(page)["incident-total"][1] == 0


def test_scope_of_the_page(world, incidents, client):
    scope_matrix(
        client,
        URL,
        permitted=world.users[Role.INSPECTOR],
        wrong_role=[
            world.users[Role.PARTNER],
            world.users[Role.SCHOOL_OFFICER],
            world.users[Role.AUDITOR],
        ],
    )


def test_another_bureau_counts_none_of_these(world, incidents, client_for):
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="centre_x")
    got = figures(client_for(outsider).get(URL).content.decode())
    assert got["incident-total"][1] == 0 and got["incident-clusters"][1] == 0


def test_the_query_count_is_pinned(world, incidents, now, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    school = world.users[Role.SCHOOL_OFFICER]
    # one incident owing daily follow-ups: their steps are read in one more query
    report(school, world.school_a, now=now, incident_type="food_poisoning")
    small = count_queries(client, URL)
    for t in ("traffic", "food_poisoning", "abuse", "violence"):
        report(school, world.school_a, now=now, incident_type=t)
    assert count_queries(client, URL) == small


def test_the_overview_shows_disputes_and_offers_the_monthly_summary(world, incidents, client_for):
    from safecampus.incidents.dispute_services import dispute_register

    centre = world.users[Role.SAFETY_CENTRE]
    for subject, title in (("fees", "收费争议"), ("bullying", "欺凌引发的纠纷")):
        dispute_register(
            actor=centre,
            data={
                "school": world.school_a.pk,
                "subject": subject,
                "title": title,
                "parties": [{"role": "parent", "count": 2}, {"role": "school", "count": 1}],
                "summary": "家长对处理结果有异议。",
                "risk": "high",
                "petition_risk": True,
                "source": "report",
                "found_on": "2027-03-14",
            },
            now=incidents["on_time"].reported_at,
        )
    page = client_for(world.users[Role.LEADERSHIP]).get(URL, {"month": "2027-03"}).content.decode()
    got = figures(page)
    assert got["dispute-open"] == ("/incidents/disputes/?status=open", 1)
    assert got["dispute-risk-high"] == ("/incidents/disputes/?status=open&risk=high", 1)
    assert got["dispute-petition"] == ("/incidents/disputes/?status=open&petition_risk=on", 1)
    disputes = page.split('data-testid="dispute-figures"')[1]
    assert "受限矛盾纠纷（仅计数）：1" in disputes and "欺凌引发的纠纷" not in page
    assert "统计范围：2027-03-01至2027-03-31" in page
    assert 'href="/incidents/summary/?month=2027-03"' in page
