"""Writes of recurring duties: generating what is owed, recording, excuses, oversight, the
catalog's draft and publication, the calendar.

Every status change goes through ``lifecycle.OCCURRENCES.commit``; every write runs in one
transaction retried on SQLite's lock (``core.db.in_write_transaction``); evidence files are
checked before the transaction (``hazards.evidence.prepare_uploads``).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.services import audit_record
from safecampus.core.access import get_for, require, scope_for
from safecampus.core.capabilities import DUTY_MANAGE
from safecampus.core.db import in_write_transaction, retry_locked
from safecampus.core.refusals import Code, refuse
from safecampus.hazards.evidence import KINDS, prepare_uploads, store_upload, upload_problems

from . import access, rules, selectors
from .choices import Evidence, Figure, OccurrenceStatus, Owner, VersionStatus
from .lifecycle import (
    ACCEPT_EXCUSE,
    ASK_EXCUSE,
    CORRECT,
    MISS,
    NOT_CREDIBLE,
    OCCURRENCES,
    RECORD,
    RECORD_LATE,
    RECORD_PART,
    REFUSE_EXCUSE,
)
from .models import (
    Duty,
    DutyCatalogVersion,
    DutyEvidence,
    DutyRecord,
    Occurrence,
    OccurrenceEvent,
    WorkPlan,
)

#: an occurrence is generated when its window opens within this many days
GENERATE_AHEAD_DAYS = 31
#: days a reopened ("not credible") occurrence stays open for a new record, at least
REOPEN_DAYS = 7
_BATCH = 2000

# --- generating what is owed ----------------------------------------------------------------


def _owner_rows(duty: Duty, bureau, schools, partners) -> list[dict]:
    """The owners of ``duty`` in ``bureau``: field values for their occurrences."""
    owners = []
    if duty.owed_by_schools:
        owners += [
            {"owner_kind": Owner.SCHOOL, "school_id": s.pk, "owner_key": f"s{s.pk}"}
            for s in schools
            if duty.applies_to(s)
        ]
    owners += [
        {"owner_kind": Owner.DEPARTMENT, "department_id": d.pk, "owner_key": f"d{d.pk}"}
        for d in duty.owed_by_departments.all()
    ]
    if duty.partner_kinds:
        owners += [
            {"owner_kind": Owner.PARTNER, "partner_id": p.pk, "owner_key": f"p{p.pk}"}
            for p in partners
            if p.kind in duty.partner_kinds
        ]
    if duty.owed_by_centre:
        owners.append({"owner_kind": Owner.CENTRE, "owner_key": f"b{bureau.pk}"})
    return owners


def generate(
    bureau,
    *,
    today: datetime.date,
    since: datetime.date | None = None,
    ahead: int = GENERATE_AHEAD_DAYS,
    school_ids: Iterable[int] | None = None,
    duties: list[tuple] | None = None,
    progress=None,
) -> int:
    """Generate the occurrences of ``bureau`` whose window opens by ``today + ahead`` and closes
    (with its grace) on or after ``since`` (default: each duty's publication day, and for a
    school the day it was put on record). Idempotent:
    an occurrence that exists is left as it is. ``school_ids`` limits it to some schools (a
    school's page), ``duties`` to some (duty, owed-from date) pairs (a plan just published).
    Returns how many were created."""
    from safecampus.orgs.models import PartnerUnit, School

    if duties is None:
        duties = selectors.owed_duties(bureau)
    if not duties:
        return 0
    cal = selectors.calendar_for(bureau)
    schools = School.objects.filter(bureau=bureau, is_active=True)
    if school_ids is not None:
        schools = schools.filter(pk__in=list(school_ids))
    schools = list(
        schools.only("pk", "stage", "boarding", "has_canteen", "has_chem_lab", "created_at")
    )
    # a school owes nothing for a period that closed before it was on record (unless the caller
    # asks for a backfill from an explicit ``since``)
    joined = (
        {
            f"s{s.pk}": min(timezone.localtime(s.created_at).date(), today)
            for s in schools
            if s.created_at
        }
        if since is None
        else {}
    )
    partners = (
        list(PartnerUnit.objects.filter(bureau=bureau).only("pk", "kind"))
        if school_ids is None
        else []
    )
    horizon = today + datetime.timedelta(days=ahead)
    created = 0
    pending: list[Occurrence] = []
    for n, (duty, published) in enumerate(duties):
        start = max(since or published, published)
        try:
            rule = duty.rule
        except rules.RuleError:
            continue
        owners = _owner_rows(duty, bureau, schools, partners)
        if school_ids is not None:
            owners = [o for o in owners if o["owner_kind"] == Owner.SCHOOL]
        if not owners:
            continue
        periods = [
            p
            for p in rules.periods(
                rule,
                start,
                horizon,
                cal,
                window_days=duty.window_days,
                grace_days=duty.grace_days,
            )
            if p.window_end >= start and (duty.in_vacation or not rules.period_in_vacation(p, cal))
        ]
        rows = [
            Occurrence(
                bureau_id=bureau.pk,
                duty_id=duty.pk,
                code=duty.code,
                overseeing_department_id=duty.overseeing_department_id,
                period_key=p.key,
                period_start=p.start,
                period_end=p.end,
                window_start=p.window_start,
                window_end=p.window_end,
                grace_end=p.grace_end,
                required=rule.times,
                **owner,
            )
            for p in periods
            for owner in owners
            if p.window_end >= joined.get(owner["owner_key"], p.window_end)
        ]
        pending += rows
        if len(pending) >= 10 * _BATCH:
            created += _insert_missing(pending)
            pending = []
        if progress is not None:
            progress(n + 1, len(duties))
    return created + _insert_missing(pending)


def _insert_missing(rows: list[Occurrence]) -> int:
    """Insert the rows whose (code, owner, period) is not there yet; in batches, each retried on
    SQLite's lock."""
    if not rows:
        return 0
    created = 0
    for i in range(0, len(rows), _BATCH):
        batch = rows[i : i + _BATCH]
        # one query for the batch: a superset of its keys, matched exactly below
        existing = set(
            Occurrence.objects.filter(
                code__in={r.code for r in batch},
                owner_key__in={r.owner_key for r in batch},
                period_start__in={r.period_start for r in batch},
            ).values_list("code", "owner_key", "period_start")
        )
        fresh = [r for r in batch if (r.code, r.owner_key, r.period_start) not in existing]
        if fresh:
            retry_locked(
                lambda fresh=fresh: Occurrence.objects.bulk_create(fresh, ignore_conflicts=True)
            )
            created += len(fresh)
    return created


def generate_all(*, today: datetime.date, since: datetime.date | None = None, progress=None) -> int:
    """Generate for every bureau with a published duty catalog or work plan (the daily job).
    ``since`` as for :func:`generate` (the daily job looks back a few weeks only, so that it
    does not rebuild a whole year of periods every night)."""
    bureau_ids = set(
        DutyCatalogVersion.objects.filter(status=VersionStatus.PUBLISHED).values_list(
            "bureau_id", flat=True
        )
    ) | set(
        WorkPlan.objects.filter(status=VersionStatus.PUBLISHED).values_list("bureau_id", flat=True)
    )
    from safecampus.orgs.models import Bureau

    total = 0
    for bureau in Bureau.objects.filter(pk__in=bureau_ids):
        total += generate(bureau, today=today, since=since)
        # a sub-bureau without its own catalog takes this one's
        for child in Bureau.objects.filter(path__startswith=bureau.path).exclude(pk__in=bureau_ids):
            total += generate(child, today=today, since=since)
    return total


def ensure_for_school(school, *, today: datetime.date) -> int:
    """Make sure a school's occurrences up to the horizon exist (its page opens even when the
    daily job has not run)."""
    return generate(school.bureau, today=today, school_ids=[school.pk])


# --- acting on an occurrence ----------------------------------------------------------------


def _lock(occurrence_id: int) -> Occurrence:
    # ``of``: PostgreSQL locks no row of the nullable side of an outer join (the school)
    return (
        Occurrence.objects.select_for_update(of=("self",))
        .select_related("duty", "bureau", "school")
        .get(pk=occurrence_id)
    )


def _event(occ, action, actor, role, *, comment="", record=None, now=None, accountability=None):
    def build(from_status, to_status):
        return OccurrenceEvent.objects.create(
            occurrence=occ,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            role=role,
            comment=comment,
            record=record,
            accountability_record_id=accountability,
            at=now or timezone.now(),
        )

    return build


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _check_record_input(occ: Occurrence, data: dict, files_by_kind: dict, now) -> dict:
    """Every problem with a record's input, by field (nothing is saved when there is one)."""
    errors: dict[str, list[str]] = {}
    duty = occ.duty
    occurred_at = data.get("occurred_at")
    today = _local_date(now)
    if occurred_at is None:
        errors["occurred_at"] = [_("Give the date and time it was held.")]
    else:
        if timezone.is_naive(occurred_at):
            occurred_at = timezone.make_aware(occurred_at)
        day = _local_date(occurred_at)
        if occurred_at > now:
            errors["occurred_at"] = [_("The date and time lie in the future.")]
        elif day < occ.window_start or day > occ.grace_end:
            errors["occurred_at"] = [
                _("%(day)s is outside this period's window (%(start)s to %(end)s).")
                % {
                    "day": f"{day:%Y-%m-%d}",
                    "start": f"{occ.window_start:%Y-%m-%d}",
                    "end": f"{occ.grace_end:%Y-%m-%d}",
                }
            ]
    if today > occ.grace_end:
        errors.setdefault("occurred_at", []).append(
            _(
                "The window and grace of this period closed on %(end)s: "
                "it can no longer be recorded."
            )
            % {"end": f"{occ.grace_end:%Y-%m-%d}"}
        )
    for figure in duty.figures:
        value = data.get(figure)
        if value in (None, ""):
            errors[figure] = [_("Give “%(figure)s”.") % {"figure": Figure(figure).label}]
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[figure] = [
                _("“%(figure)s” must be a whole number.") % {"figure": Figure(figure).label}
            ]
            continue
        if number < 0 or number > 1_000_000:
            errors[figure] = [_("“%(figure)s” is out of range.") % {"figure": Figure(figure).label}]
    if "signed" in duty.figures and "total" in duty.figures and "signed" not in errors:
        try:
            if int(data.get("signed")) > int(data.get("total")):
                errors["signed"] = [_("More signed than there are to sign.")]
        except (TypeError, ValueError):
            pass
    for kind in duty.evidence:
        if not files_by_kind.get(kind):
            errors[f"files_{kind}"] = [
                _("Add the %(kind)s this duty requires.") % {"kind": Evidence(kind).label}
            ]
    file_problems = []
    for kind, files in files_by_kind.items():
        if kind not in Evidence.values:
            file_problems.append(_("Unknown kind of evidence: %(kind)s") % {"kind": kind})
            continue
        file_problems += upload_problems(files)
        file_problems += _name_mismatches(files, photos=(kind == Evidence.PHOTO))
    if file_problems:
        errors["files"] = file_problems
    return errors


_EXT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
    "heif": "image/heic",
    "pdf": "application/pdf",
    **{ext: ct for ct, ext in KINDS.items() if ext in ("docx", "xlsx", "pptx", "doc")},
}


def _name_mismatches(files, *, photos: bool) -> list[str]:
    """A file whose name says one kind and whose content is another (``photo.jpg`` that is a
    PDF), and a "photo" that is no image."""
    from safecampus.hazards.evidence import check_upload

    out = []
    for upload in files:
        try:
            content_type = check_upload(upload)[0]
        except Exception:  # noqa: BLE001 - reported by upload_problems
            continue
        name = getattr(upload, "name", "") or ""
        ext = os.path.splitext(name)[1].lower().lstrip(".")
        said = _EXT_TYPES.get(ext)
        if (
            said is not None
            and said != content_type
            and not (said.startswith("application/vnd.openxmlformats") and content_type == said)
        ):
            out.append(
                _("%(name)s is not what its name says: its content is %(type)s.")
                % {"name": name, "type": content_type}
            )
        elif photos and not content_type.startswith("image/"):
            out.append(_("%(name)s is not a photo.") % {"name": name})
    return out


def _write_record(
    locked: Occurrence, *, actor, roles, data: dict, files: dict, supersedes, now
) -> DutyRecord:
    """Check and write one record of a locked occurrence, inside the caller's transaction."""
    errors = _check_record_input(locked, data, files, now)
    if errors:
        raise refuse(errors, Code.INVALID)
    occurred_at = data["occurred_at"]
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    previous = None
    if supersedes is not None:
        previous = DutyRecord.objects.filter(pk=supersedes, occurrence=locked).first()
        if previous is None:
            raise refuse(
                {"supersedes": [_("That record is not of this occurrence.")]}, Code.INVALID
            )
        # a correction fixes what was recorded; it does not turn a late record into an on-time
        # one (or the other way): that is for the overseer, through "not credible"
        late = _local_date(occurred_at) > locked.window_end
        if locked.status in (OccurrenceStatus.DONE, OccurrenceStatus.DONE_LATE) and late != (
            locked.status == OccurrenceStatus.DONE_LATE
        ):
            raise refuse(
                {
                    "occurred_at": [
                        _(
                            "A correction cannot move the date across the end of the window "
                            "(%(end)s): whether it was done on time stays as first recorded."
                        )
                        % {"end": f"{locked.window_end:%Y-%m-%d}"}
                    ]
                },
                Code.INVALID,
            )
        action = CORRECT
    elif locked.recorded + 1 < locked.required:
        action = RECORD_PART
    elif _local_date(occurred_at) <= locked.window_end:
        action = RECORD
    else:
        action = RECORD_LATE
    if locked.status in (OccurrenceStatus.DONE, OccurrenceStatus.DONE_LATE) and action != CORRECT:
        raise refuse(
            _("This period is already recorded; correct the record instead."),
            Code.ALREADY_RECORDED,
        )
    move = OCCURRENCES.check(locked, action, roles)
    role = OCCURRENCES.acting_role(roles, move)
    figures = {
        f: int(data[f])
        for f in locked.duty.figures
        if f not in ("participants", "evacuation_seconds")
    }
    rec = DutyRecord.objects.create(
        occurrence=locked,
        occurred_at=occurred_at,
        summary=(data.get("summary") or "").strip(),
        scenario=(data.get("scenario") or "").strip()[:200],
        participants=_int_or_none(data.get("participants")),
        evacuation_seconds=_int_or_none(data.get("evacuation_seconds")),
        figures=figures,
        supersedes=previous,
        created_at=now,
        created_by=actor,
        created_role=role,
    )
    for kind, uploads in files.items():
        for upload in uploads:
            store_upload(DutyEvidence(record=rec, kind=kind), upload, actor=actor)
    if action != CORRECT:
        locked.recorded += 1
    OCCURRENCES.commit(
        locked,
        move,
        now=now,
        update_fields=["recorded"],
        event=_event(locked, action, actor, role, record=rec, now=now),
    )
    return rec


def record(
    *,
    actor,
    occurrence_id: int,
    data: dict,
    files: dict | None = None,
    supersedes: int | None = None,
    now: datetime.datetime | None = None,
) -> DutyRecord:
    """Record what was done for an occurrence (or, with ``supersedes``, correct a record).
    ``data``: occurred_at (an aware datetime), summary, scenario, and the duty's figures;
    ``files``: Evidence kind → uploaded files. Refused, with nothing saved, when the input is
    wrong; 404 out of scope, 403 for anyone but the owner."""
    now = now or timezone.now()
    occ = get_for(actor, Occurrence, occurrence_id, access.RECORD)
    files = {k: prepare_uploads(list(v)) for k, v in (files or {}).items() if v}
    occ_roles = access.record_roles(scope_for(actor), occ)

    def write():
        return _write_record(
            _lock(occ.pk),
            actor=actor,
            roles=occ_roles,
            data=data,
            files=files,
            supersedes=supersedes,
            now=now,
        )

    return in_write_transaction(write)


def record_problems(occ: Occurrence, data: dict, *, now, files=None) -> dict:
    """Every problem with a record's input for ``occ`` (what :func:`record` would refuse it
    for), by field; ``{}`` when there is none. For an import's row-by-row report."""
    return _check_record_input(occ, data, files or {}, now)


def record_rows(*, actor, rows: list[tuple[int, dict]], now=None) -> list[DutyRecord]:
    """Record several occurrences (``(occurrence id, data)`` without files) in one
    transaction: all or nothing (the drill import). Each is checked as :func:`record` checks
    it; the first refusal rolls everything back and is raised with ``row`` set to its index."""
    now = now or timezone.now()
    scope = scope_for(actor)
    occs = {
        o.pk: o
        for o in Occurrence.objects.restrict(actor, access.RECORD).filter(
            pk__in=[pk for pk, _data in rows]
        )
    }

    def write():
        out = []
        for index, (pk, data) in enumerate(rows):
            occ = occs.get(pk)
            if occ is None:
                from django.http import Http404

                raise Http404
            try:
                out.append(
                    _write_record(
                        _lock(pk),
                        actor=actor,
                        roles=access.record_roles(scope, occ),
                        data=data,
                        files={},
                        supersedes=None,
                        now=now,
                    )
                )
            except ValidationError as exc:
                exc.row = index
                raise
        return out

    return in_write_transaction(write)


def _int_or_none(value):
    return None if value in (None, "") else int(value)


def ask_excuse(*, actor, occurrence_id: int, reason: str, now=None) -> Occurrence:
    now = now or timezone.now()
    occ = get_for(actor, Occurrence, occurrence_id, access.RECORD)
    if not (reason or "").strip():
        raise refuse({"reason": [_("Give the reason for the excuse.")]}, Code.COMMENT_REQUIRED)
    roles = access.record_roles(scope_for(actor), occ)

    def write():
        locked = _lock(occ.pk)
        if _local_date(now) > locked.grace_end:
            raise refuse(
                _("The window and grace of this period have closed."), Code.INVALID_TRANSITION
            )
        move = OCCURRENCES.check(locked, ASK_EXCUSE, roles)
        role = OCCURRENCES.acting_role(roles, move)
        OCCURRENCES.commit(
            locked,
            move,
            now=now,
            event=_event(locked, ASK_EXCUSE, actor, role, comment=reason.strip(), now=now),
        )
        return locked

    return in_write_transaction(write)


def decide_excuse(*, actor, occurrence_id: int, accept: bool, comment: str = "", now=None):
    now = now or timezone.now()
    occ = get_for(actor, Occurrence, occurrence_id, access.OVERSEE)
    if not accept and not (comment or "").strip():
        raise refuse({"comment": [_("Say why the excuse is refused.")]}, Code.COMMENT_REQUIRED)
    roles = access.oversee_roles(scope_for(actor), occ)
    action = ACCEPT_EXCUSE if accept else REFUSE_EXCUSE

    def write():
        locked = _lock(occ.pk)
        move = OCCURRENCES.check(locked, action, roles)
        role = OCCURRENCES.acting_role(roles, move)
        if not accept:
            # the owner keeps at least a few days to record after a refusal
            locked.grace_end = max(
                locked.grace_end, _local_date(now) + datetime.timedelta(REOPEN_DAYS)
            )
        OCCURRENCES.commit(
            locked,
            move,
            now=now,
            update_fields=["grace_end"],
            event=_event(locked, action, actor, role, comment=(comment or "").strip(), now=now),
        )
        return locked

    return in_write_transaction(write)


def mark_not_credible(
    *, actor, occurrence_id: int, reason: str, open_accountability: bool = False, now=None
) -> Occurrence:
    """A department finds a record not credible (a photo reused, a drill on a holiday): the
    occurrence is due again, with at least ``REOPEN_DAYS`` to record anew; with
    ``open_accountability`` an accountability record (criticism) is opened against the owner, as
    a failed spot check does."""
    from safecampus.accountability import services as accountability
    from safecampus.accountability.models import RecordBasis, RecordKind

    now = now or timezone.now()
    occ = get_for(actor, Occurrence, occurrence_id, access.OVERSEE)
    if not (reason or "").strip():
        raise refuse({"reason": [_("Say why the record is not credible.")]}, Code.COMMENT_REQUIRED)
    roles = access.oversee_roles(scope_for(actor), occ)

    def write():
        locked = _lock(occ.pk)
        move = OCCURRENCES.check(locked, NOT_CREDIBLE, roles)
        role = OCCURRENCES.acting_role(roles, move)
        record_id = None
        if open_accountability:
            if locked.school_id is None and locked.department_id is None:
                raise refuse(
                    _("An accountability record names a school or a department."), Code.INVALID
                )
            opened = accountability.record_open(
                actor=actor,
                bureau_id=locked.bureau_id,
                kind=RecordKind.CRITICISM,
                basis=RecordBasis.OTHER,
                reason=_("Duty “%(duty)s” (%(period)s): record not credible: %(reason)s")
                % {"duty": locked.duty.name, "period": locked.period_key, "reason": reason.strip()},
                school=locked.school,
                department=locked.department,
                system=True,
            )
            record_id = opened.pk
        locked.recorded = 0
        locked.grace_end = max(locked.grace_end, _local_date(now) + datetime.timedelta(REOPEN_DAYS))
        OCCURRENCES.commit(
            locked,
            move,
            now=now,
            update_fields=["recorded", "grace_end"],
            event=_event(
                locked,
                NOT_CREDIBLE,
                actor,
                role,
                comment=reason.strip(),
                now=now,
                accountability=record_id,
            ),
        )
        return locked

    return in_write_transaction(write)


def sweep_missed(*, today: datetime.date, limit: int | None = None) -> int:
    """Mark missed every occurrence still due after its grace (the daily job). The status the
    pages show is already "missed" before this runs (``Occurrence.effective_status``)."""
    ids = list(
        Occurrence.objects.filter(status=OccurrenceStatus.DUE, grace_end__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)[: limit or None]
    )
    now = timezone.now()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]

        def write(chunk=chunk):
            with transaction.atomic():
                for occ in Occurrence.objects.select_for_update().filter(
                    pk__in=chunk, status=OccurrenceStatus.DUE
                ):
                    move = OCCURRENCES.check(occ, MISS, OCCURRENCES.find(MISS, occ.status).roles)
                    OCCURRENCES.commit(
                        occ, move, now=now, event=_event(occ, MISS, None, "", now=now)
                    )

        retry_locked(write)
    return len(ids)


# --- the catalog ----------------------------------------------------------------------------


def _manage(actor, bureau_id: int) -> None:
    require(actor, DUTY_MANAGE)
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        from django.http import Http404

        raise Http404


def version_start_draft(*, actor, bureau, title: str | None = None) -> DutyCatalogVersion:
    """A new draft, copied from the bureau's latest version (if any)."""
    _manage(actor, bureau.pk)
    if DutyCatalogVersion.objects.filter(bureau=bureau, status=VersionStatus.DRAFT).exists():
        raise refuse(_("There already is a draft; edit or publish it first."), Code.DRAFT_EXISTS)
    latest = DutyCatalogVersion.objects.filter(bureau=bureau).order_by("-number").first()

    def write():
        draft = DutyCatalogVersion.objects.create(
            bureau=bureau,
            number=(latest.number + 1) if latest else 1,
            title=title or (latest.title if latest else _("Recurring duties")),
            based_on=latest,
            created_by=actor,
        )
        if latest is not None:
            copy_duties(latest.duties.all(), version=draft)
        audit_record(
            action="duties.version_draft",
            actor=actor,
            target=draft,
            bureau_id=bureau.pk,
            data={"number": draft.number},
        )
        return draft

    try:
        return in_write_transaction(write)
    except IntegrityError as exc:
        raise refuse(
            _("There already is a draft; edit or publish it first."), Code.DRAFT_EXISTS
        ) from exc


def copy_duties(duties, *, version=None, plan=None) -> None:
    for duty in duties.prefetch_related("owed_by_departments"):
        departments = list(duty.owed_by_departments.all())
        duty.pk = None
        # the prefetched departments are the original's: without this, set() below sees them
        # as already there and the copy is left with none
        duty._prefetched_objects_cache = {}
        duty.version = version
        duty.plan = plan
        duty.save()
        duty.owed_by_departments.set(departments)


def version_publish(*, actor, version_id: int, now=None) -> DutyCatalogVersion:
    """Publish a draft: it is frozen, and from now on the bureau's occurrences are made under
    it. Refused when a duty's rule does not parse."""
    version = get_for(actor, DutyCatalogVersion, version_id, "edit")
    if not version.is_draft:
        raise refuse(_("Only a draft is published."), Code.INVALID_TRANSITION)
    problems = duty_problems(version.duties.all())
    if problems:
        raise refuse({"duties": problems}, Code.INVALID)
    if not version.duties.exists():
        raise refuse(_("The draft holds no duty."), Code.EMPTY)
    now = now or timezone.now()

    def write():
        version.status = VersionStatus.PUBLISHED
        version.published_at = now
        version.published_by = actor
        version.save(update_fields=["status", "published_at", "published_by"])
        audit_record(
            action="duties.version_publish",
            actor=actor,
            target=version,
            bureau_id=version.bureau_id,
            data={"number": version.number},
        )
        return version

    return in_write_transaction(write)


def duty_problems(duties) -> list[str]:
    out = []
    for duty in duties:
        try:
            rules.parse(duty.frequency)
        except rules.RuleError as exc:
            out.append(f"{duty.code} {duty.name}：{exc}")
        if not (
            duty.owed_by_schools
            or duty.owed_by_centre
            or duty.partner_kinds
            or duty.owed_by_departments.exists()
        ):
            out.append(
                _("%(code)s %(name)s: nobody owes it.") % {"code": duty.code, "name": duty.name}
            )
    return out


def duty_save(*, actor, version_id: int, duty: Duty, departments=()) -> Duty:
    """Save a duty of a draft (new or edited); the rule must parse."""
    version = get_for(actor, DutyCatalogVersion, version_id, "edit")
    if not version.is_draft:
        raise refuse(
            _("A published version is frozen; start a new draft."), Code.INVALID_TRANSITION
        )
    try:
        rules.parse(duty.frequency)
    except rules.RuleError as exc:
        raise refuse({"frequency": [str(exc)]}, Code.INVALID) from exc

    def write():
        duty.version = version
        duty.bureau_id = version.bureau_id
        duty.save()
        duty.owed_by_departments.set(departments)
        return duty

    try:
        return in_write_transaction(write)
    except IntegrityError as exc:
        raise refuse(
            {"code": [_("Another duty of this version has this code.")]}, Code.DUPLICATE
        ) from exc


def duty_delete(*, actor, duty_id: int) -> None:
    duty = get_for(actor, Duty, duty_id, "edit")
    if duty.version is None or not duty.version.is_draft:
        raise refuse(
            _("A published version is frozen; start a new draft."), Code.INVALID_TRANSITION
        )
    in_write_transaction(duty.delete)


# --- a history brought in at once (the demo) --------------------------------------------------


def record_bulk(*, entries: list[dict], now: datetime.datetime | None = None) -> int:
    """Record many occurrences at once, one record each: a history brought in (the demo's).

    ``entries``: dicts with ``occurrence`` (an :class:`Occurrence` with its duty), ``actor``,
    ``role`` (the owner's role that records), ``occurred_at`` (aware), ``summary``,
    ``scenario``, ``participants``, ``evacuation_seconds``, ``figures`` (the other figures) and
    ``files`` (Evidence kind → [(name, JPEG bytes)]). Each occurrence must be due and owe a
    single record, its date lie in its window or grace and not after ``now``; the move (done,
    or done late after the window) is checked against ``OCCURRENCES`` as for one record, and
    the occurrence's status, stamp and version are set as ``Lifecycle.commit`` sets them, with
    the same event row. An entry that does not qualify is refused with nothing saved.
    Files are written before the transaction, under random names, each small image its own
    thumbnail. Statuses are written with one update per (status, moment). Returns how many
    were recorded."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from safecampus.hazards.evidence import stored_name

    now = now or timezone.now()
    if not entries:
        return 0
    moves = []
    for entry in entries:
        occ = entry["occurrence"]
        day = _local_date(entry["occurred_at"])
        if (
            occ.status != OccurrenceStatus.DUE
            or occ.required != 1
            or occ.recorded
            or entry["occurred_at"] > now
            or not occ.window_start <= day <= occ.grace_end
        ):
            raise refuse(
                _("%(occ)s cannot be recorded on %(day)s.") % {"occ": occ, "day": f"{day}"},
                Code.INVALID,
            )
        action = RECORD if day <= occ.window_end else RECORD_LATE
        move = OCCURRENCES.check(occ, action, frozenset({entry["role"]}))
        moves.append((action, move))
    stored: list[list[tuple]] = []
    for entry in entries:
        bureau_id = entry["occurrence"].bureau_id
        files = []
        for kind, items in (entry.get("files") or {}).items():
            for name, content in items:
                path = default_storage.save(
                    f"duties/{bureau_id}/{stored_name('jpg')}", ContentFile(content)
                )
                digest = hashlib.sha256(content).hexdigest()
                files.append((kind, name, len(content), digest, path, path))
        stored.append(files)

    def write() -> int:
        records = DutyRecord.objects.bulk_create(
            batch_size=2000,
            objs=[
                DutyRecord(
                    occurrence=e["occurrence"],
                    occurred_at=e["occurred_at"],
                    summary=e.get("summary", ""),
                    scenario=(e.get("scenario") or "")[:200],
                    participants=e.get("participants"),
                    evacuation_seconds=e.get("evacuation_seconds"),
                    figures=e.get("figures") or {},
                    created_at=e.get("created_at") or now,
                    created_by=e["actor"],
                    created_role=e["role"],
                )
                for e in entries
            ],
        )
        DutyEvidence.objects.bulk_create(
            [
                DutyEvidence(
                    record=rec,
                    kind=kind,
                    file=path,
                    thumbnail=thumb,
                    content_type="image/jpeg",
                    original_name=name[-200:],
                    size=size,
                    sha256=digest,
                    uploaded_by=e["actor"],
                )
                for rec, e, files in zip(records, entries, stored, strict=True)
                for kind, name, size, digest, path, thumb in files
            ],
            batch_size=2000,
        )
        events = []
        groups: dict[tuple, list[int]] = {}
        for rec, e, (action, move) in zip(records, entries, moves, strict=True):
            occ = e["occurrence"]
            at = e.get("created_at") or now
            from_status = occ.status
            to_status = move.leads(from_status)
            groups.setdefault((to_status, at), []).append(occ.pk)
            events.append(
                OccurrenceEvent(
                    occurrence=occ,
                    action=action,
                    from_status=from_status,
                    to_status=to_status,
                    actor=e["actor"],
                    role=e["role"],
                    record=rec,
                    at=at,
                )
            )
        from django.db.models import F

        for (to_status, at), ids in groups.items():
            for i in range(0, len(ids), 500):
                updated = Occurrence.objects.filter(
                    pk__in=ids[i : i + 500], status=OccurrenceStatus.DUE, recorded=0
                ).update(
                    status=to_status,
                    status_at=at,
                    recorded=1,
                    row_version=F("row_version") + 1,
                )
                if updated != len(ids[i : i + 500]):
                    raise refuse(_("An occurrence changed meanwhile."), Code.INVALID)
        OccurrenceEvent.objects.bulk_create(events, batch_size=2000)
        return len(records)

    return in_write_transaction(write)
