"""A hazard's deadline near, for the daily digest (registered in ``HazardsConfig.ready``).

Each open hazard whose rectification deadline is exactly ``DUE_SOON_DAYS`` days away reminds
its responsible department's officers, and is heard of by that department's group and by the
school's group (the school rectifies). One query, however many hazards."""

from __future__ import annotations

import datetime

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from safecampus.notifications.models import NoticeKind
from safecampus.notifications.registry import Reminder

from .choices import OPEN_STATUSES
from .models import Hazard

#: the reminder comes this many days before the deadline
DUE_SOON_DAYS = 3


def _url(pk: int) -> str:
    try:
        return reverse("hazards:hazard_detail", args=[pk])
    except NoReverseMatch:
        return "/hazards/"


def hazard_deadline_reminders(*, today: datetime.date) -> list[Reminder]:
    deadline = today + datetime.timedelta(days=DUE_SOON_DAYS)
    rows = (
        Hazard.objects.filter(status__in=OPEN_STATUSES, deadline=deadline)
        .order_by("bureau_id", "school_id", "pk")
        .values_list(
            "pk",
            "code",
            "bureau_id",
            "school_id",
            "school__name",
            "responsible_department_id",
            "description",
        )
    )
    out = []
    for pk, code, bureau_id, school_id, school_name, dept_id, description in rows:
        summary = " ".join(description.split())
        if len(summary) > 40:
            summary = summary[:40] + "…"
        text = _(
            "Hazard %(code)s at %(school)s (%(summary)s) must be rectified by %(deadline)s, "
            "in %(days)s days."
        ) % {
            "code": code,
            "school": school_name,
            "summary": summary,
            "deadline": deadline.isoformat(),
            "days": DUE_SOON_DAYS,
        }
        out.append(
            Reminder(
                kind=NoticeKind.HAZARD_DUE,
                key=f"{NoticeKind.HAZARD_DUE}:{pk}:{deadline.isoformat()}",
                url=_url(pk),
                text=text,
                department_id=dept_id,
                school_id=school_id,
                bureau_id=bureau_id,
            )
        )
    return out
