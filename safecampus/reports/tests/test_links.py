"""Every number on the dashboard is a link, and the page it opens counts exactly that number:
the register (hazards), the campaign's form list, the accountability records."""

import datetime
import html
import re

import pytest

from safecampus.core.roles import Role

from . import dashboard_world

dash = dashboard_world.dash  # the fixture

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
#: <a href="…" data-figure="…">N</a>
FIGURE = re.compile(r'<a [^>]*href="([^"]+)"[^>]*data-figure="([^"]+)"[^>]*>([\d,]+)</a>')


def linked_figures(client, url: str = URL, **params) -> list[tuple[str, str, int]]:
    response = client.get(url, params)
    assert response.status_code == 200
    body = response.content.decode()
    found = [
        (key, html.unescape(href), int(n.replace(",", ""))) for href, key, n in FIGURE.findall(body)
    ]
    assert found
    return found


def listed(client, href: str) -> int | None:
    """How many rows the linked page counts. The zone card links to the zone's case list; where
    that page is not installed (its URL does not resolve) there is nothing to count: None. The
    incident card's links are counted where their list pages (``page``); the messaging card's
    always are."""
    if href.startswith("/zones/"):
        from django.urls import Resolver404, resolve

        try:
            resolve(href.split("?")[0])
        except Resolver404:
            return None
    response = client.get(href)
    if href.startswith("/incidents/clusters/"):
        # the cluster page lists the open alerts first, the reported ones below them
        assert response.status_code == 200, href
        return len(response.context["open_alerts"])
    if href.startswith("/messages/"):
        # the robot list and the outbox: both page, and understand every parameter the card's
        # links carry
        assert response.status_code == 200, href
        return response.context["page"].paginator.count
    if href.startswith("/incidents/"):
        # the incident pages are their own app's; where the list is not built yet (a 404) or
        # pages otherwise, there is nothing to count here (their own tests count them)
        page = response.context.get("page") if response.context else None
        if response.status_code == 404 or page is None:
            return None
        return page.paginator.count
    assert response.status_code == 200, href
    return response.context["page"].paginator.count


@pytest.mark.parametrize("who", ["centre", "dept", "dept2", "leader"])
def test_every_number_links_to_a_list_with_that_count(dash, client_for, who):
    user = {
        "centre": dash.centre,
        "dept": dash.users[Role.DEPARTMENT_OFFICER],
        "dept2": dash.other_dept_user,
        "leader": dash.users[Role.LEADERSHIP],
    }[who]
    client = client_for(user)
    figures = linked_figures(client)
    keys = {key for key, _href, _n in figures}
    # the figures the issue names are all there, each a link
    for key in ("open", "overdue", "major", "hard", "closed", "confirmed", "on_time", "total"):
        assert key in keys
    assert {"overdue-1_7", "overdue-8_30", "overdue-31_"} <= keys
    assert any(k.startswith("trend-new-") for k in keys)
    mismatches = [
        (key, href, n, listed(client, href))
        for key, href, n in figures
        if listed(client, href) not in (n, None)
    ]
    assert mismatches == []
    kinds = {href.split("?")[0] for _k, href, _n in figures}
    assert "/hazards/" in kinds
    assert "/accountability/" in kinds


def test_links_keep_the_dashboard_filters(dash, client_for):
    client = client_for(dash.centre)
    figures = linked_figures(client, stage="primary", campaign=dash.campaign.pk)
    hazard_links = [(k, h, n) for k, h, n in figures if h.startswith("/hazards/")]
    assert all(
        "stage=primary" in h and f"campaign={dash.campaign.pk}" in h for _k, h, _n in hazard_links
    )
    by_key = {k: n for k, _h, n in figures}
    assert by_key["total"] == 2  # a7 and r8 were found by the campaign, both at school A
    assert by_key["forms"] == 1  # the campaign's forms of primary schools
    assert all(listed(client, h) in (n, None) for _k, h, n in figures)


def test_overdue_bucket_links_at_their_edges(dash, client_for):
    """The register's overdue_min / overdue_max filters give the buckets' hazards exactly."""
    client = client_for(dash.centre)
    figures = {k: h for k, h, _n in linked_figures(client)}

    def codes(href):
        return {h.code for h in client.get(href).context["page"].object_list}

    h = dash.h
    assert codes(figures["overdue-1_7"]) == {h["a7"].code, h["b1"].code}
    assert codes(figures["overdue-8_30"]) == {h["r8"].code, h["s30"].code}
    assert codes(figures["overdue-31_"]) == {h["h31"].code}
    assert codes(figures["on_time"]) == {h["c_on"].code}
    assert codes(figures["confirmed"]) == {
        h[k].code for k in ("a7", "r8", "s30", "h31", "a0", "b1", "m", "c_on", "c_late")
    }


@pytest.mark.parametrize("stage", ["", "primary"])
def test_each_map_point_links_to_the_register_of_its_open_hazards(dash, client_for, stage):
    client = client_for(dash.centre)
    params = {"stage": stage} if stage else {}
    payload = client.get("/dashboard/map.json", params).json()
    assert payload["points"]
    for school, _name, _lon, _lat, n, _colour in payload["points"]:
        # the page builds each point's link as the given URL plus the school
        assert listed(client, f"{payload['url']}&school={school}") == n


def _robots_and_messages(world):
    """Robots working, failing, paused (and another bureau's), messages waiting, failed and of
    unknown outcome, inside and outside the card's 7 days."""
    from django.conf import settings
    from django.utils import timezone

    from safecampus.messaging.choices import Status, Topic, Transport
    from safecampus.messaging.models import Channel, Message

    now = timezone.now()
    day = datetime.timedelta(days=1)

    def robot(bureau, token, **kw):
        return Channel.objects.create(
            bureau=bureau,
            transport=Transport.DINGTALK,
            name=f"群{token[:4]}",
            webhook=f"{settings.SAFECAMPUS_DINGTALK_API}/robot/send?access_token={token}",
            **kw,
        )

    bad = robot(world.bureau, "failingTok12", last_error="x", last_error_at=now - day)
    blocked = robot(world.bureau, "blockedTok12", blocked_until=now + day, last_ok_at=now)
    good = robot(world.bureau, "workingTok12", last_ok_at=now, last_error_at=now - day)
    robot(world.bureau, "pausedTok123", active=False, last_error="x", last_error_at=now)
    robot(world.bureau, "removedTok12", removed_at=now - day)
    other = robot(world.other_bureau, "elsewhere123", last_error="x", last_error_at=now)
    rows = [
        (good, Status.PENDING, now),
        (good, Status.PENDING, now - 20 * day),
        (bad, Status.FAILED, now - day),
        (bad, Status.FAILED, now - 8 * day),
        (blocked, Status.UNCERTAIN, now - 6 * day),
        (blocked, Status.UNCERTAIN, now - 7 * day),
        (good, Status.SENT, now),
        (other, Status.FAILED, now),
        (other, Status.PENDING, now),
    ]
    for n, (channel, status, at) in enumerate(rows):
        Message.objects.create(
            bureau_id=channel.bureau_id,
            channel=channel,
            transport=channel.transport,
            topic=Topic.REMINDER,
            key=f"links:{n}",
            title="提醒",
            body="- 事项",
            status=status,
            created_at=at,
        )


@pytest.mark.parametrize("by_bureau", [False, True])
def test_the_messaging_cards_numbers_link_to_lists_with_that_count(
    dash, client_for, by_bureau, clock
):
    _robots_and_messages(dash)
    client = client_for(dash.centre)
    params = {"bureau": dash.bureau.pk} if by_bureau else {}
    figures = {
        key: (href, n)
        for key, href, n in linked_figures(client, **params)
        if key.startswith("messaging-")
    }
    assert {k: n for k, (_h, n) in figures.items()} == {
        "messaging-robots-working": 1,
        "messaging-robots-failing": 2,
        "messaging-robots-paused": 1,
        "messaging-waiting": 2,
        "messaging-failed": 1,
        "messaging-uncertain": 1,
    }
    assert {k: listed(client, h) for k, (h, _n) in figures.items()} == {
        k: n for k, (_h, n) in figures.items()
    }
