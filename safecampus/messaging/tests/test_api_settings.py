"""The bureau's message settings and departments' heads (the centre), one's own preferences,
the figures, and the schema of these endpoints."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.messaging.choices import Status
from safecampus.messaging.models import (
    Channel,
    DepartmentHead,
    MessagingSettings,
    Preference,
)

from . import api_world
from .api_world import NOW, chinese, message, robot

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

aw = api_world.aw  # the fixture

LADDER = {
    "quiet_start": "21:30",
    "quiet_end": "06:30",
    "digest_time": "08:00",
    "general_head_days": 2,
    "general_centre_days": 5,
    "general_leaders_days": 10,
    "major_head_days": 1,
    "major_centre_days": 2,
    "major_leaders_days": 4,
}


def _put(client, url, data):
    return client.put(url, json.dumps(data), content_type="application/json")


def _settings_url(aw, bureau=None) -> str:
    return f"/api/v1/message-settings/{(bureau or aw.world.bureau).pk}/"


# --- settings -----------------------------------------------------------------------------------


def test_the_centre_reads_the_defaults_then_keeps_its_settings(aw, client):
    client.force_login(aw.centre)
    body = client.get(_settings_url(aw)).json()
    assert (body["quiet_start"], body["digest_time"], body["version"]) == (
        "22:00:00",
        "07:30:00",
        0,
    )
    assert not MessagingSettings.objects.exists()  # nothing written on a read
    response = _put(client, _settings_url(aw), LADDER)
    assert response.status_code == 200, response.content
    assert response.json()["general_centre_days"] == 5
    cfg = MessagingSettings.objects.get()
    assert cfg.ladder("major") == (1, 2, 4) and cfg.quiet_start == datetime.time(21, 30)
    # stale
    response = _put(client, _settings_url(aw), {**LADDER, "digest_time": "09:00", "version": 7})
    assert response.status_code == 409 and response.json()["code"] == "stale"
    assert chinese(response.json()["message"])
    assert MessagingSettings.objects.get().digest_time == datetime.time(8, 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"general_centre_days": 1}, "general_centre_days"),  # the ladder going down
        ({"major_leaders_days": 400}, "major_leaders_days"),
        ({"quiet_start": "25:00"}, "quiet_start"),
        ({"digest_time": None}, "digest_time"),
    ],
)
def test_bad_settings_are_refused_in_chinese_and_nothing_changes(aw, client, change, field):
    client.force_login(aw.centre)
    _put(client, _settings_url(aw), LADDER)
    before = MessagingSettings.objects.values().get()
    response = _put(client, _settings_url(aw), {**LADDER, **change})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"], body
    assert chinese(body["message"]) and all(chinese(m) for m in body["errors"][field])
    assert MessagingSettings.objects.values().get() == before


def test_settings_are_the_centres_of_its_own_bureau(aw, client):
    for user, status in ((aw.dept, 403), (aw.school, 403), (aw.auditor, 403)):
        client.force_login(user)
        assert client.get(_settings_url(aw)).status_code == status
        assert _put(client, _settings_url(aw), LADDER).status_code == status
        assert client.get(_settings_url(aw) + "heads/").status_code == status
    client.force_login(aw.other_centre)
    for url in (_settings_url(aw), _settings_url(aw) + "heads/"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert _put(client, url, LADDER).status_code == 404
    assert not MessagingSettings.objects.exists()


def test_the_centre_names_the_departments_heads(aw, client):
    client.force_login(aw.centre)
    url = _settings_url(aw) + "heads/"
    rows = client.get(url).json()
    assert rows == [
        {
            "department": aw.world.department.pk,
            "department_name": "普教一科",
            "user": None,
            "user_name": None,
        }
    ]
    response = _put(
        client, url, {"heads": [{"department": aw.world.department.pk, "user": aw.dept.pk}]}
    )
    assert response.status_code == 200, response.content
    assert response.json()[0]["user"] == aw.dept.pk
    # not an officer of the department: refused, the head stays
    response = _put(
        client, url, {"heads": [{"department": aw.world.department.pk, "user": aw.school.pk}]}
    )
    assert response.status_code == 400 and chinese(response.json()["message"])
    # a department of another bureau
    from safecampus.core.testing import DepartmentFactory

    elsewhere = DepartmentFactory(bureau=aw.world.other_bureau)
    response = _put(client, url, {"heads": [{"department": elsewhere.pk, "user": None}]})
    assert response.status_code == 400 and response.json()["code"] == "scope"
    assert DepartmentHead.objects.get().user == aw.dept
    # cleared
    _put(client, url, {"heads": [{"department": aw.world.department.pk, "user": None}]})
    assert not DepartmentHead.objects.exists()


# --- preferences --------------------------------------------------------------------------------


def test_everyone_keeps_their_own_preferences(aw, client):
    url = "/api/v1/message-preferences/me/"
    client.force_login(aw.auditor)
    body = client.get(url).json()
    assert body["email"] == "" and body["email_topics"] == ["alert", "escalation"]
    response = _put(
        client,
        url,
        {
            "email": "auditor@example.cn",
            "email_topics": ["reminder", "alert"],
            "email_digest": True,
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["email_topics"] == ["alert", "reminder"]
    for bad, field in (
        ({"email": "not-an-address"}, "email"),
        ({"email_topics": ["gossip"]}, "email_topics"),
        ({"quiet_start": "22:00"}, "quiet_end"),
    ):
        response = _put(client, url, bad)
        assert response.status_code == 400, response.content
        assert field in response.json()["errors"] and chinese(response.json()["message"])
    pref = Preference.objects.get(user=aw.auditor)
    assert (pref.email, pref.email_digest) == ("auditor@example.cn", True)
    # another's preferences are not reachable
    client.force_login(aw.centre)
    assert client.get(url).json()["email"] == ""


# --- figures ------------------------------------------------------------------------------------


def test_the_figures_count_in_three_queries(aw, client, clock):
    clock.move_to(NOW)
    Channel.objects.filter(pk=aw.dept_robot.pk).update(active=False)
    Channel.objects.filter(pk=aw.school_robot.pk).update(
        last_error="钉钉拒绝了签名", last_error_at=NOW - datetime.timedelta(hours=1)
    )
    message(aw.centre_robot)
    message(aw.school_robot, status=Status.FAILED)
    message(aw.school_robot, status=Status.FAILED, created_at=NOW - datetime.timedelta(days=9))
    message(aw.school_robot, status=Status.UNCERTAIN)
    message(aw.other_robot, status=Status.FAILED)
    client.force_login(aw.centre)
    url = "/api/v1/message-figures/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url).json()
    figures_queries = [q for q in ctx.captured_queries if "messaging_" in q["sql"]]
    assert len(figures_queries) == 3, [q["sql"] for q in figures_queries]
    assert {k: v["n"] for k, v in body["robots"].items()} == {
        "working": 1,
        "failing": 1,
        "paused": 1,
    }
    assert {k: v["n"] for k, v in body["messages"].items()} == {
        "waiting": 1,
        "failed": 1,
        "uncertain": 1,
    }
    assert body["since"] == "2026-12-01"
    assert body["messages"]["failed"]["url"] == (
        "/messages/outbox/?status=failed&created_from=2026-12-01"
    )
    assert body["robots"]["failing"]["url"] == "/messages/robots/?failing=true"
    assert body["failing_robots"][0]["name"] == aw.school_robot.name
    assert body["failing_robots"][0]["last_error"] == "钉钉拒绝了签名"
    # more robots and messages, the same queries
    for i in range(5):
        ch = robot(aw.world.bureau, token=f"many{i:04d}abcd", school=aw.world.school_b)
        message(ch, status=Status.FAILED)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert len([q for q in ctx.captured_queries if "messaging_" in q["sql"]]) == 3
    # a school's figures are its own robots'
    client.force_login(aw.school)
    body = client.get(url).json()
    assert body["robots"]["failing"]["n"] == 1 and body["messages"]["failed"]["n"] == 1
    client.force_login(aw.auditor)
    assert client.get(url).status_code == 403
    client.force_login(aw.centre)
    assert client.get(url, {"bureau": aw.world.other_bureau.pk}).status_code == 404
    assert client.get(url, {"bureau": "x"}).status_code == 400


def test_a_head_can_only_be_named_by_the_centre(aw, client):
    leader = user_with_role(Role.LEADERSHIP, aw.world.bureau, username="leader2")
    client.force_login(leader)
    response = _put(
        client,
        _settings_url(aw) + "heads/",
        {"heads": [{"department": aw.world.department.pk, "user": aw.dept.pk}]},
    )
    assert response.status_code == 403
    assert not DepartmentHead.objects.exists()


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_these_paths_without_warnings(db):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    mine = ("message-", "/outbox/")
    paths = {p: item for p, item in schema["paths"].items() if any(m in p for m in mine)}
    assert set(paths) == {
        "/api/v1/message-robots/",
        "/api/v1/message-robots/{id}/",
        "/api/v1/message-robots/{id}/test/",
        "/api/v1/message-robots/{id}/pause/",
        "/api/v1/message-robots/{id}/resume/",
        "/api/v1/message-robots/{id}/secret/",
        "/api/v1/outbox/",
        "/api/v1/outbox/{id}/",
        "/api/v1/outbox/{id}/resend/",
        "/api/v1/outbox/{id}/cancel/",
        "/api/v1/message-settings/{bureau_id}/",
        "/api/v1/message-settings/{bureau_id}/heads/",
        "/api/v1/message-preferences/me/",
        "/api/v1/message-figures/",
    }
    for path, item in paths.items():
        for method, operation in item.items():
            assert "Roles:" in operation["description"], (path, method)
            assert {"401", "403"} <= set(operation["responses"]), (path, method)
    robot_schema = schema["components"]["schemas"]["Robot"]["properties"]
    assert "webhook" not in robot_schema and "secret" not in robot_schema
    assert "masked_webhook" in robot_schema and "signed" in robot_schema
    assert schema["components"]["schemas"]["RobotCreateRequest"]["properties"]["secret"][
        "writeOnly"
    ]
    warnings = " ".join(GENERATOR_STATS._warn_cache) + " ".join(GENERATOR_STATS._error_cache)
    for word in ("Robot", "Outbox", "Messag", "DepartmentHead", '"transport"', '"status"'):
        assert word not in warnings, warnings
