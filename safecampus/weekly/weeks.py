"""Which weekly reports a campaign expects: the report weeks of its rectification phase and the
departments that owe one each week (000 §四(二): 局机关各责任部门 … 每周将工作推进情况汇总到局安全
管理中心).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from safecampus.orgs.models import Department


@dataclass(frozen=True)
class Week:
    start: datetime.date
    end: datetime.date
    due: datetime.date

    @property
    def key(self) -> str:
        return self.start.isoformat()

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def report_weeks(campaign) -> list[Week]:
    """The report weeks of every phase that has weekly reports, in order. A week starts on the
    campaign's ``report_week_start`` weekday and its report is due on the campaign's
    ``report_due_weekday`` within that week; the first week is the one holding the phase's
    first day, the last the one holding its last day.

    No report is owed for a week whose due day came before the campaign was launched (a campaign
    launched late, its phases already begun): the weeks start at the first week due on or after
    the launch date, so a report is never missing the moment the campaign starts. A draft (not
    launched yet) shows every week of its plan."""
    weeks: dict[datetime.date, Week] = {}
    launched_on = timezone.localdate(campaign.launched_at) if campaign.launched_at else None
    # ``phases.all()`` so that a list page can prefetch the phases of many campaigns at once
    phases = sorted(
        (p for p in campaign.phases.all() if p.weekly_reports), key=lambda p: p.starts_on
    )
    for phase in phases:
        back = (phase.starts_on.weekday() - campaign.report_week_start) % 7
        start = phase.starts_on - datetime.timedelta(days=back)
        due_offset = (campaign.report_due_weekday - campaign.report_week_start) % 7
        while start <= phase.ends_on:
            end = start + datetime.timedelta(days=6)
            due = start + datetime.timedelta(days=due_offset)
            if launched_on is None or due >= launched_on:
                weeks[start] = Week(start, end, due)
            start = end + datetime.timedelta(days=1)
    return [weeks[k] for k in sorted(weeks)]


def week_of(campaign, start: datetime.date) -> Week | None:
    """The campaign's report week starting on ``start``, or None."""
    return next((w for w in report_weeks(campaign) if w.start == start), None)


def current_week(campaign, today: datetime.date) -> Week | None:
    return next((w for w in report_weeks(campaign) if w.contains(today)), None)


def departments_owing(campaign):
    """Departments of the campaign's bureau that owe weekly reports: those responsible for a
    check item of the campaign's catalog version, and those responsible for a hazard the
    campaign found (a hazard may have been transferred to a department outside the catalog)."""
    from safecampus.catalog.models import CheckItem
    from safecampus.hazards.models import Hazard

    through = CheckItem.responsible_departments.through
    by_items = Q(
        pk__in=through.objects.filter(checkitem__version_id=campaign.catalog_version_id)
        .values("department_id")
        .order_by()
    )
    by_hazards = Q(
        pk__in=Hazard.objects.filter(campaign=campaign, responsible_department__isnull=False)
        .values("responsible_department_id")
        .order_by()
    )
    return Department.objects.filter(Q(bureau_id=campaign.bureau_id) & (by_items | by_hazards))
