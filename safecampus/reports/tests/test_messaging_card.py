"""The centre's 消息推送 card: robots failing (with their last error), messages failed or of
unknown outcome in the last 7 days, messages waiting, each a link to the page listing exactly
what it counts; on the page, the printable page and the workbook; in a fixed number of
queries."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.core.roles import Role
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.models import Channel, Message

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def _robot(bureau, token: str, **kw) -> Channel:
    return Channel.objects.create(
        bureau=bureau,
        transport=Transport.DINGTALK,
        name=kw.pop("name", f"群{token[:4]}"),
        webhook=f"{settings.SAFECAMPUS_DINGTALK_API}/robot/send?access_token={token}",
        **kw,
    )


def _message(channel, status, created_at, n: int) -> Message:
    return Message.objects.create(
        bureau_id=channel.bureau_id,
        channel=channel,
        transport=channel.transport,
        topic=Topic.REMINDER,
        key=f"card:{n}",
        title="提醒",
        body="- 事项",
        status=status,
        created_at=created_at,
    )


@pytest.fixture
def mw(world, clock):
    now = clock.move_to("2026-12-07T10:00", tick=False)
    bad = _robot(
        world.bureau,
        "failingTok12",
        name="甲小学安全群",
        school=world.school_a,
        last_error="钉钉拒绝了签名：加签密钥不正确。",
        last_error_at=now - datetime.timedelta(hours=2),
    )
    good = _robot(world.bureau, "workingTok12", last_ok_at=now)
    _robot(world.bureau, "pausedTok123", active=False)
    _robot(world.other_bureau, "elsewhere123", last_error="x", last_error_at=now)
    day = datetime.timedelta(days=1)
    rows = [
        (good, Status.PENDING, now),
        (good, Status.PENDING, now - 20 * day),  # waiting, however old
        (bad, Status.FAILED, now - day),
        (bad, Status.FAILED, now - 8 * day),  # older than 7 days: not counted
        (bad, Status.UNCERTAIN, now - 6 * day),  # 2026-12-01, the first day counted
        (good, Status.SENT, now),
    ]
    for n, (channel, status, at) in enumerate(rows):
        _message(channel, status, at, n)
    return bad


def _card(page: str) -> str:
    assert 'data-testid="messaging-card"' in page
    return page.split('data-testid="messaging-card"')[1].split('class="card card-body')[0]


def test_the_centre_sees_the_card_with_its_numbers_and_links(mw, world, client_for):
    card = _card(client_for(world.users[Role.SAFETY_CENTRE]).get("/dashboard/").content.decode())
    assert (
        'href="/messages/robots/?failing=true" data-figure="messaging-robots-failing" '
        'class="fw-bold text-danger">1<'
    ) in card
    assert 'data-figure="messaging-robots-working">1<' in card
    assert 'data-figure="messaging-robots-paused">1<' in card
    assert (
        'href="/messages/outbox/?status=pending" data-figure="messaging-waiting" class="fw-bold">2<'
    ) in card
    assert (
        'href="/messages/outbox/?status=failed&amp;created_from=2026-12-01" '
        'data-figure="messaging-failed" class="fw-bold text-danger">1<'
    ) in card
    assert (
        'href="/messages/outbox/?status=uncertain&amp;created_from=2026-12-01" '
        'data-figure="messaging-uncertain" class="fw-bold text-warning">1<'
    ) in card
    assert f'<a href="/messages/robots/{mw.pk}/">甲小学安全群</a>' in card
    assert "加签密钥不正确" in card
    # in Chinese
    assert "消息推送" in card


def test_the_bureau_filter_narrows_the_card_and_its_links(mw, world, client_for):
    page = (
        client_for(world.users[Role.SAFETY_CENTRE])
        .get(f"/dashboard/?bureau={world.bureau.pk}")
        .content.decode()
    )
    assert f'href="/messages/outbox/?bureau={world.bureau.pk}&amp;status=pending"' in _card(page)


def test_the_printable_page_and_the_workbook_have_it(mw, world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    page = client.get("/dashboard/print/").content.decode()
    assert 'data-testid="messaging-card"' in page and "加签密钥不正确" in page
    response = client.get("/dashboard/export.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = next(ws for ws in wb.worksheets if "消息推送" in ws.title)
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "加签密钥不正确" in " ".join(str(v) for v in values)


@pytest.mark.parametrize(
    "role", [Role.LEADERSHIP, Role.DEPARTMENT_OFFICER, Role.INSPECTOR, Role.AUDITOR]
)
def test_only_the_centre_has_the_card(mw, world, client_for, role):
    from safecampus.reports.selectors import Filters, _messaging

    assert _messaging(world.users[role], Filters()) is None


def test_the_card_reads_three_queries_however_many_rows(mw, world):
    from safecampus.reports.selectors import Filters, _messaging

    centre = world.users[Role.SAFETY_CENTRE]
    _messaging(centre, Filters())
    with CaptureQueriesContext(connection) as ctx:
        first = _messaging(centre, Filters())
    for i in range(10):
        channel = _robot(
            world.bureau, f"more{i:04d}tok", last_error="e", last_error_at=mw.created_at
        )
        _message(channel, Status.FAILED, mw.last_error_at, 100 + i)
    with CaptureQueriesContext(connection) as more:
        second = _messaging(centre, Filters())
    assert len(ctx) == len(more) == 3
    assert (first["robots"]["failing"]["n"], second["robots"]["failing"]["n"]) == (1, 11)
    assert len(second["failing_robots"]) == 5
