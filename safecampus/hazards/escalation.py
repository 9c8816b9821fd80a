"""The escalation ladder of overdue hazards (DOMAIN.md §12): a hazard still open after its
deadline goes up, by the days overdue its bureau set for its level
(``MessagingSettings.ladder``):

1. the responsible department's head (``DepartmentHead``; all its active officers when none is
   named), in-app, and the department's robots;
2. the safety centre's staff, in-app, and the bureau's robots;
3. the leadership group's members, in-app, and the bureau's robots.

Each step is said once per hazard (keyed ``esc:{hazard}:{step}``), and only the highest step
due on a run: a hazard already long overdue when the ladder starts (or when the job missed
days) gets its highest step, not three messages at once. E-mail follows each person's
preferences (topic ``escalation``), and escalations wait for the end of quiet hours (they are
not alerts).

A daily Huey task (``tasks.hazards_daily``) runs it, with the overdue alerts of major hazards.
It is its own task rather than a reminder provider of the notifications app: it needs the
run's time (quiet hours), queues robot messages of its own topic and key, and its in-app
notices are shown at once rather than in the next digest.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from safecampus.messaging.choices import Topic
from safecampus.messaging.dispatch import Post, post_many
from safecampus.messaging.models import DepartmentHead, MessagingSettings
from safecampus.notifications.models import Notice, NoticeKind
from safecampus.notifications.services import notify_now_many

from .models import Hazard

HEAD, CENTRE, LEADERS = 1, 2, 3


def step_key(hazard_id: int, step: int) -> str:
    return f"esc:{hazard_id}:{step}"


def due_step(days_overdue: int, ladder: tuple[int, int, int]) -> int:
    """The highest step due after ``days_overdue`` days (0: none yet)."""
    step = 0
    for i, days in enumerate(ladder, start=1):
        if days_overdue >= max(days, 1):
            step = i
    return step


def _step_label(step: int) -> str:
    return {
        HEAD: _("the department head"),
        CENTRE: _("the safety centre"),
        LEADERS: _("the leadership group"),
    }[step]


def _people(hazards, bureau_ids):
    """Who hears of each step: department heads, department officers, centre and leaders
    (three queries)."""
    from safecampus.accounts.models import RoleAssignment
    from safecampus.core.roles import Role

    dept_ids = sorted({h.responsible_department_id for h in hazards if h.responsible_department_id})
    heads = dict(
        DepartmentHead.objects.filter(department_id__in=dept_ids, user__is_active=True).values_list(
            "department_id", "user_id"
        )
    )
    rows = RoleAssignment.objects.active().filter(user__is_active=True)
    officers: dict[int, list[int]] = {}
    for d, u in (
        rows.filter(role=Role.DEPARTMENT_OFFICER, department_id__in=dept_ids)
        .values_list("department_id", "user_id")
        .distinct()
    ):
        officers.setdefault(d, []).append(u)
    bureau_people: dict[tuple[int, str], list[int]] = {}
    for b, role, u in (
        rows.filter(Q(role=Role.SAFETY_CENTRE) | Q(role=Role.LEADERSHIP), bureau_id__in=bureau_ids)
        .values_list("bureau_id", "role", "user_id")
        .distinct()
    ):
        bureau_people.setdefault((b, role), []).append(u)

    def recipients(h, step) -> list[int]:
        if step == HEAD:
            d = h.responsible_department_id
            if d is None:
                return []
            return [heads[d]] if d in heads else sorted(officers.get(d, []))
        role = Role.SAFETY_CENTRE if step == CENTRE else Role.LEADERSHIP
        return sorted(bureau_people.get((h.bureau_id, role), []))

    return recipients


def _text(h: Hazard, step: int, days: int) -> tuple[str, str]:
    dept = h.responsible_department.name if h.responsible_department else _("none")
    title = _("Hazard %(code)s overdue %(days)s days: escalated to %(to)s") % {
        "code": h.code,
        "days": days,
        "to": _step_label(step),
    }
    body = "\n".join(
        [
            _("- School: %(school)s") % {"school": h.school.name},
            _("- Hazard: %(code)s %(description)s")
            % {"code": h.code, "description": h.description[:120]},
            _("- Responsible department: %(department)s") % {"department": dept},
            _("- Deadline: %(date)s") % {"date": h.deadline.isoformat()},
            _("- Days overdue: %(days)s") % {"days": days},
        ]
    )
    return title, body


def escalate_overdue(*, today: datetime.date, now: datetime.datetime) -> dict[int, int]:
    """Send each open overdue hazard's highest step due, once. A fixed number of queries
    however many hazards. Returns {step: hazards escalated to it on this run (new or not)}.
    Call inside a transaction (the daily task holds one)."""
    saved = {s.bureau_id: s for s in MessagingSettings.objects.all()}
    default = MessagingSettings()
    smallest = min(
        max(min(s.ladder(level)), 1)
        for s in [default, *saved.values()]
        for level in ("general", "major")
    )
    hazards = list(
        Hazard.objects.open()
        .filter(deadline__lte=today - datetime.timedelta(days=smallest))
        .select_related("school", "responsible_department")
        .order_by("pk")
    )
    due: list[tuple[Hazard, int, int]] = []
    for h in hazards:
        days = (today - h.deadline).days
        step = due_step(days, (saved.get(h.bureau_id) or default).ladder(h.level))
        if step:
            due.append((h, step, days))
    counts = {HEAD: 0, CENTRE: 0, LEADERS: 0}
    if not due:
        return counts
    recipients = _people([h for h, _s, _d in due], sorted({h.bureau_id for h, _s, _d in due}))
    posts, notices = [], []
    with translation.override(settings.LANGUAGE_CODE):
        for h, step, days in due:
            counts[step] += 1
            key = step_key(h.pk, step)
            title, body = _text(h, step, days)
            people = recipients(h, step)
            dept = (
                (h.responsible_department_id,)
                if step == HEAD and h.responsible_department_id
                else ()
            )
            posts.append(
                Post(
                    topic=Topic.ESCALATION,
                    key=key,
                    bureau_id=h.bureau_id,
                    title=title,
                    body=body,
                    url=h.get_absolute_url(),
                    departments=dept,
                    bureau=step != HEAD,
                    users=tuple(people),
                )
            )
            notices.extend(
                Notice(
                    recipient_id=u,
                    kind=NoticeKind.ESCALATION,
                    text=title,
                    url=h.get_absolute_url(),
                    key=key,
                )
                for u in people
            )
    notify_now_many(notices, now=now)
    post_many(posts, now=now)
    return counts


__all__ = ["CENTRE", "HEAD", "LEADERS", "due_step", "escalate_overdue", "step_key"]
