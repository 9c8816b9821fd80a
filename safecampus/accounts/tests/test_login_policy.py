"""Login policy: password rules, lockout after five failures, unlock, idle timeout, audit."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import PASSWORD, UserFactory


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.parametrize(
    "password, code",
    [
        ("Ab1!", "password_too_short"),
        ("abcdefgh1", "password_too_simple"),  # 2 classes
        ("ABCDEFGH!", "password_too_simple"),
        ("zhangsan2026!", "password_has_username"),
    ],
)
def test_password_rules_refuse_weak_passwords(db, password, code):
    user = User(username="zhangsan")
    with pytest.raises(ValidationError) as exc:
        password_validation.validate_password(password, user)
    assert code in {e.code for e in exc.value.error_list}


@pytest.mark.parametrize("password", ["Anquan2026", "anquan#2026", "ANQUAN-xiao"])
def test_password_rules_accept_three_of_four_classes(db, password):
    password_validation.validate_password(password, User(username="zhangsan"))


def test_good_login_is_audited_and_resets_failures(client, db):
    user = UserFactory(username="li", failed_logins=3)
    response = _login(client, "li", PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.failed_logins == 0
    assert AuditEvent.objects.filter(action=Action.LOGIN_SUCCEEDED, actor=user).count() == 1


def test_five_failures_lock_the_account_for_15_minutes(client, db):
    user = UserFactory(username="wang")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        response = _login(client, "wang", "wrong")
        assert response.status_code == 200
    user.refresh_from_db()
    assert user.is_locked()
    assert timedelta(minutes=14) < user.locked_until - timezone.now() <= timedelta(minutes=15)
    # even the right password is refused while locked, with a clear message
    response = _login(client, "wang", PASSWORD)
    assert response.status_code == 200
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor=user).count() == 5
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_LOCKED, actor=user).count() == 1
    assert AuditEvent.objects.filter(action=Action.LOGIN_REFUSED_LOCKED, actor=user).count() == 1


def test_four_failures_do_not_lock(client, db):
    user = UserFactory(username="zhao")
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        _login(client, "zhao", "wrong")
    assert _login(client, "zhao", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert not user.is_locked()


def test_lock_expires_after_15_minutes(client, db):
    user = UserFactory(username="sun", locked_until=timezone.now() - timedelta(seconds=1))
    assert _login(client, "sun", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.locked_until is None


def test_unknown_username_failure_is_audited_without_actor(client, db):
    _login(client, "nobody", "x")
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_username == "nobody"


def test_security_admin_unlocks(world, client_for):
    locked = world.users[Role.SCHOOL_OFFICER]
    locked.locked_until = timezone.now() + timedelta(minutes=10)
    locked.save()
    client = client_for(world.users[Role.SECURITY_ADMIN])
    response = client.post(f"/accounts/users/{locked.pk}/unlock/")
    assert response.status_code == 302
    locked.refresh_from_db()
    assert not locked.is_locked()
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_UNLOCKED, target_id=str(locked.pk))


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDITOR, Role.SAFETY_CENTRE])
def test_only_the_security_admin_unlocks(world, client_for, role):
    locked = world.users[Role.SCHOOL_OFFICER]
    until = timezone.now() + timedelta(minutes=10)
    locked.locked_until = until
    locked.save()
    response = client_for(world.users[role]).post(f"/accounts/users/{locked.pk}/unlock/")
    assert response.status_code == 403
    locked.refresh_from_db()
    assert locked.locked_until == until


def test_security_admin_reset_forces_a_new_password(world, client_for, client):
    target = world.users[Role.SCHOOL_OFFICER]
    admin = client_for(world.users[Role.SECURITY_ADMIN])
    response = admin.post(
        f"/accounts/users/{target.pk}/reset-password/", {"new_password": "Temp#2026ab"}
    )
    assert response.status_code == 302
    admin.logout()
    assert _login(client, target.username, "Temp#2026ab").status_code == 302
    # every page sends the user to change the password first
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Temp#2026ab",
            "new_password": "Xin-mima2026",
            "new_password2": "Xin-mima2026",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action=Action.PASSWORD_RESET).count() == 1
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGED).count() == 1


def test_password_change_refuses_weak_password_and_keeps_old(world, client_for):
    user = world.users[Role.SCHOOL_OFFICER]
    client = client_for(user)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "至少" in response.content.decode() or "8" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_idle_sessions_end_after_30_minutes(world, client_for):
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    client.get("/")
    assert 0 < client.session.get_expiry_age() <= 30 * 60


def _stored_expiry(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_activity_pushes_the_idle_timeout_forward_at_most_once_a_minute(world, client_for):
    from datetime import timedelta

    from django.contrib.sessions.models import Session

    from safecampus.core.middleware import SessionRefreshMiddleware

    client = client_for(world.users[Role.SCHOOL_OFFICER])
    client.get("/")
    first = _stored_expiry(client)
    # within the minute: no session write at all
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [sql for sql in writes if "django_session" in sql]
    assert _stored_expiry(client) == first
    # a minute later: the expiry moves forward by that minute
    session = client.session
    session[SessionRefreshMiddleware.KEY] -= settings.SESSION_REFRESH_SECONDS
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=first - timedelta(seconds=61)
    )
    client.get("/")
    assert _stored_expiry(client) > first - timedelta(seconds=61)
    assert 0 < client.session.get_expiry_age() <= 30 * 60


def test_api_token_obeys_lockout(client, db):
    UserFactory(username="api")
    for _ in range(5):
        response = client.post("/api/v1/auth/token/", {"username": "api", "password": "bad"})
        assert response.status_code in (401, 403)
    response = client.post("/api/v1/auth/token/", {"username": "api", "password": PASSWORD})
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "locked"
    assert "锁定" in response.json()["message"]


def test_api_token_works(client, db):
    UserFactory(username="api")
    token = client.post("/api/v1/auth/token/", {"username": "api", "password": PASSWORD}).json()
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert response.status_code == 200
    assert response.json()["username"] == "api"


def test_password_reset_revokes_api_tokens_and_blocks_new_ones(world, client_for, client):
    from safecampus.accounts.models import ApiToken

    target = world.users[Role.SCHOOL_OFFICER]
    _token, key = ApiToken.issue(target)
    admin = client_for(world.users[Role.SECURITY_ADMIN])
    admin.post(f"/accounts/users/{target.pk}/reset-password/", {"new_password": "Temp#2026ab"})
    admin.logout()
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert not ApiToken.objects.filter(user=target).exists()
    response = client.post(
        "/api/v1/auth/token/", {"username": target.username, "password": "Temp#2026ab"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
