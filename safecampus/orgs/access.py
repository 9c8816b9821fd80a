"""Who may see and act on the organisation tree: pure functions of the scope.

Only this module (and the other apps' ``access.py``) reads the scope's id sets. Every function
takes a :class:`~safecampus.core.access.Scope` (and an action or an object) and returns a ``Q``
(``None`` for nothing at all) or a frozenset of roles. No model is imported at module level.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from safecampus.core.access import Scope, roles_in_bureau
from safecampus.core.capabilities import (
    ACCOUNT_MANAGE,
    CATALOG_MANAGE,
    ORG_MANAGE,
    ORG_VIEW,
    SCHOOL_MANAGE,
)
from safecampus.core.roles import SCHOOL_ROLES, Role

#: the actions a bureau knows: seeing it, configuring it, and the configuration each feature
#: does in it (a role of the capability held in the bureau or above it)
BUREAU_ACTIONS: dict[str, frozenset[str]] = {
    "structure": ORG_VIEW,
    "manage_orgs": ORG_MANAGE,
    "manage_schools": SCHOOL_MANAGE,
    "manage_catalog": CATALOG_MANAGE,
    "manage_accounts": ACCOUNT_MANAGE,
}


def in_bureaus_q(scope: Scope, capability: Iterable[str], field: str = "bureau_id") -> Q:
    """Rows whose ``field`` names a bureau where ``scope`` holds a role of ``capability``.

    Always a ``Q``: with no such bureau it matches nothing (``field__in=[]``)."""
    return Q(**{f"{field}__in": scope.bureau_ids(*capability)})


def holds_any_bureau(scope: Scope, capability: Iterable[str]) -> bool:
    """True when ``scope`` holds a role of ``capability`` in at least one bureau."""
    return bool(scope.bureau_ids(*capability))


def region_q(scope: Scope, action: str) -> Q | None:
    # Administrative divisions are public reference data; only configuration may edit them.
    if action == "view":
        return Q()
    return Q() if scope.has(Role.SYSTEM_ADMIN) else None


def bureau_q(scope: Scope, action: str) -> Q | None:
    if action == "edit":
        ids = scope.bureau_ids(Role.SYSTEM_ADMIN)
    elif action in BUREAU_ACTIONS:
        ids = scope.bureau_ids(*BUREAU_ACTIONS[action])
    else:
        ids = scope.all_bureau_ids | scope.member_bureau_ids
    return Q(pk__in=ids) if ids else None


def department_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """Departments (and leadership groups): by bureau."""
    if action == "edit":
        ids = scope.bureau_ids(*ORG_MANAGE)
    else:
        ids = scope.all_bureau_ids | scope.member_bureau_ids
    return Q(**{f"{prefix}bureau_id__in": ids}) if ids else None


def school_q(scope: Scope, action: str) -> Q | None:
    if action == "edit":
        ids = scope.bureau_ids(*SCHOOL_MANAGE)
        return Q(bureau_id__in=ids) if ids else None
    q = None
    if ids := scope.bureau_ids(*ORG_VIEW):
        q = Q(bureau_id__in=ids)
    if scope.has(*SCHOOL_ROLES) and scope.school_ids:
        q = Q(pk__in=scope.school_ids) if q is None else q | Q(pk__in=scope.school_ids)
    if scope.partner_ids:
        covered = Q(pk__in=_covered_school_ids(scope))
        q = covered if q is None else q | covered
    return q


def _covered_school_ids(scope: Scope):
    from .models import PartnerCoverage

    return PartnerCoverage.objects.filter(partner_id__in=scope.partner_ids).values("school_id")


def partner_q(scope: Scope, action: str) -> Q | None:
    if action == "edit":
        ids = scope.bureau_ids(*ORG_MANAGE)
        return Q(bureau_id__in=ids) if ids else None
    q = None
    if ids := scope.bureau_ids(*ORG_VIEW):
        q = Q(bureau_id__in=ids)
    if scope.partner_ids:
        own = Q(pk__in=scope.partner_ids)
        q = own if q is None else q | own
    return q


def school_roles(scope: Scope, school) -> frozenset[str]:
    """The roles ``scope`` holds on ``school``: bureau roles over its bureau, the school's own
    roles at that school (a partner's coverage is not a role on the school)."""
    roles = set(roles_in_bureau(scope, school.bureau_id))
    if school.pk in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    return frozenset(roles)


# --- the home page and the menu (safecampus.home) ------------------------------------------------


def own_schools_q(scope: Scope, field: str = "pk") -> Q | None:
    """The schools where ``scope`` holds a school role (``None`` when none)."""
    if not (scope.has(*SCHOOL_ROLES) and scope.school_ids):
        return None
    return Q(**{f"{field}__in": scope.school_ids})


def only_school(scope: Scope) -> int | None:
    """The one school ``scope`` holds a role at, if there is exactly one."""
    return next(iter(scope.school_ids)) if len(scope.school_ids) == 1 else None


def own_departments_q(scope: Scope) -> Q:
    return Q(pk__in=scope.department_ids)


def member_bureaus_q(scope: Scope, field: str = "pk") -> Q:
    """The bureaus ``scope`` belongs to through any of its roles (not those below them)."""
    return Q(**{f"{field}__in": scope.member_bureau_ids})


def own_partners_q(scope: Scope, field: str = "pk") -> Q:
    return Q(**{f"{field}__in": scope.partner_ids})
