"""Who reaches which venues, cases, geometry and rules of the student safety zone, and which roles
a user holds on them.

- **Venues**: the register of a bureau is read by its centre, leaders, inspectors and department
  officers; a school reads only the venues that lie in its own zone; a partner unit only the
  venues of the cases that concern it (or that name it). Kept (``edit``) by the bureau's
  departments and centre.
- **Cases**: the department a case goes to; the bureau-wide roles; the school whose zone it is
  (read and comment); the partner units named on it. Run (``manage``: assign, deadline, verify,
  exempt) by that department and the centre; recorded on (``record``: an inspection, a closure, a
  relocation) by those and the partner units named.
- **Geometry** (boundary, waiting areas): the school's own staff and the bureau's officers read
  it; the school keeps it, and the centre on its behalf.
- **Rules and settings**: national rules are read by every officer; a bureau's own by its
  officers and the bureaus above; kept by ``ZONE_MANAGE`` of the bureau.

Pure functions of the scope: no model is imported here. Conditions that need a subquery (a
school's zone, a partner's cases) are built by the queryset and passed in.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from safecampus.core.access import VIEW, Scope, any_of, ids_in, roles_in_bureau
from safecampus.core.capabilities import (
    BUREAU_WIDE,
    ORG_VIEW,
    ZONE_BUREAU_READ,
    ZONE_GEOMETRY_EDIT,
    ZONE_MANAGE,
    ZONE_REGISTER_READ,
    ZONE_RULES_READ,
    ZONE_VENUE_EDIT,
)
from safecampus.core.roles import SCHOOL_ROLES, Role

EDIT = "edit"
MANAGE = "manage"
RECORD = "record"
COMMENT = "comment"
VENUE_ACTIONS = frozenset({VIEW, EDIT})
CASE_ACTIONS = frozenset({VIEW, MANAGE, RECORD, COMMENT})
GEOMETRY_ACTIONS = frozenset({VIEW, EDIT})
RULE_ACTIONS = frozenset({VIEW, EDIT})
SETTINGS_ACTIONS = frozenset({VIEW, EDIT})

Builder = Callable[[list[int]], Q]

_BUREAU_READERS = ZONE_REGISTER_READ


def _schools(scope: Scope) -> list[int]:
    return sorted(scope.school_ids) if scope.has(*SCHOOL_ROLES) else []


def _partners(scope: Scope) -> list[int]:
    return sorted(scope.partner_ids) if scope.has(Role.PARTNER) else []


# --- venues -------------------------------------------------------------------------------------


def venue_q(
    scope: Scope, action: str, *, in_zone_of: Builder, concerns: Builder, prefix: str = ""
) -> Q | None:
    if action == EDIT:
        return ids_in(f"{prefix}bureau_id", scope.bureau_ids(*ZONE_VENUE_EDIT))
    schools, partners = _schools(scope), _partners(scope)
    return any_of(
        ids_in(f"{prefix}bureau_id", scope.bureau_ids(*_BUREAU_READERS)),
        Q(in_zone_of(schools)) if schools else None,
        Q(concerns(partners)) if partners else None,
    )


def venue_roles(scope: Scope, venue) -> frozenset[str]:
    return roles_in_bureau(scope, venue.bureau_id) & (_BUREAU_READERS | ZONE_VENUE_EDIT)


def register_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose whole register ``scope`` reads."""
    return scope.bureau_ids(*_BUREAU_READERS)


def venue_edit_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus into whose register ``scope`` may enter venues."""
    return scope.bureau_ids(*ZONE_VENUE_EDIT)


# --- cases --------------------------------------------------------------------------------------


def case_q(scope: Scope, action: str, *, concerns: Builder, prefix: str = "") -> Q | None:
    dept = (
        ids_in(f"{prefix}department_id", scope.department_ids)
        if scope.has(Role.DEPARTMENT_OFFICER)
        else None
    )
    centre = ids_in(f"{prefix}bureau_id", scope.bureau_ids(*ZONE_MANAGE))
    partners = _partners(scope)
    partner = Q(concerns(partners)) if partners else None
    if action == MANAGE:
        return any_of(dept, centre)
    if action == RECORD:
        return any_of(dept, centre, partner)
    school = ids_in(f"{prefix}school_id", _schools(scope))
    if action == COMMENT:
        return any_of(dept, centre, partner, school)
    return any_of(
        dept,
        centre,
        partner,
        school,
        ids_in(f"{prefix}bureau_id", scope.bureau_ids(*ZONE_BUREAU_READ)),
    )


def case_roles(scope: Scope, case) -> frozenset[str]:
    roles = set(roles_in_bureau(scope, case.bureau_id) & (BUREAU_WIDE | ZONE_MANAGE))
    if case.school_id in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    if case.department_id is not None and case.department_id in scope.department_ids:
        roles.add(Role.DEPARTMENT_OFFICER)
    if scope.has(Role.PARTNER) and scope.partner_ids & case.partner_id_set():
        roles.add(Role.PARTNER)
    return frozenset(roles)


def case_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose every case (and whole figures) ``scope`` reads."""
    return scope.bureau_ids(*ZONE_BUREAU_READ)


# --- geometry -----------------------------------------------------------------------------------


def geometry_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """Boundaries and waiting areas (``prefix`` leads to the row's ``school_id``/``bureau_id``)."""
    if action == EDIT:
        return any_of(
            ids_in(f"{prefix}school_id", _schools(scope))
            if scope.has(*(SCHOOL_ROLES & ZONE_GEOMETRY_EDIT))
            else None,
            ids_in(f"{prefix}bureau_id", scope.bureau_ids(*(ZONE_GEOMETRY_EDIT - SCHOOL_ROLES))),
        )
    return any_of(
        ids_in(f"{prefix}school_id", _schools(scope)),
        ids_in(f"{prefix}bureau_id", scope.bureau_ids(*_BUREAU_READERS)),
    )


def school_geometry_q(scope: Scope, action: str = VIEW) -> Q | None:
    """``geometry_q`` over ``orgs.School`` itself (a school with no boundary yet included)."""
    if action == EDIT:
        return any_of(
            ids_in("pk", _schools(scope))
            if scope.has(*(SCHOOL_ROLES & ZONE_GEOMETRY_EDIT))
            else None,
            ids_in("bureau_id", scope.bureau_ids(*(ZONE_GEOMETRY_EDIT - SCHOOL_ROLES))),
        )
    return any_of(
        ids_in("pk", _schools(scope)),
        ids_in("bureau_id", scope.bureau_ids(*_BUREAU_READERS)),
    )


def geometry_roles(scope: Scope, school) -> frozenset[str]:
    roles = set(roles_in_bureau(scope, school.bureau_id))
    if school.pk in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    return frozenset(roles)


def can_edit_geometry(scope: Scope, school) -> bool:
    return bool(geometry_roles(scope, school) & ZONE_GEOMETRY_EDIT)


# --- rules and settings -------------------------------------------------------------------------


def rule_q(
    scope: Scope, action: str, prefix: str = "", *, above: Builder | None = None
) -> Q | None:
    """Rules: the national ones and those of the bureaus the user reads, and (``above``: a
    condition on the bureaus above those) the rules that apply to them from above."""
    if action == EDIT:
        return ids_in(f"{prefix}bureau_id", scope.bureau_ids(*ZONE_MANAGE))
    if not scope.has(*ZONE_RULES_READ):
        return None
    own = scope.bureau_ids(*ORG_VIEW) | scope.member_bureau_ids
    return any_of(
        Q(**{f"{prefix}bureau__isnull": True}),
        ids_in(f"{prefix}bureau_id", own),
        Q(above(sorted(own))) if above is not None and own else None,
    )


def rule_roles(scope: Scope, rule) -> frozenset[str]:
    return roles_in_bureau(scope, rule.bureau_id)


def settings_q(scope: Scope, action: str) -> Q | None:
    if action == EDIT:
        return ids_in("bureau_id", scope.bureau_ids(*ZONE_MANAGE))
    return ids_in("bureau_id", scope.bureau_ids(*_BUREAU_READERS))


def settings_roles(scope: Scope, obj) -> frozenset[str]:
    return roles_in_bureau(scope, obj.bureau_id)


def manage_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose rules and settings ``scope`` keeps (and whose venues it re-checks)."""
    return scope.bureau_ids(*ZONE_MANAGE)
