"""Who reaches which spot check, item and photo, and which roles a user holds on them.

The bureau's centre, leaders and inspectors reach every check of their bureau(s); a department
officer the items of its departments' hazards, the items it is assigned, and the checks that drew
them. Schools never see spot checks (a drawn school is not warned).

Pure functions of the scope: no model is imported here. Where a condition needs a subquery (the
checks that drew an item the user reaches), the caller passes in how to build it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from safecampus.core.access import VIEW, Scope, any_of, ids_in, roles_in_bureau
from safecampus.core.capabilities import (
    BUREAU_WIDE,
    SPOT_CHECK_ORDER,
    SPOT_CHECK_RECORD,
    SPOT_CHECK_RECORD_ANY,
    SUPERVISION_ROLE_ORDER,
)
from safecampus.core.roles import Role

#: the actions of each record
CHECK_ACTIONS = frozenset({VIEW, "assign"})
ITEM_ACTIONS = frozenset({VIEW, "record"})
EVIDENCE_ACTIONS = frozenset({VIEW})


def order_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus where ``scope`` orders spot checks (and assigns their hazards)."""
    return scope.bureau_ids(*SPOT_CHECK_ORDER)


def order_role(scope: Scope, bureau_id: int) -> str | None:
    """The role named on an order or an assignment in ``bureau_id``, or None: not allowed."""
    held = roles_in_bureau(scope, bureau_id) & SPOT_CHECK_ORDER
    return next((r for r in SUPERVISION_ROLE_ORDER if r in held), None)


def sees_whole_check(scope: Scope, check) -> bool:
    """The bureau's centre, leaders and inspectors see every stratum; a department its own."""
    return check.bureau_id in scope.bureau_ids(*BUREAU_WIDE)


def may_record_any(scope: Scope, check) -> bool:
    """The centre and the leaders of a check's bureau record any of its items."""
    return check.bureau_id in scope.bureau_ids(*SPOT_CHECK_RECORD_ANY)


def is_own_department(scope: Scope, department_id: int | None) -> bool:
    return department_id is not None and department_id in scope.department_ids


def item_q(scope: Scope, action: str = VIEW, prefix: str = "") -> Q | None:
    """The drawn items ``scope`` may take ``action`` on (``prefix`` for a lookup from another
    model, e.g. ``items__`` from a check)."""
    if action == "record":
        # the centre and leaders record any item of their bureau; anyone the person assigned
        return any_of(
            ids_in(f"{prefix}spot_check__bureau_id", scope.bureau_ids(*SPOT_CHECK_RECORD_ANY)),
            Q(**{f"{prefix}inspector_id": scope.user_id})
            if scope.user_id is not None and scope.has(*SPOT_CHECK_RECORD)
            else None,
        )
    return any_of(
        ids_in(f"{prefix}spot_check__bureau_id", scope.bureau_ids(*BUREAU_WIDE)),
        _department_item_q(scope, prefix),
    )


def _department_item_q(scope: Scope, prefix: str = "") -> Q | None:
    """A department officer's items: its departments' hazards, and the items it is assigned."""
    if not scope.has(Role.DEPARTMENT_OFFICER):
        return None
    return any_of(
        ids_in(f"{prefix}hazard__responsible_department_id", scope.department_ids),
        Q(**{f"{prefix}inspector_id": scope.user_id}) if scope.user_id is not None else None,
    )


def check_q(scope: Scope, action: str, *, checks_with_items: Callable[[Q], object]) -> Q | None:
    """The checks ``scope`` may take ``action`` on. ``checks_with_items(q)`` is the subquery of
    the ids of the checks with an item matching ``q`` (the queryset builds it)."""
    if action == "assign":
        return ids_in("bureau_id", order_bureaus(scope))
    items = item_q(scope, VIEW) if scope.has(Role.DEPARTMENT_OFFICER) else None
    return any_of(
        ids_in("bureau_id", scope.bureau_ids(*BUREAU_WIDE)),
        Q(pk__in=checks_with_items(items)) if items is not None else None,
    )


def evidence_q(scope: Scope, action: str = VIEW) -> Q | None:
    return item_q(scope, VIEW, prefix="item__")


def check_roles(scope: Scope, check, *, reaches_items: Callable[[Q], bool]) -> frozenset[str]:
    """The roles held on a check: those held in its bureau, a department officer's only when the
    check drew a hazard it reaches (``reaches_items(q)``: does the check have an item matching
    ``q``)."""
    roles = set(roles_in_bureau(scope, check.bureau_id) & (BUREAU_WIDE | SPOT_CHECK_ORDER))
    mine = _department_item_q(scope)
    if mine is not None and reaches_items(mine):
        roles.add(Role.DEPARTMENT_OFFICER)
    return frozenset(roles)


def item_roles(scope: Scope, item) -> frozenset[str]:
    """The roles held on a drawn item: the bureau-wide roles held in its check's bureau, and a
    department officer's on the hazards of its departments or when it is assigned the item."""
    roles = set(roles_in_bureau(scope, item.spot_check.bureau_id) & BUREAU_WIDE)
    if scope.has(Role.DEPARTMENT_OFFICER) and (
        is_own_department(scope, item.hazard.responsible_department_id)
        or (item.inspector_id is not None and item.inspector_id == scope.user_id)
    ):
        roles.add(Role.DEPARTMENT_OFFICER)
    return frozenset(roles)


def record_roles(scope: Scope, item) -> frozenset[str]:
    """The roles with which ``scope`` may record the result of ``item``: the centre's and the
    leaders' of its bureau on any item; the person assigned with every role they hold there."""
    held = roles_in_bureau(scope, item.spot_check.bureau_id)
    roles = held & SPOT_CHECK_RECORD_ANY
    if item.inspector_id is not None and item.inspector_id == scope.user_id:
        roles |= held & SPOT_CHECK_RECORD
    return frozenset(roles)


def may_be_assigned(roles, department_ids, item) -> bool:
    """Whether a person holding ``roles`` (and, as a department officer, ``department_ids``) may
    be assigned ``item``: a bureau-wide role any drawn hazard; a department officer only its
    department's (the register lets a department act on its own hazards only)."""
    if set(roles) & BUREAU_WIDE:
        return True
    return item.hazard.responsible_department_id in set(department_ids)
