"""A case restricted while its message is being sent: no further part and no retry goes out."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.testing import BureauFactory, SchoolFactory
from safecampus.messaging import outbox
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.dispatch import Post, post, withdraw
from safecampus.messaging.models import Channel, Message, MessageEvent

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

NOW = timezone.make_aware(datetime.datetime(2026, 12, 7, 10, 0))


def test_a_message_withdrawn_mid_send_sends_no_further_part(robots):
    bureau = BureauFactory()
    school = SchoolFactory(bureau=bureau)
    Channel.objects.create(
        bureau=bureau,
        school=school,
        transport=Transport.WECOM,
        name="群",
        webhook=robots.wecom_webhook("wk123456"),
    )
    body = "\n".join(f"第{i}行：事件经过与处置情况" for i in range(300))
    post(
        Post(
            topic=Topic.ALERT,
            key="alert:incident:7:report",
            bureau_id=bureau.pk,
            title="突发事件",
            body=body,
            schools=(school.pk,),
        ),
        now=NOW,
    )
    message = Message.objects.get()
    assert message.parts_total > 1
    worker = outbox.worker_token()
    sends = outbox._claim_channel(message.channel_id, NOW, worker)
    # the first part is in flight when the case becomes restricted
    assert withdraw("alert:incident:7", now=NOW) == 1
    outbox._deliver(sends[0], worker=worker, clock=lambda: NOW)
    outbox._finish_claim(sends, worker=worker, now=NOW)
    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    assert outbox.drain(now=NOW + datetime.timedelta(minutes=5)) == {}
    assert len(robots.received) <= 1
    assert MessageEvent.objects.filter(message=message, action="withdraw").count() == 1
