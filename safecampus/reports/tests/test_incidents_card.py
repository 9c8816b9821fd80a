"""The dashboards' 突发事件 card: open, serious open, this month's first reports on time, open
cluster alerts, each a link to the list filtered alike; restricted cases counted, never shown
nor linked; a department counts what is routed to it."""

from __future__ import annotations

import datetime

import pytest

from safecampus.core.roles import Role
from safecampus.incidents import configuration, illness
from safecampus.incidents.testing import report

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def iw(world, clock):
    now = clock.move_to("2027-03-15T10:00", tick=False)
    school = world.users[Role.SCHOOL_OFFICER]
    configuration.settings_save(
        actor=world.users[Role.SAFETY_CENTRE],
        bureau_id=world.bureau.pk,
        data={"routing": {"food_poisoning": world.department.pk}},
        now=now,
    )
    report(school, world.school_a, now=now, minutes_after=20)
    report(
        school, world.school_a, now=now, minutes_after=70, incident_type="fire", severity="major"
    )
    report(school, world.school_a, now=now, incident_type="food_poisoning")
    hidden = report(school, world.school_a, now=now, incident_type="bullying", title="欺凌事件")
    report(
        school,
        world.school_a,
        now=now,
        occurred_at=datetime.datetime(2027, 2, 20, 9, tzinfo=now.tzinfo),
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
    return hidden


def _card(page: str) -> str:
    assert 'data-testid="incidents-card"' in page
    return page.split('data-testid="incidents-card"')[1].split('class="card card-body')[0]


@pytest.mark.parametrize("role", [Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR])
def test_the_bureau_roles_see_the_card_with_links(iw, world, client_for, role):
    card = _card(client_for(world.users[role]).get("/dashboard/").content.decode())
    assert 'href="/incidents/?status=open" data-figure="incident-open" class="fw-bold">4<' in card
    assert (
        'href="/incidents/?status=open&amp;serious=1" data-figure="incident-serious-open" '
        'class="fw-bold text-danger">1<'
    ) in card
    # March: three incidents listed (the restricted one is counted apart), one reported late
    assert 'data-testid="incident-month-rate">66.7%<' in card
    assert (
        'href="/incidents/?since=2027-03-01&amp;until=2027-03-31&amp;timeliness=on_time" '
        'data-figure="incident-month-on-time">2<'
    ) in card
    assert (
        'href="/incidents/?since=2027-03-01&amp;until=2027-03-31" data-figure="incident-month">3<'
        in card
    )
    assert (
        'href="/incidents/clusters/" data-figure="incident-clusters" '
        'class="fw-bold text-warning">1<'
    ) in card


def test_restricted_cases_are_a_plain_count(iw, world, client_for):
    page = client_for(world.users[Role.LEADERSHIP]).get("/dashboard/").content.decode()
    restricted = _card(page).split('data-testid="incident-restricted"')[1].split("</div>")[0]
    assert restricted.endswith("1") and "<a" not in restricted
    assert "欺凌事件" not in page and f"/incidents/{iw.pk}/" not in page


def test_the_card_carries_disputes_and_restricted_ones_apart(iw, world, client_for):
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
            now=iw.reported_at,
        )
    page = client_for(world.users[Role.LEADERSHIP]).get("/dashboard/").content.decode()
    disputes = _card(page).split('data-testid="disputes-figures"')[1]
    # the bullying dispute is restricted: counted apart, never linked
    assert 'data-figure="dispute-open" class="fw-bold">1<' in disputes
    assert 'data-figure="dispute-petition" class="fw-bold text-warning">1<' in disputes
    assert "受限矛盾纠纷（仅计数）：1" in disputes
    assert "欺凌引发的纠纷" not in page


def test_a_department_counts_what_is_routed_to_it(iw, world, client_for):
    card = _card(
        client_for(world.users[Role.DEPARTMENT_OFFICER]).get("/dashboard/").content.decode()
    )
    assert f"department_id={world.department.pk}" in card
    assert 'data-figure="incident-open" class="fw-bold">1<' in card


def test_the_bureau_filter_narrows_the_links(iw, world, client_for):
    page = client_for(world.users[Role.SAFETY_CENTRE]).get(f"/dashboard/?bureau={world.bureau.pk}")
    card = _card(page.content.decode())
    assert f'href="/incidents/?bureau_id={world.bureau.pk}&amp;status=open"' in card


def test_the_printable_page_has_the_card(iw, world, client_for):
    page = client_for(world.users[Role.SAFETY_CENTRE]).get("/dashboard/print/").content.decode()
    assert 'data-testid="incidents-card"' in page


def test_no_card_for_roles_without_incident_figures(world):
    from safecampus.reports.selectors import Filters, _incidents

    today = datetime.date(2027, 3, 15)
    for role in (Role.AUDITOR, Role.PARTNER, Role.SCHOOL_OFFICER):
        assert _incidents(world.users[role], Filters(), today) is None


def test_the_workbook_has_an_incidents_sheet(iw, world, client_for):
    import io

    from openpyxl import load_workbook

    response = client_for(world.users[Role.SAFETY_CENTRE]).get("/dashboard/export.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    sheet = next(ws for ws in wb.worksheets if ws.title == "突发事件")
    values = {
        row[0]: row[1]
        for row in sheet.iter_rows(values_only=True)
        if row and row[0] and len(row) > 1
    }
    assert values["处置中"] == 4
    assert values["另有处置中的受限案件（仅计数）"] == 1
    assert values["本月事件数"] == 3
    assert values["未化解矛盾纠纷"] == 0
    assert isinstance(values["本月首报及时率"], float)


def test_the_card_shows_the_duty_watch_of_the_period_and_flags_disputes_in_it(
    iw, world, client_for
):
    from safecampus.incidents.dispute_services import dispute_register
    from safecampus.watch import services as watch

    centre = world.users[Role.SAFETY_CENTRE]
    watch.period_save(
        actor=centre,
        bureau=world.bureau,
        data={
            "name": "全国两会",
            "kind": "sensitive",
            "starts_on": datetime.date(2027, 3, 16),
            "ends_on": datetime.date(2027, 3, 20),
        },
        now=iw.reported_at,
    )
    dispute_register(
        actor=centre,
        data={
            "school": world.school_a.pk,
            "subject": "fees",
            "title": "收费争议",
            "parties": [{"role": "parent", "count": 5}, {"role": "school", "count": 1}],
            "summary": "家长扬言集体上访。",
            "risk": "high",
            "petition_risk": True,
            "source": "report",
            "found_on": "2027-03-14",
        },
        now=iw.reported_at,
    )
    card = _card(client_for(world.users[Role.LEADERSHIP]).get("/dashboard/").content.decode())
    watch_part = card.split('data-testid="watch-figures"')[1]
    assert "全国两会" in watch_part
    # two schools in the bureau, no roster published yet
    assert 'data-figure="watch-published" class="fw-bold">0<' in watch_part
    assert 'data-figure="watch-missing" class="fw-bold text-warning">2<' in watch_part
    # the period starts tomorrow: the dispute at risk of petitions is flagged
    assert 'data-figure="dispute-flagged" class="fw-bold text-danger">1<' in card
