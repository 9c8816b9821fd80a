"""What the register says outside the platform (DOMAIN.md §12): the alert of a major hazard,
when one is reported or raised to major and when it first falls overdue.

Alerts go at once, whatever the hour: to the robots of the hazard's school, of its responsible
department and of the bureau's own group; in-app (at once) to the department's officers and the
safety centre; by e-mail to those of them who asked for alerts. They are queued in the business
transaction, keyed, so a report rolled back sends nothing and a hazard is alerted once.
The escalation ladder of overdue hazards is in ``escalation``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.catalog.choices import HazardLevel
from safecampus.messaging.choices import Topic
from safecampus.messaging.dispatch import Post, post_many
from safecampus.notifications.models import Notice, NoticeKind
from safecampus.notifications.services import notify_now_many

from .models import Hazard

#: an overdue major hazard is alerted when it is at most this many days overdue (the first day,
#: or the next runs if the job missed it); one long overdue when the feature starts goes up the
#: escalation ladder instead
OVERDUE_ALERT_WINDOW = 3


def reported_key(hazard_id: int) -> str:
    return f"alert:hazard_major:{hazard_id}"


def overdue_key(hazard_id: int) -> str:
    return f"alert:hazard_overdue:{hazard_id}"


def _people(hazards) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """(department id → its active officers, bureau id → its active centre staff): two
    queries."""
    from safecampus.accounts.models import RoleAssignment
    from safecampus.core.roles import Role

    rows = RoleAssignment.objects.active().filter(user__is_active=True)
    depts: dict[int, list[int]] = {}
    dept_ids = sorted({h.responsible_department_id for h in hazards if h.responsible_department_id})
    if dept_ids:
        for d, u in (
            rows.filter(role=Role.DEPARTMENT_OFFICER, department_id__in=dept_ids)
            .values_list("department_id", "user_id")
            .distinct()
        ):
            depts.setdefault(d, []).append(u)
    centre: dict[int, list[int]] = {}
    for b, u in (
        rows.filter(role=Role.SAFETY_CENTRE, bureau_id__in=sorted({h.bureau_id for h in hazards}))
        .values_list("bureau_id", "user_id")
        .distinct()
    ):
        centre.setdefault(b, []).append(u)
    return depts, centre


def _lines(hazard: Hazard, *, today: datetime.date | None = None) -> list[str]:
    dept = hazard.responsible_department.name if hazard.responsible_department else _("none")
    lines = [
        _("- School: %(school)s") % {"school": hazard.school.name},
        _("- Hazard: %(code)s %(description)s")
        % {"code": hazard.code, "description": hazard.description[:120]},
        _("- Responsible department: %(department)s") % {"department": dept},
    ]
    if hazard.deadline:
        lines.append(_("- Deadline: %(date)s") % {"date": hazard.deadline.isoformat()})
    if today is not None and hazard.deadline:
        lines.append(_("- Days overdue: %(days)s") % {"days": (today - hazard.deadline).days})
    return lines


def _alerts(hazards, *, title_of, key_of, kind, now, today=None) -> int:
    """Queue one alert per hazard (robots, e-mail) and record its in-app notices: a fixed
    number of queries however many hazards."""
    hazards = list(hazards)
    if not hazards:
        return 0
    depts, centre = _people(hazards)
    posts, notices = [], []
    with translation.override(settings.LANGUAGE_CODE):
        for h in hazards:
            people = sorted(
                set(depts.get(h.responsible_department_id, [])) | set(centre.get(h.bureau_id, []))
            )
            title = title_of(h)
            key = key_of(h.pk)
            posts.append(
                Post(
                    topic=Topic.ALERT,
                    key=key,
                    bureau_id=h.bureau_id,
                    title=title,
                    body="\n".join(_lines(h, today=today)),
                    url=h.get_absolute_url(),
                    schools=(h.school_id,),
                    departments=(h.responsible_department_id,)
                    if h.responsible_department_id
                    else (),
                    bureau=True,
                    users=tuple(people),
                )
            )
            notices.extend(
                Notice(recipient_id=u, kind=kind, text=title, url=h.get_absolute_url(), key=key)
                for u in people
            )
    notify_now_many(notices, now=now)
    return post_many(posts, now=now)


def _reported_title(h: Hazard) -> str:
    return _("Major hazard reported: %(code)s at %(school)s") % {
        "code": h.code,
        "school": h.school.name,
    }


def _overdue_title(h: Hazard) -> str:
    return _("Major hazard overdue: %(code)s at %(school)s") % {
        "code": h.code,
        "school": h.school.name,
    }


def major_hazard_alert(hazard: Hazard, *, now: datetime.datetime | None = None) -> int:
    """A hazard was reported as major, or raised to major: alert once (no-op otherwise). Call
    inside the transaction that reported or changed it."""
    if hazard.level != HazardLevel.MAJOR or not hazard.is_open:
        return 0
    return _alerts(
        [hazard],
        title_of=_reported_title,
        key_of=reported_key,
        kind=NoticeKind.HAZARD_MAJOR,
        now=now or timezone.now(),
    )


def overdue_major_alerts(*, today: datetime.date, now: datetime.datetime) -> int:
    """Alert each open major hazard that fell overdue (its first days overdue), once."""
    first = today - datetime.timedelta(days=OVERDUE_ALERT_WINDOW)
    hazards = (
        Hazard.objects.open()
        .filter(
            level=HazardLevel.MAJOR,
            deadline__lt=today,
            deadline__gte=first,
        )
        .select_related("school", "responsible_department")
        .order_by("pk")
    )
    return _alerts(
        hazards,
        title_of=_overdue_title,
        key_of=overdue_key,
        kind=NoticeKind.HAZARD_MAJOR,
        now=now,
        today=today,
    )


__all__ = ["major_hazard_alert", "overdue_key", "overdue_major_alerts", "reported_key"]
