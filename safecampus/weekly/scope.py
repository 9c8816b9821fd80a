"""Which weekly reports a scope reaches. A department sees its own reports, drafts included;
the bureau's centre, leaders and inspectors see submitted reports only, so a draft is never
read outside its department."""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import Scope
from safecampus.core.roles import Role

_BUREAU_READERS = (Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR)


def weekly_report_scope_q(scope: Scope, action: str) -> Q | None:
    own = (
        Q(department_id__in=scope.department_ids)
        if scope.has(Role.DEPARTMENT_OFFICER) and scope.department_ids
        else None
    )
    if action == "edit":
        return own
    q = own
    if readers := scope.bureau_ids(*_BUREAU_READERS):
        cond = Q(bureau_id__in=readers, status="submitted")
        q = cond if q is None else q | cond
    return q


def district_report_scope_q(scope: Scope, action: str) -> Q | None:
    """The district report carries every department's narrative: it is the centre's compilation
    for the leadership group, read by the bureau's centre, leaders and inspectors, not by the
    departments (who read their own reports)."""
    if action == "edit":
        ids = scope.bureau_ids(Role.SAFETY_CENTRE)
    else:
        ids = scope.bureau_ids(*_BUREAU_READERS)
    return Q(bureau_id__in=ids) if ids else None
