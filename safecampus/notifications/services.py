"""Recording notices. Call :func:`notify` inside the business transaction that caused it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notice, NoticeKind, Notification

#: where a weekly-report reminder leads when the week's page cannot be named
WEEKLY_URL = "/weekly/"


def _week_url(campaign_id: int, week_key: str) -> str:
    try:
        return reverse("weekly:week_detail", args=[campaign_id, week_key])
    except NoReverseMatch:
        return WEEKLY_URL


def notify(recipients: Iterable, *, kind: str, text: str, url: str = "", key: str = "") -> int:
    """Record a notice for each recipient (users or user ids) for their next daily digest. With
    a ``key``, a notice already recorded for that person under the same key is not repeated.
    Returns how many were recorded."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return 0
    if key:
        seen = set(
            Notice.objects.filter(recipient_id__in=ids, key=key).values_list(
                "recipient_id", flat=True
            )
        )
        ids = [i for i in ids if i not in seen]
    Notice.objects.bulk_create(
        [
            Notice(recipient_id=i, kind=kind, text=text[:300], url=url[:300], key=key[:120])
            for i in ids
        ],
        ignore_conflicts=bool(key),
    )
    return len(ids)


# --- reminders and the daily digest -------------------------------------------------------------


def _officers_by_department(department_ids) -> dict[int, list[int]]:
    from safecampus.accounts.models import RoleAssignment
    from safecampus.core.roles import Role

    out: dict[int, list[int]] = {}
    rows = (
        RoleAssignment.objects.active()
        .filter(role=Role.DEPARTMENT_OFFICER, department_id__in=list(department_ids))
        .values_list("department_id", "user_id")
        .distinct()
    )
    for dept_id, user_id in rows:
        out.setdefault(dept_id, []).append(user_id)
    return out


def reminders_record(*, today: datetime.date) -> int:
    """Record weekly-report reminders for the officers of each department owing one: the report
    due tomorrow, and every report whose due date has passed without a submitted report. Each
    reminder is keyed by kind, campaign, department and week, so it is recorded once per person
    however often this runs. A few queries per launched campaign, one insert for all."""
    from safecampus.campaigns.choices import CampaignStatus
    from safecampus.campaigns.models import Campaign
    from safecampus.weekly.models import ReportStatus, WeeklyReport
    from safecampus.weekly.weeks import departments_owing, report_weeks

    tomorrow = today + datetime.timedelta(days=1)
    per_department: list[tuple[int, str, str, str, str]] = []
    campaigns = Campaign.objects.filter(status=CampaignStatus.LAUNCHED).order_by("pk")
    for campaign in campaigns:
        weeks = [w for w in report_weeks(campaign) if w.due <= tomorrow]
        if not weeks:
            continue
        departments = list(departments_owing(campaign).order_by("sort_order", "pk"))
        submitted = set(
            WeeklyReport.objects.filter(
                campaign=campaign,
                status=ReportStatus.SUBMITTED,
                week_start__in=[w.start for w in weeks],
            ).values_list("department_id", "week_start")
        )
        for week in weeks:
            if week.due == tomorrow:
                kind = NoticeKind.REPORT_DUE
                text = _(
                    "Weekly report of %(department)s for %(start)s–%(end)s is due tomorrow "
                    "(%(due)s)."
                )
            elif week.due < today:
                kind = NoticeKind.REPORT_OVERDUE
                text = _(
                    "Weekly report of %(department)s for %(start)s–%(end)s is overdue "
                    "(due %(due)s)."
                )
            else:
                continue
            for dept in departments:
                if (dept.pk, week.start) in submitted:
                    continue
                per_department.append(
                    (
                        dept.pk,
                        kind,
                        f"{kind}:{campaign.pk}:{dept.pk}:{week.key}",
                        _week_url(campaign.pk, week.key),
                        text
                        % {
                            "department": dept.name,
                            "start": week.start.isoformat(),
                            "end": week.end.isoformat(),
                            "due": week.due.isoformat(),
                        },
                    )
                )
    if not per_department:
        return 0
    officers = _officers_by_department({d for d, *_rest in per_department})
    notices = [
        Notice(recipient_id=user_id, kind=kind, text=text[:300], url=url, key=key)
        for dept_id, kind, key, url, text in per_department
        for user_id in officers.get(dept_id, [])
    ]
    if not notices:
        return 0
    seen = set(
        Notice.objects.filter(
            key__in={n.key for n in notices}, recipient_id__in={n.recipient_id for n in notices}
        ).values_list("recipient_id", "key")
    )
    new = [n for n in notices if (n.recipient_id, n.key) not in seen]
    Notice.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return len(new)


def digest_fold(*, day: datetime.date) -> int:
    """Fold every pending notice into its recipient's digest of ``day``: one Notification per
    person and day, created when missing; a digest that receives new notices is unread again.
    A fixed number of queries whatever the number of notices. Returns how many were folded."""
    with transaction.atomic():
        pending = Notice.objects.filter(digest__isnull=True)
        last = pending.aggregate(m=Max("pk"))["m"]
        if last is None:
            return 0
        pending = pending.filter(pk__lte=last)
        recipients = set(pending.values_list("recipient_id", flat=True).distinct())
        have = set(
            Notification.objects.filter(date=day, recipient_id__in=recipients).values_list(
                "recipient_id", flat=True
            )
        )
        title = _("Notices of %(date)s") % {"date": day.isoformat()}
        Notification.objects.bulk_create(
            [Notification(recipient_id=r, date=day, title=title) for r in recipients - have],
            ignore_conflicts=True,
            batch_size=500,
        )
        digest = Notification.objects.filter(recipient_id=OuterRef("recipient_id"), date=day)
        folded = pending.update(digest_id=Subquery(digest.values("pk")[:1]))
        Notification.objects.filter(date=day, recipient_id__in=recipients).update(read_at=None)
    return folded


def daily_run(*, today: datetime.date | None = None) -> dict:
    """The daily job: record the reminders, then fold everything pending into today's digests."""
    today = today or timezone.localdate()
    reminders = reminders_record(today=today)
    folded = digest_fold(day=today)
    return {"reminders": reminders, "folded": folded}


@transaction.atomic
def notification_read(*, user, notification: Notification) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )


@transaction.atomic
def notifications_read_all(*, user) -> int:
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
