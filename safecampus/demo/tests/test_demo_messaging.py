"""The demo's messages: three group robots on the real services' hosts, all paused (the demo
sends nothing outside), the bureau's settings with the default ladder, 普教一科's head, the
centre's e-mail preferences and an outbox history whose statuses, events and requests agree."""

import io
import time

import pytest
from django.core.management import call_command

from safecampus.accounts.models import User
from safecampus.demo.messaging import seed_demo_messaging
from safecampus.messaging.choices import Action, Outcome, Status, Transport
from safecampus.messaging.lifecycle import MESSAGES
from safecampus.messaging.models import (
    Attempt,
    Channel,
    ChannelEvent,
    DepartmentHead,
    Message,
    MessagingSettings,
    Preference,
)
from safecampus.messaging.outbox import drain
from safecampus.orgs.models import Bureau

pytestmark = pytest.mark.dates


@pytest.fixture
def seeded(db, clock):
    call_command("seed_demo", schools=20, no_activity=True, stdout=io.StringIO())
    district = Bureau.objects.get(code_prefix="MH")
    started = time.perf_counter()
    figures = seed_demo_messaging(district=district, now=clock.now)
    figures["seconds"] = time.perf_counter() - started
    return district, figures


def _kind(channel) -> str:
    if channel.school_id:
        return "school"
    return "dept" if channel.department_id else "bureau"


def test_the_demo_robots_are_paused_on_the_real_hosts(seeded):
    district, figures = seeded
    robots = {_kind(c): c for c in Channel.objects.filter(bureau=district)}
    assert figures["robots"] == len(robots) == 3
    bureau, dept, school = robots["bureau"], robots["dept"], robots["school"]
    assert (bureau.transport, bureau.signed) == (Transport.DINGTALK, True)
    assert (dept.transport, dept.signed) == (Transport.WECOM, False)
    assert dept.department.name == "普教一科"
    assert (school.transport, school.signed) == (Transport.DINGTALK, False)
    school_user = User.objects.get(username="school")
    assert school.school_id == school_user.role_assignments.first().school_id
    assert bureau.webhook.startswith("https://oapi.dingtalk.com/robot/send?access_token=demo")
    assert dept.webhook.startswith("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo")
    for robot in robots.values():
        assert not robot.active and "已暂停" in robot.name
        assert list(robot.events.values_list("action", flat=True)) == ["create", "pause"]
        assert "不向钉钉、企业微信发送" in robot.events.get(action="pause").data["note"]
        # the token is never shown whole
        assert "demo0mh0bureau0robot0token" not in bureau.masked_webhook
    assert "加签" in bureau.last_error
    assert ChannelEvent.objects.filter(channel__bureau=district).count() == 6


def test_the_demo_settings_head_and_preferences(seeded):
    district, _figures = seeded
    cfg = MessagingSettings.objects.get(bureau=district)
    assert cfg.ladder("general") == (3, 7, 15) and cfg.ladder("major") == (1, 3, 7)
    assert (cfg.quiet_start.hour, cfg.quiet_end.hour, cfg.digest_time.hour) == (22, 7, 7)
    head = DepartmentHead.objects.get(department__bureau=district)
    assert (head.department.name, head.user.username) == ("普教一科", "pj1")
    pref = Preference.objects.get(user__username="centre")
    assert pref.email.endswith("@example.com")
    assert pref.wants("alert") and pref.wants("digest") and pref.email_digest


def test_the_demo_outbox_history_is_consistent(seeded):
    district, figures = seeded
    messages = Message.objects.filter(bureau=district)
    by_status = {s: messages.filter(status=s).count() for s in Status.values}
    assert by_status["sent"] >= 20
    assert by_status["failed"] == by_status["uncertain"] == 1
    assert by_status["pending"] == figures["waiting"] == 4
    assert by_status["sending"] == by_status["cancelled"] == 0
    assert figures["messages"] == messages.count()
    assert messages.filter(transport=Transport.EMAIL, status=Status.SENT).exists()
    # no e-mail waits: a worker with an SMTP server would send it
    assert not messages.filter(transport=Transport.EMAIL, status=Status.PENDING).exists()
    failed = messages.get(status=Status.FAILED)
    assert "加签" in failed.last_error
    assert failed.requests.get().outcome == Outcome.REFUSED
    assert messages.get(status=Status.UNCERTAIN).requests.get().outcome == Outcome.IN_FLIGHT
    for m in messages.prefetch_related("events", "requests"):
        events = list(m.events.all())
        assert events[0].action == Action.QUEUE and events[0].to_status == Status.PENDING
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
            (move,) = [x for x in MESSAGES.moves if x.action == after.action]
            assert after.from_status in move.sources and move.leads(after.from_status) == (
                after.to_status
            )
        assert events[-1].to_status == m.status
        requests = list(m.requests.all())
        assert len(requests) == m.attempts
        if m.status == Status.SENT:
            assert m.sent_at and [r.outcome for r in requests] == [Outcome.OK]
    centre = User.objects.get(username="centre")
    assert Message.objects.visible_to(centre).filter(bureau=district).count() == messages.count()
    assert figures["seconds"] < 5


def test_the_demo_never_sends_outside(seeded, clock):
    """The robots are paused, so a drain (the worker's minute) sends nothing; nothing in the
    demo's outbox would reach a real service."""
    district, _figures = seeded
    before = list(Message.objects.values_list("pk", "status", "version"))
    attempts = Attempt.objects.count()
    assert drain(now=clock.now) == {}
    assert list(Message.objects.values_list("pk", "status", "version")) == before
    assert Attempt.objects.count() == attempts
