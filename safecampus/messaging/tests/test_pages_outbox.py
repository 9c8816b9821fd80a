"""The outbox's pages, the bureau's settings and one's preferences: scope, roles, the lifecycle's
buttons, the ladder refused when it goes down, a department's head chosen among its officers."""

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, user_with_role
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.models import (
    Channel,
    DepartmentHead,
    Message,
    MessageEvent,
    MessagingSettings,
    Preference,
)

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def _robot(world, school, name):
    return Channel.objects.create(
        bureau=school.bureau,
        school=school,
        transport=Transport.WECOM,
        name=name,
        webhook=f"http://127.0.0.1:9/cgi-bin/webhook/send?key=key{school.pk}abcdefg",
    )


def _message(channel=None, *, status=Status.FAILED, key="m1", recipient=None, bureau=None):
    return Message.objects.create(
        bureau=bureau or channel.bureau,
        channel=channel,
        recipient=recipient,
        address="a@example.org" if recipient else "",
        transport=channel.transport if channel else Transport.EMAIL,
        topic=Topic.REMINDER,
        key=key,
        title="整改到期提醒",
        body="- 消防通道堵塞，明天到期",
        status=status,
        last_error="企业微信找不到该机器人" if status == Status.FAILED else "",
    )


@pytest.fixture
def outbox(world):
    a = _robot(world, world.school_a, "甲小学群")
    b = _robot(world, world.school_b, "乙幼儿园群")
    other = _robot(world, world.school_other, "外区群")
    return {
        "a": _message(a, key="a"),
        "b": _message(b, key="b"),
        "other": _message(other, key="o"),
        "mail": _message(
            status=Status.UNCERTAIN,
            key="mail",
            recipient=world.users[Role.LEADERSHIP],
            bureau=world.bureau,
        ),
    }


def test_the_outbox_is_scoped(client_for, world, outbox):
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    html = client.get(reverse("messaging:message_list")).content.decode()
    assert f'data-testid="message-{outbox["a"].pk}"' in html
    assert f'data-testid="message-{outbox["b"].pk}"' not in html
    for key in ("b", "other", "mail"):
        url = reverse("messaging:message_detail", args=[outbox[key].pk])
        assert client.get(url).status_code == 404
        act = reverse("messaging:message_act", args=[outbox[key].pk, "resend"])
        assert client.post(act).status_code == 404
    # the person an e-mail goes to reads it, but does not act on it
    leader = client_for(world.users[Role.LEADERSHIP])
    url = reverse("messaging:message_detail", args=[outbox["mail"].pk])
    html = leader.get(url).content.decode()
    assert "整改到期提醒" in html and "message-resend" not in html
    act = reverse("messaging:message_act", args=[outbox["mail"].pk, "resend"])
    assert leader.post(act).status_code == 403


def test_the_filters_narrow_the_outbox(client_for, world, outbox):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = reverse("messaging:message_list")
    html = client.get(url, {"transport": "email"}).content.decode()
    assert f'data-testid="message-{outbox["mail"].pk}"' in html
    assert f'data-testid="message-{outbox["a"].pk}"' not in html
    html = client.get(url, {"channel": outbox["b"].channel_id}).content.decode()
    assert f'data-testid="message-{outbox["b"].pk}"' in html
    assert f'data-testid="message-{outbox["a"].pk}"' not in html
    # nonsense filters are ignored, never a 500
    assert client.get(url, {"status": "zzz", "channel": "x", "page": "99"}).status_code == 200


def test_resend_and_cancel_follow_the_lifecycle(client_for, world, outbox):
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    message = outbox["a"]
    url = reverse("messaging:message_detail", args=[message.pk])
    html = client.get(url).content.decode()
    assert "message-resend" in html and "message-cancel" in html
    assert "企业微信找不到该机器人" in html
    r = client.post(reverse("messaging:message_act", args=[message.pk, "resend"]), follow=True)
    assert "重新排队" in r.content.decode()
    message.refresh_from_db()
    assert message.status == Status.PENDING
    event = MessageEvent.objects.filter(message=message).last()
    assert (event.action, event.actor) == ("resend", world.users[Role.SCHOOL_OFFICER])
    html = client.get(url).content.decode()
    assert "message-resend" not in html and "message-cancel" in html
    # sending a waiting message again is refused in Chinese, nothing changes
    r = client.post(reverse("messaging:message_act", args=[message.pk, "resend"]), follow=True)
    assert r.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.PENDING
    client.post(reverse("messaging:message_act", args=[message.pk, "cancel"]))
    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    zap = reverse("messaging:message_act", args=[message.pk, "zap"])
    assert client.post(zap).status_code == 404


def test_a_message_waiting_on_a_paused_robot_says_so(client_for, world):
    channel = _robot(world, world.school_a, "甲小学群")
    Channel.objects.filter(pk=channel.pk).update(active=False)
    waiting = _message(channel, status=Status.PENDING, key="w")
    Message.objects.filter(pk=waiting.pk).update(last_error="企业微信返回 HTTP 500，稍后重试。")
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    html = client.get(reverse("messaging:message_detail", args=[waiting.pk])).content.decode()
    assert "已暂停" in html and "恢复后再发送" in html
    assert "上次尝试： 企业微信返回 HTTP 500" in html  # an old error, not the state
    Channel.objects.filter(pk=channel.pk).update(active=True)
    html = client.get(reverse("messaging:message_detail", args=[waiting.pk])).content.decode()
    assert "恢复后再发送" not in html


def test_the_outbox_list_query_count_is_pinned(client_for, world, outbox):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = reverse("messaging:message_list")
    before = count_queries(client, url)
    channel = outbox["a"].channel
    for i in range(20):
        _message(channel, key=f"more{i}")
        _message(
            status=Status.SENT,
            key=f"mail{i}",
            recipient=world.users[Role.LEADERSHIP],
            bureau=world.bureau,
        )
    assert count_queries(client, url) == before


# --- the bureau's settings ----------------------------------------------------------------------


def _settings_data(**over):
    data = {
        "quiet_start": "21:30",
        "quiet_end": "07:00",
        "digest_time": "08:00",
        "general_head_days": 2,
        "general_centre_days": 5,
        "general_leaders_days": 10,
        "major_head_days": 1,
        "major_centre_days": 2,
        "major_leaders_days": 3,
        "version": 0,
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    "role", [Role.SCHOOL_OFFICER, Role.DEPARTMENT_OFFICER, Role.LEADERSHIP, Role.INSPECTOR]
)
def test_only_the_centre_keeps_the_settings(client_for, world, role):
    client = client_for(world.users[role])
    url = reverse("messaging:settings", args=[world.bureau.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _settings_data()).status_code == 403
    assert not MessagingSettings.objects.exists()


def test_another_bureaus_settings_are_not_found(client_for, world):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = reverse("messaging:settings", args=[world.other_bureau.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _settings_data()).status_code == 404


def test_the_centre_saves_the_settings_and_a_departments_head(client_for, world):
    head = user_with_role(Role.DEPARTMENT_OFFICER, world.department, username="dept_head")
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = reverse("messaging:settings", args=[world.bureau.pk])
    html = client.get(url).content.decode()
    assert "dept_head" in html or head.display_name in html
    field = f"head_{world.department.pk}"
    r = client.post(url, _settings_data(**{field: head.pk}))
    assert r.status_code == 302
    cfg = MessagingSettings.objects.get(bureau=world.bureau)
    assert (cfg.general_head_days, cfg.digest_time.hour) == (2, 8)
    assert DepartmentHead.objects.get(department=world.department).user == head
    # a ladder that goes down is refused, in Chinese
    r = client.post(
        url, _settings_data(general_centre_days=1, version=cfg.version, **{field: head.pk})
    )
    assert r.status_code == 400
    assert "督办逐级升级" in r.content.decode()
    # a stale form is refused
    r = client.post(url, _settings_data(version=cfg.version + 5, **{field: head.pk}))
    assert r.status_code == 400
    assert "刷新页面" in r.content.decode()
    # someone who is not an officer of the department cannot be chosen
    r = client.post(
        url, _settings_data(version=cfg.version, **{field: world.users[Role.LEADERSHIP].pk})
    )
    assert r.status_code == 400


def test_a_refused_head_leaves_nothing_saved(client_for, world):
    head = user_with_role(Role.DEPARTMENT_OFFICER, world.department, username="dept_head")
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = reverse("messaging:settings", args=[world.bureau.pk])
    field = f"head_{world.department.pk}"
    # the first save with a head who is not an officer: not even the settings' row is made
    r = client.post(url, _settings_data(**{field: world.users[Role.LEADERSHIP].pk}))
    assert r.status_code == 400
    assert not MessagingSettings.objects.exists()
    assert client.post(url, _settings_data(**{field: head.pk})).status_code == 302
    cfg = MessagingSettings.objects.get(bureau=world.bureau)
    # changed settings with a refused head: the settings stay as they were
    r = client.post(
        url,
        _settings_data(
            version=cfg.version,
            digest_time="09:00",
            general_head_days=3,
            **{field: world.users[Role.LEADERSHIP].pk},
        ),
    )
    assert r.status_code == 400
    after = MessagingSettings.objects.get(bureau=world.bureau)
    assert (after.version, after.digest_time.hour, after.general_head_days) == (cfg.version, 8, 2)
    assert DepartmentHead.objects.get(department=world.department).user == head


def test_the_ladder_is_checked_merged_with_the_saved_days(world):
    from django.core.exceptions import ValidationError

    from safecampus.messaging import services

    centre = world.users[Role.SAFETY_CENTRE]
    days = {k: v for k, v in _settings_data().items() if k.endswith("_days")}
    cfg = services.settings_save(actor=centre, bureau=world.bureau, data=days)
    assert cfg.ladder("general") == (2, 5, 10)
    for partial in (
        {"general_centre_days": 1},  # below the head's 2
        {"general_leaders_days": 4},  # below the centre's 5
        {"major_head_days": 4, "major_centre_days": 4},  # above the leaders' 3
        {"major_head_days": 400},
        {"general_head_days": -1},
    ):
        with pytest.raises(ValidationError):
            services.settings_save(actor=centre, bureau=world.bureau, data=partial)
    after = MessagingSettings.objects.get(bureau=world.bureau)
    assert (after.ladder("general"), after.ladder("major")) == ((2, 5, 10), (1, 2, 3))
    # a partial change that keeps the ladder going up is saved
    cfg = services.settings_save(actor=centre, bureau=world.bureau, data={"general_head_days": 5})
    assert cfg.ladder("general") == (5, 5, 10)


# --- preferences --------------------------------------------------------------------------------


def test_anyone_keeps_their_own_preferences(client_for, world):
    user = world.users[Role.INSPECTOR]
    client = client_for(user)
    url = reverse("messaging:preferences")
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "email": "inspector@example.org",
            "email_topics": ["alert", "escalation"],
            "email_digest": "on",
            "quiet_start": "22:00",
            "quiet_end": "06:30",
        },
    )
    assert r.status_code == 302
    pref = Preference.objects.get(user=user)
    assert pref.email == "inspector@example.org"
    assert pref.email_topics == ["alert", "escalation"] and pref.email_digest
    r = client.post(url, {"email": "not-an-address", "quiet_start": "22:00"})
    assert r.status_code == 400
    assert client.get(url).status_code == 200


def test_the_menu_names_the_messages(client_for, world):
    html = client_for(world.users[Role.SCHOOL_OFFICER]).get("/").content.decode()
    assert reverse("messaging:overview") in html and "消息推送" in html
    assert "消息偏好" in html
    html = client_for(world.users[Role.INSPECTOR]).get("/").content.decode()
    assert 'href="/messages/"' not in html
    assert "消息偏好" in html
