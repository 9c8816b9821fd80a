"""Who reaches which weekly report, and which roles a user holds on one.

A department sees its own reports, drafts included, and is the only one to write them; the
bureau's centre, leaders and inspectors see submitted reports only, so a draft is never read
outside its department. The district report is the centre's compilation for the leadership
group: read by the bureau's centre, leaders and inspectors, compiled by the centre.

Pure functions of the scope (and an object): the only module of the app that reads the scope's
id sets.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import Scope, any_of
from safecampus.core.capabilities import (
    BUREAU_WIDE,
    REPORT_COMPILE,
    WEEKLY_REPORT_FILE,
)

#: the actions of a weekly report: read it, save its draft, submit it
REPORT_ACTIONS = frozenset({"view", "edit", "submit"})
#: the actions of a district report: read it, compile a new version
DISTRICT_ACTIONS = frozenset({"view", "edit"})


def own_department_ids(scope: Scope) -> frozenset[int]:
    """The departments whose weekly reports the user writes (none without the role)."""
    return scope.department_ids if scope.has(*WEEKLY_REPORT_FILE) else frozenset()


def weekly_report_q(scope: Scope, action: str) -> Q | None:
    own = Q(department_id__in=ids) if (ids := own_department_ids(scope)) else None
    if action != "view":
        return own
    readers = scope.bureau_ids(*BUREAU_WIDE)
    return any_of(own, Q(bureau_id__in=readers, status="submitted") if readers else None)


def weekly_report_roles(scope: Scope, report) -> frozenset[str]:
    """The department officer on its own department's report; each bureau reader role held in
    the report's bureau."""
    roles = {r for r in BUREAU_WIDE if report.bureau_id in scope.bureau_ids(r)}
    if report.department_id in own_department_ids(scope):
        roles |= WEEKLY_REPORT_FILE
    return frozenset(roles)


def district_report_q(scope: Scope, action: str) -> Q | None:
    roles = REPORT_COMPILE if action == "edit" else BUREAU_WIDE
    ids = scope.bureau_ids(*roles)
    return Q(bureau_id__in=ids) if ids else None


def may_compile(scope: Scope, campaign) -> bool:
    """The centre of the campaign's bureau compiles its district reports."""
    return campaign.bureau_id in scope.bureau_ids(*REPORT_COMPILE)


def reads_whole_bureau(scope: Scope, bureau_id: int) -> bool:
    """True for the bureau's readers, who see every department's submitted report."""
    return bureau_id in scope.bureau_ids(*BUREAU_WIDE)


def files_for(scope: Scope, department_id: int) -> bool:
    return department_id in own_department_ids(scope)
