"""Reads of accounts for the pages and the API, always through the user's scope."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from safecampus.core.access import get_for

from .models import ApiToken, RoleAssignment, User


def account_for_edit(*, user, pk: int) -> User:
    """An account ``user`` manages: 404 outside their scope, 403 when they only see it."""
    return get_for(user, User, pk, action="edit")


def assignment_of(*, user, target: User, pk: int) -> RoleAssignment:
    """One of ``target``'s role assignments, as ``user`` sees them."""
    return get_for(user, RoleAssignment.objects.filter(user=target), pk)


def own_token(*, user, pk: int) -> ApiToken:
    """One of ``user``'s own API tokens; another user's token is "not found", like anything
    outside the caller's scope. (Tokens are only ever their owner's: no scope to restrict.)"""
    token = ApiToken.objects.owned_by(user).filter(pk=pk).first()
    if token is None:
        raise Http404(_("Not found, or outside your scope."))
    return token


def password_was_reset(user: User) -> bool:
    """Whether the password ``user`` must change was set by a reset (``password_reset``) rather
    than being the first one of a new account: a first password is not a reset."""
    from safecampus.audit.models import Action, AuditEvent

    return AuditEvent.objects.filter(
        action=Action.PASSWORD_RESET,
        target_type=User._meta.label_lower,
        target_id=str(user.pk),
    ).exists()
