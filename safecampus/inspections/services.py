"""The rules of self-inspection forms and on-site inspections. Views, the API, the Excel import
and the jobs all change forms through these functions only; every status change of a form goes
through its lifecycle table (``lifecycle.FORM``).

Refusals are ``ValidationError``s made by ``core.refusals.refuse`` (the code kept on the error as
``exc.code``) and, where a field or an item is at fault, a dict naming it, so every caller can
show the reason in Chinese and keep what the person typed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.campaigns.choices import CampaignStatus
from safecampus.catalog.choices import HazardLevel, VersionStatus
from safecampus.catalog.models import CatalogVersion, CheckItem
from safecampus.core.access import can, roles_on, scope_for
from safecampus.core.capabilities import FORM_REVIEW, FORM_SCHOOL_ACTORS
from safecampus.core.refusals import Code, refuse
from safecampus.hazards import services as hazard_services
from safecampus.hazards.choices import RemedyType, Source
from safecampus.hazards.evidence import checked_before_transaction, store_upload, upload_problems
from safecampus.hazards.models import HazardEvidence
from safecampus.orgs.models import Department, School

from . import access, lifecycle
from .choices import Answer, FormAction, FormStatus, ReviewDecision
from .lifecycle import FORM
from .models import (
    FormAnswer,
    FormEvent,
    FormEvidence,
    FormReview,
    InspectionForm,
    SiteFinding,
    SiteInspection,
)

#: the answer fields a school fills in, with their longest allowed text
ANSWER_FIELDS = {
    "answer": 16,
    "note": 2000,
    "description": 2000,
    "plan": 2000,
    "deadline": None,
    "responsible_person": 64,
    "na_reason": 200,
    "interim_measures": 2000,
}


def _refuse_rows(rows: dict[str, dict], code: str, labels: dict[str, str]):
    """A refusal naming every bad answer: ``exc.rows`` maps an answer id to {field: message};
    the messages themselves read "A01-01 hazard description: This field is required."."""
    names = {f: str(FormAnswer._meta.get_field(f).verbose_name) for f in ANSWER_FIELDS}
    messages = [
        f"{labels.get(key, key)} {names.get(field, field)}：{message}"
        for key, row in rows.items()
        for field, message in row.items()
    ]
    exc = refuse(messages, code)
    exc.rows = rows
    return exc


# --- generating forms --------------------------------------------------------------------------


def school_facts(school: School) -> dict:
    return {
        "stage": school.stage,
        "boarding": school.boarding,
        "has_canteen": school.has_canteen,
        "has_chem_lab": school.has_chem_lab,
    }


def _form_items(version_id: int) -> list[CheckItem]:
    """The version's school-facing items in form order, with their routing and departments
    prefetched (each school's department comes from ``CheckItem.department_for``)."""
    return list(
        CheckItem.objects.filter(version_id=version_id, school_facing=True)
        .select_related("area")
        .prefetch_related("responsible_departments", "routes__department")
        .order_by("area__sort_order", "area__code", "sort_order", "code")
    )


def _department_id(item: CheckItem, school: School) -> int | None:
    """The department that takes ``item`` at ``school``: routed by the school's stage or the
    item's subject (000 §四(一)3④, §四(一)4①), else the item's first responsible department."""
    dept = item.department_for(school)
    return dept.pk if dept else None


BATCH = 2000


def school_ids_with_forms(campaign) -> set[int]:
    """The schools that already have a form in ``campaign``."""
    return set(InspectionForm.objects.filter(campaign=campaign).values_list("school_id", flat=True))


def forms_generate(*, actor, campaign, schools: list[School], now, progress=None) -> int:
    """One form for each of ``schools`` in ``campaign`` (which has none for them yet), holding
    the check items that apply to the school, each with the department that takes it. Called by
    ``campaigns.services.campaign_launch`` inside its transaction. Returns how many were made."""
    if not schools:
        return 0
    items = _form_items(campaign.catalog_version_id)
    made = 0
    for start in range(0, len(schools), 200):
        chunk = schools[start : start + 200]
        plans = {s.pk: [(i, _department_id(i, s)) for i in items if i.applies_to(s)] for s in chunk}
        forms = InspectionForm.objects.bulk_create(
            [
                InspectionForm(
                    campaign=campaign,
                    school=s,
                    facts=school_facts(s),
                    item_count=len(plans[s.pk]),
                )
                for s in chunk
            ]
        )
        if any(f.pk is None for f in forms):  # a backend that returns no ids
            by_school = dict(
                InspectionForm.objects.filter(
                    campaign=campaign, school_id__in=[s.pk for s in chunk]
                ).values_list("school_id", "pk")
            )
            for form in forms:
                form.pk = by_school[form.school_id]
        answers = [
            FormAnswer(form_id=f.pk, item=item, department_id=dept, sort_order=n)
            for f in forms
            for n, (item, dept) in enumerate(plans[f.school_id])
        ]
        FormAnswer.objects.bulk_create(answers, batch_size=BATCH)
        FormEvent.objects.bulk_create(
            [
                FormEvent(form_id=f.pk, action=FormAction.GENERATE, actor=actor, at=now)
                for f in forms
            ]
        )
        made += len(forms)
        if progress:
            progress(made, len(schools))
    return made


# --- answers ------------------------------------------------------------------------------------


def _clean_row(raw: dict) -> tuple[dict, dict]:
    """Normalise one answer's submitted fields; returns (values, errors by field)."""
    values, errors = {}, {}
    for field, limit in ANSWER_FIELDS.items():
        if field not in raw:
            continue
        value = raw[field]
        if field == "deadline":
            if value in (None, ""):
                values[field] = None
            elif isinstance(value, datetime.datetime):
                values[field] = value.date()
            elif isinstance(value, datetime.date):
                values[field] = value
            else:
                parsed = parse_date_text(str(value))
                if parsed is None:
                    errors[field] = _("Enter a date such as 2026-03-20.")
                else:
                    values[field] = parsed
            continue
        value = "" if value is None else str(value).strip()
        if field == "answer" and value and value not in Answer.values:
            errors[field] = _("Choose compliant, non-compliant or not applicable.")
        elif limit and len(value) > limit:
            errors[field] = _("At most %(n)s characters.") % {"n": limit}
        else:
            values[field] = value
    return values, errors


def parse_date_text(text: str) -> datetime.date | None:
    text = text.strip().replace("年", "-").replace("月", "-").replace("日", "")
    text = text.replace("/", "-").replace(".", "-")
    try:
        y, m, d = (int(p) for p in text.split("-")[:3])
        return datetime.date(y, m, d)
    except (TypeError, ValueError):
        return None


def _lock_form(form_id: int) -> InspectionForm:
    return InspectionForm.objects.select_for_update().select_related("campaign").get(pk=form_id)


def _role_for_form(actor, form: InspectionForm) -> str:
    return access.form_actor_role(scope_for(actor), form)


def _event(form: InspectionForm, action: str, actor, role: str, **fields):
    """The event writer a move commits with (``lifecycle.FORM.commit``)."""
    return lambda from_status, to_status: FormEvent.objects.create(
        form=form, action=action, actor=actor, actor_role=role, **fields
    )


def _editable(
    actor, form_id: int, *, submitting: bool = False, refuse_locked: bool = True
) -> InspectionForm:
    """Lock a form the actor may fill in, refusing it once submitted or closed. With
    ``refuse_locked=False`` a locked form is returned with the refusal in ``form.locked``, for
    a caller that refuses only a change (saving what is already there changes nothing)."""
    if not InspectionForm.objects.editable_by(actor).filter(pk=form_id).exists():
        if InspectionForm.objects.visible_to(actor).filter(pk=form_id).exists():
            raise PermissionDenied(_("Only the school (or the safety centre) fills in this form."))
        raise InspectionForm.DoesNotExist
    form = _lock_form(form_id)
    if submitting and form.status in (FormStatus.SUBMITTED, FormStatus.ACCEPTED):
        raise refuse(_("The form has already been submitted."), Code.ALREADY_SUBMITTED)
    form.locked = None
    if form.campaign.status == CampaignStatus.CLOSED:
        form.locked = refuse(_("The campaign is closed; its forms no longer change."), Code.LOCKED)
    elif not form.is_editable:
        form.locked = refuse(
            _(
                "The form was submitted and is locked. A department can return it to you if "
                "something must change."
            ),
            Code.LOCKED,
        )
    if form.locked is not None and refuse_locked:
        raise form.locked
    return form


def _recount(form: InspectionForm) -> None:
    counts = form.answers.aggregate(
        answered=Count("pk", filter=~Q(answer="")),
        non_compliant=Count("pk", filter=Q(answer=Answer.NON_COMPLIANT)),
    )
    form.answered_count = counts["answered"]
    form.non_compliant_count = counts["non_compliant"]


def _row_seq(raw: dict) -> int | None:
    """The page's sequence number of a row's change, if it sent a usable one. A card never
    changed on this page sends 0: still a number, so a whole-page Save or Submit does not
    overwrite an answer that another device saved meanwhile. None for rows without one
    (imports, the API), which are applied as they come."""
    if "seq" not in raw:
        return None
    try:
        seq = int(raw.get("seq") or 0)
    except (TypeError, ValueError):
        return None
    return seq if 0 <= seq < 2**62 else None


@transaction.atomic
def form_save(
    *,
    actor,
    form_id: int,
    rows: dict[int, dict],
    via: str = FormAction.SAVE,
    comment: str = "",
    stale: set | None = None,
) -> tuple[InspectionForm, int]:
    """Save answers of a form as the school goes (no completeness check yet). ``rows`` maps an
    answer id to the fields sent. Every row is checked first; one bad row saves nothing.
    Returns the form and how many answers changed.

    A row may carry ``seq``, the page's sequence number of the change (it only grows on a
    device). A row whose ``seq`` is lower than the one last saved for its answer left the page
    before that newer change and arrived late: it is skipped, not refused, and its id is added
    to ``stale``, so a late request never overwrites a newer choice. On a submitted or closed
    form, a save that changes nothing (a double-click, a late autosave of the same value) is a
    no-op; one that would change something is refused."""
    form = _editable(actor, form_id, refuse_locked=False)
    answers = {
        a.pk: a for a in form.answers.select_related("hazard", "item").filter(pk__in=list(rows))
    }
    errors: dict[str, dict] = {}
    changed: list[FormAnswer] = []
    newer_seq: list[FormAnswer] = []
    for answer_id, raw in rows.items():
        answer = answers.get(int(answer_id))
        if answer is None:
            errors[str(answer_id)] = {"answer": _("This item is not on the form.")}
            continue
        seq = _row_seq(raw)
        if seq is not None and seq < answer.client_seq:
            if stale is not None:
                stale.add(answer.pk)
            continue
        values, row_errors = _clean_row(raw)
        locked = _hazard_locks(answer)
        if locked and "answer" in values and values["answer"] != Answer.NON_COMPLIANT:
            row_errors["answer"] = locked
        if row_errors:
            errors[str(answer.pk)] = row_errors
            continue
        dirty = False
        for field, value in values.items():
            if getattr(answer, field) != value:
                setattr(answer, field, value)
                dirty = True
        if seq is not None and seq > answer.client_seq:
            answer.client_seq = seq
            if not dirty:
                newer_seq.append(answer)
        if dirty:
            changed.append(answer)
    if errors:
        labels = {str(pk): a.item.code for pk, a in answers.items()}
        raise _refuse_rows(errors, Code.INVALID, labels)
    if form.locked is not None:
        if changed:
            raise form.locked
        return form, 0
    for answer in newer_seq:  # same answer sent again by a newer change: later ones must lose
        FormAnswer.objects.filter(pk=answer.pk).update(client_seq=answer.client_seq)
    if changed:
        move = FORM.check(form, lifecycle.SAVE, roles_on(actor, form))
        _write_answers(changed)
        _recount(form)
        write_event = _event(
            form,
            via,
            actor,
            _role_for_form(actor, form),
            comment=comment,
            data={"items": sorted(a.item_id for a in changed)},
        )

        def event(from_status, to_status):
            if via == FormAction.SAVE and not comment and _recent_save(form, actor):
                return None  # one history line per sitting, not one per field (a commented
                # save, such as a whole section marked compliant, keeps its own line)
            return write_event(from_status, to_status)

        FORM.commit(
            form,
            move,
            event=event,
            update_fields=["answered_count", "non_compliant_count", "updated_at"],
        )
    return form, len(changed)


def _write_answers(answers: list[FormAnswer]) -> None:
    """UPDATE the answer fields of ``answers`` with one prepared statement run for every row.

    ``bulk_update`` builds a CASE per field and row, which costs far more CPU than the database
    work for a form's 80 rows; a whole workbook import was dominated by it."""
    now = timezone.now()
    connection = connections[router.db_for_write(FormAnswer)]
    fields = [FormAnswer._meta.get_field(f) for f in [*ANSWER_FIELDS, "client_seq", "updated_at"]]
    table = connection.ops.quote_name(FormAnswer._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    pk = connection.ops.quote_name(FormAnswer._meta.pk.column)
    rows = []
    for answer in answers:
        answer.updated_at = now
        rows.append(
            [f.get_db_prep_save(getattr(answer, f.attname), connection) for f in fields]
            + [answer.pk]
        )
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", rows)


#: saves by the same person within this span are one line in the form's history
SAVE_SITTING = datetime.timedelta(minutes=30)


def _recent_save(form: InspectionForm, actor) -> bool:
    last = form.events.order_by("-at", "-id").first()
    return (
        last is not None
        and last.action == FormAction.SAVE
        and last.actor_id == actor.pk
        and timezone.now() - last.at < SAVE_SITTING
    )


def _hazard_locks(answer: FormAnswer) -> str | None:
    """Why the answer must stay non-compliant: its hazard is already in a department's hands."""
    hazard = answer.hazard
    if hazard is None or hazard.status in ("reported", "withdrawn"):
        return None
    return _(
        "Hazard %(code)s of this item is already being handled; it stays non-compliant. "
        "Follow it up in the hazard register."
    ) % {"code": hazard.code}


def completeness_errors(answers: Iterable[FormAnswer], found_on=None) -> dict[str, dict]:
    """Every missing piece, by answer id and field: every item answered; a non-compliant one
    with its description, plan, deadline (not before ``found_on``, today by default) and
    responsible person; not applicable with a reason."""
    found_on = found_on or timezone.localdate()
    errors: dict[str, dict] = {}
    required = _("This field is required.")
    for a in answers:
        row = {}
        if not a.answer:
            row["answer"] = _("Answer this item.")
        elif a.answer == Answer.NON_COMPLIANT:
            for field in ("description", "plan", "deadline", "responsible_person"):
                if not getattr(a, field):
                    row[field] = required
            if a.deadline and a.deadline < found_on:
                # the hazard is found on the day the form is submitted
                row["deadline"] = _(
                    "The deadline cannot be before the day the hazard is found (%(found)s)."
                ) % {"found": found_on.isoformat()}
            if a.item.default_level == HazardLevel.MAJOR and not a.interim_measures:
                row["interim_measures"] = _(
                    "A major hazard needs the interim safety measures taken until it is fixed "
                    "(002 §三.4)."
                )
        elif a.answer == Answer.NOT_APPLICABLE and not a.na_reason:
            row["na_reason"] = _("Say why the item does not apply.")
        if row:
            errors[str(a.pk)] = row
    return errors


def _hazard_description(answer: FormAnswer) -> str:
    """The hazard's description: the school's description of the hazard, followed by its note
    on the item (情况说明) when it wrote one. The note says how things stand; it is not where
    the hazard is (具体位置), which the form does not ask."""
    note = answer.note.strip()
    if not note or note == answer.description.strip():
        return answer.description
    return _("%(description)s\nSchool's note: %(note)s") % {
        "description": answer.description,
        "note": note,
    }


def _hazard_data(answer: FormAnswer, form: InspectionForm, found_on, actor) -> dict:
    """Each field of the answer to the hazard field of the same meaning (issue 15):

    - description ← the answer's description, with the school's note (情况说明) after it;
      location (具体位置) is left empty: the form has no such field;
    - found_by (发现人) ← the person who submitted the form, by name;
    - responsible_person (学校责任人) ← the person the school named on the answer; their phone
      is not on the form, so none is written (the school's switchboard is not their number);
    - measures ← the plan, deadline ← the deadline; the interim measures, when given, are the
      school's, under the same responsible person, in place when the form is submitted.
    """
    return {
        "description": _hazard_description(answer),
        "measures": answer.plan,
        "deadline": answer.deadline,
        "responsible_person": answer.responsible_person,
        "responsible_phone": "",
        "source": Source.SELF_INSPECTION,
        "found_on": found_on,
        "found_by": actor.display_name[:64],
        "remedy_type": RemedyType.DEADLINE,
        "location": "",
        **(
            {
                "interim_measures": answer.interim_measures,
                "interim_unit": form.school.name[:100],
                "interim_person": answer.responsible_person,
                # the school states measures already in place when it submits
                "interim_deadline": found_on,
            }
            if answer.interim_measures
            else {}
        ),
    }


@transaction.atomic
def form_submit(*, actor, form_id: int) -> dict:
    """Submit a form: check completeness, lock it, and turn every non-compliant item into a
    hazard (or update the hazard an earlier round made), all in one transaction. Submitting a
    form that is already submitted changes nothing."""
    form = _editable(actor, form_id, submitting=True)
    move = FORM.check(form, lifecycle.SUBMIT, roles_on(actor, form))
    form.school = School.objects.get(pk=form.school_id)
    answers = list(
        form.answers.select_related("item", "hazard")
        .prefetch_related("evidence")
        .order_by("sort_order")
    )
    if errors := completeness_errors(answers):
        raise _refuse_rows(errors, Code.INCOMPLETE, {str(a.pk): a.item.code for a in answers})
    now = timezone.now()
    found_on = timezone.localdate(now)
    created, updated, withdrawn = [], [], []
    created_ids = []  # parallel to ``created``, for callers that follow a hazard by its id
    note = _("From the self-inspection form of %(campaign)s.") % {"campaign": form.campaign.name}
    for answer in answers:
        if answer.answer == Answer.NON_COMPLIANT:
            if answer.hazard_id is None or answer.hazard.status == "withdrawn":
                hazard = hazard_services.hazard_report(
                    actor=actor,
                    school=form.school,
                    data=_hazard_data(answer, form, found_on, actor),
                    item=answer.item,
                    responsible_department=answer.department_id,
                    campaign=form.campaign,
                )
                _carry_evidence(answer, hazard, actor)
                answer.hazard = hazard
                answer.save(update_fields=["hazard"])
                created.append(hazard.code)
                created_ids.append(hazard.pk)
            elif hazard_services.hazard_amend_from_form(
                actor=actor,
                hazard=answer.hazard,
                data={
                    "description": _hazard_description(answer),
                    "measures": answer.plan,
                    "responsible_person": answer.responsible_person,
                    "deadline": answer.deadline,
                },
                comment=note,
            ):
                updated.append(answer.hazard.code)
        elif answer.hazard_id is not None and hazard_services.hazard_withdraw_from_form(
            actor=actor,
            hazard=answer.hazard,
            comment=_("The school changed the item to “%(answer)s” when it resubmitted the form.")
            % {"answer": answer.get_answer_display()},
        ):
            withdrawn.append(answer.hazard.code)
    form.round += 1
    form.submitted_at = now
    form.submitted_by = actor
    if form.first_submitted_at is None:
        form.first_submitted_at = now
        # late is judged on the first submission: a school is not late for a return
        form.late = form.campaign.is_late(now)
    form.returned_reason = ""
    _recount(form)
    FORM.commit(
        form,
        move,
        event=_event(
            form,
            FormAction.SUBMIT,
            actor,
            _role_for_form(actor, form),
            at=now,
            data={
                "round": form.round,
                "late": form.late,
                "created": created,
                "updated": updated,
                "withdrawn": withdrawn,
            },
        ),
    )
    return {
        "form": form,
        "created": created,
        "created_ids": created_ids,
        "updated": updated,
        "withdrawn": withdrawn,
    }


def form_save_and_submit(*, actor, form_id: int, rows: dict | None = None):
    """Submit as the page's Submit button does: the answers sent with it (``rows``, as for
    :func:`form_save`) are saved first and stay saved when the submission itself is refused
    (its savepoint rolls back). On a form already submitted, the same content again saves
    nothing and the submission answers "already submitted"; other content is refused as
    locked. Run it in one write transaction (``core.db.in_write_transaction``). Returns
    ``(result of form_submit, None)``, or ``(None, the refusal)``."""
    if rows:
        form_save(actor=actor, form_id=form_id, rows=rows)
    try:
        with transaction.atomic():
            return form_submit(actor=actor, form_id=form_id), None
    except ValidationError as exc:
        return None, exc


def _carry_evidence(answer: FormAnswer, hazard, actor) -> None:
    """The answer's photos become the hazard's "before" evidence (the same stored files)."""
    event = hazard.events.order_by("id").first()
    HazardEvidence.objects.bulk_create(
        [
            HazardEvidence(
                hazard=hazard,
                event=event,
                phase="before",
                file=ev.file.name,
                thumbnail=ev.thumbnail.name,
                original_name=ev.original_name,
                content_type=ev.content_type,
                size=ev.size,
                sha256=ev.sha256,
                uploaded_by=ev.uploaded_by,
                uploaded_at=ev.uploaded_at,
            )
            for ev in answer.evidence.all()
        ]
    )


@checked_before_transaction
def answer_attach(*, actor, answer_id: int, files) -> list[FormEvidence]:
    answer = FormAnswer.objects.editable_by(actor).filter(pk=answer_id).first()
    if answer is None:
        raise FormAnswer.DoesNotExist
    _editable(actor, answer.form_id)
    if problems := upload_problems(files):
        raise refuse({"files": problems}, Code.INVALID)
    return [store_upload(FormEvidence(answer=answer), upload, actor=actor) for upload in files]


# --- review -------------------------------------------------------------------------------------


def review_departments(form: InspectionForm) -> set[int]:
    """The departments that review a form: those taking any of its items."""
    return set(
        form.answers.filter(department__isnull=False)
        .values_list("department_id", flat=True)
        .distinct()
    )


def reviewable_departments(actor, form: InspectionForm) -> set[int]:
    """The departments ``actor`` may review ``form`` for: its own, or all for the centre."""
    return access.reviewable_departments(scope_for(actor), form, review_departments(form))


def pending_review_departments(actor, form: InspectionForm, reviews) -> list[int]:
    """The departments ``actor`` may still review ``form``'s current round for (none once each
    has reviewed it), given the form's ``reviews``; what the page's review panel and the API's
    ``actions`` show."""
    if not can(actor, FORM_REVIEW):
        return []
    done_now = {r.department_id for r in reviews if r.round == form.round}
    return sorted(reviewable_departments(actor, form) - done_now)


def _notify_form_returned(form: InspectionForm, reason: str) -> None:
    """Tell the school's safety officers and principal that their form came back."""
    from safecampus.accounts.models import RoleAssignment
    from safecampus.notifications.models import NoticeKind
    from safecampus.notifications.services import notify

    people = (
        RoleAssignment.objects.active()
        .filter(school_id=form.school_id, role__in=FORM_SCHOOL_ACTORS)
        .values_list("user_id", flat=True)
    )
    notify(
        people,
        kind=NoticeKind.FORM_RETURNED,
        text=_("The self-inspection form of %(campaign)s was returned: %(reason)s")
        % {"campaign": form.campaign.name, "reason": reason},
        url=form.get_absolute_url(),
    )


@transaction.atomic
def form_review(
    *, actor, form_id: int, decision: str, reason: str = "", department_id: int | None = None
) -> InspectionForm:
    """A department accepts its items of a submitted form, or returns the form with a reason.
    The form is accepted when every department taking one of its items has accepted it."""
    if not InspectionForm.objects.visible_to(actor).filter(pk=form_id).exists():
        raise InspectionForm.DoesNotExist
    form = _lock_form(form_id)
    mine = reviewable_departments(actor, form)
    if department_id is not None:
        mine &= {int(department_id)}
    if not mine:
        raise PermissionDenied(_("Your department reviews none of this form's items."))
    if form.status != FormStatus.SUBMITTED:
        raise refuse(
            _("Only a submitted form awaiting review can be accepted or returned."),
            Code.INVALID_TRANSITION,
        )
    reason = (reason or "").strip()
    done = set(
        FormReview.objects.filter(form=form, round=form.round).values_list(
            "department_id", flat=True
        )
    )
    pending = mine - done
    if not pending:
        raise refuse(_("Your department has already reviewed this submission."), Code.LOCKED)
    if decision not in (ReviewDecision.RETURN, ReviewDecision.ACCEPT):
        raise refuse({"decision": _("Choose accept or return.")}, Code.INVALID)
    move = FORM.check(form, decision, roles_on(actor, form))
    now = timezone.now()
    role = access.review_role(scope_for(actor))
    if decision == ReviewDecision.RETURN and not reason:
        raise refuse(
            {"reason": _("Give the reason, so the school knows what to change.")},
            Code.REASON_REQUIRED,
        )
    FormReview.objects.bulk_create(
        [
            FormReview(
                form=form,
                department_id=d,
                round=form.round,
                decision=decision,
                reason=reason,
                by=actor,
                at=now,
            )
            for d in sorted(pending)
        ]
    )
    event = _event(
        form,
        decision,
        actor,
        role,
        at=now,
        comment=reason,
        data={"departments": sorted(pending), "round": form.round},
    )
    if decision == ReviewDecision.RETURN:
        form.returned_reason = reason
        FORM.commit(form, move, event=event, update_fields=["returned_reason", "updated_at"])
        _notify_form_returned(form, reason)
        return form
    FORM.commit(form, move, event=event, update_fields=[])  # the status stays: no write
    if review_departments(form) <= done | pending:
        form.accepted_at = now
        complete = FORM.check(form, lifecycle.COMPLETE, roles_on(actor, form))
        FORM.commit(
            form,
            complete,
            event=_event(form, FormAction.COMPLETE, actor, role, at=now),
            update_fields=["accepted_at", "updated_at"],
        )
    return form


def awaiting_review_q(actor) -> Q:
    """Forms submitted and not yet reviewed, in their current round, by one of the actor's
    departments (for the centre: by any department)."""
    depts = access.reviewer_department_ids(scope_for(actor))
    answers = FormAnswer.objects.filter(form_id=OuterRef("pk"), department__isnull=False)
    if depts is not None:
        answers = answers.filter(department_id__in=depts)
    reviewed = FormReview.objects.filter(
        form_id=OuterRef("form_id"),
        round=OuterRef("form__round"),
        department_id=OuterRef("department_id"),
    )
    return Q(status=FormStatus.SUBMITTED) & Q(Exists(answers.filter(~Exists(reviewed))))


# --- on-site inspections ------------------------------------------------------------------------


@transaction.atomic
def site_inspection_record(
    *, actor, school: School, data: dict, findings: list[dict], campaign=None
) -> SiteInspection:
    """Record a department's on-site inspection of a school against the check items. Every
    non-compliant finding becomes a hazard (source: department inspection); one bad finding
    saves nothing."""
    scope = scope_for(actor)
    if not access.may_inspect_at(scope, school.bureau_id):
        raise PermissionDenied(_("Your roles do not allow recording inspections at this school."))
    department = data.get("department")
    if department is not None:
        department = (
            department
            if isinstance(department, Department)
            else Department.objects.filter(pk=department).first()
        )
        if department is None or not access.may_inspect_for(scope, school.bureau_id, department):
            raise refuse({"department": _("Choose your own department.")}, Code.INVALID)
    if campaign is not None:
        version_id = campaign.catalog_version_id
    else:
        version = (
            CatalogVersion.objects.filter(
                bureau_id=school.bureau_id, status=VersionStatus.PUBLISHED
            )
            .order_by("-number")
            .first()
        )
        if version is None:
            raise refuse(_("The bureau has no published catalog yet."), Code.INVALID)
        version_id = version.pk
    if not data.get("inspectors"):
        raise refuse({"inspectors": _("This field is required.")}, Code.INVALID)
    items = {
        i.pk: i
        for i in CheckItem.objects.filter(
            version_id=version_id, pk__in=[f.get("item") for f in findings]
        )
    }
    errors: dict[str, dict] = {}
    cleaned = []
    for f in findings:
        item = items.get(int(f.get("item") or 0))
        values, row = _clean_row(f)
        if item is None:
            row["answer"] = _("This item is not in the catalog version used.")
        elif values.get("answer") == Answer.NON_COMPLIANT:
            for field in ("description", "plan", "deadline", "responsible_person"):
                if not values.get(field):
                    row[field] = _("This field is required.")
            if item.default_level == HazardLevel.MAJOR and not values.get("interim_measures"):
                row["interim_measures"] = _(
                    "A major hazard needs the interim safety measures taken until it is fixed "
                    "(002 §三.4)."
                )
        if row:
            errors[str(f.get("item"))] = row
        elif values.get("answer"):
            cleaned.append((item, values))
    if errors:
        raise _refuse_rows(errors, Code.INVALID, {str(i): c.code for i, c in items.items()})
    if not cleaned:
        raise refuse(_("Record the result of at least one item."), Code.INVALID)
    inspection = SiteInspection.objects.create(
        bureau_id=school.bureau_id,
        school=school,
        campaign=campaign,
        catalog_version_id=version_id,
        department=department,
        inspected_on=data.get("inspected_on") or timezone.localdate(),
        inspectors=data["inspectors"],
        summary=data.get("summary", ""),
        created_by=actor,
    )
    for item, values in cleaned:
        hazard = None
        if values["answer"] == Answer.NON_COMPLIANT:
            hazard = hazard_services.hazard_report(
                actor=actor,
                school=school,
                data={
                    "description": values["description"],
                    "measures": values["plan"],
                    "deadline": values["deadline"],
                    "responsible_person": values["responsible_person"],
                    "source": Source.DEPARTMENT_INSPECTION,
                    "found_on": inspection.inspected_on,
                    "found_by": inspection.inspectors[:64],
                    "remedy_type": RemedyType.DEADLINE,
                    **(
                        {
                            "interim_measures": values["interim_measures"],
                            "interim_unit": school.name[:100],
                            "interim_person": values["responsible_person"],
                            "interim_deadline": inspection.inspected_on,
                        }
                        if values.get("interim_measures")
                        else {}
                    ),
                },
                item=item,
                campaign=inspection.campaign,
            )
        SiteFinding.objects.create(
            inspection=inspection,
            item=item,
            answer=values["answer"],
            note=values.get("note", ""),
            hazard=hazard,
        )
    return inspection


# --- a whole section at once ---------------------------------------------------------------------


@transaction.atomic
def form_mark_section(*, actor, form_id: int, area_id: int) -> tuple[InspectionForm, list[str]]:
    """Mark every still-unanswered item of one risk area (a section of the form) compliant, in
    one request and one history line. Items already answered keep their answer; each marked
    item stays changeable one by one afterwards (that is the undo). The answers go through
    ``form_save``, the autosave's path: the same lifecycle move, locks and refusals. Returns the
    form and the codes of the items marked (none: nothing changed, no event)."""
    form = _editable(actor, form_id)  # locks the form row: nobody answers the section meanwhile
    unanswered = list(
        form.answers.filter(item__area_id=area_id, answer="")
        .select_related("item__area")
        .order_by("sort_order")
    )
    if not unanswered:
        if not form.answers.filter(item__area_id=area_id).exists():
            raise refuse(_("This section is not on the form."), Code.INVALID)
        return form, []
    area = unanswered[0].item.area
    codes = [a.item.code for a in unanswered]
    form, _changed = form_save(
        actor=actor,
        form_id=form.pk,
        rows={a.pk: {"answer": Answer.COMPLIANT} for a in unanswered},
        comment=_("%(area)s: %(n)s unanswered items marked compliant")
        % {"area": f"{area.code} {area.name}", "n": len(codes)},
    )
    return form, codes
