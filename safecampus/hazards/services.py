"""Every write to the register. Each one validates, saves, and writes its event in one transaction.

A refusal raises ``ValidationError`` with a code (see ``ERROR_STATUS`` for the HTTP status the API
gives it) and changes nothing. A change made against an older version of the hazard is refused
with ``stale``: two people acting at once, one wins and the other is told.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.catalog.choices import HazardLevel, VersionStatus
from safecampus.catalog.models import CheckItem, RiskArea
from safecampus.core.access import scope_for
from safecampus.core.roles import Role
from safecampus.orgs.models import Department, School

from .choices import (
    MOVES,
    REPORTERS,
    TRANSITIONS,
    UPDATES,
    Action,
    Decision,
    EvidencePhase,
    RemedyType,
    RiskColour,
    Source,
    Status,
    move_for,
)
from .evidence import check_upload, checked_before_transaction, store_upload
from .models import Hazard, HazardCooperation, HazardCounter, HazardEvent, HazardEvidence

#: refusal code → HTTP status in the API (anything else is 400)
ERROR_STATUS = {
    "not_allowed": 403,
    "invalid_transition": 409,
    "stale": 409,
}

#: order in which a person's roles are named on an event, most specific first
_ROLE_ORDER = [
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
]

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


def _refuse(errors: dict, code: str) -> ValidationError:
    """A refusal naming its fields, with its code kept. Django drops ``code`` when it is given a
    dict, so every message carries the code, and so does the error itself (``exc.code``)."""
    exc = ValidationError(
        {
            field: [
                ValidationError(m, code=code)
                for m in (messages if isinstance(messages, list) else [messages])
            ]
            for field, messages in errors.items()
        }
    )
    exc.code = code
    return exc


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


def acting_roles(user, hazard: Hazard) -> frozenset[str]:
    """The roles ``user`` holds *for this hazard*: a department officer only for hazards its
    department is responsible for; a school's staff only for their school's hazards."""
    scope = scope_for(user)
    roles = set()
    for role in (Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR):
        if hazard.bureau_id in scope.bureau_ids(role):
            roles.add(role)
    if (
        scope.has(Role.DEPARTMENT_OFFICER)
        and hazard.responsible_department_id is not None
        and hazard.responsible_department_id in scope.department_ids
    ):
        roles.add(Role.DEPARTMENT_OFFICER)
    if hazard.school_id in scope.school_ids:
        roles.update(r for r in (Role.SCHOOL_OFFICER, Role.PRINCIPAL) if scope.has(r))
    return frozenset(roles)


def _actor_role(roles: frozenset[str] | set[str]) -> str:
    return next(r for r in _ROLE_ORDER if r in roles)


def allowed_actions(user, hazard: Hazard) -> list[str]:
    """The actions ``user`` may take on ``hazard`` now, in lifecycle order."""
    roles = acting_roles(user, hazard)
    out = []
    for target, allowed in TRANSITIONS.get(hazard.status, {}).items():
        action = MOVES[(hazard.status, target)]
        if roles & allowed and _move_applies(hazard, action):
            out.append(action)
    for action, (statuses, allowed) in UPDATES.items():
        if hazard.status in statuses and roles & allowed:
            out.append(action)
    return out


def _move_applies(hazard: Hazard, action: str) -> bool:
    # a report can go straight to acceptance only when it was fixed on the spot
    if action == Action.SUBMIT and hazard.status == Status.REPORTED:
        return hazard.remedy_type == RemedyType.ON_SPOT
    return True


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
        raise _refuse(
            {"lec_l": _("Give all three of L, E and C, or none of them.")}, "lec_incomplete"
        )
    outside = {
        field: _("Choose a value above 0 and at most %(max)s.") % {"max": top}
        for field, top in LEC_MAX.items()
        if getattr(hazard, field) is not None and not 0 < Decimal(getattr(hazard, field)) <= top
    }
    if outside:
        raise _refuse(outside, "invalid")
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
        raise _refuse(errors, code)


def _lock(hazard_id: int, version: int | None) -> Hazard:
    hazard = Hazard.objects.select_for_update().get(pk=hazard_id)
    if version is not None and hazard.version != version:
        raise ValidationError(
            _(
                "This hazard was changed by someone else while you were working on it. "
                "Nothing of yours was saved; check its latest state and submit again."
            ),
            code="stale",
        )
    return hazard


def _ensure_still_visible(actor, hazard: Hazard) -> None:
    """After a write the hazard must still be in the actor's scope, or nothing is saved."""
    if not Hazard.objects.visible_to(actor).filter(pk=hazard.pk).exists():
        raise ValidationError(
            _("After this change you could no longer see the hazard; choose your own department."),
            code="out_of_scope",
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
        raise _refuse({"files": [m for e in errors for m in e.messages]}, errors[0].code)


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
            raise _refuse(
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
        raise _refuse(
            {"area": _("Choose a risk area of this bureau's published catalog.")},
            "invalid",
        )
    return area, None


def _may_report_at(actor, school: School) -> set[str]:
    scope = scope_for(actor)
    roles = set()
    if school.pk in scope.school_ids:
        roles |= {r for r in (Role.SCHOOL_OFFICER, Role.PRINCIPAL) if scope.has(r)}
    for role in (Role.SAFETY_CENTRE, Role.INSPECTOR, Role.DEPARTMENT_OFFICER):
        if school.bureau_id in scope.bureau_ids(role):
            roles.add(role)
    return roles & REPORTERS


def _department_in(
    bureau_id: int, dept, field: str = "responsible_department"
) -> Department | None:
    if dept in (None, ""):
        return None
    dept_id = dept.pk if isinstance(dept, Department) else int(dept)
    found = Department.objects.filter(pk=dept_id, bureau_id=bureau_id).first()
    if found is None:
        raise _refuse({field: _("Choose a department of the school's bureau.")}, "invalid")
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
    roles = _may_report_at(actor, school)
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
            Source.SELF_INSPECTION
            if roles & {Role.SCHOOL_OFFICER, Role.PRINCIPAL}
            else Source.DEPARTMENT_INSPECTION
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
            dept = item_obj.responsible_departments.order_by("sort_order", "pk").first()
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
        raise _refuse(missing, "invalid")

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
        actor_role=_actor_role(roles),
        data={"code": hazard.code, "catalog_version": area_obj.version_id},
    )
    _ensure_still_visible(actor, hazard)
    # files go to storage last, after every check that could still refuse the report
    _attach(actor=actor, hazard=hazard, event=event, files=files, phase=EvidencePhase.BEFORE)
    return hazard


# --- actions ------------------------------------------------------------------------------------


def _require_comment(comment: str) -> None:
    if not (comment or "").strip():
        raise _refuse({"comment": _("Give the reason.")}, "reason_required")


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
    changes = dict(changes or {})
    comment = (comment or "").strip()
    if not Hazard.objects.visible_to(actor).filter(pk=hazard_id).exists():
        raise Hazard.DoesNotExist
    hazard = _lock(hazard_id, version)
    roles = acting_roles(actor, hazard)
    from_status = hazard.status
    target = move_for(action, from_status)
    if target is not None:
        allowed = TRANSITIONS[from_status][target]
    elif action in UPDATES:
        statuses, allowed = UPDATES[action]
        if from_status not in statuses:
            raise _invalid(action, hazard)
        target = from_status
    else:
        raise _invalid(action, hazard)
    if not roles & allowed:
        raise ValidationError(
            _("Your roles do not allow “%(action)s” on this hazard.")
            % {"action": Action(action).label},
            code="not_allowed",
        )
    if not _move_applies(hazard, action):
        raise ValidationError(
            _("Only a hazard fixed on the spot can be submitted before it is confirmed."),
            code="invalid_transition",
        )
    _validate_files(files)
    record: dict = {}
    today = timezone.localdate()

    if action == Action.CONFIRM:
        _change(hazard, changes, CONFIRM_FIELDS, record)
        if hazard.remedy_type == RemedyType.DEADLINE and hazard.deadline is None:
            raise _refuse({"deadline": _("Set the rectification deadline.")}, "deadline_required")
        if hazard.level == HazardLevel.MAJOR and not hazard.supervised:
            hazard.supervised = True  # a 重大隐患 is listed for supervision (DOMAIN §5)
            record["supervised"] = [False, True]
        _apply_grade(hazard)
    elif action == Action.SUBMIT:
        # after a rejection, the evidence of the rejected submission no longer counts
        after = hazard.evidence.filter(phase=EvidencePhase.AFTER)
        rejected = hazard.events.filter(action=Action.REJECT).order_by("-at", "-id").first()
        if rejected is not None:
            after = after.filter(uploaded_at__gt=rejected.at)
        if not files and not after.exists():
            raise _refuse(
                {"files": [_("Attach at least one photo or document of the rectification.")]},
                "evidence_required",
            )
        phase = EvidencePhase.AFTER
    elif action == Action.ACCEPT:
        hazard.closed_on = today
    elif action == Action.DISPUTE:
        _require_comment(comment)
        if hazard.responsibility_disputed:
            raise _refuse({"comment": _("The responsibility is already disputed.")}, "no_change")
        record["responsibility_disputed"] = [False, True]
        hazard.responsibility_disputed = True
    elif action in (Action.REJECT, Action.WITHDRAW, Action.MARK_HARD, Action.EXPLAIN):
        _require_comment(comment)
        if action == Action.EXPLAIN:
            record["delay_explanation"] = [hazard.delay_explanation, comment]
            hazard.delay_explanation = comment
    elif action == Action.EDIT:
        _require_comment(comment)
        _change(hazard, changes, EDIT_FIELDS, record)
        if not record:
            raise _refuse({"comment": _("Nothing was changed.")}, "no_change")
        _apply_grade(hazard)
    elif action == Action.EXTEND:
        _require_comment(comment)
        new = changes.get("deadline")
        if not new or new == hazard.deadline:
            raise _refuse({"deadline": _("Give the new deadline.")}, "deadline_required")
        record["deadline"] = [_plain(hazard.deadline), _plain(new)]
        hazard.deadline = new
    elif action == Action.TRANSFER:
        _require_comment(comment)
        dept = _department_in(hazard.bureau_id, changes.get("responsible_department"))
        if dept is None or dept.pk == hazard.responsible_department_id:
            raise _refuse(
                {"responsible_department": _("Choose the department that takes over.")},
                "invalid",
            )
        record["responsible_department"] = [hazard.responsible_department_id, dept.pk]
        hazard.responsible_department = dept
        HazardCooperation.objects.filter(hazard=hazard, department=dept).delete()
    elif action == Action.DECIDE:
        _decide(hazard, changes, comment, record)
    elif action == Action.ADD_EVIDENCE and not files:
        raise _refuse({"files": [_("Choose at least one file.")]}, "invalid")

    _check_rules(hazard, record)
    if target != from_status:
        hazard.status = target
        hazard.status_changed_at = timezone.now()
    hazard.version += 1
    hazard.save()
    event = HazardEvent.objects.create(
        hazard=hazard,
        action=action,
        from_status=from_status,
        to_status=target,
        actor=actor,
        actor_role=_actor_role(roles & allowed),
        comment=comment,
        data=record,
    )
    _ensure_still_visible(actor, hazard)
    if files:
        default_phase = EvidencePhase.AFTER if target == Status.SUBMITTED else EvidencePhase.BEFORE
        _attach(actor=actor, hazard=hazard, event=event, files=files, phase=phase or default_phase)
    return hazard


def _decide(hazard: Hazard, changes: dict, comment: str, record: dict) -> None:
    decisions = set(changes.get("decisions") or [])
    if not decisions or not decisions <= set(Decision.values):
        raise _refuse({"decisions": _("Record at least one decision.")}, "decision_required")
    _require_comment(comment)
    record["decisions"] = sorted(decisions)
    if Decision.NEW_DEADLINE in decisions:
        new = changes.get("deadline")
        if not new:
            raise _refuse({"deadline": _("Give the new deadline.")}, "deadline_required")
        record["deadline"] = [_plain(hazard.deadline), _plain(new)]
        hazard.deadline = new
    if Decision.NEW_DEPARTMENT in decisions:
        dept = _department_in(hazard.bureau_id, changes.get("responsible_department"))
        if dept is None:
            raise _refuse(
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
    return ValidationError(
        _("“%(action)s” is not possible while the hazard is “%(status)s”.")
        % {"action": Action(action).label, "status": hazard.get_status_display()},
        code="invalid_transition",
    )


# --- self-inspection forms ----------------------------------------------------------------------

#: what a resubmitted form may still change on the hazard it created; the deadline only while
#: the department has not yet confirmed it (afterwards it moves only by an extension)
FORM_FIELDS = ["description", "measures", "responsible_person"]


def hazard_amend_from_form(*, actor, hazard: Hazard, data: dict, comment: str) -> bool:
    """Carry a resubmitted form's answer over to the hazard it created, as an event with the
    before and after values. Returns whether anything changed. The caller holds the transaction."""
    hazard = _lock(hazard.pk, None)
    if not hazard.is_open:
        return False
    fields = FORM_FIELDS + (["deadline"] if hazard.status == Status.REPORTED else [])
    record: dict = {}
    _change(hazard, data, fields, record)
    if not record:
        return False
    hazard.version += 1
    hazard.save()
    roles = acting_roles(actor, hazard) or frozenset({Role.SAFETY_CENTRE})
    HazardEvent.objects.create(
        hazard=hazard,
        action=Action.EDIT,
        from_status=hazard.status,
        to_status=hazard.status,
        actor=actor,
        actor_role=_actor_role(roles),
        comment=comment,
        data=record,
    )
    return True


def hazard_withdraw_from_form(*, actor, hazard: Hazard, comment: str) -> bool:
    """Withdraw a hazard whose form answer was changed to compliant before any department took
    it up (status reported). Returns False, changing nothing, once it is further along."""
    hazard = _lock(hazard.pk, None)
    if hazard.status != Status.REPORTED:
        return False
    hazard.status = Status.WITHDRAWN
    hazard.status_changed_at = timezone.now()
    hazard.version += 1
    hazard.save()
    roles = acting_roles(actor, hazard) or frozenset({Role.SAFETY_CENTRE})
    HazardEvent.objects.create(
        hazard=hazard,
        action=Action.WITHDRAW,
        from_status=Status.REPORTED,
        to_status=Status.WITHDRAWN,
        actor=actor,
        actor_role=_actor_role(roles),
        comment=comment,
    )
    return True


# --- supervision --------------------------------------------------------------------------------

#: statuses a spot check can find "not as claimed": a claim of resolved or in progress
REOPENABLE = frozenset({Status.ASSIGNED, Status.RECTIFYING, Status.SUBMITTED, Status.CLOSED})


def hazard_reopen_from_spot_check(*, actor, hazard: Hazard, comment: str, data: dict) -> Hazard:
    """A spot check found the claim false (弄虚作假、敷衍了事, 000 §四(三).1): the hazard goes back
    to rectifying, whatever it claimed, with an event naming the check. The caller holds the
    transaction and has checked the actor may record the result."""
    hazard = _lock(hazard.pk, None)
    if hazard.status not in REOPENABLE:
        raise _invalid(Action.REOPEN, hazard)
    from_status = hazard.status
    record = {**data}
    if hazard.closed_on is not None:
        record["closed_on"] = [_plain(hazard.closed_on), None]
        hazard.closed_on = None
    hazard.status = Status.RECTIFYING
    hazard.status_changed_at = timezone.now()
    hazard.version += 1
    hazard.save()
    roles = _roles_or_refuse(actor, hazard)
    HazardEvent.objects.create(
        hazard=hazard,
        action=Action.REOPEN,
        from_status=from_status,
        to_status=Status.RECTIFYING,
        actor=actor,
        actor_role=_actor_role(roles),
        comment=comment,
        data=record,
    )
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
    if not hazard.is_open:
        raise _invalid(Action.CONSULT, hazard)
    from_status = hazard.status
    record: dict = {**data}
    _decide(
        hazard,
        {"decisions": decisions, "deadline": deadline, "responsible_department": department},
        comment or "-",
        record,
    )
    if hazard.responsibility_disputed:
        if Decision.NEW_DEPARTMENT not in decisions:
            raise _refuse(
                {"responsible_department": _("Name the department responsible for the hazard.")},
                "invalid",
            )
        hazard.responsibility_disputed = False
        record["responsibility_disputed"] = [True, False]
    _check_rules(hazard, record)
    if from_status == Status.HARD:
        hazard.status = Status.RECTIFYING
        hazard.status_changed_at = timezone.now()
    hazard.version += 1
    hazard.save()
    roles = _roles_or_refuse(actor, hazard)
    HazardEvent.objects.create(
        hazard=hazard,
        action=Action.CONSULT,
        from_status=from_status,
        to_status=hazard.status,
        actor=actor,
        actor_role=_actor_role(roles),
        comment=comment,
        data=record,
    )
    return hazard


def _roles_or_refuse(actor, hazard: Hazard) -> frozenset[str]:
    roles = acting_roles(actor, hazard)
    if not roles:
        raise PermissionDenied(_("You may not act on this hazard."))
    return roles
