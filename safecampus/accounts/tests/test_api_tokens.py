"""API tokens: stored hashed, idle and absolute expiry, throttled last use, owner lists and
revokes them (API and page), audited."""

import hashlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from safecampus.accounts.models import ApiToken
from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import PASSWORD, UserFactory

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _issue(client, username="api", **extra):
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 200, response.content
    return response.json()


def _me(client, key):
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def api_user(db):
    return UserFactory(username="api")


def test_token_is_issued_once_and_stored_only_as_a_hash(client, api_user):
    with time_machine.travel(T0, tick=False):
        body = _issue(client, name="巡检脚本")
    key = body["token"]
    token = ApiToken.objects.get(user=api_user)
    assert body == {
        "token": key,
        "id": token.pk,
        "name": "巡检脚本",
        "prefix": key[:8],
        "created_at": "2026-03-02T09:00:00+08:00",
        "last_used_at": None,
        "expires_at": "2026-04-01T09:00:00+08:00",
        "current": False,
    }
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    # the key is nowhere in the row
    assert key not in {token.key_hash, token.prefix, token.name}
    event = AuditEvent.objects.get(action=Action.API_TOKEN_CREATED)
    assert event.actor == api_user
    assert event.data == {"token": token.pk, "prefix": key[:8], "name": "巡检脚本"}
    # each request issues a new token
    second = _issue(client)["token"]
    assert second != key
    assert ApiToken.objects.filter(user=api_user).count() == 2


def test_unused_token_expires_after_the_idle_limit(client, api_user):
    with time_machine.travel(T0, tick=False):
        key = _issue(client)["token"]
    with time_machine.travel(T0 + timedelta(days=29, hours=23), tick=False):
        assert _me(client, key).status_code == 200
    # used on day 29: it now lives until day 59
    with time_machine.travel(T0 + timedelta(days=59, hours=22), tick=False):
        assert _me(client, key).status_code == 200
    with time_machine.travel(T0 + timedelta(days=89, hours=23), tick=False):
        response = _me(client, key)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "token_expired",
        "message": "API 令牌已过期，请重新获取。",
        "errors": {},
    }


def test_token_expires_after_the_absolute_limit_however_often_used(client, api_user):
    with time_machine.travel(T0, tick=False):
        key = _issue(client)["token"]
    for day in range(0, 90, 10):
        with time_machine.travel(T0 + timedelta(days=day), tick=False):
            assert _me(client, key).status_code == 200, day
    with time_machine.travel(T0 + timedelta(days=89, hours=23), tick=False):
        assert _me(client, key).status_code == 200
    with time_machine.travel(T0 + timedelta(days=90), tick=False):
        response = _me(client, key)
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


@override_settings(API_TOKEN_IDLE_DAYS=1, API_TOKEN_MAX_DAYS=3)
def test_expiry_limits_come_from_settings(client, api_user):
    with time_machine.travel(T0, tick=False):
        key = _issue(client)["token"]
    with time_machine.travel(T0 + timedelta(hours=23), tick=False):
        assert _me(client, key).status_code == 200
    with time_machine.travel(T0 + timedelta(days=1, hours=22), tick=False):
        assert _me(client, key).status_code == 200
    with time_machine.travel(T0 + timedelta(days=2, hours=21), tick=False):
        assert _me(client, key).status_code == 200
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        assert _me(client, key).status_code == 401


def test_last_use_is_written_at_most_once_per_five_minutes(client, api_user):
    with time_machine.travel(T0, tick=False):
        key = _issue(client)["token"]
    token = ApiToken.objects.get()

    def token_writes(at):
        with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as ctx:
            assert _me(client, key).status_code == 200
        return [
            q["sql"]
            for q in ctx.captured_queries
            if q["sql"].startswith("UPDATE") and "accounts_apitoken" in q["sql"]
        ]

    assert len(token_writes(T0 + timedelta(minutes=1))) == 1
    assert len(token_writes(T0 + timedelta(minutes=2))) == 0
    assert len(token_writes(T0 + timedelta(minutes=5, seconds=59))) == 0
    token.refresh_from_db()
    assert token.last_used_at == T0 + timedelta(minutes=1)
    assert len(token_writes(T0 + timedelta(minutes=6))) == 1
    token.refresh_from_db()
    assert token.last_used_at == T0 + timedelta(minutes=6)


def test_unknown_token_is_401_in_chinese(client, db):
    response = _me(client, "0" * 40)
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_token",
        "message": "API 令牌无效，请重新获取。",
        "errors": {},
    }


def test_token_of_a_deactivated_user_is_refused(client, api_user):
    key = _issue(client)["token"]
    api_user.is_active = False
    api_user.save()
    response = _me(client, key)
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"
    assert response.json()["message"] == "该账号已停用。"


@time_machine.travel(T0, tick=False)
def test_owner_lists_and_revokes_own_tokens_through_the_api(client, api_user):
    other = UserFactory(username="other")
    other_token, other_key = ApiToken.issue(other)
    first = _issue(client, name="a")
    second = _issue(client, name="b")
    response = client.get("/api/v1/auth/tokens/", HTTP_AUTHORIZATION=f"Token {first['token']}")
    assert response.status_code == 200
    rows = response.json()["results"] if "results" in response.json() else response.json()
    assert [(r["id"], r["name"], r["current"]) for r in rows] == [
        (second["id"], "b", False),
        (first["id"], "a", True),
    ]
    auth = {"HTTP_AUTHORIZATION": f"Token {first['token']}"}
    # another user's token is not found, and stays
    for method in (client.get, client.delete):
        response = method(f"/api/v1/auth/tokens/{other_token.pk}/", **auth)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert _me(client, other_key).status_code == 200
    assert not AuditEvent.objects.filter(action=Action.API_TOKEN_REVOKED).exists()
    # revoking one's own
    response = client.delete(f"/api/v1/auth/tokens/{second['id']}/", **auth)
    assert response.status_code == 204
    assert _me(client, second["token"]).status_code == 401
    assert _me(client, first["token"]).status_code == 200
    event = AuditEvent.objects.get(action=Action.API_TOKEN_REVOKED)
    assert event.actor == api_user
    assert event.data == {"token": second["id"], "prefix": second["prefix"], "name": "b"}


def test_token_list_needs_authentication(client, db):
    response = client.get("/api/v1/auth/tokens/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_token_page_lists_own_tokens_and_revokes_them(world, client_for):
    user = world.users[Role.SCHOOL_OFFICER]
    other = world.users[Role.PRINCIPAL]
    with time_machine.travel(T0, tick=False):
        mine, _key = ApiToken.issue(user, name="我的脚本")
        theirs, _key = ApiToken.issue(other, name="别人的脚本")
    client = client_for(user)
    home = client.get("/").content.decode()
    assert 'href="/accounts/tokens/"' in home
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        page = client.get("/accounts/tokens/").content.decode()
    assert "我的 API 令牌" in page
    assert "我的脚本" in page and mine.prefix in page
    assert "别人的脚本" not in page and theirs.prefix not in page
    assert "撤销" in page
    assert "2026年4月1日" in page  # expires: 30 days unused after creation
    # someone else's token: 404, and it stays
    response = client.post(f"/accounts/tokens/{theirs.pk}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    response = client.post(f"/accounts/tokens/{mine.pk}/revoke/")
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=mine.pk).exists()
    assert AuditEvent.objects.filter(action=Action.API_TOKEN_REVOKED, actor=user).count() == 1
    assert client.get(f"/accounts/tokens/{mine.pk}/revoke/").status_code == 405


def test_token_page_needs_login(client, db):
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_migration_hashes_existing_plain_tokens(api_user):
    """The data migration keeps DRF's plain-text tokens working as hashed ones and deletes the
    plain-text rows."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("safecampus.accounts.migrations.0003_api_token")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp "
            "with time zone NOT NULL, user_id bigint NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created datetime NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            ["a" * 40, T0, api_user.pk],
        )
    with time_machine.travel(T0 + timedelta(days=40), tick=False):
        # the function only reads the editor's connection
        migration.hash_plain_tokens(apps, SimpleNamespace(connection=connection))
        token = ApiToken.objects.get(user=api_user)
        assert token.created_at == T0
        assert token.prefix == "aaaaaaaa"
        assert _me(Client(), "a" * 40).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    # its 90 days still count from when it was first issued
    with time_machine.travel(T0 + timedelta(days=90), tick=False):
        assert _me(Client(), "a" * 40).status_code == 401
