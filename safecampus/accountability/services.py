"""Accountability records: opened, followed up and closed, each step an event."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.access import roles_in_bureau, roles_on, scope_for
from safecampus.core.capabilities import CONSULTATION_MANAGE
from safecampus.core.refusals import Code, refusal_code, refuse
from safecampus.core.roles import SCHOOL_ROLES, Role
from safecampus.hazards.choices import OPEN_STATUSES, Status
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.services import notify

from . import access
from .lifecycle import CONSULTATIONS, RECORDS
from .models import (
    AccountabilityEvent,
    AccountabilityRecord,
    Consultation,
    ConsultationItem,
    ConsultationKind,
    ConsultationStatus,
    ItemReason,
    RecordAction,
    RecordKind,
)


def _denied() -> PermissionDenied:
    return PermissionDenied(_("Your roles do not allow this."))


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
    roles = access.open_roles(scope_for(actor), bureau_id, on_finding=system)
    if not roles:
        raise _denied()
    role = RECORDS.acting_role(roles)
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
    hazards = list(hazards)
    # the hazards must concern the record's target: whoever reads the record (the school, the
    # department) may then see them
    foreign = [
        h.code
        for h in hazards
        if h.bureau_id != bureau_id
        or (school is not None and h.school_id != school.pk)
        or (
            school is None
            and department is not None
            and h.responsible_department_id != department.pk
        )
    ]
    if foreign:
        errors["hazards"] = [
            _("These hazards are not of the school or department concerned: %(codes)s")
            % {"codes": "、".join(foreign)}
        ]
    if errors:
        raise refuse(errors, Code.INVALID)
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


def record_bureau(*, school, department, bureau_ids) -> int:
    """The bureau a record is opened in: its school's or its department's; with neither (which
    ``record_open`` refuses), the first of ``bureau_ids``, the bureaus the actor manages."""
    org = school or department
    return org.bureau_id if org is not None else min(bureau_ids)


def _target(record: AccountabilityRecord) -> str:
    return "、".join(str(o) for o in (record.school, record.department) if o is not None)


def _people_concerned(record: AccountabilityRecord) -> list[int]:
    """The school's officers and principal, and the department's officers (active roles)."""
    from django.db.models import Q

    from safecampus.accounts.models import RoleAssignment

    cond = Q(pk__in=[])
    if record.school_id:
        cond |= Q(school_id=record.school_id, role__in=SCHOOL_ROLES)
    if record.department_id:
        cond |= Q(department_id=record.department_id, role=Role.DEPARTMENT_OFFICER)
    return list(
        RoleAssignment.objects.active().filter(cond).values_list("user_id", flat=True).distinct()
    )


def _lock_record(record_id: int) -> AccountabilityRecord:
    return AccountabilityRecord.objects.select_for_update().get(pk=record_id)


def _require_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise refuse({"comment": _("Write what was done.")}, Code.COMMENT_REQUIRED)
    return comment


def _step(*, actor, record_id: int, action: str, comment: str) -> AccountabilityRecord:
    """Take ``action`` (follow up, close) on a record through its table: refused (403) unless
    the actor manages the record's bureau, refused when the record is closed or the comment is
    missing; then the status and the event in one commit."""
    if not AccountabilityRecord.objects.restrict(actor, action).filter(pk=record_id).exists():
        raise _denied()
    record = _lock_record(record_id)
    roles = roles_on(actor, record)
    if RECORDS.find(action, record.status) is None:  # closed: the table has no move from it
        raise refuse(_("The record is closed."), Code.INVALID_TRANSITION)
    comment = _require_comment(comment)
    move = RECORDS.check(record, action, roles)
    role = RECORDS.acting_role(roles, move)
    RECORDS.commit(
        record,
        move,
        update_fields=[],
        event=lambda before, after: AccountabilityEvent.objects.create(
            record=record,
            action=RecordAction.CLOSE if action == access.CLOSE else RecordAction.FOLLOW_UP,
            actor=actor,
            actor_role=role,
            **({"at": record.closed_at} if action == access.CLOSE else {}),
            comment=comment,
            data={"status": [before, after]},
        ),
    )
    return record


@transaction.atomic
def record_follow_up(*, actor, record_id: int, comment: str) -> AccountabilityRecord:
    """Record a follow-up (督促、复查、整改情况); the first one moves the record from open to
    being followed up."""
    return _step(actor=actor, record_id=record_id, action=access.FOLLOW_UP, comment=comment)


@transaction.atomic
def record_close(*, actor, record_id: int, comment: str) -> AccountabilityRecord:
    """Close a record with what settled it; a closed record takes no further steps."""
    return _step(actor=actor, record_id=record_id, action=access.CLOSE, comment=comment)


# --- consultations (专题研商 / 专题协调会) -----------------------------------------------


def consultation_candidates_q() -> Q:
    """Hazards that go to a consultation: open and hard to resolve, or with their responsible
    department disputed or missing (000 §四(二).2, §四(三).2)."""
    return Q(status__in=OPEN_STATUSES) & (
        Q(status=Status.HARD)
        | Q(responsibility_disputed=True)
        | Q(responsible_department__isnull=True)
    )


def item_reason(hazard) -> str:
    return ItemReason.HARD if hazard.status == Status.HARD else ItemReason.DISPUTED


@transaction.atomic
def consultation_create(*, actor, data: dict, hazards) -> Consultation:
    """Plan a consultation on hazards chosen from the candidates of one bureau."""
    from safecampus.hazards.models import Hazard

    hazards = list(dict.fromkeys(hazards))  # each hazard once, however often it is named
    errors: dict[str, list] = {}
    for field in ("kind", "title", "held_on", "attendees"):
        if not data.get(field):
            errors[field] = [_("This field is required.")]
    if data.get("kind") and data["kind"] not in ConsultationKind.values:
        errors["kind"] = [_("Choose the kind of meeting.")]
    if not hazards:
        errors["hazards"] = [_("Choose at least one hazard to discuss.")]
    bureaus = {h.bureau_id for h in hazards}
    if len(bureaus) > 1:
        errors["hazards"] = [_("The hazards must all be of one bureau.")]
    if errors:
        raise refuse(errors, Code.INVALID)
    bureau_id = bureaus.pop()
    if not roles_in_bureau(scope_for(actor), bureau_id) & CONSULTATION_MANAGE:
        raise _denied()
    ids = [h.pk for h in hazards]
    found = set(
        Hazard.objects.visible_to(actor)
        .filter(consultation_candidates_q(), pk__in=ids, bureau_id=bureau_id)
        # not already on a consultation still to be held
        .exclude(
            pk__in=ConsultationItem.objects.filter(
                consultation__status=ConsultationStatus.PLANNED
            ).values("hazard_id")
        )
        .values_list("pk", flat=True)
    )
    if missing := [h.code for h in hazards if h.pk not in found]:
        raise refuse(
            {
                "hazards": _("Not a hazard for a consultation (any more): %(codes)s")
                % {"codes": "、".join(missing)}
            },
            Code.NOT_CANDIDATE,
        )
    campaign = data.get("campaign")
    if campaign is not None and campaign.bureau_id != bureau_id:
        raise refuse({"campaign": _("Choose a campaign of this bureau.")}, Code.INVALID)
    consultation = Consultation.objects.create(
        bureau_id=bureau_id,
        campaign=campaign,
        kind=data["kind"],
        title=data["title"].strip(),
        held_on=data["held_on"],
        location=(data.get("location") or "").strip(),
        attendees=data["attendees"].strip(),
        notes=(data.get("notes") or "").strip(),
        created_by=actor,
    )
    ConsultationItem.objects.bulk_create(
        [
            ConsultationItem(consultation=consultation, hazard=h, reason=item_reason(h))
            for h in hazards
        ]
    )
    return consultation


@transaction.atomic
def consultation_apply(*, actor, consultation_id: int, decisions: dict[int, dict]) -> Consultation:
    """Apply the decisions taken at a consultation, one hazard event each, all or nothing.

    ``decisions`` maps an item id to ``{"decisions": [...], "department": Department | None,
    "deadline": date | None, "comment": str}``. A refusal on any hazard raises a
    ``ValidationError`` keyed ``item_<id>`` and nothing is applied."""
    from safecampus.hazards.choices import Action, Decision
    from safecampus.hazards.models import HazardEvent
    from safecampus.hazards.services import hazard_apply_consultation

    if not Consultation.objects.restrict(actor, access.APPLY).filter(pk=consultation_id).exists():
        raise _denied()
    consultation = Consultation.objects.select_for_update().get(pk=consultation_id)
    if CONSULTATIONS.find(access.APPLY, consultation.status) is None:  # decided
        raise refuse(
            _("The decisions of this consultation are already applied."), Code.INVALID_TRANSITION
        )
    move = CONSULTATIONS.check(consultation, access.APPLY, roles_on(actor, consultation))
    items = list(consultation.items.select_related("hazard").order_by("id"))
    now = timezone.now()
    for item in items:
        given = decisions.get(item.pk) or {}
        chosen = sorted(set(given.get("decisions") or []))
        department = given.get("department")
        try:
            if (
                item.hazard.responsible_department_id is None
                and Decision.NEW_DEPARTMENT not in chosen
            ):
                raise refuse(
                    {"department": _("Name the department responsible for the hazard.")},
                    Code.INVALID,
                )
            hazard = hazard_apply_consultation(
                actor=actor,
                hazard=item.hazard,
                decisions=set(chosen),
                deadline=given.get("deadline"),
                department=department,
                comment=(given.get("comment") or "").strip(),
                data={"consultation": consultation.pk, "item": item.pk},
            )
        except ValidationError as exc:
            raise refuse(
                {f"item_{item.pk}": [f"{item.hazard.code}: {m}" for m in exc.messages]},
                refusal_code(exc),
            ) from exc
        item.decisions = chosen
        item.department = department if Decision.NEW_DEPARTMENT in chosen else None
        item.deadline = given.get("deadline") if Decision.NEW_DEADLINE in chosen else None
        item.comment = (given.get("comment") or "").strip()
        item.applied_at = now
        item.hazard_event = (
            HazardEvent.objects.filter(hazard=hazard, action=Action.CONSULT).order_by("-id").first()
        )
        item.save()
    consultation.decided_by = actor
    # consultations keep no events of their own: each hazard's event names the consultation
    CONSULTATIONS.commit(
        consultation, move, now=now, update_fields=["decided_by"], event=lambda *_: None
    )
    return consultation
