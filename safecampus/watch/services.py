"""Every write of the duty watch: periods, rosters and their shifts, publishing, revising and
swaps (through the lifecycle table ``lifecycle.ROSTERS``) and the duty log.

Services are keyword-only; they check everything first (nothing is saved on a refusal), then
write in one transaction (``core.db.in_write_transaction``). Refusals carry a code of
``core.refusals.Code`` and a Chinese message.

The rules (seeds 003 §4, 002 §三.3):

- a shift ends after it starts, within the period's days, and never overlaps another shift of
  the same person (the same account, or the same name and phone without one) in any roster of
  the bureau (``overlap``); shifts that only touch (one ends when the next starts) are fine;
- a roster is published only with a leader on duty on every day of the period
  (``not_covered``, naming the days without one); for a period already under way, on every
  day from today to its end (``leader_days``);
- a published roster changes only by swaps (调班): a shift not yet ended and not yet checked
  in, with a reason, the overlap rule applying to the new person;
- the person on a shift checks in (or the school's officer or the centre on their behalf) from
  ``CHECK_IN_EARLY`` before its start until its end, once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.access import roles_on, scope_for
from safecampus.core.capabilities import WATCH_VIEW
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse

from . import access
from .choices import NOTE_KINDS, LogKind, PeriodKind, Post, RosterAction, RosterStatus
from .lifecycle import ROSTERS
from .models import DutyLogEntry, Roster, RosterEvent, Shift, WatchPeriod

#: a shift may be checked in from this long before it starts
CHECK_IN_EARLY = datetime.timedelta(minutes=30)
#: a shift with no check-in by its start plus this is missed (未到岗)
GRACE = datetime.timedelta(minutes=30)


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of ``day`` and of the next day, in the current time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def day_text(day: datetime.date) -> str:
    return f"{day.month}月{day.day}日"


def when_text(start: datetime.datetime, end: datetime.datetime) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    tail = f"{end:%H:%M}" if start.date() == end.date() else f"{day_text(end.date())} {end:%H:%M}"
    return f"{day_text(start.date())} {start:%H:%M}–{tail}"


def hours_text(start: datetime.datetime, end: datetime.datetime) -> str:
    """A shift's hours under the day it starts: "08:00–20:00", "20:00 至次日08:00", or the
    end's date when it ends later than the next day."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    days = (end.date() - start.date()).days
    if days == 0:
        return f"{start:%H:%M}–{end:%H:%M}"
    if days == 1:
        return _("%(start)s to the next day %(end)s") % {
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
        }
    return _("%(start)s to %(day)s %(end)s") % {
        "start": f"{start:%H:%M}",
        "day": day_text(end.date()),
        "end": f"{end:%H:%M}",
    }


# --- periods ------------------------------------------------------------------------------------


def _period_problems(*, bureau_id: int, data: dict, period: WatchPeriod | None) -> dict:
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if not name:
        errors["name"] = [_("Give the period a name.")]
    elif (
        WatchPeriod.objects.filter(bureau_id=bureau_id, name=name)
        .exclude(pk=period.pk if period else None)
        .exists()
    ):
        errors["name"] = [_("The bureau already has a period with this name.")]
    if data.get("kind") not in PeriodKind.values:
        errors["kind"] = [_("Choose the kind of period.")]
    if not starts or not ends:
        errors["ends_on"] = [_("Give the first and the last day.")]
    elif ends < starts:
        errors["ends_on"] = [_("The last day is before the first day.")]
    elif (ends - starts).days > 92:
        errors["ends_on"] = [_("A period lasts at most 93 days.")]
    elif period is not None:
        first, _x = local_day_bounds(starts)
        _y, last = local_day_bounds(ends)
        outside = (
            Shift.objects.filter(roster__period=period)
            .filter(Q(starts_at__lt=first) | Q(ends_at__gt=last))
            .order_by("starts_at")
            .first()
        )
        if outside is not None:
            errors["ends_on"] = [
                _("The shift of %(name)s on %(when)s would lie outside the period.")
                % {
                    "name": outside.person_name,
                    "when": when_text(outside.starts_at, outside.ends_at),
                }
            ]
    return errors


def period_save(
    *, actor, data: dict, bureau=None, period: WatchPeriod | None = None, now=None
) -> WatchPeriod:
    """Create (``bureau``) or change (``period``) a holiday or sensitive period."""
    now = now or timezone.now()
    bureau_id = period.bureau_id if period is not None else bureau.pk
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("Only the safety centre keeps the duty periods of this bureau."))
    if errors := _period_problems(bureau_id=bureau_id, data=data, period=period):
        raise refuse(errors, Code.INVALID)

    def write() -> WatchPeriod:
        obj = period or WatchPeriod(bureau_id=bureau_id, created_by=actor, created_at=now)
        obj.name = data["name"].strip()
        obj.kind = data["kind"]
        obj.starts_on = data["starts_on"]
        obj.ends_on = data["ends_on"]
        obj.note = (data.get("note") or "").strip()
        obj.updated_at = now
        obj.save()
        return obj

    return in_write_transaction(write)


def holiday_proposals(*, year: int) -> list[dict]:
    """The State Council's holidays of ``year`` (``chinese_calendar``) as periods: name, first
    and last day. Refused for a year the library does not know yet."""
    import chinese_calendar

    from safecampus.duties.schoolcal import library_knows

    if not library_knows(year):
        raise refuse(
            _(
                "The national holiday arrangement for %(year)d is not known to this system yet; "
                "enter the periods by hand once the State Council publishes it."
            )
            % {"year": year},
            Code.INVALID,
        )
    out: list[dict] = []
    day = datetime.date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if on_holiday and name:
            chinese = chinese_calendar.Holiday(name).chinese
            label = f"{year}年{chinese}"
            if out and out[-1]["key"] == name and out[-1]["ends_on"] == day - datetime.timedelta(1):
                out[-1]["ends_on"] = day
            else:
                if any(p["name"] == label for p in out):
                    label = f"{label}（{day.month}月）"
                out.append({"key": name, "name": label, "starts_on": day, "ends_on": day})
        day += datetime.timedelta(days=1)
    for p in out:
        p.pop("key")
        p["kind"] = PeriodKind.HOLIDAY.value
    return out


def periods_generate(*, actor, bureau, year: int, names: Iterable[str] | None = None, now=None):
    """Create the holiday periods of ``year`` the bureau does not have yet (those in ``names``
    when given). Returns the periods created."""
    now = now or timezone.now()
    if bureau.pk not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("Only the safety centre keeps the duty periods of this bureau."))
    proposals = holiday_proposals(year=year)
    wanted = set(names) if names is not None else None
    have = set(WatchPeriod.objects.filter(bureau=bureau).values_list("name", flat=True))
    todo = [
        p for p in proposals if p["name"] not in have and (wanted is None or p["name"] in wanted)
    ]

    def write() -> list[WatchPeriod]:
        return [
            WatchPeriod.objects.create(
                bureau=bureau, created_by=actor, created_at=now, updated_at=now, **p
            )
            for p in todo
        ]

    return in_write_transaction(write)


# --- rosters ------------------------------------------------------------------------------------


def _event(roster, action, *, actor, roles, move=None, now, data=None):
    def build(from_status: str, to_status: str) -> RosterEvent:
        return RosterEvent.objects.create(
            roster=roster,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            actor_role=ROSTERS.acting_role(roles, move),
            at=now,
            data=data or {},
        )

    return build


def roster_create(*, actor, period: WatchPeriod, school=None, now=None) -> Roster:
    """The roster of ``school`` (or, without one, the bureau's own) for ``period``; the
    existing one when it is already there."""
    now = now or timezone.now()
    probe = Roster(bureau_id=period.bureau_id, school=school, period=period)
    if school is not None and school.bureau_id != period.bureau_id:
        raise refuse(_("The school is not in the period's bureau."), Code.SCOPE)
    if (
        not access.roster_roles(scope_for(actor), probe)
        & ROSTERS.find(RosterAction.ADD_SHIFT, RosterStatus.DRAFT).roles
    ):
        raise PermissionDenied(_("Your roles do not allow keeping this roster."))
    existing = Roster.objects.filter(period=period, school=school).first()
    if existing is not None:
        return existing

    def write() -> Roster:
        roster = Roster.objects.create(
            bureau_id=period.bureau_id,
            school=school,
            period=period,
            created_by=actor,
            created_at=now,
            status_changed_at=now,
        )
        RosterEvent.objects.create(
            roster=roster,
            action=RosterAction.CREATE,
            to_status=roster.status,
            actor=actor,
            actor_role=ROSTERS.acting_role(access.roster_roles(scope_for(actor), roster)),
            at=now,
        )
        return roster

    return in_write_transaction(write)


def _roles(actor, roster) -> frozenset[str]:
    return roles_on(actor, roster)


def shift_problems(
    *,
    roster: Roster,
    data: dict,
    exclude: Iterable[int] = (),
    batch: Iterable[dict] = (),
) -> dict[str, list[tuple[str, str]]]:
    """Every problem of the shift ``data`` in ``roster`` as ``{field: [(message, code)]}``:
    the times, the period, and overlaps with the same person's shifts of the bureau (saved ones
    but those in ``exclude``, and the other shifts of the same ``batch``)."""
    errors: dict[str, list[tuple[str, str]]] = {}

    def err(field, message, code=Code.INVALID):
        errors.setdefault(field, []).append((message, str(code)))

    if data.get("post") not in Post.values:
        err("post", _("Choose the post."))
    name = (data.get("person_name") or "").strip()
    if not name:
        err("person_name", _("Give the name of the person on duty."))
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if not starts or not ends:
        err("ends_at", _("Give when the shift starts and ends."))
        return errors
    if ends <= starts:
        err("ends_at", _("The shift ends before (or when) it starts."))
        return errors
    period = roster.period
    first, _x = local_day_bounds(period.starts_on)
    _y, last = local_day_bounds(period.ends_on)
    if starts < first or ends > last:
        err(
            "starts_at",
            _("The shift lies outside the period %(name)s (%(first)s to %(last)s).")
            % {
                "name": period.name,
                "first": day_text(period.starts_on),
                "last": day_text(period.ends_on),
            },
        )
        return errors
    other = _overlapping(roster=roster, data=data, exclude=exclude)
    if other is not None:
        err(
            "starts_at",
            _(
                "%(name)s is already on duty %(when)s (%(roster)s); one person cannot be on two "
                "shifts at once."
            )
            % {
                "name": other.person_name,
                "when": when_text(other.starts_at, other.ends_at),
                "roster": other.roster.title,
            },
            Code.OVERLAP,
        )
    for row in batch:
        if row is data or not _same_person(row, data):
            continue
        if row["starts_at"] < ends and row["ends_at"] > starts:
            err(
                "starts_at",
                _(
                    "%(name)s is already on duty %(when)s in this file; one person cannot be on "
                    "two shifts at once."
                )
                % {"name": name, "when": when_text(row["starts_at"], row["ends_at"])},
                Code.OVERLAP,
            )
            break
    return errors


def _same_person(a: dict, b: dict) -> bool:
    pa, pb = a.get("person"), b.get("person")
    if pa is not None or pb is not None:
        return pa is not None and pb is not None and pa.pk == pb.pk
    return (a.get("person_name") or "").strip() == (b.get("person_name") or "").strip() and (
        a.get("phone") or ""
    ).strip() == (b.get("phone") or "").strip()


def _overlapping(*, roster: Roster, data: dict, exclude: Iterable[int] = ()) -> Shift | None:
    person = data.get("person")
    name = (data.get("person_name") or "").strip()
    phone = (data.get("phone") or "").strip()
    same = Q(person__isnull=True, person_name=name, phone=phone)
    if person is not None:
        same = Q(person_id=person.pk) | (same if phone else Q(pk__in=[]))
    return (
        Shift.objects.filter(same, bureau_id=roster.bureau_id)
        .filter(starts_at__lt=data["ends_at"], ends_at__gt=data["starts_at"])
        .exclude(pk__in=list(exclude))
        .select_related("roster__school", "roster__bureau", "roster__period")
        .order_by("starts_at")
        .first()
    )


def _clean_shift(data: dict) -> dict:
    person = data.get("person")
    name = (data.get("person_name") or "").strip()
    phone = (data.get("phone") or "").strip()
    if person is not None:
        name = name or person.display_name
        phone = phone or (person.phone or "")
    return {
        "post": data.get("post"),
        "person": person,
        "person_name": name,
        "phone": phone,
        "starts_at": data.get("starts_at"),
        "ends_at": data.get("ends_at"),
    }


def _shift_data(shift: Shift) -> dict:
    return {
        "shift": shift.pk,
        "post": shift.post,
        "person": shift.person_id,
        "person_name": shift.person_name,
        "phone": shift.phone,
        "starts_at": timezone.localtime(shift.starts_at).isoformat(),
        "ends_at": timezone.localtime(shift.ends_at).isoformat(),
    }


def _check_person(roster: Roster, person) -> None:
    """An account named on a shift must belong to the roster's school (or bureau)."""
    if person is None:
        return
    if person.pk not in set(eligible_people(roster).values_list("pk", flat=True)):
        raise refuse(
            {"person": [_("This account does not belong to the roster's school or bureau.")]},
            Code.SCOPE,
        )


def eligible_people(roster: Roster):
    """The accounts that may be named on the roster's shifts: those holding a business role
    (``WATCH_VIEW``) at its school (or, for the bureau's roster, in the bureau or its
    departments). The system admin, security admin and auditor are never on duty here."""
    from safecampus.accounts.models import User

    held = Q(role_assignments__revoked_at__isnull=True, role_assignments__role__in=WATCH_VIEW)
    if roster.school_id is not None:
        held &= Q(role_assignments__school_id=roster.school_id)
    else:
        held &= Q(role_assignments__bureau_id=roster.bureau_id) | Q(
            role_assignments__department__bureau_id=roster.bureau_id
        )
    return User.objects.filter(held, is_active=True).distinct().order_by("full_name", "pk")


def _shift_move(actor, roster: Roster, action: str):
    roles = _roles(actor, roster)
    move = ROSTERS.check(roster, action, roles)
    return roles, move


def shift_add(*, actor, roster: Roster, data: dict, now=None) -> Shift:
    now = now or timezone.now()
    roles, move = _shift_move(actor, roster, RosterAction.ADD_SHIFT)
    data = _clean_shift(data)
    _check_person(roster, data["person"])
    if errors := shift_problems(roster=roster, data=data):
        raise refuse(errors, _first_code(errors))

    def write() -> Shift:
        shift = Shift.objects.create(roster=roster, bureau_id=roster.bureau_id, **data)
        ROSTERS.commit(
            roster,
            move,
            event=_event(
                roster,
                RosterAction.ADD_SHIFT,
                actor=actor,
                roles=roles,
                move=move,
                now=now,
                data=_shift_data(shift),
            ),
            now=now,
            update_fields=[],
        )
        return shift

    return in_write_transaction(write)


def shift_change(*, actor, shift: Shift, data: dict, now=None) -> Shift:
    now = now or timezone.now()
    roster = shift.roster
    roles, move = _shift_move(actor, roster, RosterAction.CHANGE_SHIFT)
    data = _clean_shift(data)
    _check_person(roster, data["person"])
    if errors := shift_problems(roster=roster, data=data, exclude=[shift.pk]):
        raise refuse(errors, _first_code(errors))
    before = _shift_data(shift)

    def write() -> Shift:
        for field, value in data.items():
            setattr(shift, field, value)
        shift.save()
        ROSTERS.commit(
            roster,
            move,
            event=_event(
                roster,
                RosterAction.CHANGE_SHIFT,
                actor=actor,
                roles=roles,
                move=move,
                now=now,
                data={"before": before, "after": _shift_data(shift)},
            ),
            now=now,
            update_fields=[],
        )
        return shift

    return in_write_transaction(write)


def shift_remove(*, actor, shift: Shift, now=None) -> None:
    now = now or timezone.now()
    roster = shift.roster
    roles, move = _shift_move(actor, roster, RosterAction.REMOVE_SHIFT)
    if DutyLogEntry.objects.filter(Q(shift=shift) | Q(next_shift=shift)).exists():
        raise refuse(_("The shift has duty log entries and cannot be removed."), Code.RECORDED)
    before = _shift_data(shift)

    def write() -> None:
        shift.delete()
        ROSTERS.commit(
            roster,
            move,
            event=_event(
                roster,
                RosterAction.REMOVE_SHIFT,
                actor=actor,
                roles=roles,
                move=move,
                now=now,
                data=before,
            ),
            now=now,
            update_fields=[],
        )

    in_write_transaction(write)


def shifts_import(*, actor, roster: Roster, rows: list[dict], file_name: str = "", now=None):
    """The import: add every row as a shift (already checked by the caller), one event."""
    now = now or timezone.now()
    roles, move = _shift_move(actor, roster, RosterAction.IMPORT)

    def write() -> list[Shift]:
        shifts = Shift.objects.bulk_create(
            [Shift(roster=roster, bureau_id=roster.bureau_id, **_clean_shift(r)) for r in rows]
        )
        ROSTERS.commit(
            roster,
            move,
            event=_event(
                roster,
                RosterAction.IMPORT,
                actor=actor,
                roles=roles,
                move=move,
                now=now,
                data={"rows": len(shifts), "file": file_name[:200]},
            ),
            now=now,
            update_fields=[],
        )
        return shifts

    return in_write_transaction(write)


def _first_code(errors: dict) -> str:
    codes = [code for messages in errors.values() for _m, code in messages]
    return Code.OVERLAP if Code.OVERLAP in codes else (codes[0] if codes else Code.INVALID)


def leader_days(period: WatchPeriod, now: datetime.datetime | None = None) -> list[datetime.date]:
    """The days on which publishing needs a leader on duty: every day of a period not yet
    started; for a period under way (today, in the current time zone, within or after its
    days), the days from today to its end only: days already past cannot be staffed any more."""
    days = period.days()
    if now is None:
        return days
    today = timezone.localdate(now)
    if today <= period.starts_on:
        return days
    return [d for d in days if d >= today]


def under_way(period: WatchPeriod, now: datetime.datetime) -> bool:
    """Whether ``period`` has already started at ``now``."""
    return timezone.localdate(now) > period.starts_on


def uncovered_days(
    roster: Roster,
    shifts: Iterable[Shift] | None = None,
    *,
    now: datetime.datetime | None = None,
) -> list[datetime.date]:
    """The days needing a leader (``leader_days``: all of them without ``now``) on which no
    leader (post leader) is on duty at any time."""
    if shifts is None:
        shifts = roster.shifts.filter(post=Post.LEADER).only("starts_at", "ends_at")
    leaders = [
        (s.starts_at, s.ends_at) for s in shifts if getattr(s, "post", Post.LEADER) == Post.LEADER
    ]
    out = []
    for day in leader_days(roster.period, now):
        start, end = local_day_bounds(day)
        if not any(s < end and e > start for s, e in leaders):
            out.append(day)
    return out


def roster_publish(*, actor, roster: Roster, now=None) -> Roster:
    """Publish a draft roster: a leader on duty on every day of a period not yet started; for
    a period under way, on every day from today to its end (``leader_days``)."""
    now = now or timezone.now()
    roles = _roles(actor, roster)
    move = ROSTERS.check(roster, RosterAction.PUBLISH, roles)
    missing = uncovered_days(roster, now=now)
    if missing:
        days = "、".join(day_text(d) for d in missing)
        if under_way(roster.period, now):
            message = _(
                "The period is under way: from today to its last day a leader must be on duty "
                "every day (days already past are not required). %(days)s have no leader on "
                "duty; add one before publishing."
            ) % {"days": days}
        else:
            message = _("%(days)s have no leader on duty; add one before publishing.") % {
                "days": days
            }
        raise refuse(message, Code.NOT_COVERED)

    def write() -> Roster:
        roster.published_by = actor
        ROSTERS.commit(
            roster,
            move,
            event=_event(
                roster,
                RosterAction.PUBLISH,
                actor=actor,
                roles=roles,
                move=move,
                now=now,
                data={"shifts": roster.shifts.count()},
            ),
            now=now,
        )
        return roster

    return in_write_transaction(write)


def roster_revise(*, actor, roster: Roster, now=None) -> Roster:
    now = now or timezone.now()
    roles = _roles(actor, roster)
    roster.started = roster.shifts.filter(
        Q(starts_at__lte=now) | Q(checked_in_at__isnull=False)
    ).exists()
    move = ROSTERS.check(roster, RosterAction.REVISE, roles)

    def write() -> Roster:
        ROSTERS.commit(
            roster,
            move,
            event=_event(roster, RosterAction.REVISE, actor=actor, roles=roles, move=move, now=now),
            now=now,
        )
        return roster

    return in_write_transaction(write)


def shift_swap(*, actor, shift: Shift, data: dict, now=None) -> Shift:
    """调班: another person takes ``shift`` of a published roster, with the reason."""
    now = now or timezone.now()
    roster = shift.roster
    roles = _roles(actor, roster)
    move = ROSTERS.check(roster, RosterAction.SWAP, roles)
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise refuse({"reason": [_("Give the reason for the swap.")]}, Code.REASON_REQUIRED)
    if shift.ends_at <= now:
        raise refuse(_("The shift has already ended; it cannot be swapped."), Code.INVALID)
    if shift.checked_in_at is not None:
        raise refuse(
            _("The person on this shift has checked in; it cannot be swapped."), Code.INVALID
        )
    new = _clean_shift(
        {
            **_shift_fields(shift),
            "person": data.get("person"),
            "person_name": data.get("person_name"),
            "phone": data.get("phone"),
        }
    )
    if not data.get("person") and not (data.get("person_name") or "").strip():
        raise refuse({"person_name": [_("Name the person who takes the shift.")]}, Code.INVALID)
    if _same_person(new, _shift_fields(shift)):
        # on the field the user filled in: the account when one was chosen
        field = "person" if data.get("person") else "person_name"
        raise refuse({field: [_("The shift is already this person's.")]}, Code.NO_CHANGE)
    _check_person(roster, new["person"])
    if errors := shift_problems(roster=roster, data=new, exclude=[shift.pk]):
        raise refuse(errors, _first_code(errors))
    before = _shift_data(shift)

    def write() -> Shift:
        shift.person = new["person"]
        shift.person_name = new["person_name"]
        shift.phone = new["phone"]
        shift.save(update_fields=["person", "person_name", "phone"])
        ROSTERS.commit(
            roster,
            move,
            event=_event(
                roster,
                RosterAction.SWAP,
                actor=actor,
                roles=roles,
                move=move,
                now=now,
                data={"before": before, "after": _shift_data(shift), "reason": reason},
            ),
            now=now,
            update_fields=[],
        )
        return shift

    return in_write_transaction(write)


def _shift_fields(shift: Shift) -> dict:
    return {
        "post": shift.post,
        "person": shift.person,
        "person_name": shift.person_name,
        "phone": shift.phone,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
    }


# --- the duty log -------------------------------------------------------------------------------


def may_log(actor, shift: Shift) -> tuple[bool, bool]:
    """(may record on ``shift``, on someone else's behalf)."""
    if shift.person_id is not None and shift.person_id == actor.pk:
        return True, False
    if access.may_act_for(scope_for(actor), shift.roster):
        return True, True
    return False, False


def log_record(
    *,
    actor,
    shift: Shift,
    kind: str,
    note: str = "",
    next_shift: Shift | None = None,
    at: datetime.datetime | None = None,
    now=None,
) -> DutyLogEntry:
    """One line of the duty log: check-in (sets ``checked_in_at``), check-out, handover (naming
    the next shift), event, call or patrol."""
    now = now or timezone.now()
    at = at or now
    note = (note or "").strip()
    allowed, on_behalf = may_log(actor, shift)
    if not allowed:
        raise PermissionDenied(
            _("Only the person on duty, the school's safety officer or the centre record here.")
        )
    if shift.roster.status != RosterStatus.PUBLISHED:
        raise refuse(_("The roster is not published yet."), Code.INVALID_TRANSITION)
    if kind not in LogKind.values:
        raise refuse({"kind": [_("Choose what to record.")]}, Code.INVALID)
    if at > now:
        raise refuse({"at": [_("The time is in the future.")]}, Code.IN_FUTURE)
    if kind == LogKind.CHECK_IN:
        at = now
        if shift.checked_in_at is not None:
            raise refuse(_("This shift is already checked in."), Code.ALREADY_RECORDED)
        if now < shift.starts_at - CHECK_IN_EARLY:
            raise refuse(
                _("Check-in opens 30 minutes before the shift starts (%(when)s).")
                % {"when": when_text(shift.starts_at, shift.ends_at)},
                Code.NOT_STARTED,
            )
        if now > shift.ends_at:
            raise refuse(_("The shift has ended; it can no longer be checked in."), Code.CLOSED)
    else:
        if shift.checked_in_at is None:
            raise refuse(_("Check in first."), Code.INVALID)
        if at < shift.checked_in_at:
            raise refuse({"at": [_("The time is before the check-in.")]}, Code.INVALID)
        if shift.checked_out_at is not None and kind != LogKind.HANDOVER:
            raise refuse(_("This shift is already checked out."), Code.ALREADY_RECORDED)
    if kind in NOTE_KINDS and not note:
        raise refuse({"note": [_("Describe what happened.")]}, Code.COMMENT_REQUIRED)
    if kind == LogKind.HANDOVER:
        if next_shift is None:
            raise refuse({"next_shift": [_("Name the shift you hand over to.")]}, Code.INVALID)
        if next_shift.roster_id != shift.roster_id or next_shift.pk == shift.pk:
            raise refuse(
                {"next_shift": [_("Hand over to another shift of the same roster.")]},
                Code.INVALID,
            )
    else:
        next_shift = None

    def write() -> DutyLogEntry:
        if kind == LogKind.CHECK_IN:
            won = Shift.objects.filter(pk=shift.pk, checked_in_at__isnull=True).update(
                checked_in_at=now
            )
            if not won:
                raise refuse(_("This shift is already checked in."), Code.ALREADY_RECORDED)
            shift.checked_in_at = now
        elif kind == LogKind.CHECK_OUT:
            won = Shift.objects.filter(pk=shift.pk, checked_out_at__isnull=True).update(
                checked_out_at=at
            )
            if not won:
                raise refuse(_("This shift is already checked out."), Code.ALREADY_RECORDED)
            shift.checked_out_at = at
        return DutyLogEntry.objects.create(
            shift=shift,
            kind=kind,
            at=at,
            note=note,
            next_shift=next_shift,
            recorded_by=actor,
            on_behalf=on_behalf,
            recorded_at=now,
        )

    return in_write_transaction(write)


def shift_state(shift: Shift, now: datetime.datetime) -> str:
    """``upcoming`` / ``open`` (check-in possible) / ``on_duty`` / ``done`` / ``missed`` / ``late``
    / ``ended`` for the pages, from the shift's own fields."""
    if shift.checked_in_at is not None:
        if shift.checked_out_at is not None:
            return "done"
        return "late" if shift.checked_in_at > shift.starts_at + GRACE else "on_duty"
    if now > shift.starts_at + GRACE:
        return "missed"
    if now >= shift.starts_at - CHECK_IN_EARLY:
        return "open"
    return "upcoming"
