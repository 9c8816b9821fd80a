"""Account services: login policy, passwords, accounts and role assignments.

Every change writes an audit event in the same transaction.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
from safecampus.core.access import forget_scope, require, scope_for
from safecampus.core.capabilities import ACCOUNT_MANAGE
from safecampus.core.db import in_write_transaction
from safecampus.core.roles import ROLE_LEVEL, SEPARATED_ROLES, OrgLevel

from .access import account_roles_in
from .models import ApiToken, RoleAssignment, User


def _lock_message(user: User) -> str:
    minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1)
    return _(
        "This account is locked after too many failed logins. Try again in %(minutes)d "
        "minutes, or ask the security administrator to unlock it."
    ) % {"minutes": minutes}


#: seconds an attempt waits while the account's allowed failures are all taken by attempts still
#: being checked; then it is refused as busy (try again), the account is not locked
LOGIN_TURN_WAIT = 10.0
#: turns still taken this long after the last one was taken belong to attempts that never
#: finished (a killed worker): far longer than any password check, even under a rush. They
#: count as the failures they were, so the account locks for the usual time instead of for ever
LOGIN_TURN_STALE = 120.0


def login_attempt(*, request, username: str, password: str, bureau=None) -> User:
    """Check a username and password under the login policy.

    Five failures in a row lock the account for 15 minutes. Returns the user, or raises
    ``ValidationError`` with code ``locked`` or ``invalid_login``.

    The password hash (PBKDF2, a few hundred milliseconds of CPU) is checked outside any
    transaction: on SQLite a transaction holds the database's only write lock, and a login rush
    would queue every other write behind the hashing. So that parallel guesses cannot outrun the
    lock, each attempt first takes a turn: a conditional UPDATE counts it as a failure, and only
    while fewer than five are counted; a success sets the count back to 0. At most five
    passwords are ever checked before the account locks. Each write is a short transaction of
    its own, started again if SQLite stayed locked. ``bureau`` is the bureau whose login page
    was used: a failure with an unknown username is recorded for it
    (:mod:`safecampus.accounts.login_bureau`).
    """
    user = User.objects.filter(username=username).first()
    if user is not None:
        refusal = _take_turn(user)
        if refusal is not None:
            raise refusal
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is None:
        in_write_transaction(lambda: _login_failed(username=username, user=user, bureau=bureau))
        raise ValidationError(
            _("The username or password is wrong. Note that both are case-sensitive."),
            code="invalid_login",
        )
    if not in_write_transaction(lambda: _login_succeeded(authenticated)):
        # the account locked while this password was checked: it does not slip past the lock
        authenticated.refresh_from_db(fields=["failed_logins", "locked_until"])
        in_write_transaction(
            lambda: audit_record(action=Action.LOGIN_REFUSED_LOCKED, actor=authenticated)
        )
        raise ValidationError(_lock_message(authenticated), code="locked")
    return authenticated


def _take_turn(user: User) -> ValidationError | None:
    """Count this attempt as a failure before its password is checked, if the account is not
    locked and fewer than ``LOGIN_MAX_FAILURES`` are counted; otherwise the refusal."""
    deadline = time.monotonic() + LOGIN_TURN_WAIT
    while True:
        if in_write_transaction(lambda: _count_attempt(user)):
            return None
        # every allowed failure is taken (or the account is locked): wait, reading only,
        # until an attempt still being checked frees its turn
        while True:
            user.refresh_from_db(fields=["failed_logins", "locked_until", "login_turn_at"])
            stale = timezone.now() - timedelta(seconds=LOGIN_TURN_STALE)
            if not user.is_locked() and user.login_turn_at and user.login_turn_at < stale:
                # the counted attempts never finished: they count as the failures they were
                in_write_transaction(lambda: _lock(user, reason="unfinished"))
                user.refresh_from_db(fields=["failed_logins", "locked_until"])
            if user.is_locked():
                in_write_transaction(
                    lambda: audit_record(action=Action.LOGIN_REFUSED_LOCKED, actor=user)
                )
                return ValidationError(_lock_message(user), code="locked")
            if user.failed_logins < settings.LOGIN_MAX_FAILURES:
                break
            if time.monotonic() >= deadline:
                # other attempts on this account are still being checked (a rush on a shared
                # account): this one is refused, nothing is counted, the account stays open
                return ValidationError(
                    _(
                        "Several logins to this account are being checked at this moment. "
                        "Wait a few seconds and log in again."
                    ),
                    code="busy",
                )
            time.sleep(0.1)


def _count_attempt(user: User) -> int:
    """1 if this attempt was counted (the account is not locked and has failures left)."""
    return (
        User.objects.filter(pk=user.pk, failed_logins__lt=settings.LOGIN_MAX_FAILURES)
        .exclude(locked_until__gt=timezone.now())
        .update(failed_logins=F("failed_logins") + 1, login_turn_at=timezone.now())
    )


def _login_succeeded(user: User) -> bool:
    now = timezone.now()
    reset = (
        User.objects.filter(pk=user.pk)
        .exclude(locked_until__gt=now)
        .update(failed_logins=0, locked_until=None)
    )
    if not reset:
        return False
    audit_record(action=Action.LOGIN_SUCCEEDED, actor=user)
    user.failed_logins = 0
    user.locked_until = None
    return True


def _login_failed(*, username: str, user: User | None, bureau=None) -> None:
    """Record a failed attempt (already counted by its turn); the fifth locks the account."""
    if user is None:
        audit_record(
            action=Action.LOGIN_FAILED,
            actor_username=username[:150],
            bureau_id=bureau.pk if bureau is not None else None,
        )
        return
    failures = User.objects.filter(pk=user.pk).values_list("failed_logins", flat=True).first()
    # the user row before the audit row, as in every other transaction: the audit chain's lock
    # is held until commit, and the opposite order deadlocks with a login or an unlock
    until = _lock_row(user) if failures and failures >= settings.LOGIN_MAX_FAILURES else None
    audit_record(action=Action.LOGIN_FAILED, actor=user, data={"failures": failures})
    if until is not None:
        _audit_locked(user, until)


def _lock(user: User, *, reason: str = "") -> None:
    """Lock the account if its count reached the limit, and record it."""
    until = _lock_row(user)
    if until is not None:
        _audit_locked(user, until, reason=reason)


def _lock_row(user: User):
    """Lock the account if its count reached the limit; the count starts again at 0. The
    condition is re-checked by the UPDATE itself, so parallel failures lock it once. Returns
    the end of the lock, or None when another attempt locked it first."""
    until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    locked = User.objects.filter(pk=user.pk, failed_logins__gte=settings.LOGIN_MAX_FAILURES).update(
        locked_until=until, failed_logins=0
    )
    return until if locked else None


def _audit_locked(user: User, until, *, reason: str = "") -> None:
    data = {"until": until.isoformat(), "minutes": settings.LOGIN_LOCK_MINUTES}
    if reason:
        data["reason"] = reason
    audit_record(action=Action.ACCOUNT_LOCKED, actor=user, target=user, data=data)


def _revoke_tokens(user: User) -> None:
    """API tokens die with the password they were issued for."""
    ApiToken.objects.filter(user=user).delete()


@transaction.atomic
def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue an API token to ``user`` (already authenticated); returns it and its key, which
    is shown this once and stored only as a hash."""
    token, key = ApiToken.issue(user, name=name)
    audit_record(
        action=Action.API_TOKEN_CREATED,
        actor=user,
        target=user,
        data={"token": token.pk, "prefix": token.prefix, "name": name},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    """The owner revokes one of their tokens (callers look it up among the actor's own)."""
    if token.user_id != actor.pk:
        raise PermissionDenied(_("This token is not yours."))
    data = {"token": token.pk, "prefix": token.prefix, "name": token.name}
    token.delete()
    audit_record(action=Action.API_TOKEN_REVOKED, actor=actor, target=actor, data=data)


def _require_account_manager(actor: User, target: User | None = None) -> None:
    require(actor, ACCOUNT_MANAGE, _("Only the security administrator manages accounts."))
    if target is not None and not User.objects.editable_by(actor).filter(pk=target.pk).exists():
        raise PermissionDenied(_("This account is outside your scope."))


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is wrong.")})
    if old_password == new_password:
        raise ValidationError({"new_password": _("Choose a password different from the old one.")})
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    _revoke_tokens(user)
    audit_record(action=Action.PASSWORD_CHANGED, actor=user, target=user)


@transaction.atomic
def password_reset(*, actor: User, user: User, new_password: str) -> None:
    """The security admin sets a temporary password; the user must change it at next login."""
    _require_account_manager(actor, user)
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "must_change_password", "failed_logins", "locked_until"])
    _revoke_tokens(user)
    audit_record(action=Action.PASSWORD_RESET, actor=actor, target=user)


@transaction.atomic
def account_unlock(*, actor: User, user: User) -> None:
    _require_account_manager(actor, user)
    was_locked = user.is_locked()
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["failed_logins", "locked_until"])
    audit_record(
        action=Action.ACCOUNT_UNLOCKED, actor=actor, target=user, data={"was_locked": was_locked}
    )


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    bureau=None,
    must_change_password: bool = True,
) -> User:
    """Create an account. ``actor=None`` only for set-up commands (recorded as 'system')."""
    if actor is not None:
        _require_account_manager(actor)
        if bureau is None or not account_roles_in(scope_for(actor), bureau.pk):
            raise ValidationError({"bureau": _("Choose a bureau within your scope.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")}, code="duplicate")
    user = User(username=username, full_name=full_name, phone=phone, bureau=bureau)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.must_change_password = must_change_password
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        action=Action.USER_CREATED,
        actor=actor,
        actor_username="" if actor else "system",
        target=user,
        data={"username": username, "full_name": full_name},
    )
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, full_name: str, phone: str, is_active: bool) -> User:
    _require_account_manager(actor, user)
    if user.pk == actor.pk and not is_active:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    before = {"full_name": user.full_name, "phone": user.phone, "is_active": user.is_active}
    user.full_name, user.phone, user.is_active = full_name, phone, is_active
    user.save(update_fields=["full_name", "phone", "is_active"])
    if not is_active:
        _revoke_tokens(user)
    after = {"full_name": full_name, "phone": phone, "is_active": is_active}
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if changes:
        audit_record(
            action=Action.USER_UPDATED, actor=actor, target=user, data={"changes": changes}
        )
    return user


def _org_field(role: str) -> str:
    return {
        OrgLevel.BUREAU: "bureau",
        OrgLevel.DEPARTMENT: "department",
        OrgLevel.SCHOOL: "school",
        OrgLevel.PARTNER: "partner",
    }[ROLE_LEVEL[role]]


def _org_bureau_id(org) -> int:
    from safecampus.orgs.models import Bureau

    return org.pk if isinstance(org, Bureau) else org.bureau_id


@transaction.atomic
def role_grant(*, actor: User | None, user: User, role: str, organisation) -> RoleAssignment:
    """Grant ``role`` in ``organisation`` (a bureau, department, school or partner unit).

    Refuses: a role at the wrong kind of organisation, an organisation outside the actor's
    scope, granting oneself anything, and a second role of 三员分立 to one person.
    """
    if role not in ROLE_LEVEL:
        raise ValidationError({"role": _("Unknown role.")}, code="unknown_role")
    field = _org_field(role)
    expected_model = RoleAssignment._meta.get_field(field).related_model
    if not isinstance(organisation, expected_model):
        raise ValidationError(
            _("This role is granted in a %(kind)s.") % {"kind": expected_model._meta.verbose_name},
            code="wrong_org_level",
        )
    if actor is not None:
        _require_account_manager(actor, user)
        if user.pk == actor.pk:
            raise ValidationError(_("You cannot change your own roles."), code="self_grant")
        if not account_roles_in(scope_for(actor), _org_bureau_id(organisation)):
            raise ValidationError(
                {"organisation": _("This organisation is outside your scope.")}, code="scope"
            )
    held = set(RoleAssignment.objects.active().filter(user=user).values_list("role", flat=True))
    mixes = (role in SEPARATED_ROLES and bool(held - {role})) or (
        role not in SEPARATED_ROLES and bool(held & SEPARATED_ROLES)
    )
    if mixes:
        raise ValidationError(
            _(
                "Separation of duties: system administrator, security administrator and "
                "auditor must be three different people, who hold no other role."
            ),
            code="separation_of_duties",
        )
    existing = RoleAssignment.objects.active().filter(user=user, role=role, **{field: organisation})
    if existing.exists():
        raise ValidationError(_("The user already holds this role there."), code="duplicate")
    assignment = RoleAssignment.objects.create(
        user=user, role=role, granted_by=actor, **{field: organisation}
    )
    audit_record(
        action=Action.ROLE_GRANTED,
        actor=actor,
        actor_username="" if actor else "system",
        target=user,
        bureau_id=_org_bureau_id(organisation),
        data={"role": role, "organisation": str(organisation), field: organisation.pk},
    )
    forget_scope(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> RoleAssignment:
    _require_account_manager(actor, assignment.user)
    organisation = assignment.organisation
    if not account_roles_in(scope_for(actor), _org_bureau_id(organisation)):
        raise ValidationError(_("This organisation is outside your scope."), code="scope")
    if assignment.user_id == actor.pk:
        raise ValidationError(_("You cannot change your own roles."), code="self_grant")
    if assignment.revoked_at is not None:
        raise ValidationError(_("This role was already revoked."), code="already_revoked")
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = actor
    assignment.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        action=Action.ROLE_REVOKED,
        actor=actor,
        target=assignment.user,
        bureau_id=_org_bureau_id(organisation),
        data={"role": assignment.role, "organisation": str(organisation)},
    )
    forget_scope(assignment.user)
    return assignment
