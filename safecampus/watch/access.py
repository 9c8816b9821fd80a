"""Who reaches which periods, rosters, shifts and duty logs of the duty watch, and which roles a
user holds on them.

- **Periods** (holidays, sensitive periods) belong to a bureau: read by everyone of the bureau
  (its schools too), kept by ``WATCH_MANAGE`` of the bureau.
- **Rosters**: the bureau's own roster (no school) and each school's. Read by the bureau roles
  of ``WATCH_VIEW`` in their bureaus, and by a school's staff for their own school's roster and
  their bureau's own (whom to report to). Kept (``edit``): a school's roster by the school
  (``WATCH_SCHOOL_EDIT``) and the centre on its behalf; the bureau's roster by ``WATCH_MANAGE``.
- **Shifts and duty log entries** follow their roster; the person on a shift also reads it.

Pure functions of the scope: no model is imported here.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import VIEW, Scope, any_of, ids_in, roles_in_bureau
from safecampus.core.capabilities import (
    WATCH_FIGURES_VIEW,
    WATCH_MANAGE,
    WATCH_SCHOOL_EDIT,
    WATCH_VIEW,
)
from safecampus.core.roles import SCHOOL_ROLES

EDIT = "edit"
PERIOD_ACTIONS = frozenset({VIEW, EDIT})
ROSTER_ACTIONS = frozenset({VIEW, EDIT})

#: the bureau roles that read every roster of their bureau
_BUREAU_READERS = WATCH_VIEW - SCHOOL_ROLES


def _schools(scope: Scope) -> list[int]:
    return sorted(scope.school_ids) if scope.has(*(SCHOOL_ROLES & WATCH_VIEW)) else []


def _editing_schools(scope: Scope) -> list[int]:
    return sorted(scope.school_ids) if scope.has(*(SCHOOL_ROLES & WATCH_SCHOOL_EDIT)) else []


# --- periods ------------------------------------------------------------------------------------


def period_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    if action == EDIT:
        return ids_in(f"{prefix}bureau_id", scope.bureau_ids(*WATCH_MANAGE))
    if not scope.has(*WATCH_VIEW):
        return None
    return any_of(
        ids_in(f"{prefix}bureau_id", scope.bureau_ids(*_BUREAU_READERS)),
        ids_in(f"{prefix}bureau_id", scope.member_bureau_ids) if _schools(scope) else None,
    )


def period_roles(scope: Scope, period) -> frozenset[str]:
    roles = set(roles_in_bureau(scope, period.bureau_id) & WATCH_VIEW)
    if _schools(scope) and period.bureau_id in scope.member_bureau_ids:
        roles |= scope.roles & SCHOOL_ROLES
    return frozenset(roles)


def manage_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose periods and own roster ``scope`` keeps."""
    return scope.bureau_ids(*WATCH_MANAGE)


def reading_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose every roster ``scope`` reads."""
    return scope.bureau_ids(*_BUREAU_READERS)


def figures_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose roster figures ``scope`` sees."""
    return scope.bureau_ids(*WATCH_FIGURES_VIEW)


def own_schools(scope: Scope) -> list[int]:
    """The schools whose rosters ``scope`` reads as their own staff."""
    return _schools(scope)


# --- rosters (and, with a prefix, their shifts and log entries) --------------------------------


def roster_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    if action == EDIT:
        centre = scope.bureau_ids(*(WATCH_SCHOOL_EDIT - SCHOOL_ROLES))
        manage = scope.bureau_ids(*WATCH_MANAGE)
        return any_of(
            ids_in(f"{prefix}school_id", _editing_schools(scope)),
            Q(**{f"{prefix}school__isnull": False, f"{prefix}bureau_id__in": centre})
            if centre
            else None,
            Q(**{f"{prefix}school__isnull": True, f"{prefix}bureau_id__in": manage})
            if manage
            else None,
        )
    if not scope.has(*WATCH_VIEW):
        return None
    schools = _schools(scope)
    return any_of(
        ids_in(f"{prefix}bureau_id", reading_bureaus(scope)),
        ids_in(f"{prefix}school_id", schools),
        # a school reads its bureau's own roster: whom to report to while on duty
        Q(**{f"{prefix}school__isnull": True, f"{prefix}bureau_id__in": scope.member_bureau_ids})
        if schools and scope.member_bureau_ids
        else None,
    )


def shift_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """A shift: as its roster, and the person on it reads it (and logs on it)."""
    mine = Q(**{f"{prefix}person_id": scope.user_id}) if scope.user_id else None
    return any_of(roster_q(scope, action, f"{prefix}roster__"), mine if action == VIEW else None)


def roster_roles(scope: Scope, roster) -> frozenset[str]:
    roles = set(roles_in_bureau(scope, roster.bureau_id) & WATCH_VIEW)
    if roster.school_id is not None and roster.school_id in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    if roster.school_id is None:
        # the bureau's own roster is kept by WATCH_MANAGE alone
        roles -= WATCH_SCHOOL_EDIT - WATCH_MANAGE
    return frozenset(roles)


def may_act_for(scope: Scope, roster) -> bool:
    """Whether ``scope`` records check-ins and log entries on behalf of the people on duty
    (the school's officer or principal at their school, the centre in its bureau)."""
    return bool(roster_roles(scope, roster) & WATCH_SCHOOL_EDIT)
