"""Who reaches which accountability record and consultation, and which roles a user holds on them.

The bureau's centre, leaders and inspectors reach every record and consultation of their
bureau(s); a department the records against it and the consultations on its hazards; a school the
records against it. The centre and the leaders follow up and close records and apply the decisions
of consultations.

Pure functions of the scope: no model is imported here. Where a condition needs a subquery (the
consultations on a department's hazards), the caller passes in how to build it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from safecampus.core.access import VIEW, Scope, any_of, ids_in, roles_in_bureau
from safecampus.core.capabilities import (
    ACCOUNTABILITY_MANAGE,
    ACCOUNTABILITY_OPEN_ON_FINDING,
    BUREAU_WIDE,
    CONSULTATION_MANAGE,
)
from safecampus.core.roles import SCHOOL_ROLES, Role

FOLLOW_UP = "follow_up"
CLOSE = "close"
APPLY = "apply"
#: the actions of each record
RECORD_ACTIONS = frozenset({VIEW, FOLLOW_UP, CLOSE})
CONSULTATION_ACTIONS = frozenset({VIEW, APPLY})


def manage_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose accountability records ``scope`` opens and follows up."""
    return scope.bureau_ids(*ACCOUNTABILITY_MANAGE)


def consultation_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose consultations ``scope`` holds."""
    return scope.bureau_ids(*CONSULTATION_MANAGE)


def open_roles(scope: Scope, bureau_id: int, *, on_finding: bool = False) -> frozenset[str]:
    """The roles with which ``scope`` opens a record in ``bureau_id``: the managing roles held
    there; for a record opened on a finding (a spot check found a claim false), the roles that
    record such a finding, a department officer's wherever it holds the role."""
    allowed = ACCOUNTABILITY_OPEN_ON_FINDING if on_finding else ACCOUNTABILITY_MANAGE
    roles = set(roles_in_bureau(scope, bureau_id) & allowed)
    if on_finding and scope.has(Role.DEPARTMENT_OFFICER):
        roles.add(Role.DEPARTMENT_OFFICER)
    return frozenset(roles)


def record_q(scope: Scope, action: str) -> Q | None:
    if action != VIEW:  # follow up, close
        return ids_in("bureau_id", manage_bureaus(scope))
    return any_of(
        ids_in("bureau_id", scope.bureau_ids(*BUREAU_WIDE)),
        ids_in("department_id", scope.department_ids)
        if scope.has(Role.DEPARTMENT_OFFICER)
        else None,
        ids_in("school_id", scope.school_ids) if scope.has(*SCHOOL_ROLES) else None,
    )


def record_roles(scope: Scope, record) -> frozenset[str]:
    """The roles held on a record: those held in its bureau (the bureau-wide and managing
    ones), a department officer's when it is against its department, a school's against its
    school."""
    roles = set(roles_in_bureau(scope, record.bureau_id) & BUREAU_WIDE)
    if scope.has(Role.DEPARTMENT_OFFICER) and record.department_id in scope.department_ids:
        roles.add(Role.DEPARTMENT_OFFICER)
    if record.school_id in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    return frozenset(roles)


def consultation_q(
    scope: Scope, action: str, *, on_department_hazards: Callable[[frozenset[int]], object]
) -> Q | None:
    """``on_department_hazards(department_ids)``: the subquery of the ids of the consultations
    on a hazard of those departments (the queryset builds it)."""
    if action != VIEW:  # apply
        return ids_in("bureau_id", consultation_bureaus(scope))
    return any_of(
        ids_in("bureau_id", scope.bureau_ids(*BUREAU_WIDE)),
        Q(pk__in=on_department_hazards(scope.department_ids))
        if scope.has(Role.DEPARTMENT_OFFICER) and scope.department_ids
        else None,
    )


def consultation_roles(
    scope: Scope, consultation, *, on_department_hazards: Callable[[frozenset[int]], bool]
) -> frozenset[str]:
    """The roles held on a consultation: those held in its bureau, a department officer's when
    it discusses a hazard of its departments (``on_department_hazards(ids)``)."""
    roles = set(roles_in_bureau(scope, consultation.bureau_id) & BUREAU_WIDE)
    if (
        scope.has(Role.DEPARTMENT_OFFICER)
        and scope.department_ids
        and on_department_hazards(scope.department_ids)
    ):
        roles.add(Role.DEPARTMENT_OFFICER)
    return frozenset(roles)
