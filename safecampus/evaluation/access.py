"""Who reaches the summary evaluation, and as what.

A department officer states the summary category of the hazards its department is responsible
for; the centre states it for any hazard of its bureau (on a department's behalf) and archives
the campaign; the leadership group reads every confirmation and, with the centre, the archive
and the written summary.

Pure functions of the scope (and an object): the only module of the app that reads the scope's
id sets.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import Scope, any_of
from safecampus.core.capabilities import (
    ARCHIVE_READ,
    EVALUATION_BUREAU_READERS,
    REPORT_COMPILE,
    SUMMARY_ROLE_ORDER,
)
from safecampus.core.roles import Role

#: a confirmation is never changed (confirming again adds a row): it is only read
CONFIRMATION_ACTIONS = frozenset({"view"})
#: an archive is read, and made (``edit``) by the centre
ARCHIVE_ACTIONS = frozenset({"view", "edit"})


def _departments(scope: Scope) -> frozenset[int]:
    return scope.department_ids if scope.has(Role.DEPARTMENT_OFFICER) else frozenset()


def confirmation_q(scope: Scope, action: str) -> Q | None:
    """The bureau's centre and leaders read every confirmation of their bureau(s); a department
    officer those made for its department."""
    if action != "view":
        return None
    readers = scope.bureau_ids(*EVALUATION_BUREAU_READERS)
    own = _departments(scope)
    return any_of(
        Q(campaign__bureau_id__in=readers) if readers else None,
        Q(department_id__in=own) if own else None,
    )


def archive_q(scope: Scope, action: str) -> Q | None:
    ids = scope.bureau_ids(*(REPORT_COMPILE if action == "edit" else ARCHIVE_READ))
    return Q(bureau_id__in=ids) if ids else None


def archive_roles(scope: Scope, archive) -> frozenset[str]:
    """The roles that read the archive held in its bureau."""
    return frozenset(r for r in ARCHIVE_READ if archive.bureau_id in scope.bureau_ids(r))


def summary_role(roles) -> str | None:
    """The role named on a written-summary event: the centre before the leadership group."""
    return next((r for r in SUMMARY_ROLE_ORDER if r in roles), None)


def own_hazards_q(scope: Scope) -> Q | None:
    """The hazards (a ``Hazard`` condition) whose category the user states or oversees: a
    department officer those its department is responsible for, the centre and the leadership
    group those of their bureaus."""
    readers = scope.bureau_ids(*EVALUATION_BUREAU_READERS)
    own = _departments(scope)
    return any_of(
        Q(bureau_id__in=readers) if readers else None,
        Q(responsible_department_id__in=own) if own else None,
    )


def confirm_role(scope: Scope, hazard) -> str | None:
    """The role the user confirms ``hazard``'s category as, or None: the centre for any hazard
    of its bureau (on a department's behalf), a department officer for its own department's."""
    if hazard.bureau_id in scope.bureau_ids(Role.SAFETY_CENTRE):
        return Role.SAFETY_CENTRE
    if hazard.responsible_department_id is not None and (
        hazard.responsible_department_id in _departments(scope)
    ):
        return Role.DEPARTMENT_OFFICER
    return None


def may_archive(scope: Scope, campaign) -> bool:
    """The centre of the campaign's bureau archives it."""
    return campaign.bureau_id in scope.bureau_ids(*REPORT_COMPILE)


def material_department_q(scope: Scope, campaign) -> Q | None:
    """The departments (a ``Department`` condition) whose written material on ``campaign``
    (000 §四(二)3) the user reads: the centre of the campaign's bureau every department's,
    a department officer its own department's."""
    centre = campaign.bureau_id in scope.bureau_ids(*REPORT_COMPILE)
    own = _departments(scope)
    return any_of(
        Q(bureau_id=campaign.bureau_id) if centre else None,
        Q(pk__in=own, bureau_id=campaign.bureau_id) if own else None,
    )
