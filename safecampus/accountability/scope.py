"""Which accountability records and consultations a scope reaches. The bureau's centre, leaders
and inspectors see all; a department the records against it and the consultations on its
hazards; a school the records against it."""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import Scope
from safecampus.core.capabilities import ACCOUNTABILITY_MANAGE, CONSULTATION_MANAGE
from safecampus.core.roles import SCHOOL_ROLES, Role

_BUREAU_WIDE = (Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR)


def record_scope_q(scope: Scope, action: str) -> Q | None:
    if action == "edit":
        ids = scope.bureau_ids(*ACCOUNTABILITY_MANAGE)
        return Q(bureau_id__in=ids) if ids else None
    q = None

    def add(cond: Q) -> None:
        nonlocal q
        q = cond if q is None else q | cond

    if ids := scope.bureau_ids(*_BUREAU_WIDE):
        add(Q(bureau_id__in=ids))
    if scope.has(Role.DEPARTMENT_OFFICER) and scope.department_ids:
        add(Q(department_id__in=scope.department_ids))
    if scope.has(*SCHOOL_ROLES) and scope.school_ids:
        add(Q(school_id__in=scope.school_ids))
    return q


def consultation_scope_q(scope: Scope, action: str) -> Q | None:
    if action == "edit":
        ids = scope.bureau_ids(*CONSULTATION_MANAGE)
        return Q(bureau_id__in=ids) if ids else None
    q = None
    if ids := scope.bureau_ids(*_BUREAU_WIDE):
        q = Q(bureau_id__in=ids)
    if scope.has(Role.DEPARTMENT_OFFICER) and scope.department_ids:
        from safecampus.hazards.models import department_hazard_ids

        from .models import ConsultationItem

        mine = ConsultationItem.objects.filter(
            hazard_id__in=department_hazard_ids(scope.department_ids)
        ).values("consultation_id")
        cond = Q(pk__in=mine)
        q = cond if q is None else q | cond
    return q
