"""The dashboards' 学生安全区域 card: venues in zones by type, open and overdue cases, each a link
to the case list filtered to exactly what it counts."""

import datetime

import pytest

from safecampus.core.roles import Role
from safecampus.zones import services
from safecampus.zones.models import ZoneCase
from safecampus.zones.testing import ORIGIN, away, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def zw(world, clock):
    clock.move_to("2026-12-01T10:00")
    z = zone_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    cafe = services.register_venue(
        actor=centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 150))
    )
    services.register_venue(
        actor=centre,
        bureau_id=world.bureau.pk,
        data=venue_data(away(ORIGIN, 120, azimuth=0), kind="game_hall", name="电玩城"),
    )
    # the café's case is past its deadline
    ZoneCase.objects.filter(venue=cafe).update(
        status="rectifying", deadline=datetime.date(2026, 11, 20)
    )
    return z


def _card(page: str) -> str:
    assert 'data-testid="zones-card"' in page
    return page.split('data-testid="zones-card"')[1].split('class="card card-body')[0]


def test_the_centre_sees_the_card_with_its_numbers_and_links(zw, world, client_for):
    page = client_for(world.users[Role.SAFETY_CENTRE]).get("/dashboard/").content.decode()
    card = _card(page)
    assert 'href="/zones/cases/?status=open" data-figure="zone-open" class="fw-bold">2<' in card
    assert 'href="/zones/cases/?overdue=1" data-figure="zone-overdue"' in card
    assert 'data-figure="zone-overdue" class="fw-bold text-danger">1<' in card
    assert (
        'href="/zones/cases/?status=open&amp;kind=internet_cafe" '
        'data-figure="zone-kind-internet_cafe" class="fw-bold">1<'
    ) in card
    assert 'data-figure="zone-kind-game_hall" class="fw-bold">1<' in card
    # the schools with no boundary are left to the zone overview
    assert "zone-no-boundary" not in card


def test_the_bureau_filter_narrows_the_card_and_its_links(zw, world, client_for):
    page = (
        client_for(world.users[Role.SAFETY_CENTRE])
        .get(f"/dashboard/?bureau={world.bureau.pk}")
        .content.decode()
    )
    card = _card(page)
    assert f'href="/zones/cases/?bureau={world.bureau.pk}&amp;status=open"' in card


def test_the_department_sees_its_own_cases(zw, world, client_for):
    page = client_for(zw.law_officer).get("/dashboard/").content.decode()
    card = _card(page)
    assert f"department={zw.law.pk}" in card
    assert 'data-figure="zone-open" class="fw-bold">2<' in card
    # a department with no zone case counts none
    page = client_for(world.users[Role.DEPARTMENT_OFFICER]).get("/dashboard/").content.decode()
    assert 'data-figure="zone-open" class="fw-bold">0<' in _card(page)


def test_the_printable_page_has_the_card(zw, world, client_for):
    page = client_for(world.users[Role.SAFETY_CENTRE]).get("/dashboard/print/").content.decode()
    assert 'data-testid="zones-card"' in page


def test_the_card_is_missing_for_roles_without_zone_figures(zw, world, client_for):
    from safecampus.reports.selectors import Filters, _zones

    assert _zones(world.users[Role.AUDITOR], Filters()) is None
    assert _zones(world.users[Role.PARTNER], Filters()) is None
