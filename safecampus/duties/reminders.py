"""Reminders of recurring duties for the daily digest (registered in ``DutiesConfig.ready``).

Each occurrence still due whose window closes within ``DUE_SOON_DAYS`` (and is open already)
reminds its owner's people: a school's officers and principal, a department's officers, a
partner unit's liaisons, the centre's staff for the centre's own duties. A one-day window (a
daily check) reminds nobody: it would be a notice a day. Two queries for the occurrences and
the people, however many bodies."""

from __future__ import annotations

import datetime

from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from safecampus.core.roles import Role
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.registry import Reminder

from .choices import OccurrenceStatus, Owner
from .models import Occurrence

#: a duty is "due soon" when its window closes within this many days
DUE_SOON_DAYS = 3


def _url(occ_id: int) -> str:
    try:
        return reverse("duties:occurrence_detail", args=[occ_id])
    except NoReverseMatch:
        return "/duties/"


def _people(occurrences) -> dict[tuple[str, int], list[int]]:
    """(owner kind, owner id) → user ids, from the active role assignments."""
    from safecampus.accounts.models import RoleAssignment
    from safecampus.core.capabilities import DUTY_RECORD

    schools = {o.school_id for o in occurrences if o.school_id}
    partners = {o.partner_id for o in occurrences if o.partner_id}
    centres = {o.bureau_id for o in occurrences if o.owner_kind == Owner.CENTRE}
    rows = (
        RoleAssignment.objects.active()
        .filter(user__is_active=True)
        .filter(
            Q(role__in=DUTY_RECORD, school_id__in=schools)
            | Q(role__in=DUTY_RECORD, partner_id__in=partners)
            | Q(role=Role.SAFETY_CENTRE, bureau_id__in=centres)
        )
        .values_list("role", "school_id", "partner_id", "bureau_id", "user_id")
        .distinct()
    )
    out: dict[tuple[str, int], list[int]] = {}
    for role, school_id, partner_id, bureau_id, user_id in rows:
        if school_id:
            key = (Owner.SCHOOL, school_id)
        elif partner_id:
            key = (Owner.PARTNER, partner_id)
        elif role == Role.SAFETY_CENTRE:
            key = (Owner.CENTRE, bureau_id)
        else:
            continue
        out.setdefault(key, []).append(user_id)
    return out


def duty_due_reminders(*, today: datetime.date) -> list[Reminder]:
    occurrences = list(
        Occurrence.objects.filter(
            status=OccurrenceStatus.DUE,
            window_start__lte=today,
            window_end__gte=today,
            window_end__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        )
        .exclude(window_end=F("window_start"))
        .select_related("duty")
        .order_by("window_end", "code", "owner_key")
    )
    if not occurrences:
        return []
    people = _people(occurrences)
    out = []
    for occ in occurrences:
        text = _("“%(duty)s” (%(period)s) is due by %(end)s and not recorded yet.") % {
            "duty": occ.duty.name,
            "period": occ.period_key,
            "end": occ.window_end.isoformat(),
        }
        key = f"{NoticeKind.DUTY_DUE}:{occ.pk}"
        if occ.owner_kind == Owner.DEPARTMENT:
            out.append(
                Reminder(
                    NoticeKind.DUTY_DUE,
                    key,
                    _url(occ.pk),
                    text,
                    occ.department_id,
                    bureau_id=occ.bureau_id,
                )
            )
            continue
        owner_id = {
            Owner.SCHOOL: occ.school_id,
            Owner.PARTNER: occ.partner_id,
            Owner.CENTRE: occ.bureau_id,
        }[occ.owner_kind]
        recipients = tuple(people.get((occ.owner_kind, owner_id), ()))
        # a school's group hears of its duties; a partner unit has no group of its own
        school_id = occ.school_id if occ.owner_kind == Owner.SCHOOL else None
        if recipients or school_id:
            out.append(
                Reminder(
                    NoticeKind.DUTY_DUE,
                    key,
                    _url(occ.pk),
                    text,
                    recipient_ids=recipients,
                    school_id=school_id,
                    bureau_id=occ.bureau_id,
                )
            )
    return out
