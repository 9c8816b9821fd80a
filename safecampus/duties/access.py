"""Who reaches which duty, occurrence and calendar, and which roles a user holds on them.

- The catalog, the work plans and the calendar: read by the bureau's officers and by its schools
  and partner units; kept by ``DUTY_MANAGE`` of the bureau (or above).
- An occurrence: its owner (the school's officers, the department's officers, the partner
  unit, or the centre for the centre's own); the overseeing department; the bureau-wide roles of
  its bureau. A school never sees another school's; a partner unit only its own; a department
  only those it owes or oversees.
- Recording is for the owner only; overseeing (deciding an excuse, "not credible") for the
  overseeing department and the bureau's centre.

Pure functions of the scope: no model is imported here.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import VIEW, Scope, any_of, ids_in, roles_in_bureau
from safecampus.core.capabilities import (
    BUREAU_WIDE,
    CATALOG_MEMBER_READ,
    DUTY_MANAGE,
    ORG_VIEW,
)
from safecampus.core.roles import SCHOOL_ROLES, Role

CATALOG_ACTIONS = frozenset({VIEW, "edit"})
CALENDAR_ACTIONS = frozenset({VIEW, "edit"})
RECORD = "record"
OVERSEE = "oversee"
OCCURRENCE_ACTIONS = frozenset({VIEW, RECORD, OVERSEE})


def _reader_bureaus(scope: Scope) -> frozenset[int]:
    return scope.bureau_ids(*ORG_VIEW) | (
        scope.member_bureau_ids if scope.has(*CATALOG_MEMBER_READ) else frozenset()
    )


def catalog_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """Duty catalog versions and work plans (``prefix`` leads to the row's bureau)."""
    ids = scope.bureau_ids(*DUTY_MANAGE) if action == "edit" else _reader_bureaus(scope)
    return ids_in(f"{prefix}bureau_id", ids)


def duty_q(scope: Scope, action: str) -> Q | None:
    return catalog_q(scope, action)


def calendar_q(scope: Scope, action: str) -> Q | None:
    return catalog_q(scope, action)


def manage_bureaus(scope: Scope) -> frozenset[int]:
    return scope.bureau_ids(*DUTY_MANAGE)


def bureau_roles(scope: Scope, bureau_id: int) -> frozenset[str]:
    return roles_in_bureau(scope, bureau_id)


def _owner_q(scope: Scope, prefix: str = "") -> Q | None:
    """The occurrences ``scope`` owes: its school's, its department's, its partner unit's, and
    the centre's own for the centre."""
    return any_of(
        ids_in(f"{prefix}school_id", scope.school_ids) if scope.has(*SCHOOL_ROLES) else None,
        ids_in(f"{prefix}department_id", scope.department_ids)
        if scope.has(Role.DEPARTMENT_OFFICER)
        else None,
        ids_in(f"{prefix}partner_id", scope.partner_ids) if scope.has(Role.PARTNER) else None,
        (
            Q(**{f"{prefix}owner_kind": "centre"})
            & ids_in(f"{prefix}bureau_id", scope.bureau_ids(Role.SAFETY_CENTRE))
        )
        if scope.bureau_ids(Role.SAFETY_CENTRE)
        else None,
    )


def _oversee_q(scope: Scope, prefix: str = "") -> Q | None:
    return any_of(
        ids_in(f"{prefix}overseeing_department_id", scope.department_ids)
        if scope.has(Role.DEPARTMENT_OFFICER)
        else None,
        ids_in(f"{prefix}bureau_id", scope.bureau_ids(Role.SAFETY_CENTRE)),
    )


def occurrence_q(scope: Scope, action: str = VIEW, prefix: str = "") -> Q | None:
    """The occurrences ``scope`` may take ``action`` on (``prefix``: from another model)."""
    if action == RECORD:
        return _owner_q(scope, prefix)
    if action == OVERSEE:
        return _oversee_q(scope, prefix)
    return any_of(
        _owner_q(scope, prefix),
        _oversee_q(scope, prefix),
        ids_in(f"{prefix}bureau_id", scope.bureau_ids(*BUREAU_WIDE)),
    )


def record_roles(scope: Scope, occ) -> frozenset[str]:
    """The roles with which ``scope`` records ``occ``: those that make it the owner."""
    roles = set()
    if occ.school_id is not None and occ.school_id in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    if (
        occ.department_id is not None
        and occ.department_id in scope.department_ids
        and scope.has(Role.DEPARTMENT_OFFICER)
    ):
        roles.add(Role.DEPARTMENT_OFFICER)
    if (
        occ.partner_id is not None
        and occ.partner_id in scope.partner_ids
        and scope.has(Role.PARTNER)
    ):
        roles.add(Role.PARTNER)
    if occ.owner_kind == "centre" and occ.bureau_id in scope.bureau_ids(Role.SAFETY_CENTRE):
        roles.add(Role.SAFETY_CENTRE)
    return frozenset(roles)


def recording_school_ids(scope: Scope) -> frozenset[int]:
    """The schools whose duties ``scope`` records (held as a school officer or principal)."""
    return scope.school_ids if scope.has(*SCHOOL_ROLES) else frozenset()


def oversee_roles(scope: Scope, occ) -> frozenset[str]:
    """The roles with which ``scope`` oversees ``occ``."""
    roles = set()
    if (
        occ.overseeing_department_id is not None
        and occ.overseeing_department_id in scope.department_ids
        and scope.has(Role.DEPARTMENT_OFFICER)
    ):
        roles.add(Role.DEPARTMENT_OFFICER)
    if occ.bureau_id in scope.bureau_ids(Role.SAFETY_CENTRE):
        roles.add(Role.SAFETY_CENTRE)
    return frozenset(roles)


def occurrence_roles(scope: Scope, occ) -> frozenset[str]:
    """Every role ``scope`` holds on ``occ`` (owner, overseer, bureau-wide)."""
    return (
        record_roles(scope, occ)
        | oversee_roles(scope, occ)
        | (roles_in_bureau(scope, occ.bureau_id) & BUREAU_WIDE)
    )


def compliance_q(scope: Scope, prefix: str = "") -> Q | None:
    """The occurrences counted in ``scope``'s compliance figures: the bureau-wide roles all of
    their bureau(s); a department those it oversees or owes; a school or partner its own."""
    return occurrence_q(scope, VIEW, prefix)


def calendar_bureaus(scope: Scope, action: str = VIEW) -> frozenset[int]:
    """The bureaus whose catalog and calendar ``scope`` reads (``VIEW``) or keeps (``edit``)."""
    return manage_bureaus(scope) if action == "edit" else _reader_bureaus(scope)


def tally_q(scope: Scope) -> Q | None:
    """The compliance summary rows (``DutyTally``) of the bureaus ``scope`` sees bureau-wide."""
    return ids_in("bureau_id", scope.bureau_ids(*BUREAU_WIDE))


def tally_bureaus(scope: Scope) -> frozenset[int] | None:
    """The bureaus whose every occurrence ``scope`` counts, when it counts nothing else: then
    its compliance figures may be read from the per-bureau summary. None when the scope counts
    anything a bureau's summary cannot tell apart (a school's, a department's or a partner
    unit's own), or nothing bureau-wide."""
    wide = scope.bureau_ids(*BUREAU_WIDE)
    if not wide:
        return None
    narrower = (
        (scope.has(*SCHOOL_ROLES) and scope.school_ids)
        or (scope.has(Role.DEPARTMENT_OFFICER) and scope.department_ids)
        or (scope.has(Role.PARTNER) and scope.partner_ids)
    )
    return None if narrower else wide


#: a bureau-wide scope of at most this many bureaus may count its compliance figures live on
#: demand (a district: about a second on SQLite); a city or a province reads the summary
LIVE_ON_DEMAND_MAX_BUREAUS = 1


def live_count_cheap(user) -> bool:
    """Whether ``user``'s compliance figures may be counted live on demand (see above)."""
    from safecampus.core.access import scope_for

    bureaus = tally_bureaus(scope_for(user))
    return bureaus is None or len(bureaus) <= LIVE_ON_DEMAND_MAX_BUREAUS
