"""Who reaches a self-inspection form or an on-site inspection, and as whom: pure functions of
the scope (and one record).

- A form: the bureau's readers read all of its forms, a school its own. Filling it in
  (``edit``) is the school's, and the centre's on behalf of a school (a workbook sent by e-mail).
  Reviewing it is a department's for the items it takes, or the centre's for all of them.
- An on-site inspection: the bureau's readers and the school read it; the centre records one at
  any school of its bureau, a department officer for its own department.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from safecampus.core.access import EDIT, Scope, any_of
from safecampus.core.capabilities import (
    CAMPAIGN_BUREAU_READERS,
    CAMPAIGN_MANAGE,
    FORM_SCHOOL_ACTORS,
    SITE_INSPECT_BUREAU,
)
from safecampus.core.roles import SCHOOL_ROLES, Role


def form_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """Forms (``prefix`` "form__": answers) ``scope`` may read, or fill in (``edit``)."""
    roles = CAMPAIGN_MANAGE if action == EDIT else CAMPAIGN_BUREAU_READERS
    ids = scope.bureau_ids(*roles)
    return any_of(
        Q(**{f"{prefix}campaign__bureau_id__in": ids}) if ids else None,
        Q(**{f"{prefix}school_id__in": scope.school_ids})
        if scope.has(*SCHOOL_ROLES) and scope.school_ids
        else None,
    )


def own_forms_q(scope: Scope) -> Q | None:
    """The forms of the user's own schools (their list on the campaign page)."""
    return Q(school_id__in=scope.school_ids) if scope.school_ids else None


def form_roles(scope: Scope, form) -> frozenset[str]:
    """The roles ``scope`` holds on ``form``: a school's at that school, a bureau role where the
    campaign's bureau is in its scope."""
    roles = {r for r in scope.roles if form.campaign.bureau_id in scope.bureau_ids(r)}
    if form.school_id in scope.school_ids:
        roles |= set(scope.roles) & set(SCHOOL_ROLES)
    return frozenset(roles)


def form_actor_role(scope: Scope, form) -> str:
    """The role named on a form's event for a change of its answers: the school's own officer
    or principal at that school, the centre otherwise."""
    if form.school_id in scope.school_ids:
        for role in FORM_SCHOOL_ACTORS:
            if scope.has(role):
                return role
    return Role.SAFETY_CENTRE


def review_role(scope: Scope) -> str:
    """The role named on a review's event."""
    return Role.DEPARTMENT_OFFICER if scope.has(Role.DEPARTMENT_OFFICER) else Role.SAFETY_CENTRE


def reviewable_departments(scope: Scope, form, departments: Iterable[int]) -> set[int]:
    """Of ``departments`` (those reviewing ``form``), the ones ``scope`` reviews it for: its
    own, or all of them for the centre of the campaign's bureau."""
    departments = set(departments)
    if form.campaign.bureau_id in scope.bureau_ids(Role.SAFETY_CENTRE):
        return departments
    if scope.has(Role.DEPARTMENT_OFFICER):
        return departments & set(scope.department_ids)
    return set()


def reviewer_department_ids(scope: Scope) -> list[int] | None:
    """The departments whose reviews ``scope`` waits for: ``None`` (any) for the centre."""
    return None if scope.bureau_ids(Role.SAFETY_CENTRE) else list(scope.department_ids)


def site_inspection_q(scope: Scope, action: str) -> Q | None:
    """On-site inspections ``scope`` may read, or record (``edit``)."""
    if action == EDIT:
        ids = scope.bureau_ids(*SITE_INSPECT_BUREAU)
        return any_of(
            Q(bureau_id__in=ids) if ids else None,
            Q(department_id__in=scope.department_ids)
            if scope.has(Role.DEPARTMENT_OFFICER) and scope.department_ids
            else None,
        )
    ids = scope.bureau_ids(*CAMPAIGN_BUREAU_READERS)
    return any_of(
        Q(bureau_id__in=ids) if ids else None,
        Q(school_id__in=scope.school_ids)
        if scope.has(*SCHOOL_ROLES) and scope.school_ids
        else None,
    )


def may_inspect_at(scope: Scope, bureau_id: int) -> bool:
    """Whether ``scope`` records on-site inspections at the schools of ``bureau_id``."""
    return bureau_id in scope.bureau_ids(*SITE_INSPECT_BUREAU) or (
        scope.has(Role.DEPARTMENT_OFFICER)
        and bureau_id in scope.bureau_ids(Role.DEPARTMENT_OFFICER)
    )


def inspecting_departments_q(scope: Scope, bureau_id: int) -> Q:
    """The departments (of ``bureau_id``) ``scope`` records an inspection for: every one for
    the centre, its own for a department officer."""
    q = Q(bureau_id=bureau_id)
    if bureau_id not in scope.bureau_ids(*SITE_INSPECT_BUREAU):
        q &= Q(pk__in=scope.department_ids)
    return q


def may_inspect_for(scope: Scope, bureau_id: int, department) -> bool:
    """Whether ``scope`` records an inspection at a school of ``bureau_id`` for ``department``."""
    return department.bureau_id == bureau_id and (
        bureau_id in scope.bureau_ids(*SITE_INSPECT_BUREAU) or department.pk in scope.department_ids
    )
