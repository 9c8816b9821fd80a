"""Who reaches the dashboards, and as what.

The school dashboard shows every hazard of one school: for the school's own officers and
principal, and for the centre, leaders and inspectors of its bureau. A department sees only its
areas' hazards (and a partner unit none), so a whole-school dashboard is not for them. What
waits for a department officer is counted for the departments the officer holds the role in.

Pure functions of the scope (and an object): the only module of the app that reads the scope's
id sets.
"""

from __future__ import annotations

from safecampus.core.access import Scope
from safecampus.core.capabilities import BUREAU_WIDE
from safecampus.core.roles import SCHOOL_ROLES, Role


def own_school_ids(scope: Scope) -> frozenset[int]:
    """The schools the user holds a school role in."""
    return scope.school_ids if scope.has(*SCHOOL_ROLES) else frozenset()


def school_dashboard_roles(scope: Scope, school) -> frozenset[str]:
    """The roles through which the user sees ``school``'s dashboard (none: not for them)."""
    roles = set()
    if school.pk in own_school_ids(scope):
        roles |= SCHOOL_ROLES & scope.roles
    roles |= {r for r in BUREAU_WIDE if school.bureau_id in scope.bureau_ids(r)}
    return frozenset(roles)


def sees_bureau_schools(scope: Scope) -> bool:
    """True for a bureau role that opens any school's dashboard from the school list."""
    return bool(scope.bureau_ids(*BUREAU_WIDE))


def waiting_department_ids(scope: Scope) -> frozenset[int]:
    """The departments whose waiting work the user sees (as their department officer)."""
    return scope.department_ids if scope.has(Role.DEPARTMENT_OFFICER) else frozenset()


def dashboard_department_ids(scope: Scope) -> frozenset[int]:
    """The departments whose own dashboard the user opens (as their department officer)."""
    return scope.department_ids if scope.has(Role.DEPARTMENT_OFFICER) else frozenset()


def department_dashboard_only(scope: Scope) -> bool:
    """True for a department officer with no bureau-wide role: the dashboard is always one of
    their departments' (the hazards it is responsible for), never the whole of what they see."""
    return bool(dashboard_department_ids(scope)) and not scope.bureau_ids(*BUREAU_WIDE)
