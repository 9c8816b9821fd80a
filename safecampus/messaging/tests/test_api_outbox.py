"""The outbox's API: scoped as the robots (and the centre's e-mails), newest first, filtered,
with a fixed number of queries; read by any signed-in user (a person's own e-mails), as the
page; resend and cancel through the lifecycle table (409 when it says no, 403 for a person who
reads a message but keeps neither its robot nor the bureau)."""

from __future__ import annotations

import datetime
import json

import pytest

from safecampus.messaging.choices import Outcome, Status, Topic
from safecampus.messaging.models import Attempt, Message, MessageEvent

from . import api_world
from .api_world import NOW, SECRET, TOKEN, chinese, message, robot

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

aw = api_world.aw  # the fixture

URL = "/api/v1/outbox/"


def _post(client, url):
    return client.post(url, "{}", content_type="application/json")


@pytest.fixture
def box(aw):
    day = datetime.timedelta(days=1)
    return {
        "centre": message(aw.centre_robot, status=Status.SENT, created_at=NOW - 3 * day),
        "failed": message(aw.school_robot, status=Status.FAILED, created_at=NOW - day),
        "uncertain": message(aw.school_robot, status=Status.UNCERTAIN, created_at=NOW),
        "dept": message(aw.dept_robot, topic=Topic.ALERT, created_at=NOW - 2 * day),
        "email": message(
            bureau_id=aw.world.bureau.pk, recipient=aw.dept, address="dept@example.cn"
        ),
        "other": message(aw.other_robot),
    }


def _ids(client, **params) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def test_each_reads_what_it_keeps_newest_first(aw, box, client):
    client.force_login(aw.centre)
    assert _ids(client) == [
        box["email"].pk,
        box["uncertain"].pk,
        box["failed"].pk,
        box["dept"].pk,
        box["centre"].pk,
    ]
    client.force_login(aw.school)
    assert _ids(client) == [box["uncertain"].pk, box["failed"].pk]
    # a department officer: its robot's messages, and the e-mail to itself
    client.force_login(aw.dept)
    assert _ids(client) == [box["email"].pk, box["dept"].pk]
    client.force_login(aw.other_centre)
    assert _ids(client) == [box["other"].pk]


def test_the_filters(aw, box, client):
    client.force_login(aw.centre)
    assert _ids(client, status="failed") == [box["failed"].pk]
    assert _ids(client, transport="email") == [box["email"].pk]
    assert _ids(client, topic="alert") == [box["dept"].pk]
    assert _ids(client, robot=aw.school_robot.pk) == [box["uncertain"].pk, box["failed"].pk]
    assert _ids(client, channel=aw.dept_robot.pk) == [box["dept"].pk]
    assert _ids(client, created_from="2026-12-06", created_to="2026-12-06") == [box["failed"].pk]
    assert _ids(client, created_from="2026-12-05") == [
        box["email"].pk,
        box["uncertain"].pk,
        box["failed"].pk,
        box["dept"].pk,
    ]
    for bad in ({"status": "lost"}, {"created_from": "yesterday"}, {"robot": "x"}):
        body = client.get(URL, bad).json()
        assert body["code"] == "invalid" and body["errors"], bad


def test_the_list_reads_a_fixed_number_of_queries(aw, box, client, django_assert_max_num_queries):
    client.force_login(aw.centre)
    client.get(URL)
    for i in range(20):
        message(aw.school_robot, status=Status.FAILED, key=f"more:{i}")
    with django_assert_max_num_queries(6):
        assert len(_ids(client)) == 25


def test_the_detail_has_the_history_and_the_requests(aw, box, client):
    failed = box["failed"]
    MessageEvent.objects.create(
        message=failed, action="fail", from_status="sending", to_status="failed", detail="拒绝"
    )
    Attempt.objects.create(
        channel=aw.school_robot, message=failed, outcome=Outcome.REFUSED, errcode=310000
    )
    client.force_login(aw.school)
    body = client.get(f"{URL}{failed.pk}/").json()
    assert [e["action"] for e in body["events"]] == ["fail"]
    assert body["attempts_made"][0]["errcode"] == 310000
    assert body["allowed_actions"] == ["resend", "cancel"]
    assert body["channel_name"] == aw.school_robot.name
    client.force_login(aw.centre)
    text = client.get(f"{URL}{box['centre'].pk}/").content.decode()
    assert TOKEN not in text and SECRET not in text


def test_another_scope_is_404_a_role_without_robots_403(aw, box, client):
    for user, pk in ((aw.school, box["dept"].pk), (aw.other_centre, box["failed"].pk)):
        client.force_login(user)
        for response in (
            client.get(f"{URL}{pk}/"),
            _post(client, f"{URL}{pk}/resend/"),
            _post(client, f"{URL}{pk}/cancel/"),
        ):
            assert response.status_code == 404, response.content
            assert response.json()["code"] == "not_found"
    # someone who keeps no robot reads an empty outbox, as on the page; others' messages are
    # not found
    client.force_login(aw.auditor)
    assert _ids(client) == []
    for response in (
        client.get(f"{URL}{box['failed'].pk}/"),
        _post(client, f"{URL}{box['failed'].pk}/resend/"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    # the department officer reads the e-mail to itself, but does not keep e-mails
    client.force_login(aw.dept)
    response = _post(client, f"{URL}{box['email'].pk}/cancel/")
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert chinese(response.json()["message"])
    assert Message.objects.get(pk=box["email"].pk).status == Status.PENDING


def test_a_plain_recipient_reads_their_own_e_mails_but_neither_resends_nor_cancels(aw, box, client):
    """As on the page (``message_list``): any signed-in user reads the e-mails sent to them;
    only those who keep the robot, or the centre, send again or cancel."""
    failed = message(
        bureau_id=aw.world.bureau.pk,
        recipient=aw.auditor,
        address="auditor@example.cn",
        status=Status.FAILED,
    )
    client.force_login(aw.auditor)
    assert _ids(client) == [failed.pk]
    assert client.get(f"{URL}{failed.pk}/").json()["allowed_actions"] == []
    for act in ("resend", "cancel"):
        response = _post(client, f"{URL}{failed.pk}/{act}/")
        assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert Message.objects.get(pk=failed.pk).status == Status.FAILED
    page = client.get("/messages/outbox/")
    assert [m.pk for m in page.context["page"].object_list] == [failed.pk]


def test_resend_and_cancel_follow_the_lifecycle(aw, box, client):
    client.force_login(aw.school)
    url = f"{URL}{box['failed'].pk}/"
    response = _post(client, url + "resend/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["events"][-1]["action"] == "resend"
    # waiting: it cannot be sent again, it can be cancelled
    response = _post(client, url + "resend/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition" and chinese(response.json()["message"])
    assert _post(client, url + "cancel/").json()["status"] == "cancelled"
    for act in ("resend", "cancel"):
        response = _post(client, url + f"{act}/")
        assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    # a sent message is neither sent again nor cancelled
    client.force_login(aw.centre)
    sent = f"{URL}{box['centre'].pk}/"
    for act in ("resend", "cancel"):
        assert _post(client, sent + f"{act}/").status_code == 409
    assert Message.objects.get(pk=box["centre"].pk).status == Status.SENT
    # the centre cancels the e-mail of its bureau
    assert _post(client, f"{URL}{box['email'].pk}/cancel/").json()["status"] == "cancelled"


def test_an_id_that_is_not_one_is_404(aw, client):
    client.force_login(aw.centre)
    for pk in ("abc", "99999999999999999999999"):
        assert client.get(f"{URL}{pk}/").status_code == 404


def test_nothing_about_the_robots_secret_in_any_answer(aw, box, client):
    """Every endpoint's answer, read as the centre."""
    client.force_login(aw.centre)
    signed = robot(aw.world.bureau, token="allEndpoints99", secret="SECallEndpoints")
    message(signed, status=Status.FAILED)
    base = f"/api/v1/message-robots/{signed.pk}/"
    answers = [
        client.get("/api/v1/message-robots/"),
        client.get(base),
        client.patch(base, json.dumps({"name": "改名"}), content_type="application/json"),
        _post(client, base + "pause/"),
        _post(client, base + "resume/"),
        client.post(
            base + "secret/", json.dumps({"secret": "SECnewer2"}), content_type="application/json"
        ),
        client.get(URL),
        client.get(f"{URL}{Message.objects.filter(channel=signed).get().pk}/"),
        client.get("/api/v1/message-figures/"),
    ]
    for response in answers:
        assert response.status_code == 200, response.content
        text = response.content.decode()
        for hidden in ("allEndpoints99", "SECallEndpoints", "SECnewer2", TOKEN, SECRET):
            assert hidden not in text, (response.request["PATH_INFO"], hidden)
