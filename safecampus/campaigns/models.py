"""Campaigns (专项行动) and school self-inspection forms (排查表) of DOMAIN.md §4.

A campaign freezes one published catalog version. Launching it gives every school in scope one
form holding the check items that apply to that school (from the school's facts at that moment);
later changes to the school or the catalog never rewrite a form. Forms, answers and reviews are
reached only through ``visible_to``/``editable_by``, like everything else that reaches a user.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import Scope, ScopedQuerySet
from safecampus.core.capabilities import CAMPAIGN_MANAGE
from safecampus.core.models import AppendOnly
from safecampus.core.roles import SCHOOL_ROLES, Role

from .choices import (
    EDITABLE_FORM_STATUSES,
    WEEKDAYS,
    Answer,
    CampaignStatus,
    FormAction,
    FormStatus,
    PhaseKind,
    ReviewDecision,
    SchoolSelection,
)

#: bureau-level roles that read every campaign and form of their bureau(s)
_BUREAU_READERS = (Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.DEPARTMENT_OFFICER, Role.INSPECTOR)


def campaign_scope_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """Campaigns a scope reaches. Drafts are the centre's own until launched."""
    manage = scope.bureau_ids(*CAMPAIGN_MANAGE)
    if action == "edit":
        return Q(**{f"{prefix}bureau_id__in": manage}) if manage else None
    q = Q(**{f"{prefix}bureau_id__in": manage}) if manage else None

    def add(cond: Q) -> None:
        nonlocal q
        q = cond if q is None else q | cond

    if readers := scope.bureau_ids(*_BUREAU_READERS) - manage:
        add(Q(**{f"{prefix}bureau_id__in": readers}) & ~Q(**{f"{prefix}status": "draft"}))
    if scope.has(*SCHOOL_ROLES) and scope.school_ids:
        add(
            Q(
                **{
                    f"{prefix}pk__in": InspectionForm.objects.filter(
                        school_id__in=scope.school_ids
                    ).values("campaign_id")
                }
            )
        )
    return q


def form_scope_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """Forms a scope reaches: the bureau's officers read all of its forms; a school its own.

    ``edit`` means filling in answers: the school's own officers, and the centre on behalf of a
    school (a workbook sent in by e-mail)."""
    q = None

    def add(cond: Q) -> None:
        nonlocal q
        q = cond if q is None else q | cond

    roles = CAMPAIGN_MANAGE if action == "edit" else _BUREAU_READERS
    if ids := scope.bureau_ids(*roles):
        add(Q(**{f"{prefix}campaign__bureau_id__in": ids}))
    if scope.has(*SCHOOL_ROLES) and scope.school_ids:
        add(Q(**{f"{prefix}school_id__in": scope.school_ids}))
    return q


class CampaignQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return campaign_scope_q(scope, action)


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


class InspectionFormQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return form_scope_q(scope, action)

    def late(self, today: datetime.date | None = None):
        """Submitted after the deadline, or still not submitted once it has passed."""
        today = today or timezone.localdate()
        return self.filter(
            Q(late=True) | (Q(status__in=EDITABLE_FORM_STATUSES) & Q(campaign__forms_due__lt=today))
        )


class InspectionForm(models.Model):
    """One school's self-inspection form in one campaign."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="forms"
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="forms"
    )
    #: the school's facts the applicable items were chosen from, as they were at generation
    facts = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=FormStatus.choices, default=FormStatus.NOT_STARTED
    )
    item_count = models.PositiveSmallIntegerField(_("items"), default=0)
    answered_count = models.PositiveSmallIntegerField(_("answered"), default=0)
    non_compliant_count = models.PositiveSmallIntegerField(_("non-compliant"), default=0)
    #: how many times it was submitted; reviews belong to one round
    round = models.PositiveSmallIntegerField(default=0)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    late = models.BooleanField(_("late"), default=False)
    returned_reason = models.TextField(_("reason for return"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InspectionFormQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "school__name", "id"]
        verbose_name = _("self-inspection form")
        verbose_name_plural = _("self-inspection forms")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "school"], name="uniq_form_school")
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="cf_campaign_status"),
            models.Index(fields=["school", "campaign"], name="cf_school_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.school}"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:form_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_FORM_STATUSES


class FormAnswerQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return form_scope_q(scope, action, "form__")


class FormAnswer(models.Model):
    """A form's row for one check item, with the school's answer."""

    form = models.ForeignKey(InspectionForm, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(
        "catalog.CheckItem",
        verbose_name=_("check item"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: the department that reviews this item and takes its hazard (the item's first responsible
    #: department when the form was generated)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    answer = models.CharField(_("result"), max_length=16, choices=Answer.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    description = models.TextField(_("hazard description"), blank=True)
    plan = models.TextField(_("rectification plan"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=64, blank=True)
    na_reason = models.CharField(_("reason not applicable"), max_length=200, blank=True)
    #: required for an item whose hazard is major (002 §三.4)
    interim_measures = models.TextField(_("interim safety measures"), blank=True)
    hazard = models.OneToOneField(
        "hazards.Hazard",
        verbose_name=_("hazard"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="form_answer",
    )
    #: the page's sequence number of the change last saved (a timestamp in ms that only grows on
    #: the device): an autosave carrying a lower one left the phone earlier and arrived late, so
    #: it must not overwrite the newer choice
    client_seq = models.BigIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FormAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["form", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["form", "item"], name="uniq_form_item")]
        indexes = [models.Index(fields=["department", "form"], name="cf_answer_dept")]

    def __str__(self) -> str:
        return f"{self.form_id}/{self.item_id}: {self.answer}"


def _form_evidence_path(instance, filename: str) -> str:
    return f"forms/{timezone.localdate():%Y/%m}/{filename}"


class FormEvidence(models.Model):
    """A photo or document attached to one answer; becomes the hazard's evidence on submission."""

    answer = models.ForeignKey(FormAnswer, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to=_form_evidence_path, max_length=300)
    thumbnail = models.FileField(upload_to=_form_evidence_path, max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class FormReview(models.Model):
    """One department's decision on one submission round of a form."""

    form = models.ForeignKey(InspectionForm, on_delete=models.CASCADE, related_name="reviews")
    department = models.ForeignKey(
        "orgs.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField()
    decision = models.CharField(_("decision"), max_length=8, choices=ReviewDecision.choices)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["form", "round", "at"]
        constraints = [
            models.UniqueConstraint(fields=["form", "department", "round"], name="uniq_form_review")
        ]
        indexes = [models.Index(fields=["department", "round"], name="cf_review_dept")]

    def __str__(self) -> str:
        return f"{self.form_id} r{self.round} {self.department_id}: {self.decision}"


class FormEvent(AppendOnly, models.Model):
    """One thing that happened to a form. Append-only."""

    form = models.ForeignKey(InspectionForm, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=FormAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("as"), max_length=24, choices=Role.choices, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["form", "at"], name="cf_event_form_at")]

    def __str__(self) -> str:
        return f"{self.form_id} {self.action}"


def site_inspection_scope_q(scope: Scope, action: str) -> Q | None:
    if action == "edit":
        q = None
        if ids := scope.bureau_ids(Role.SAFETY_CENTRE):
            q = Q(bureau_id__in=ids)
        if scope.has(Role.DEPARTMENT_OFFICER) and scope.department_ids:
            dq = Q(department_id__in=scope.department_ids)
            q = dq if q is None else q | dq
        return q
    ids = scope.bureau_ids(*_BUREAU_READERS)
    q = Q(bureau_id__in=ids) if ids else None
    if scope.has(*SCHOOL_ROLES) and scope.school_ids:
        sq = Q(school_id__in=scope.school_ids)
        q = sq if q is None else q | sq
    return q


class SiteInspectionQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return site_inspection_scope_q(scope, action)


class SiteInspection(models.Model):
    """A department's (or the centre's) on-site inspection of a school against the check items.
    Its non-compliant findings become hazards (source: department inspection)."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="site_inspections",
    )
    catalog_version = models.ForeignKey(
        "catalog.CatalogVersion", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    inspected_on = models.DateField(_("inspected on"))
    inspectors = models.CharField(_("inspectors"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteInspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("on-site inspection")
        indexes = [
            models.Index(fields=["bureau", "inspected_on"], name="cf_site_bureau"),
            models.Index(fields=["school", "inspected_on"], name="cf_site_school"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.inspected_on}"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:site_inspection_detail", args=[self.pk])


class SiteFinding(models.Model):
    inspection = models.ForeignKey(
        SiteInspection, on_delete=models.CASCADE, related_name="findings"
    )
    item = models.ForeignKey("catalog.CheckItem", on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("result"), max_length=16, choices=Answer.choices)
    note = models.TextField(_("note"), blank=True)
    hazard = models.OneToOneField(
        "hazards.Hazard",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="site_finding",
    )

    class Meta:
        ordering = ["inspection", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="uniq_site_item")
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.item_id}: {self.answer}"
