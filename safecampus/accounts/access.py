"""Who may see and manage accounts and role assignments: pure functions of the scope.

Everyone sees their own account and roles; the roles of ``ACCOUNT_MANAGE`` (the security
admin, 三员分立) manage the accounts of their bureau subtree. No model imports here.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import Scope
from safecampus.core.capabilities import ACCOUNT_MANAGE
from safecampus.orgs.access import in_bureaus_q, roles_in_bureau


def user_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """Accounts (``prefix`` leads from a row to its user) for ``action``."""
    own = Q(**{f"{prefix}pk" if prefix else "pk": scope.user_id})
    ids = scope.bureau_ids(*ACCOUNT_MANAGE)
    if not ids:
        return own if action == "view" else None
    return own | Q(**{f"{prefix}bureau_id__in": ids})


def role_assignment_q(scope: Scope, action: str) -> Q | None:
    own = Q(user_id=scope.user_id)
    ids = scope.bureau_ids(*ACCOUNT_MANAGE)
    if not ids:
        return own if action == "view" else None
    return own | Q(user__bureau_id__in=ids)


def managed_q(scope: Scope, field: str = "bureau_id") -> Q:
    """Organisations whose ``field`` names a bureau whose accounts ``scope`` manages."""
    return in_bureaus_q(scope, ACCOUNT_MANAGE, field)


def account_roles_in(scope: Scope, bureau_id: int | None) -> frozenset[str]:
    """The roles of ``ACCOUNT_MANAGE`` that ``scope`` holds over bureau ``bureau_id``."""
    return ACCOUNT_MANAGE & roles_in_bureau(scope, bureau_id)


def user_roles(scope: Scope, user) -> frozenset[str]:
    """The roles ``scope`` holds on the account ``user`` (its account managers')."""
    return account_roles_in(scope, user.bureau_id)
