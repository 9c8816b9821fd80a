"""The robots' API: scoped as the pages (another scope 404, a role without robots 403), the
webhook's token and the secret never in an answer, stale changes 409, bad input 400 in Chinese
with nothing changed, and the test send against the local imitation."""

from __future__ import annotations

import json

import pytest

from safecampus.audit.models import AuditEvent
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.models import Channel, ChannelEvent, Message

from . import api_world
from .api_world import SECRET, chinese, message, robot, webhook

aw = api_world.aw  # the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

URL = "/api/v1/message-robots/"


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert chinese(body["message"]), body
    return body


# --- reading ------------------------------------------------------------------------------------


def test_the_centre_lists_every_robot_of_its_bureau_a_school_its_own(aw, client):
    client.force_login(aw.centre)
    rows = client.get(URL).json()["results"]
    assert {r["id"] for r in rows} == {aw.centre_robot.pk, aw.dept_robot.pk, aw.school_robot.pk}
    client.force_login(aw.school)
    rows = client.get(URL).json()["results"]
    assert [r["id"] for r in rows] == [aw.school_robot.pk]
    assert rows[0]["level"] == "school" and rows[0]["owner_name"] == "甲小学"
    client.force_login(aw.dept)
    assert [r["id"] for r in client.get(URL).json()["results"]] == [aw.dept_robot.pk]


def test_the_list_filters(aw, client):
    client.force_login(aw.centre)
    Channel.objects.filter(pk=aw.dept_robot.pk).update(active=False)
    Channel.objects.filter(pk=aw.school_robot.pk).update(
        last_error="签名不匹配", last_error_at=aw.school_robot.created_at
    )

    def ids(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids(level="bureau") == {aw.centre_robot.pk}
    assert ids(level="department") == {aw.dept_robot.pk}
    assert ids(level="school") == {aw.school_robot.pk}
    assert ids(school=aw.world.school_a.pk) == {aw.school_robot.pk}
    assert ids(department=aw.world.department.pk) == {aw.dept_robot.pk}
    assert ids(transport="wecom") == {aw.dept_robot.pk}
    assert ids(active="false") == {aw.dept_robot.pk}
    assert ids(failing="true") == {aw.school_robot.pk}
    assert ids(failing="false") == {aw.centre_robot.pk, aw.dept_robot.pk}
    body = client.get(URL, {"level": "nation"}).json()
    assert body["code"] == "invalid" and "level" in body["errors"]
    assert client.get(URL, {"school": "abc"}).status_code == 400


def test_the_list_reads_a_fixed_number_of_queries(aw, client, django_assert_max_num_queries):
    client.force_login(aw.centre)
    client.get(URL)
    for i in range(8):
        ch = robot(aw.world.bureau, token=f"more{i:04d}xxxx", school=aw.world.school_b)
        message(ch, status=Status.FAILED)
    # session, user, roles (scope), count, page, the robots' messages
    with django_assert_max_num_queries(8):
        rows = client.get(URL).json()["results"]
    assert len(rows) == 11
    failed = [r for r in rows if r["messages"]["failed"]]
    assert len(failed) == 8


def test_another_scope_is_404_a_role_without_robots_403(aw, client):
    urls = [
        f"{URL}{aw.centre_robot.pk}/",
        f"{URL}{aw.centre_robot.pk}/test/",
        f"{URL}{aw.centre_robot.pk}/pause/",
        f"{URL}{aw.centre_robot.pk}/resume/",
        f"{URL}{aw.centre_robot.pk}/secret/",
    ]
    for user, status in ((aw.school, 404), (aw.other_centre, 404), (aw.auditor, 403)):
        client.force_login(user)
        assert client.get(urls[0]).status_code == status
        assert _patch(client, urls[0], {"name": "x"}).status_code == status
        assert client.delete(urls[0]).status_code == status
        for url in urls[1:]:
            response = _post(client, url, {"secret": "SECx"})
            assert response.status_code == status, (user, url, response.content)
            assert response.json()["code"] == (
                "not_found" if status == 404 else "permission_denied"
            )
    client.force_login(aw.auditor)
    assert client.get(URL).status_code == 403
    assert _post(client, URL, {"name": "x"}).status_code == 403
    # nothing changed
    robot_ = Channel.objects.get(pk=aw.centre_robot.pk)
    assert (robot_.name, robot_.active, robot_.removed_at, robot_.version) == (
        aw.centre_robot.name,
        True,
        None,
        1,
    )
    assert not Message.objects.exists()


# --- creating -----------------------------------------------------------------------------------


def test_the_centre_sets_up_a_signed_robot_and_never_sees_its_secret_again(aw, client):
    client.force_login(aw.centre)
    token = "freshToken5678"
    response = _post(
        client,
        URL,
        {
            "transport": "dingtalk",
            "name": "安全中心值班群",
            "webhook": webhook(token),
            "secret": "SECverySecret42",
            "keywords": "安全",
            "topics": ["alert", "escalation"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["signed"] is True
    assert body["masked_webhook"].endswith("access_token=…5678")
    assert body["level"] == "bureau" and body["bureau"] == aw.world.bureau.pk
    assert body["topics"] == ["alert", "escalation"]
    assert "webhook" not in body and "secret" not in body
    text = response.content.decode()
    assert token not in text and "SECverySecret42" not in text
    channel = Channel.objects.get(pk=body["id"])
    assert channel.secret == "SECverySecret42"
    # nor in the robot's history or the audit log
    stored = json.dumps(list(ChannelEvent.objects.filter(channel=channel).values("data")))
    stored += json.dumps(list(AuditEvent.objects.values("data")), default=str)
    assert token not in stored and "SECverySecret42" not in stored


def test_a_school_sets_up_its_own_robot_not_another_schools(aw, client):
    client.force_login(aw.school)
    data = {"transport": "wecom", "name": "甲小学安全群", "webhook": webhook("k" * 20, "wecom")}
    response = _post(client, URL, data)
    assert response.status_code == 201, response.content
    assert response.json()["school"] == aw.world.school_a.pk
    n = Channel.objects.count()
    _refused(_post(client, URL, {**data, "school": aw.world.school_b.pk}), 400, "scope")
    assert Channel.objects.count() == n


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            {"webhook": "https://example.com/robot/send?access_token=abcdefgh12"},
            "webhook",
            "webhook_invalid",
        ),
        ({"webhook": "not a url"}, "webhook", "webhook_invalid"),
        (
            {"transport": "wecom", "webhook": webhook("wkey12345678", "wecom"), "secret": "SEC1"},
            "secret",
            "invalid",
        ),
        ({"topics": ["alert", "gossip"]}, "topics", "invalid"),
        ({"quiet_start": "22:00"}, "quiet_end", "invalid"),
        ({"name": ""}, "name", "invalid"),
        ({"transport": "email"}, "transport", "invalid"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(aw, client, change, field, code):
    client.force_login(aw.centre)
    data = {"transport": "dingtalk", "name": "群", "webhook": webhook("goodToken123"), **change}
    if data["transport"] == "wecom":
        data["webhook"] = webhook("wkey12345678", "wecom")
    n, audits = Channel.objects.count(), AuditEvent.objects.count()
    body = _refused(_post(client, URL, data), 400, code)
    assert field in body["errors"], body
    assert all(chinese(m) for m in body["errors"][field]), body
    assert (Channel.objects.count(), AuditEvent.objects.count()) == (n, audits)


def test_unreadable_json_is_400_not_500(aw, client):
    client.force_login(aw.centre)
    response = client.post(URL, "{oops", content_type="application/json")
    _refused(response, 400, "parse_error")


# --- changing -----------------------------------------------------------------------------------


def test_a_change_with_an_old_version_is_stale_and_changes_nothing(aw, client):
    client.force_login(aw.centre)
    url = f"{URL}{aw.centre_robot.pk}/"
    response = _patch(client, url, {"name": "新名称", "keywords": "安全", "version": 1})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["version"]) == ("新名称", 2)
    _refused(_patch(client, url, {"name": "再改", "version": 1}), 409, "stale")
    assert Channel.objects.get(pk=aw.centre_robot.pk).name == "新名称"
    body = _refused(_patch(client, url, {"topics": ["nonsense"]}), 400, "invalid")
    assert "topics" in body["errors"]
    _refused(_patch(client, url, {"quiet_start": "25:00"}), 400, "invalid")
    robot_ = Channel.objects.get(pk=aw.centre_robot.pk)
    assert (robot_.version, robot_.topics) == (2, aw.centre_robot.topics)
    # the detail carries the history, without the secret
    detail = client.get(url).json()
    assert [e["action"] for e in detail["events"]] == ["update"]
    assert SECRET not in json.dumps(detail)


def test_pause_resume_and_remove(aw, client):
    client.force_login(aw.dept)
    url = f"{URL}{aw.dept_robot.pk}/"
    waiting = message(aw.dept_robot)
    assert _post(client, url + "pause/").json()["active"] is False
    _refused(_post(client, url + "pause/"), 409, "invalid_transition")
    _refused(_post(client, url + "resume/", {"version": 1}), 409, "stale")
    assert _post(client, url + "resume/", {"version": 2}).json()["active"] is True
    _refused(_post(client, url + "resume/"), 409, "invalid_transition")
    assert client.delete(url + "?version=3").status_code == 204
    waiting.refresh_from_db()
    assert waiting.status == Status.CANCELLED and chinese(waiting.last_error)
    assert client.get(URL).json()["results"] == []
    assert client.get(url).json()["removed_at"]
    _refused(client.delete(url), 409, "invalid_transition")
    _refused(_post(client, url + "test/"), 409, "invalid_transition")


def test_replacing_the_webhook_and_secret(aw, client):
    client.force_login(aw.centre)
    url = f"{URL}{aw.centre_robot.pk}/secret/"
    before = Channel.objects.get(pk=aw.centre_robot.pk)
    _refused(_post(client, url, {}), 400, "invalid")
    body = _refused(
        _post(client, url, {"webhook": "https://evil.example/robot/send?access_token=abcdefgh1"}),
        400,
        "webhook_invalid",
    )
    assert "webhook" in body["errors"]
    after = Channel.objects.get(pk=aw.centre_robot.pk)
    assert (after.webhook, after.secret, after.version) == (
        before.webhook,
        before.secret,
        before.version,
    )
    response = _post(client, url, {"webhook": webhook("brandNewTok99"), "secret": "SECnewer1"})
    assert response.status_code == 200, response.content
    text = response.content.decode()
    assert "brandNewTok99" not in text and "SECnewer1" not in text and SECRET not in text
    assert response.json()["masked_webhook"].endswith("…ok99") and response.json()["signed"]
    # an empty secret removes it
    assert _post(client, url, {"secret": ""}).json()["signed"] is False
    _refused(_post(client, url, {"secret": "SECx", "version": 1}), 409, "stale")
    # a WeCom robot has no secret
    wecom = f"{URL}{aw.dept_robot.pk}/secret/"
    _refused(_post(client, wecom, {"secret": "SECx"}), 400, "invalid")


# --- the test send ------------------------------------------------------------------------------


def test_the_test_send_against_the_imitation(robots, aw, client):
    robots.secrets["imitTok12345"] = "SECright"
    channel = robot(aw.world.bureau, token="imitTok12345", secret="SECright")
    client.force_login(aw.centre)
    response = _post(client, f"{URL}{channel.pk}/test/")
    assert response.status_code == 200, response.content
    assert response.json()["delivered"] is True
    assert chinese(response.json()["detail"])
    assert [r.token for r in robots.received] == ["imitTok12345"]
    assert "SECright" not in response.content.decode()
    assert Message.objects.get().topic == Topic.TEST


def test_a_wrong_secret_says_so_plainly(robots, aw, client):
    robots.secrets["imitTok67890"] = "SECright"
    channel = robot(aw.world.bureau, token="imitTok67890", secret="SECwrong")
    client.force_login(aw.centre)
    body = _post(client, f"{URL}{channel.pk}/test/").json()
    assert body["delivered"] is False
    assert "加签" in body["detail"] and chinese(body["detail"].replace("加签", ""))
    assert "SECwrong" not in json.dumps(body) and "SECright" not in json.dumps(body)
    assert not robots.received
    # the robot is now failing, with its last error on the list
    row = client.get(URL, {"failing": "true"}).json()["results"][0]
    assert row["id"] == channel.pk and row["failing"] and "加签" in row["last_error"]


def test_a_paused_robot_says_its_test_waits(robots, aw, client):
    channel = robot(aw.world.bureau, token="imitPaused12", transport=Transport.WECOM)
    Channel.objects.filter(pk=channel.pk).update(active=False)
    client.force_login(aw.centre)
    body = _post(client, f"{URL}{channel.pk}/test/").json()
    assert body["delivered"] is False and chinese(body["detail"])
    assert not robots.received


def test_numbers_beyond_the_database_are_400_not_500(aw, client):
    client.force_login(aw.centre)
    huge = 10**30
    data = {"transport": "dingtalk", "name": "群", "webhook": webhook("hugeToken123")}
    assert _post(client, URL, {**data, "school": huge}).status_code == 400
    assert _post(client, URL, {**data, "department": huge}).status_code == 400
    url = f"{URL}{aw.centre_robot.pk}/"
    assert _patch(client, url, {"name": "x", "version": huge}).status_code == 400
    assert _post(client, url + "pause/", {"version": huge}).status_code == 400
    assert client.get(URL, {"school": str(huge)}).status_code == 400
    assert client.get("/api/v1/outbox/", {"robot": str(huge)}).status_code == 400
    assert client.get(f"{URL}{huge}/").status_code == 404
    heads = f"/api/v1/message-settings/{aw.world.bureau.pk}/heads/"
    body = {"heads": [{"department": huge, "user": None}]}
    assert client.put(heads, json.dumps(body), content_type="application/json").status_code == 400
    assert Channel.objects.get(pk=aw.centre_robot.pk).version == 1
