"""Weekly reports (周报) of the rectification phase, 000 §四(二): each responsible department
reports once a week; the centre compiles the district report from the departments' reports.

A report's figures are read live from the register while it is a draft and frozen into
``figures`` when it is submitted, so later changes to the register never rewrite it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import ScopedQuerySet
from safecampus.core.models import AppendOnly
from safecampus.core.roles import Role

from . import access


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ReportAction(models.TextChoices):
    CREATE = "create", _("Draft started")
    SAVE = "save", _("Draft saved")
    SUBMIT = "submit", _("Submitted")


class WeeklyReportQuerySet(ScopedQuerySet):
    actions = access.REPORT_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.weekly_report_q(scope, action)

    def object_roles(self, scope, obj):
        return access.weekly_report_roles(scope, obj)


class WeeklyReport(models.Model):
    """One department's report for one week of one campaign."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="weekly_reports",
    )
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="weekly_reports",
    )
    week_start = models.DateField(_("week from"))
    week_end = models.DateField(_("week to"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    #: the register's figures as they were at submission ({} while a draft)
    figures = models.JSONField(default=dict, blank=True)
    progress = models.TextField(_("progress this week"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    next_plan = models.TextField(_("plan for next week"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: submitted after ``due_on`` (Asia/Shanghai date)
    late = models.BooleanField(_("late"), default=False)

    objects = WeeklyReportQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start", "department__sort_order", "department_id"]
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "department", "week_start"], name="uniq_weekly_report"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "week_start", "status"], name="wr_campaign_week"),
            models.Index(fields=["department", "week_start"], name="wr_dept_week"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.week_start:%Y-%m-%d}"


class WeeklyReportEvent(AppendOnly, models.Model):
    """Append-only history of a report."""

    report = models.ForeignKey(WeeklyReport, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=ReportAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("as"), max_length=24, choices=Role.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["report", "at"], name="wr_event_report_at")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"


class DistrictReportQuerySet(ScopedQuerySet):
    actions = access.DISTRICT_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.district_report_q(scope, action)


class DistrictReport(models.Model):
    """The district weekly report the centre compiles from the departments' submitted reports.
    Compiling again makes a new version; earlier versions stay as they were."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="district_reports"
    )
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField(_("week from"))
    week_end = models.DateField(_("week to"))
    version = models.PositiveSmallIntegerField(default=1)
    #: summed figures of the included reports, and per department what was included
    figures = models.JSONField(default=dict, blank=True)
    departments = models.JSONField(default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    compiled_at = models.DateTimeField(default=timezone.now)
    #: 发文字号 (闵教安〔2026〕12号), taken once when the version is compiled; empty when the
    #: bureau has no document number prefix
    doc_number = models.CharField(_("document number"), max_length=64, blank=True)

    objects = DistrictReportQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start", "-version"]
        verbose_name = _("district weekly report")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "week_start", "version"], name="uniq_district_report"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.week_start:%Y-%m-%d} v{self.version}"
