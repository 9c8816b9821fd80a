"""The login policy under parallel attempts: the password is checked outside any transaction,
yet five failures lock the account and no guess slips past the lock; parallel good logins of
one account all succeed."""

import datetime
import threading
import time

import pytest
from django.contrib import auth
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import RequestFactory
from django.utils import timezone

from safecampus.accounts import services
from safecampus.accounts.models import User
from safecampus.audit.models import Action, AuditEvent
from safecampus.core.testing import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _attempt(username, password):
    try:
        services.login_attempt(
            request=RequestFactory().post("/accounts/login/"),
            username=username,
            password=password,
        )
    except ValidationError as exc:
        return exc.code
    return "ok"


class CountingCheck:
    """``authenticate`` as the service calls it, counting the checks and noting whether a
    transaction was open (it must not be: the hash check holds no write lock)."""

    def __init__(self, delay=0.0):
        self.delay, self.checks, self.in_transaction = delay, 0, []
        self.lock = threading.Lock()
        self.real = auth.authenticate

    def __call__(self, request=None, **credentials):
        with self.lock:
            self.checks += 1
        self.in_transaction.append(connection.in_atomic_block)
        time.sleep(self.delay)
        return self.real(request, **credentials)


def _in_threads(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_the_password_is_checked_outside_any_transaction(monkeypatch):
    UserFactory(username="li")
    check = CountingCheck()
    monkeypatch.setattr(services, "authenticate", check)
    assert _attempt("li", PASSWORD) == "ok"
    assert _attempt("li", "wrong") == "invalid_login"
    assert check.in_transaction == [False, False]


def test_guesses_during_a_check_cannot_outrun_the_lock(monkeypatch):
    """While one attempt's password is being checked, others arrive: four are checked and fail,
    the next finds five attempts counted and the account locks; the attempt still being
    checked, although its password is right, does not get in."""
    user = UserFactory(username="wang")
    monkeypatch.setattr(services, "LOGIN_TURN_WAIT", 0.2)
    outcomes = []
    real = auth.authenticate
    checks = []

    def check(request=None, **credentials):
        checks.append(credentials["password"])
        if len(checks) == 1:  # guesses arriving while the first password is checked
            outcomes.extend(_attempt("wang", f"guess{i}") for i in range(6))
        return real(request, **credentials)

    monkeypatch.setattr(services, "authenticate", check)
    assert _attempt("wang", PASSWORD) == "locked"
    assert outcomes == ["invalid_login"] * 4 + ["locked", "locked"]
    assert checks == [PASSWORD, "guess0", "guess1", "guess2", "guess3"]  # five, no more
    user.refresh_from_db()
    assert user.is_locked() and user.failed_logins == 0
    events = AuditEvent.objects.filter(actor=user)
    assert events.filter(action=Action.LOGIN_FAILED).count() == 4
    assert events.filter(action=Action.ACCOUNT_LOCKED).count() == 1
    assert not events.filter(action=Action.LOGIN_SUCCEEDED).exists()
    # and afterwards the right password is refused until the lock expires
    assert _attempt("wang", PASSWORD) == "locked"
    assert len(checks) == 5


@pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:",
    reason="threads need a database they can share",
)
def test_parallel_wrong_guesses_check_five_passwords_and_lock_once(monkeypatch):
    user = UserFactory(username="zhao")
    check = CountingCheck(delay=0.2)
    monkeypatch.setattr(services, "authenticate", check)
    results = _in_threads(12, lambda i: _attempt("zhao", f"wrong{i}"))
    assert sorted(results) == ["invalid_login"] * 5 + ["locked"] * 7
    assert check.checks == 5
    assert set(check.in_transaction) == {False}
    user.refresh_from_db()
    assert user.is_locked()
    events = AuditEvent.objects.filter(actor=user)
    assert events.filter(action=Action.LOGIN_FAILED).count() == 5
    assert events.filter(action=Action.ACCOUNT_LOCKED).count() == 1
    assert events.filter(action=Action.LOGIN_REFUSED_LOCKED).count() == 7
    assert _attempt("zhao", PASSWORD) == "locked"


@pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:",
    reason="threads need a database they can share",
)
def test_parallel_good_logins_of_one_account_all_succeed(monkeypatch):
    user = UserFactory(username="qian")
    monkeypatch.setattr(services, "authenticate", CountingCheck(delay=0.1))
    results = _in_threads(10, lambda i: _attempt("qian", PASSWORD))
    assert results == ["ok"] * 10
    user.refresh_from_db()
    assert user.failed_logins == 0 and not user.is_locked()
    assert AuditEvent.objects.filter(actor=user, action=Action.LOGIN_SUCCEEDED).count() == 10


def test_an_unfinished_attempt_does_not_block_the_account_for_ever(monkeypatch):
    """Turns taken long ago and never given back (a killed worker) count as the failures they
    were: the account locks for the usual 15 minutes instead of refusing for ever."""
    user = UserFactory(username="sun")
    long_ago = timezone.now() - datetime.timedelta(seconds=services.LOGIN_TURN_STALE + 1)
    User.objects.filter(pk=user.pk).update(failed_logins=5, login_turn_at=long_ago)
    monkeypatch.setattr(services, "LOGIN_TURN_WAIT", 0.1)
    assert _attempt("sun", PASSWORD) == "locked"
    user.refresh_from_db()
    assert user.is_locked() and user.failed_logins == 0
    locked = AuditEvent.objects.get(actor=user, action=Action.ACCOUNT_LOCKED)
    assert locked.data["reason"] == "unfinished"


def test_a_rush_on_one_account_is_refused_as_busy_not_locked(monkeypatch):
    """Five attempts still being checked (just taken): a sixth waits, then is refused as busy;
    the account is not locked and nothing more is counted."""
    user = UserFactory(username="sun")
    User.objects.filter(pk=user.pk).update(failed_logins=5, login_turn_at=timezone.now())
    monkeypatch.setattr(services, "LOGIN_TURN_WAIT", 0.1)
    assert _attempt("sun", PASSWORD) == "busy"
    user.refresh_from_db()
    assert not user.is_locked() and user.failed_logins == 5
    assert not AuditEvent.objects.filter(actor=user, action=Action.ACCOUNT_LOCKED).exists()


def test_the_fifth_failure_locks_the_row_before_it_is_audited(monkeypatch):
    """The user row is written before the audit row (whose chain lock is held until commit),
    the order every other transaction uses: the opposite order deadlocks on PostgreSQL."""
    user = UserFactory(username="sun")
    User.objects.filter(pk=user.pk).update(failed_logins=4)
    order = []
    real_lock_row, real_audit = services._lock_row, services.audit_record
    monkeypatch.setattr(
        services, "_lock_row", lambda u: order.append("user row") or real_lock_row(u)
    )
    monkeypatch.setattr(
        services,
        "audit_record",
        lambda **kw: order.append(kw["action"]) or real_audit(**kw),
    )
    assert _attempt("sun", "wrong-password") == "invalid_login"
    assert order == ["user row", Action.LOGIN_FAILED, Action.ACCOUNT_LOCKED]
    user.refresh_from_db()
    assert user.is_locked()
