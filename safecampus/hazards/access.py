"""Who reaches which hazard, and which roles a user holds on one hazard or at one school.

Pure functions of a scope (and an object): the querysets of ``models`` and the services call
them; nothing else in the app reads the scope's id sets. No model is imported at module level.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import VIEW, Scope
from safecampus.core.capabilities import BUREAU_WIDE, HAZARD_REPORT_IN_BUREAU
from safecampus.core.roles import SCHOOL_ROLES, Role


def hazard_scope_q(scope: Scope, action: str = VIEW, prefix: str = "") -> Q | None:
    """Which hazards a scope reaches: its bureaus' (centre, leaders, inspectors), its
    departments' (responsible or cooperating), its schools' own. Partner units see none.
    ``prefix`` is the path to the hazard from another model (``"hazard__"``)."""
    if action != VIEW:
        return None
    q = None

    def add(cond: Q) -> None:
        nonlocal q
        q = cond if q is None else q | cond

    bureau_wide = scope.bureau_ids(*BUREAU_WIDE)
    if bureau_wide:
        add(Q(**{f"{prefix}bureau_id__in": bureau_wide}))
    # A department's hazards (responsible or cooperating) are always of the department's bureau
    # (services refuse a department of another bureau), so when bureau-wide roles already cover
    # every bureau the user belongs to, the department branch adds nothing and is left out.
    covered = bool(scope.member_bureau_ids) and scope.member_bureau_ids <= bureau_wide
    if scope.has(Role.DEPARTMENT_OFFICER) and scope.department_ids and not covered:
        from .models import department_hazard_ids  # the tuned UNION ALL subquery

        add(Q(**{f"{prefix}pk__in": department_hazard_ids(scope.department_ids)}))
    if scope.has(*SCHOOL_ROLES) and scope.school_ids:
        add(Q(**{f"{prefix}school_id__in": scope.school_ids}))
    return q


def roles_on_hazard(scope: Scope, hazard) -> frozenset[str]:
    """The roles ``scope`` holds *for this hazard*: the bureau's where the hazard's bureau is in
    its scope; a department officer only for hazards its department is responsible for; a
    school's staff only for their school's hazards."""
    roles = {role for role in BUREAU_WIDE if hazard.bureau_id in scope.bureau_ids(role)}
    if (
        scope.has(Role.DEPARTMENT_OFFICER)
        and hazard.responsible_department_id is not None
        and hazard.responsible_department_id in scope.department_ids
    ):
        roles.add(Role.DEPARTMENT_OFFICER)
    if hazard.school_id in scope.school_ids:
        roles.update(role for role in SCHOOL_ROLES if scope.has(role))
    return frozenset(roles)


def reporter_roles_at(scope: Scope, school) -> frozenset[str]:
    """The roles with which ``scope`` may report a hazard at ``school``: its staff at their own
    school, the centre, inspectors and department officers at the schools of their bureau."""
    roles = set()
    if school.pk in scope.school_ids:
        roles.update(role for role in SCHOOL_ROLES if scope.has(role))
    for role in HAZARD_REPORT_IN_BUREAU:
        if school.bureau_id in scope.bureau_ids(role):
            roles.add(role)
    return frozenset(roles)


def reports_in_bureau(scope: Scope) -> bool:
    """Whether the user reports at any school of their bureau (not only at their own)."""
    return scope.has(*HAZARD_REPORT_IN_BUREAU)


def report_school_q(scope: Scope) -> Q:
    """The schools (of those the user sees) offered for a new report: all of them to a bureau
    reporter, the user's own to a school's staff."""
    return Q() if reports_in_bureau(scope) else Q(pk__in=scope.school_ids)


def own_school_id(scope: Scope) -> int | None:
    """The one school a school's staff member reports at, or None (several, or a bureau role)."""
    if reports_in_bureau(scope) or len(scope.school_ids) != 1:
        return None
    return next(iter(scope.school_ids))
