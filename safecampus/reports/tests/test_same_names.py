"""Issue 15: every figure on a page counts the same thing as every other figure with the same
name. A department officer also sees the hazards the department cooperates on; the waiting
panel's tiles counted the department's own (responsible) hazards and the charts counted every
hazard the officer sees, so 待验收 and 逾期 disagreed. The department's dashboard now counts the
department's own hazards throughout, and is titled for the department. The campaign filter's
"current" counts only the campaigns launched and not closed."""

import html
import re

import pytest

from safecampus.campaigns.models import Campaign
from safecampus.core.roles import Role
from safecampus.hazards.models import Hazard, HazardCooperation

from . import dashboard_world
from .test_links import linked_figures, listed

dash = dashboard_world.dash  # the fixture

pytestmark = pytest.mark.django_db

TILE = re.compile(
    r'href="([^"]+)" data-testid="waiting-(to_accept|overdue|to_confirm)-\d+"><span[^>]*>(\d+)<'
)


def _cooperate(dash):
    """安保科's overdue hazard waiting for acceptance, with 普教一科 cooperating on it: visible to
    普教一科's officer, but not 普教一科's to accept."""
    w = dash.world
    Hazard.objects.filter(pk=dash.h["b1"].pk).update(status="submitted")
    HazardCooperation.objects.create(hazard=dash.h["b1"], department=w.department)


def _tiles(body: str) -> dict[str, tuple[str, int]]:
    return {key: (html.unescape(href), int(n)) for href, key, n in TILE.findall(body)}


def test_department_tiles_charts_and_register_agree(dash, client_for):
    _cooperate(dash)
    client = client_for(dash.users[Role.DEPARTMENT_OFFICER])
    body = client.get("/dashboard/").content.decode()
    tiles = _tiles(body)
    figures = {key: (href, n) for key, href, n in linked_figures(client)}
    status_row = {r["key"]: r["n"] for r in client.get("/dashboard/").context["d"]["by_status"]}
    # same name, same count: the tile, the chart and the card
    assert tiles["to_accept"][1] == status_row["submitted"]
    assert tiles["overdue"][1] == figures["overdue"][1]
    assert tiles["to_confirm"][1] == status_row["reported"]
    # and each is the count of the register it links to
    for href, n in tiles.values():
        assert listed(client, href) == n, href
    for key in ("overdue", "open", "total"):
        href, n = figures[key]
        assert listed(client, href) == n, key
    # the cooperating hazard is in none of them
    assert dash.h["b1"].code not in body


def test_department_dashboard_is_titled_for_the_department(dash, client_for):
    client = client_for(dash.users[Role.DEPARTMENT_OFFICER])
    response = client.get("/dashboard/")
    title = f"{dash.world.department.name} · 统计分析"
    assert response.context["title"] == title
    assert "领导驾驶舱" not in response.content.decode()
    assert client.get("/dashboard/print/").context["title"] == title


def test_bureau_dashboard_keeps_its_title(dash, client_for):
    response = client_for(dash.centre).get("/dashboard/")
    assert response.context["title"] == "领导驾驶舱"
    assert response.context["filters"].department_id is None


def test_department_officer_cannot_open_another_departments_dashboard(dash, client_for):
    client = client_for(dash.users[Role.DEPARTMENT_OFFICER])
    response = client.get("/dashboard/", {"department": dash.world.other_dept.pk})
    assert response.status_code == 400
    assert response.context["filters"].department_id == dash.world.department.pk


def test_current_campaigns_count_only_launched_and_not_closed(dash, client_for):
    w = dash.world
    client = client_for(dash.centre)
    everything = {k: n for k, _h, n in linked_figures(client)}
    current = {k: (h, n) for k, h, n in linked_figures(client, campaign="current")}
    # a7 and r8 are the campaign's (both open); the others were found outside it
    assert current["total"][1] == 2 < everything["total"]
    assert "campaign=current" in current["total"][0]
    assert listed(client, current["total"][0]) == 2
    Campaign.objects.filter(pk=w.campaign.pk).update(status="closed")
    assert {k: n for k, _h, n in linked_figures(client, campaign="current")}["total"] == 0
    # the label says what it counts
    body = client.get("/dashboard/").content.decode()
    assert "当前专项行动（已启动、未结束）" in body
    assert "已启动、尚未结束" in body


def test_register_has_a_campaign_control(dash, client_for):
    w = dash.world
    client = client_for(dash.centre)
    body = client.get("/hazards/").content.decode()
    form = body[body.index('data-testid="hazard-filters"') :]
    form = form[: form.index("</form>")]
    assert 'name="campaign"' in form
    assert f'value="{w.campaign.pk}"' in form
    assert 'value="current"' in form
    response = client.get("/hazards/", {"campaign": w.campaign.pk})
    assert response.context["page"].paginator.count == 2
    assert client.get("/hazards/", {"campaign": "x"}).status_code == 200


def test_overdue_counts_are_called_counts(dash, client_for):
    for user in (dash.centre, dash.users[Role.DEPARTMENT_OFFICER]):
        body = client_for(user).get("/dashboard/").content.decode()
        assert "逾期数" in body
        assert "是否逾期" not in body
