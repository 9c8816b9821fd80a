"""Campaigns (专项行动) of DOMAIN.md §4: the plan, its phases and key deadlines.

A campaign freezes one published catalog version. Launching it gives every school in scope one
self-inspection form (``safecampus.inspections``); later changes to the school or the catalog
never rewrite a form. Who reaches a campaign is decided in ``access.py``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import Scope, ScopedQuerySet

from . import access
from .choices import WEEKDAYS, CampaignStatus, PhaseKind, SchoolSelection


class CampaignQuerySet(ScopedQuerySet):
    #: view: read the campaign and its progress; edit: plan, launch and close it
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.campaign_q(scope, action, self.model)

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        return access.campaign_roles(scope, obj)


class Campaign(models.Model):
    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    doc_number = models.CharField(_("document number"), max_length=64, blank=True)
    #: the shipped template it was made from ("" = blank)
    blueprint = models.CharField(_("template"), max_length=32, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    catalog_version = models.ForeignKey(
        "catalog.CatalogVersion",
        verbose_name=_("catalog version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    school_selection = models.CharField(
        _("schools in scope"),
        max_length=8,
        choices=SchoolSelection.choices,
        default=SchoolSelection.ALL,
    )
    #: school stages in scope when ``school_selection`` is "stages"
    stages = models.JSONField(_("school types"), default=list, blank=True)
    schools = models.ManyToManyField(
        "orgs.School", verbose_name=_("schools"), blank=True, related_name="+"
    )
    forms_due = models.DateField(_("forms due"))
    #: weekly reports (000 §四(二)): a report week starts on this weekday (0 = Monday) and its
    #: report is due on the ``report_due_weekday`` that falls within the week
    report_week_start = models.PositiveSmallIntegerField(
        _("report weeks start on"), choices=WEEKDAYS, default=0
    )
    report_due_weekday = models.PositiveSmallIntegerField(
        _("weekly reports due on"), choices=WEEKDAYS, default=4
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["bureau", "status", "year"], name="cp_bureau_status")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:campaign_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == CampaignStatus.DRAFT

    def current_phase(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return next((p for p in self.phases.all() if p.starts_on <= today <= p.ends_on), None)

    def key_dates(self) -> list[tuple[datetime.date, str]]:
        """Every deadline of the campaign in date order: forms due, then the milestones."""
        dates = [(self.forms_due, str(_("Self-inspection forms due")))]
        dates += [(m.due_on, m.name) for m in self.milestones.all()]
        return sorted(dates)

    def next_deadline(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return next(((d, n) for d, n in self.key_dates() if d >= today), None)

    def is_late(self, at: datetime.datetime) -> bool:
        """Whether a submission at ``at`` misses the forms deadline (the whole due day counts,
        in the bureau's time zone, Asia/Shanghai)."""
        return timezone.localdate(at) > self.forms_due


class CampaignPhase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=PhaseKind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    #: departments file weekly reports during this phase (000 §四(二))
    weekly_reports = models.BooleanField(_("weekly reports"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "starts_on", "sort_order"]
        verbose_name = _("phase")

    def __str__(self) -> str:
        return self.name


class CampaignMilestone(models.Model):
    """A key deadline besides the forms deadline, e.g. department feedback due 6/10."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("name"), max_length=100)
    due_on = models.DateField(_("due on"))

    class Meta:
        ordering = ["campaign", "due_on"]
        verbose_name = _("key deadline")

    def __str__(self) -> str:
        return self.name
