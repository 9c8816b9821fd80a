"""Accountability records: opened, followed up and closed, each step an event."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safecampus.core.capabilities import ACCOUNTABILITY_MANAGE
from safecampus.core.roles import Role
from safecampus.core.scoping import scope_for
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.services import notify

from .models import AccountabilityEvent, AccountabilityRecord, RecordAction, RecordKind

_ROLE_ORDER = (Role.LEADERSHIP, Role.SAFETY_CENTRE, Role.INSPECTOR, Role.DEPARTMENT_OFFICER)


def _acting_role(actor, bureau_id: int, allowed) -> str:
    scope = scope_for(actor)
    for role in _ROLE_ORDER:
        if role in allowed and bureau_id in scope.bureau_ids(role):
            return role
    if Role.DEPARTMENT_OFFICER in allowed and scope.has(Role.DEPARTMENT_OFFICER):
        return Role.DEPARTMENT_OFFICER
    raise PermissionDenied(_("Your roles do not allow this."))


@transaction.atomic
def record_open(
    *,
    actor,
    bureau_id: int,
    kind: str,
    basis: str,
    reason: str,
    school=None,
    department=None,
    hazards=(),
    spot_check_item=None,
    weekly_report=None,
    deadline=None,
    system: bool = False,
) -> AccountabilityRecord:
    """Open a record against a school and/or a department. ``system`` marks a record opened as a
    consequence of another recorded act (a spot check found false): the actor then needs only
    the role that recorded that act, not ``ACCOUNTABILITY_MANAGE``."""
    allowed = (
        ACCOUNTABILITY_MANAGE | {Role.INSPECTOR, Role.DEPARTMENT_OFFICER}
        if system
        else ACCOUNTABILITY_MANAGE
    )
    role = _acting_role(actor, bureau_id, allowed)
    errors = {}
    if kind not in RecordKind.values:
        errors["kind"] = [_("Choose the measure.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason.")]
    if school is None and department is None:
        errors["school"] = [_("Name the school or the department concerned.")]
    if kind == RecordKind.DEADLINE and deadline is None:
        errors["deadline"] = [_("Give the date by which it must be rectified.")]
    for org in (school, department):
        if org is not None and org.bureau_id != bureau_id:
            errors["school"] = [_("The school or department is not of this bureau.")]
    if errors:
        raise ValidationError(errors, code="invalid")
    record = AccountabilityRecord.objects.create(
        bureau_id=bureau_id,
        kind=kind,
        basis=basis,
        reason=reason.strip(),
        school=school,
        department=department,
        spot_check_item=spot_check_item,
        weekly_report=weekly_report,
        deadline=deadline,
        opened_by=actor,
    )
    if hazards:
        record.hazards.set(hazards)
    AccountabilityEvent.objects.create(
        record=record,
        action=RecordAction.OPEN,
        actor=actor,
        actor_role=role,
        comment=record.reason,
        data={
            "kind": kind,
            "basis": basis,
            "school": getattr(school, "pk", None),
            "department": getattr(department, "pk", None),
            "hazards": sorted(getattr(h, "pk", h) for h in hazards),
        },
    )
    notify(
        _people_concerned(record),
        kind=NoticeKind.ACCOUNTABILITY_OPENED,
        text=_("%(kind)s: %(target)s")
        % {"kind": record.get_kind_display(), "target": _target(record)},
        url=record.get_absolute_url(),
    )
    return record


def _target(record: AccountabilityRecord) -> str:
    return "、".join(str(o) for o in (record.school, record.department) if o is not None)


def _people_concerned(record: AccountabilityRecord) -> list[int]:
    """The school's officers and principal, and the department's officers (active roles)."""
    from django.db.models import Q

    from safecampus.accounts.models import RoleAssignment

    cond = Q(pk__in=[])
    if record.school_id:
        cond |= Q(school_id=record.school_id, role__in=[Role.SCHOOL_OFFICER, Role.PRINCIPAL])
    if record.department_id:
        cond |= Q(department_id=record.department_id, role=Role.DEPARTMENT_OFFICER)
    return list(
        RoleAssignment.objects.active().filter(cond).values_list("user_id", flat=True).distinct()
    )
