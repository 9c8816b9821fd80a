"""The weekly report's reminders for the daily digest (registered in ``WeeklyConfig.ready``).

For the officers of each department owing a report: the report due tomorrow, and every report
whose due date has passed without a submitted report. A few queries per launched campaign."""

from __future__ import annotations

import datetime

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from safecampus.campaigns.choices import CampaignStatus
from safecampus.campaigns.models import Campaign
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.registry import Reminder

from .models import ReportStatus, WeeklyReport
from .weeks import departments_owing, report_weeks

#: where a weekly-report reminder leads when the week's page cannot be named
WEEKLY_URL = "/weekly/"


def _week_url(campaign_id: int, week_key: str) -> str:
    try:
        return reverse("weekly:week_detail", args=[campaign_id, week_key])
    except NoReverseMatch:
        return WEEKLY_URL


def weekly_report_reminders(*, today: datetime.date) -> list[Reminder]:
    tomorrow = today + datetime.timedelta(days=1)
    out: list[Reminder] = []
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
                out.append(
                    Reminder(
                        kind=kind,
                        key=f"{kind}:{campaign.pk}:{dept.pk}:{week.key}",
                        url=_week_url(campaign.pk, week.key),
                        text=text
                        % {
                            "department": dept.name,
                            "start": week.start.isoformat(),
                            "end": week.end.isoformat(),
                            "due": week.due.isoformat(),
                        },
                        department_id=dept.pk,
                        bureau_id=campaign.bureau_id,
                    )
                )
    return out
