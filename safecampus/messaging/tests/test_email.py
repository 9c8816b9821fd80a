"""E-mail through a local SMTP server: delivered with the page's absolute address; a server that
cannot be reached is tried again, then the message fails with the reason; no server configured
fails the e-mail at once, and nothing else waits for it."""

import pytest

from safecampus.messaging.choices import Outcome, Status
from safecampus.messaging.outbox import drain

from .helpers import NOW, make_world, queue, robot, status

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def world():
    return make_world()


def test_an_email_is_delivered_with_the_absolute_link(smtp, world, settings):
    settings.SAFECAMPUS_BASE_URL = "https://anquan.example.edu.cn"
    message = queue(
        None,
        "e:1",
        bureau=world["bureau"],
        address="wang@example.edu.cn",
        title="重大隐患待处理",
        body="消防通道堵塞，请于今日内整改。",
        url="/hazards/17/",
    )
    assert drain(now=NOW) == {Outcome.OK: 1}
    message.refresh_from_db()
    assert (message.status, message.sent_at) == (Status.SENT, NOW)
    (mail,) = smtp.received
    assert mail["Subject"] == "重大隐患待处理"
    assert mail["To"] == "wang@example.edu.cn"
    assert smtp.envelopes == [["wang@example.edu.cn"]]
    text = mail.get_content()
    assert "消防通道堵塞，请于今日内整改。" in text
    assert "https://anquan.example.edu.cn/hazards/17/" in text


def test_an_unreachable_mail_server_is_tried_again_then_the_email_fails(smtp, world, settings):
    settings.EMAIL_PORT = 9  # nothing listens there
    settings.SAFECAMPUS_OUTBOX_MAX_ATTEMPTS = 2
    message = queue(None, "e:1", bureau=world["bureau"], address="li@example.edu.cn")
    assert drain(now=NOW) == {Outcome.ERROR: 1}
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert "无法连接邮件服务器" in message.last_error
    assert drain(now=message.next_attempt_at) == {Outcome.ERROR: 1}
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "无法连接邮件服务器" in message.last_error
    assert not smtp.received


def test_no_mail_server_fails_the_email_and_the_robots_still_send(robots, world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = ""
    channel = robot(robots, world, "tok12345")
    mail = queue(None, "e:1", bureau=world["bureau"], address="li@example.edu.cn")
    group = queue(channel, "r:1")
    assert drain(now=NOW) == {Outcome.OK: 1, Outcome.REFUSED: 1}
    mail.refresh_from_db()
    assert mail.status == Status.FAILED
    assert "未配置邮件" in mail.last_error
    assert status(group) == Status.SENT
