"""Every write to the register. Each one validates, saves, and writes its event in one transaction.

A refusal raises ``ValidationError`` with a code (``core.refusals``; ``HTTP_STATUS`` there is the
HTTP status the API gives it) and changes nothing. Every status change is a move of the table in
``lifecycle`` and is written by ``_commit``: status, its stamp, version, save and event. A change
made against an older version of the hazard is refused with ``stale``: two people acting at once,
one wins and the other is told.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.catalog.choices import HazardLevel, VersionStatus
from safecampus.catalog.models import CheckItem, RiskArea
from safecampus.core.access import roles_on, scope_for
from safecampus.core.lifecycle import Move
from safecampus.core.refusals import Code, refuse
from safecampus.core.roles import SCHOOL_ROLES
from safecampus.orgs.models import Department, School

from . import access, messages
from .choices import (
    Action,
    Decision,
    EvidencePhase,
    RemedyType,
    RiskColour,
    Source,
    Status,
)
from .evidence import check_upload, checked_before_transaction, store_upload
from .lifecycle import (
    AMEND_FROM_FORM,
    EVENT_ACTION,
    FORM_FALLBACK_ROLES,
    LIFECYCLE,
    OFFER_FROM_RULE,
    WITHDRAW_FROM_FORM,
)
from .models import Hazard, HazardCooperation, HazardCounter, HazardEvent, HazardEvidence

#: fields a reporter fills in (besides school, area, item and the departments)
REPORT_FIELDS = [
    "description",
    "location",
    "source",
    "found_on",
    "found_by",
    "remedy_type",
    "level",
    "lec_l",
    "lec_e",
    "lec_c",
    "risk_colour",
    "responsible_person",
    "responsible_phone",
    "measures",
    "deadline",
    "funds",
    "contingency_plan",
    "interim_measures",
    "interim_unit",
    "interim_person",
    "interim_deadline",
]

#: fields the responsible department may set when it confirms a report
CONFIRM_FIELDS = [
    "level",
    "lec_l",
    "lec_e",
    "lec_c",
    "risk_colour",
    "measures",
    "deadline",
    "funds",
    "contingency_plan",
    "interim_measures",
    "interim_unit",
    "interim_person",
    "interim_deadline",
]


#: details the responsible department may correct (the correction is an event with before/after)
EDIT_FIELDS = [
    "description",
    "location",
    "level",
    "lec_l",
    "lec_e",
    "lec_c",
    "risk_colour",
    "responsible_person",
    "responsible_phone",
    "measures",
    "funds",
    "contingency_plan",
    "interim_measures",
    "interim_unit",
    "interim_person",
    "interim_deadline",
]


# --- who acts as what ---------------------------------------------------------------------------


def allowed_actions(user, hazard: Hazard) -> list[str]:
    """The buttons ``user`` may press on ``hazard`` now, in the table's order."""
    return LIFECYCLE.allowed(hazard, roles_on(user, hazard))


# --- risk grade ---------------------------------------------------------------------------------


#: the LEC tables' ranges (L and E up to 10, C up to 100); they also keep D within its column
LEC_MAX = {"lec_l": Decimal(10), "lec_e": Decimal(10), "lec_c": Decimal(100)}


def risk_grade(l_value, e_value, c_value) -> tuple[Decimal | None, str]:
    """D = L × E × C and its colour from the configured bands (the highest threshold reached)."""
    if l_value is None or e_value is None or c_value is None:
        return None, ""
    score = Decimal(l_value) * Decimal(e_value) * Decimal(c_value)
    bands = sorted(settings.SAFECAMPUS_RISK_BANDS, key=lambda band: Decimal(str(band[0])))
    for threshold, colour in reversed(bands):
        if score >= Decimal(str(threshold)):
            return score.quantize(Decimal("0.01")), colour
    return score.quantize(Decimal("0.01")), RiskColour.BLUE


def _apply_grade(hazard: Hazard) -> None:
    lec = (hazard.lec_l, hazard.lec_e, hazard.lec_c)
    if any(v is not None for v in lec) and not all(v is not None for v in lec):
        raise refuse(
            {"lec_l": _("Give all three of L, E and C, or none of them.")}, "lec_incomplete"
        )
    outside = {
        field: _("Choose a value above 0 and at most %(max)s.") % {"max": top}
        for field, top in LEC_MAX.items()
        if getattr(hazard, field) is not None and not 0 < Decimal(getattr(hazard, field)) <= top
    }
    if outside:
        raise refuse(outside, "invalid")
    if all(v is not None for v in lec):
        hazard.risk_score, hazard.risk_colour = risk_grade(*lec)
    else:
        hazard.risk_score = None


# --- rules shared by report and actions ---------------------------------------------------------


#: dates of a hazard that cannot come before the day it was found
_DATES_AFTER_FOUND = ("deadline", "interim_deadline")


def _check_rules(hazard: Hazard, changed: dict | None = None) -> None:
    """The rules every write keeps. ``changed`` (the event's before/after record) limits the
    date checks to the dates this write sets, so a hazard recorded before a rule existed can
    still move on; ``None`` (a new report) checks them all."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    code = "invalid"
    if hazard.found_on and hazard.found_on > today:
        errors.setdefault("found_on", []).append(_("The date found cannot be in the future."))
    for field in _DATES_AFTER_FOUND:
        value = getattr(hazard, field)
        if changed is not None and field not in changed:
            continue
        if value and hazard.found_on and value < hazard.found_on:
            errors.setdefault(field, []).append(
                _("This date cannot be before the day the hazard was found (%(found)s).")
                % {"found": hazard.found_on.isoformat()}
            )
    if hazard.needs_interim_measures:
        missing = [
            f
            for f in ("interim_measures", "interim_unit", "interim_person", "interim_deadline")
            if not getattr(hazard, f)
        ]
        for f in missing:
            errors.setdefault(f, []).append(
                _(
                    "A major hazard that is not fixed at once needs interim safety measures, "
                    "a responsible unit and person, and a date (002 §三.4)."
                )
            )
        if missing:
            code = "interim_measures_required"
    if errors:
        raise refuse(errors, code)


def _lock(hazard_id: int, version: int | None) -> Hazard:
    hazard = Hazard.objects.select_for_update().get(pk=hazard_id)
    if version is not None and hazard.version != version:
        raise refuse(
            _(
                "This hazard was changed by someone else while you were working on it. "
                "Nothing of yours was saved; check its latest state and submit again."
            ),
            Code.STALE,
        )
    return hazard


def _ensure_still_visible(actor, hazard: Hazard) -> None:
    """After a write the hazard must still be in the actor's scope, or nothing is saved."""
    if not Hazard.objects.visible_to(actor).filter(pk=hazard.pk).exists():
        raise refuse(
            _("After this change you could no longer see the hazard; choose your own department."),
            Code.OUT_OF_SCOPE,
        )


def _attach(*, actor, hazard: Hazard, event: HazardEvent, files, phase: str) -> list:
    return [
        store_upload(HazardEvidence(hazard=hazard, event=event, phase=phase), upload, actor=actor)
        for upload in files or ()
    ]


def _validate_files(files) -> None:
    """Check every file before anything is written, so one bad file refuses the whole step."""
    errors = []
    for upload in files or ():
        try:
            check_upload(upload)
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise refuse({"files": [m for e in errors for m in e.messages]}, errors[0].code)


def _next_code(bureau, year: int) -> tuple[int, str]:
    """The next gap-free sequence number of ``bureau`` in ``year``, taken under a row lock."""
    HazardCounter.objects.bulk_create(
        [HazardCounter(bureau=bureau, year=year, last=0)], ignore_conflicts=True
    )
    HazardCounter.objects.filter(bureau=bureau, year=year).update(last=F("last") + 1)
    seq = HazardCounter.objects.get(bureau=bureau, year=year).last
    prefix = bureau.code_prefix or "HZ"
    return seq, f"{prefix}-{year}-{seq:06d}"


def _published_item(school: School, item_id, area_id) -> tuple[RiskArea, CheckItem | None]:
    if item_id:
        item = (
            CheckItem.objects.select_related("area", "version")
            .filter(
                pk=item_id,
                version__bureau_id=school.bureau_id,
                version__status=VersionStatus.PUBLISHED,
            )
            .first()
        )
        if item is None:
            raise refuse(
                {"item": _("Choose a check item of this bureau's published catalog.")},
                "invalid",
            )
        return item.area, item
    area = (
        RiskArea.objects.select_related("version")
        .filter(
            pk=area_id,
            version__bureau_id=school.bureau_id,
            version__status=VersionStatus.PUBLISHED,
        )
        .first()
        if area_id
        else None
    )
    if area is None:
        raise refuse(
            {"area": _("Choose a risk area of this bureau's published catalog.")},
            "invalid",
        )
    return area, None


def _department_in(
    bureau_id: int, dept, field: str = "responsible_department"
) -> Department | None:
    if dept in (None, ""):
        return None
    dept_id = dept.pk if isinstance(dept, Department) else int(dept)
    found = Department.objects.filter(pk=dept_id, bureau_id=bureau_id).first()
    if found is None:
        raise refuse({field: _("Choose a department of the school's bureau.")}, "invalid")
    return found


# --- report -------------------------------------------------------------------------------------


@checked_before_transaction
def hazard_report(
    *,
    actor,
    school: School,
    data: dict,
    item=None,
    area=None,
    responsible_department=None,
    cooperating_departments=None,
    files=(),
    campaign=None,
) -> Hazard:
    """Record a new hazard at ``school``. Departments default from the check item. ``campaign``
    is the campaign whose form or on-site inspection found it."""
    roles = access.reporter_roles_at(scope_for(actor), school)
    if not roles:
        raise PermissionDenied(_("You may not report hazards at this school."))
    _validate_files(files)
    item_id = item.pk if isinstance(item, CheckItem) else item
    area_id = area.pk if isinstance(area, RiskArea) else area
    area_obj, item_obj = _published_item(school, item_id, area_id)

    hazard = Hazard(
        bureau_id=school.bureau_id,
        school=school,
        catalog_version_id=area_obj.version_id,
        area=area_obj,
        item=item_obj,
        area_code=area_obj.code,
        item_code=item_obj.code if item_obj else "",
        reported_by=actor,
        status=Status.REPORTED,
        campaign=campaign,
    )
    for field in REPORT_FIELDS:
        if field in data and data[field] is not None:
            setattr(hazard, field, data[field])
    if not data.get("source"):
        hazard.source = (
            Source.SELF_INSPECTION if roles & SCHOOL_ROLES else Source.DEPARTMENT_INSPECTION
        )
    if not data.get("found_on"):
        hazard.found_on = timezone.localdate()
    if not data.get("level") and item_obj is not None:
        hazard.level = item_obj.default_level
    dept = _department_in(school.bureau_id, responsible_department)
    coop = [
        _department_in(school.bureau_id, d, "cooperating_departments")
        for d in (cooperating_departments or [])
    ]
    if item_obj is not None:
        if dept is None:
            # routed by the school's stage or the item's subject (000 §四(一)3④, §四(一)4①)
            dept = item_obj.department_for(school)
        if cooperating_departments is None:
            coop = list(item_obj.cooperating_departments.all())
    hazard.responsible_department = dept
    _apply_grade(hazard)
    _check_rules(hazard)
    missing = {
        f: [_("This field is required.")]
        for f in ("description", "responsible_person")
        if not getattr(hazard, f)
    }
    if missing:
        raise refuse(missing, "invalid")

    hazard.year = timezone.localdate().year
    hazard.seq, hazard.code = _next_code(school.bureau, hazard.year)
    hazard.save()
    HazardCooperation.objects.bulk_create(
        [HazardCooperation(hazard=hazard, department=d) for d in {c for c in coop if c} - {dept}]
    )
    event = HazardEvent.objects.create(
        hazard=hazard,
        action=Action.REPORT,
        from_status="",
        to_status=Status.REPORTED,
        actor=actor,
        actor_role=LIFECYCLE.acting_role(roles),
        data={"code": hazard.code, "catalog_version": area_obj.version_id},
    )
    _ensure_still_visible(actor, hazard)
    # a major hazard is alerted at once (queued in this transaction: a rollback sends nothing)
    messages.major_hazard_alert(hazard)
    # files go to storage last, after every check that could still refuse the report
    _attach(actor=actor, hazard=hazard, event=event, files=files, phase=EvidencePhase.BEFORE)
    return hazard


# --- actions ------------------------------------------------------------------------------------


def _require_comment(comment: str) -> None:
    if not (comment or "").strip():
        raise refuse({"comment": _("Give the reason.")}, "reason_required")


def _change(hazard: Hazard, changes: dict, fields: list[str], record: dict) -> None:
    for field in fields:
        if changes.get(field) is None:
            continue
        before = getattr(hazard, field)
        after = changes[field]
        if before != after:
            setattr(hazard, field, after)
            record[field] = [_plain(before), _plain(after)]


def _plain(value):
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    return value


# --- the table and the one commit -----------------------------------------------------------------


def _check(hazard: Hazard, action: str, roles: frozenset[str], *, internal: bool = False) -> Move:
    """The move ``action`` makes from the hazard's status, refused (``invalid_transition``,
    ``not_allowed``, or the guard's reason) when the table says no. A person's action never
    takes one of the system's moves, nor the system a person's."""
    move = LIFECYCLE.find(action, hazard.status)
    if move is None or move.internal != internal:
        raise _invalid(EVENT_ACTION.get(action, action), hazard)
    if not roles & move.roles:
        raise refuse(
            _("Your roles do not allow “%(action)s” on this hazard.")
            % {"action": Action(EVENT_ACTION.get(action, action)).label},
            Code.NOT_ALLOWED,
        )
    return LIFECYCLE.check(hazard, action, roles)


def _commit(
    hazard: Hazard,
    move: Move,
    *,
    actor,
    roles: frozenset[str],
    comment: str = "",
    data: dict | None = None,
) -> HazardEvent:
    """Write a move: status (and when it changed), version, the hazard, then its event."""
    return LIFECYCLE.commit(
        hazard,
        move,
        event=lambda from_status, to_status: HazardEvent.objects.create(
            hazard=hazard,
            action=EVENT_ACTION.get(move.action, move.action),
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            actor_role=LIFECYCLE.acting_role(roles, move),
            comment=comment,
            data=data or {},
        ),
    )


# --- a person's actions: one body per action --------------------------------------------------


@dataclass
class _Step:
    """What one action works on: the locked hazard, the person's input, the event's record."""

    hazard: Hazard
    changes: dict
    comment: str
    files: tuple | list
    phase: str | None
    record: dict = dataclass_field(default_factory=dict)


#: 五落实 (004 §二(三)): what a hazard fixed by a deadline needs before it is confirmed, in the
#: rule's order (funds, people, measures, deadline, plan)
FIVE_IN_PLACE = [
    ("funds", gettext_lazy("funds")),
    ("responsible_person", gettext_lazy("people (the responsible person)")),
    ("measures", gettext_lazy("measures")),
    ("deadline", gettext_lazy("deadline")),
    ("contingency_plan", gettext_lazy("contingency plan")),
]


def five_in_place_missing(hazard: Hazard) -> list[str]:
    """The fields of 五落实 that ``hazard`` (fixed by a deadline) still lacks."""
    if hazard.remedy_type != RemedyType.DEADLINE:
        return []
    return [
        field
        for field, _label in FIVE_IN_PLACE
        if not (str(v).strip() if (v := getattr(hazard, field)) is not None else "")
    ]


def _check_five_in_place(hazard: Hazard) -> None:
    missing = five_in_place_missing(hazard)
    if not missing:
        return
    labels = dict(FIVE_IN_PLACE)
    rule = _(
        "A hazard fixed by a deadline is confirmed only when its funds, people, measures, "
        "deadline and contingency plan are all in place (the five in place, 五落实, of the "
        "Chongyi sub-district notice on school safety risk prevention, part 2 (3)). "
        "Missing: %(missing)s."
    ) % {"missing": "、".join(str(labels[f]) for f in missing)}
    errors = {"__all__": [rule]}
    for field in missing:
        errors[field] = [_("Required: one of the five in place (五落实).")]
    raise refuse(errors, Code.FIVE_IN_PLACE_REQUIRED)


def _confirm(step: _Step) -> None:
    hazard = step.hazard
    _change(hazard, step.changes, CONFIRM_FIELDS, step.record)
    if hazard.level == HazardLevel.MAJOR and not hazard.supervised:
        hazard.supervised = True  # a 重大隐患 is listed for supervision (DOMAIN §5)
        step.record["supervised"] = [False, True]
    _apply_grade(hazard)


def _submit(step: _Step) -> None:
    hazard = step.hazard
    # after a rejection, the evidence of the rejected submission no longer counts
    after = hazard.evidence.filter(phase=EvidencePhase.AFTER)
    rejected = hazard.events.filter(action=Action.REJECT).order_by("-at", "-id").first()
    if rejected is not None:
        after = after.filter(uploaded_at__gt=rejected.at)
    if not step.files and not after.exists():
        raise refuse(
            {"files": [_("Attach at least one photo or document of the rectification.")]},
            "evidence_required",
        )
    step.phase = EvidencePhase.AFTER


def _accept(step: _Step) -> None:
    step.hazard.closed_on = timezone.localdate()


def _with_reason(step: _Step) -> None:
    _require_comment(step.comment)


def _explain(step: _Step) -> None:
    _require_comment(step.comment)
    step.record["delay_explanation"] = [step.hazard.delay_explanation, step.comment]
    step.hazard.delay_explanation = step.comment


def _dispute(step: _Step) -> None:
    _require_comment(step.comment)
    if step.hazard.responsibility_disputed:
        raise refuse({"comment": _("The responsibility is already disputed.")}, "no_change")
    step.record["responsibility_disputed"] = [False, True]
    step.hazard.responsibility_disputed = True


def _edit(step: _Step) -> None:
    _require_comment(step.comment)
    _change(step.hazard, step.changes, EDIT_FIELDS, step.record)
    if not step.record:
        raise refuse({"comment": _("Nothing was changed.")}, "no_change")
    _apply_grade(step.hazard)


def _extend(step: _Step) -> None:
    _require_comment(step.comment)
    new = step.changes.get("deadline")
    if not new or new == step.hazard.deadline:
        raise refuse({"deadline": _("Give the new deadline.")}, "deadline_required")
    step.record["deadline"] = [_plain(step.hazard.deadline), _plain(new)]
    step.hazard.deadline = new


def _transfer(step: _Step) -> None:
    _require_comment(step.comment)
    hazard = step.hazard
    dept = _department_in(hazard.bureau_id, step.changes.get("responsible_department"))
    if dept is None or dept.pk == hazard.responsible_department_id:
        raise refuse(
            {"responsible_department": _("Choose the department that takes over.")},
            "invalid",
        )
    step.record["responsible_department"] = [hazard.responsible_department_id, dept.pk]
    hazard.responsible_department = dept
    HazardCooperation.objects.filter(hazard=hazard, department=dept).delete()


def _decide_step(step: _Step) -> None:
    _decide(step.hazard, step.changes, step.comment, step.record)


def _add_evidence(step: _Step) -> None:
    if not step.files:
        raise refuse({"files": [_("Choose at least one file.")]}, "invalid")


def _nothing(step: _Step) -> None:
    return None


#: the body of each button of the table (its guard and roles are the table's)
_BODIES = {
    Action.CONFIRM: _confirm,
    Action.START: _nothing,
    Action.SUBMIT: _submit,
    Action.ACCEPT: _accept,
    Action.REJECT: _with_reason,
    Action.WITHDRAW: _with_reason,
    Action.MARK_HARD: _with_reason,
    Action.DECIDE: _decide_step,
    Action.EDIT: _edit,
    Action.EXTEND: _extend,
    Action.TRANSFER: _transfer,
    Action.EXPLAIN: _explain,
    Action.ADD_EVIDENCE: _add_evidence,
    Action.DISPUTE: _dispute,
}


@checked_before_transaction
def hazard_act(
    *,
    actor,
    hazard_id: int,
    action: str,
    version: int | None,
    comment: str = "",
    changes: dict | None = None,
    files=(),
    phase: str | None = None,
) -> Hazard:
    """Take ``action`` on a hazard: a move of the lifecycle or an update that keeps the status."""
    if not Hazard.objects.visible_to(actor).filter(pk=hazard_id).exists():
        raise Hazard.DoesNotExist
    hazard = _lock(hazard_id, version)
    roles = roles_on(actor, hazard)
    move = _check(hazard, action, roles)
    _validate_files(files)
    step = _Step(
        hazard=hazard,
        changes=dict(changes or {}),
        comment=(comment or "").strip(),
        files=files,
        phase=phase,
    )
    _BODIES[move.action](step)
    _check_rules(hazard, step.record)
    if move.action == Action.CONFIRM:
        # after the rules every write keeps, so a wrong date or interim measures say so first
        _check_five_in_place(hazard)
    event = _commit(hazard, move, actor=actor, roles=roles, comment=step.comment, data=step.record)
    _ensure_still_visible(actor, hazard)
    if "level" in step.record:  # raised to major: alerted once (the key keeps it once)
        messages.major_hazard_alert(hazard)
    if files:
        default_phase = (
            EvidencePhase.AFTER if hazard.status == Status.SUBMITTED else EvidencePhase.BEFORE
        )
        _attach(
            actor=actor, hazard=hazard, event=event, files=files, phase=step.phase or default_phase
        )
    return hazard


def _decide(hazard: Hazard, changes: dict, comment: str, record: dict) -> None:
    decisions = set(changes.get("decisions") or [])
    if not decisions or not decisions <= set(Decision.values):
        raise refuse({"decisions": _("Record at least one decision.")}, "decision_required")
    _require_comment(comment)
    record["decisions"] = sorted(decisions)
    if Decision.NEW_DEADLINE in decisions:
        new = changes.get("deadline")
        if not new:
            raise refuse({"deadline": _("Give the new deadline.")}, "deadline_required")
        record["deadline"] = [_plain(hazard.deadline), _plain(new)]
        hazard.deadline = new
    if Decision.NEW_DEPARTMENT in decisions:
        dept = _department_in(hazard.bureau_id, changes.get("responsible_department"))
        if dept is None:
            raise refuse(
                {"responsible_department": _("Choose the department that takes over.")},
                "invalid",
            )
        record["responsible_department"] = [hazard.responsible_department_id, dept.pk]
        hazard.responsible_department = dept
        HazardCooperation.objects.filter(hazard=hazard, department=dept).delete()
    if Decision.SUPERVISE in decisions:
        hazard.supervised = True
    if Decision.ESCALATE in decisions:
        hazard.escalated = True


def _invalid(action: str, hazard: Hazard) -> ValidationError:
    return refuse(
        _("“%(action)s” is not possible while the hazard is “%(status)s”.")
        % {"action": Action(action).label, "status": hazard.get_status_display()},
        Code.INVALID_TRANSITION,
    )


# --- self-inspection forms ----------------------------------------------------------------------

#: what a resubmitted form may still change on the hazard it created; the deadline only while
#: the department has not yet confirmed it (afterwards it moves only by an extension)
FORM_FIELDS = ["description", "measures", "responsible_person"]


def _form_roles(actor, hazard: Hazard) -> frozenset[str]:
    # a form filled on the school's behalf is taken as the centre's when the person holds no
    # role on the hazard itself
    return roles_on(actor, hazard) or FORM_FALLBACK_ROLES


def hazard_amend_from_form(*, actor, hazard: Hazard, data: dict, comment: str) -> bool:
    """Carry a resubmitted form's answer over to the hazard it created, as an event with the
    before and after values. Returns whether anything changed. The caller holds the transaction."""
    hazard = _lock(hazard.pk, None)
    if LIFECYCLE.find(AMEND_FROM_FORM, hazard.status) is None:
        return False
    roles = _form_roles(actor, hazard)
    move = _check(hazard, AMEND_FROM_FORM, roles, internal=True)
    fields = FORM_FIELDS + (["deadline"] if hazard.status == Status.REPORTED else [])
    record: dict = {}
    _change(hazard, data, fields, record)
    if not record:
        return False
    _commit(hazard, move, actor=actor, roles=roles, comment=comment, data=record)
    return True


def hazard_withdraw_from_form(*, actor, hazard: Hazard, comment: str) -> bool:
    """Withdraw a hazard whose form answer was changed to compliant before any department took
    it up (status reported). Returns False, changing nothing, once it is further along."""
    hazard = _lock(hazard.pk, None)
    if LIFECYCLE.find(WITHDRAW_FROM_FORM, hazard.status) is None:
        return False
    roles = _form_roles(actor, hazard)
    move = _check(hazard, WITHDRAW_FROM_FORM, roles, internal=True)
    _commit(hazard, move, actor=actor, roles=roles, comment=comment)
    return True


# --- security standards (DOMAIN.md §8) ----------------------------------------------------------


def hazard_offer_from_rule(*, actor, hazard: Hazard, comment: str, data: dict) -> bool:
    """The school's facts comply again with the rule whose finding opened ``hazard``: offer it
    for acceptance (as if the school had submitted it). Returns False, changing nothing, when it
    is already awaiting acceptance or past it, or when ``actor`` holds no role that may make the
    move. The caller holds the transaction."""
    hazard = _lock(hazard.pk, None)
    if LIFECYCLE.find(OFFER_FROM_RULE, hazard.status) is None:
        return False
    roles = roles_on(actor, hazard)
    move = LIFECYCLE.find(OFFER_FROM_RULE, hazard.status)
    if not roles & move.roles:
        return False
    move = _check(hazard, OFFER_FROM_RULE, roles, internal=True)
    _commit(hazard, move, actor=actor, roles=roles, comment=comment, data=data)
    return True


# --- supervision --------------------------------------------------------------------------------


def hazard_reopen_from_spot_check(*, actor, hazard: Hazard, comment: str, data: dict) -> Hazard:
    """A spot check found the claim false (弄虚作假、敷衍了事, 000 §四(三).1): the hazard goes back
    to rectifying, whatever it claimed, with an event naming the check. The caller holds the
    transaction and has checked the actor may record the result."""
    hazard = _lock(hazard.pk, None)
    if LIFECYCLE.find(Action.REOPEN, hazard.status) is None:
        raise _invalid(Action.REOPEN, hazard)
    roles = _roles_or_refuse(actor, hazard)
    move = _check(hazard, Action.REOPEN, roles, internal=True)
    record = {**data}
    if hazard.closed_on is not None:
        record["closed_on"] = [_plain(hazard.closed_on), None]
        hazard.closed_on = None
    # the wait for the rectification starts again, even for a hazard still rectifying
    hazard.status_changed_at = timezone.now()
    _commit(hazard, move, actor=actor, roles=roles, comment=comment, data=record)
    return hazard


def hazard_apply_consultation(
    *,
    actor,
    hazard: Hazard,
    decisions: set[str],
    deadline=None,
    department=None,
    comment: str,
    data: dict,
) -> Hazard:
    """Apply a consultation's decision on one hazard (专题研商 / 专题协调会) as one event: a named
    department, a new deadline, 挂牌督办, district leaders asked to supervise. A hazard hard to
    resolve goes back to rectifying; a disputed responsibility is settled. The caller holds the
    transaction and has checked the actor may decide."""
    hazard = _lock(hazard.pk, None)
    if LIFECYCLE.find(Action.CONSULT, hazard.status) is None:
        raise _invalid(Action.CONSULT, hazard)
    roles = _roles_or_refuse(actor, hazard)
    move = _check(hazard, Action.CONSULT, roles, internal=True)
    record: dict = {**data}
    _decide(
        hazard,
        {"decisions": decisions, "deadline": deadline, "responsible_department": department},
        comment or "-",
        record,
    )
    if hazard.responsibility_disputed:
        if Decision.NEW_DEPARTMENT not in decisions:
            raise refuse(
                {"responsible_department": _("Name the department responsible for the hazard.")},
                "invalid",
            )
        hazard.responsibility_disputed = False
        record["responsibility_disputed"] = [True, False]
    _check_rules(hazard, record)
    _commit(hazard, move, actor=actor, roles=roles, comment=comment, data=record)
    return hazard


def _roles_or_refuse(actor, hazard: Hazard) -> frozenset[str]:
    roles = roles_on(actor, hazard)
    if not roles:
        raise PermissionDenied(_("You may not act on this hazard."))
    return roles
