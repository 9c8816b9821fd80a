"""Who reaches which incidents, disputes, illness records and settings, and which roles a user
holds on them.

- **Incidents**: the school's own staff; the department it is routed to; the bureau-wide roles
  (centre, leadership group, inspectors). Reported on (``report``: the verbal report, follow-ups,
  the closing report, accident handling, 三同步) by the school, that department and the centre;
  taken in hand (``handle``: acknowledged) by that department, the centre and the leadership
  group; managed (``manage``: escalation, restriction, the access list) by the centre.
- **Restricted cases** (bullying, abuse, or restricted by the centre) are seen only by the people
  named on them (their access list), whatever their roles; a named person acts on one as their
  roles allow. Figures count restricted cases for everyone who sees the bureau's or school's
  numbers (``incident_count_q``), and show nothing else of them.
- **Disputes**: the same, with ``record`` (register, mediate, resolve) for the school, its
  department and the centre, and ``manage`` for the centre.
- **Illness records and cluster alerts**: the school and the bureau's officers read them; the
  school (and the centre) records them.
- **Settings and limits**: read by everyone in the bureau (a school sees the limits it reports
  against); kept by ``INCIDENT_MANAGE``.

Pure functions of the scope: no model is imported here. "Named on the row" needs a subquery: the
queryset builds it and passes it in (``named``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from safecampus.core.access import VIEW, Scope, any_of, ids_in, roles_in_bureau
from safecampus.core.capabilities import (
    BUREAU_WIDE,
    DISPUTE_RECORD,
    INCIDENT_FIGURES_VIEW,
    INCIDENT_HANDLE_BUREAU,
    INCIDENT_MANAGE,
    INCIDENT_REPORT,
    INCIDENT_ROLE_ORDER,
)
from safecampus.core.roles import SCHOOL_ROLES, Role

REPORT = "report"
HANDLE = "handle"
MANAGE = "manage"
RECORD = "record"
EDIT = "edit"
INCIDENT_ACTIONS = frozenset({VIEW, REPORT, HANDLE, MANAGE})
DISPUTE_ACTIONS = frozenset({VIEW, RECORD, MANAGE})
ILLNESS_ACTIONS = frozenset({VIEW, EDIT})
SETTINGS_ACTIONS = frozenset({VIEW, EDIT})

Builder = Callable[[list[int]], Q]


def _school(scope: Scope, field: str, capability=None) -> Q | None:
    roles = SCHOOL_ROLES if capability is None else SCHOOL_ROLES & capability
    return ids_in(field, sorted(scope.school_ids)) if scope.has(*roles) else None


def _department(scope: Scope, field: str) -> Q | None:
    if not scope.has(Role.DEPARTMENT_OFFICER):
        return None
    return ids_in(field, sorted(scope.department_ids))


def _bureau(scope: Scope, field: str, capability) -> Q | None:
    return ids_in(field, scope.bureau_ids(*(frozenset(capability) - SCHOOL_ROLES)))


def _case_q(scope: Scope, action: str, *, named: Builder, acting: dict, prefix: str) -> Q | None:
    """The scope of a case that may be restricted: outside the restriction the roles decide; a
    restricted case is seen by the people named on it, and acted on by those of them whose roles
    reach it."""
    p = prefix
    reading = any_of(
        _school(scope, f"{p}school_id"),
        _department(scope, f"{p}department_id"),
        _bureau(scope, f"{p}bureau_id", BUREAU_WIDE),
    )
    base = reading if action == VIEW else acting[action]
    if scope.user_id is None:
        return None if base is None else Q(**{f"{p}restricted": False}) & base
    # Named on the case, and still holding a role in its bureau: leaving the bureau ends it.
    held = ids_in(f"{p}bureau_id", sorted(scope.all_bureau_ids | scope.member_bureau_ids))
    mine = None
    if held is not None:
        mine = Q(**{f"{p}restricted": True}) & Q(named([scope.user_id])) & held
    open_ = None if base is None else Q(**{f"{p}restricted": False}) & base
    if action == VIEW:
        return any_of(open_, mine)
    if base is None:
        return None
    return open_ if mine is None else open_ | mine & base


def _holds_bureau(scope: Scope, bureau_id: int) -> bool:
    """Whether ``scope`` holds any role in ``bureau_id`` (or at one of its schools or
    departments): a person named on a restricted case loses it on leaving the bureau."""
    return bureau_id in (scope.all_bureau_ids | scope.member_bureau_ids)


def _case_roles(scope: Scope, obj, relevant) -> frozenset[str]:
    if obj.restricted and not (obj.names(scope.user_id) and _holds_bureau(scope, obj.bureau_id)):
        return frozenset()
    roles = set(roles_in_bureau(scope, obj.bureau_id) & relevant)
    if obj.school_id in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    if obj.department_id is not None and obj.department_id in scope.department_ids:
        roles.add(Role.DEPARTMENT_OFFICER)
    return frozenset(roles)


# --- incidents ----------------------------------------------------------------------------------


def incident_q(scope: Scope, action: str, *, named: Builder, prefix: str = "") -> Q | None:
    p = prefix
    acting = {
        REPORT: any_of(
            _school(scope, f"{p}school_id", INCIDENT_REPORT),
            _department(scope, f"{p}department_id"),
            _bureau(scope, f"{p}bureau_id", INCIDENT_MANAGE),
        ),
        HANDLE: any_of(
            _department(scope, f"{p}department_id"),
            _bureau(scope, f"{p}bureau_id", INCIDENT_HANDLE_BUREAU),
        ),
        MANAGE: _bureau(scope, f"{p}bureau_id", INCIDENT_MANAGE),
    }
    return _case_q(scope, action, named=named, acting=acting, prefix=p)


def incident_count_q(scope: Scope, prefix: str = "") -> Q | None:
    """The incidents whose numbers ``scope`` sees, restricted ones included (counts only)."""
    return any_of(
        _school(scope, f"{prefix}school_id"),
        _department(scope, f"{prefix}department_id"),
        _bureau(scope, f"{prefix}bureau_id", BUREAU_WIDE),
    )


def incident_roles(scope: Scope, incident) -> frozenset[str]:
    return _case_roles(scope, incident, BUREAU_WIDE | INCIDENT_MANAGE)


def report_schools_q(scope: Scope) -> Q | None:
    """The schools (``orgs.School``) ``scope`` may report an incident or a dispute for."""
    return any_of(
        ids_in("pk", sorted(scope.school_ids))
        if scope.has(*(SCHOOL_ROLES & INCIDENT_REPORT))
        else None,
        ids_in("bureau_id", scope.bureau_ids(*(INCIDENT_REPORT - SCHOOL_ROLES))),
    )


def reporting_role(scope: Scope, school) -> str:
    """The role named on a report ``scope`` files for ``school``: the most specific it holds."""
    roles = set(roles_in_bureau(scope, school.bureau_id) & INCIDENT_REPORT)
    if school.pk in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    return next((r for r in INCIDENT_ROLE_ORDER if r in roles), "")


def own_departments_q(scope: Scope) -> Q | None:
    """The departments (``orgs.Department``) ``scope`` is an officer of."""
    return _department(scope, "pk")


def manage_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose settings, limits and access lists ``scope`` keeps."""
    return scope.bureau_ids(*INCIDENT_MANAGE)


# --- disputes -----------------------------------------------------------------------------------


def dispute_q(scope: Scope, action: str, *, named: Builder, prefix: str = "") -> Q | None:
    p = prefix
    acting = {
        RECORD: any_of(
            _school(scope, f"{p}school_id", DISPUTE_RECORD),
            _department(scope, f"{p}department_id"),
            _bureau(scope, f"{p}bureau_id", INCIDENT_MANAGE),
        ),
        MANAGE: _bureau(scope, f"{p}bureau_id", INCIDENT_MANAGE),
    }
    return _case_q(scope, action, named=named, acting=acting, prefix=p)


def dispute_count_q(scope: Scope, prefix: str = "") -> Q | None:
    return incident_count_q(scope, prefix)


def dispute_roles(scope: Scope, dispute) -> frozenset[str]:
    return _case_roles(scope, dispute, BUREAU_WIDE | INCIDENT_MANAGE)


# --- illness records, cluster alerts ------------------------------------------------------------


def illness_q(scope: Scope, action: str) -> Q | None:
    if action == EDIT:
        return any_of(
            _school(scope, "school_id", INCIDENT_REPORT),
            _bureau(scope, "bureau_id", INCIDENT_MANAGE),
        )
    return any_of(
        _school(scope, "school_id"),
        _bureau(scope, "bureau_id", INCIDENT_FIGURES_VIEW),
    )


def illness_schools_q(scope: Scope) -> Q | None:
    """The schools (``orgs.School``) ``scope`` records illness for."""
    return any_of(
        ids_in("pk", sorted(scope.school_ids))
        if scope.has(*(SCHOOL_ROLES & INCIDENT_REPORT))
        else None,
        ids_in("bureau_id", scope.bureau_ids(*(INCIDENT_MANAGE - SCHOOL_ROLES))),
    )


def illness_roles(scope: Scope, obj) -> frozenset[str]:
    roles = set(roles_in_bureau(scope, obj.bureau_id) & INCIDENT_FIGURES_VIEW)
    if obj.school_id in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    return frozenset(roles)


# --- settings and limits ------------------------------------------------------------------------


def settings_q(scope: Scope, action: str) -> Q | None:
    if action == EDIT:
        return ids_in("bureau_id", manage_bureaus(scope))
    return ids_in("bureau_id", scope.all_bureau_ids | scope.member_bureau_ids)


def settings_roles(scope: Scope, obj) -> frozenset[str]:
    return roles_in_bureau(scope, obj.bureau_id)
