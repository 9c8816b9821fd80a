"""Which spot checks a scope reaches: the bureau's centre, leaders and inspectors all of them;
a department officer the checks that drew its hazards or that it is assigned to. Schools do not
see spot checks (a drawn school is not warned)."""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import Scope
from safecampus.core.roles import Role

_BUREAU_WIDE = (Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR)


def spot_check_item_scope_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    q = None

    def add(cond: Q) -> None:
        nonlocal q
        q = cond if q is None else q | cond

    if ids := scope.bureau_ids(*_BUREAU_WIDE):
        add(Q(**{f"{prefix}spot_check__bureau_id__in": ids}))
    if scope.has(Role.DEPARTMENT_OFFICER) and scope.department_ids:
        add(Q(**{f"{prefix}hazard__responsible_department_id__in": scope.department_ids}))
    if scope.user_id is not None and scope.has(Role.DEPARTMENT_OFFICER):
        add(Q(**{f"{prefix}inspector_id": scope.user_id}))
    return q


def spot_check_scope_q(scope: Scope, action: str) -> Q | None:
    if action == "edit":
        ids = scope.bureau_ids(Role.LEADERSHIP, Role.SAFETY_CENTRE)
        return Q(bureau_id__in=ids) if ids else None
    q = None
    if ids := scope.bureau_ids(*_BUREAU_WIDE):
        q = Q(bureau_id__in=ids)
    if scope.has(Role.DEPARTMENT_OFFICER):
        from .models import SpotCheckItem

        item_q = spot_check_item_scope_q(scope, "view")
        if item_q is not None:
            cond = Q(pk__in=SpotCheckItem.objects.filter(item_q).values("spot_check_id"))
            q = cond if q is None else q | cond
    return q
