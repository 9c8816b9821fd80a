"""School self-inspection forms (排查表) and on-site inspections of DOMAIN.md §4.

Launching a campaign gives every school in scope one form holding the check items that apply to
that school (from the school's facts at that moment); later changes to the school or the catalog
never rewrite a form. Forms, answers and reviews are reached only through
``visible_to``/``editable_by``; the conditions are in ``access.py``.

The tables keep the names they had when these models lived in ``campaigns`` (``db_table``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import Scope, ScopedQuerySet
from safecampus.core.models import AppendOnly
from safecampus.core.roles import Role

from . import access
from .choices import EDITABLE_FORM_STATUSES, Answer, FormAction, FormStatus, ReviewDecision


class InspectionFormQuerySet(ScopedQuerySet):
    #: view: read the form; edit: fill in its answers (the school, or the centre for it).
    #: Reviewing is decided per department (``access.reviewable_departments``), not here.
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.form_q(scope, action)

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        return access.form_roles(scope, obj)

    def late(self, today: datetime.date | None = None):
        """Submitted after the deadline, or still not submitted once it has passed."""
        today = today or timezone.localdate()
        return self.filter(
            models.Q(late=True)
            | (
                models.Q(status__in=EDITABLE_FORM_STATUSES)
                & models.Q(campaign__forms_due__lt=today)
            )
        )


class InspectionForm(models.Model):
    """One school's self-inspection form in one campaign."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="forms",
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
        db_table = "campaigns_inspectionform"
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
        return reverse("inspections:form_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_FORM_STATUSES


class FormAnswerQuerySet(ScopedQuerySet):
    #: view: read the answer; edit: change it or attach evidence (as for its form)
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.form_q(scope, action, "form__")


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
        db_table = "campaigns_formanswer"
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
        db_table = "campaigns_formevidence"
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
        db_table = "campaigns_formreview"
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
        db_table = "campaigns_formevent"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["form", "at"], name="cf_event_form_at")]

    def __str__(self) -> str:
        return f"{self.form_id} {self.action}"


class SiteInspectionQuerySet(ScopedQuerySet):
    #: view: read the inspection; edit: record one (the centre, or the department itself)
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.site_inspection_q(scope, action)


class SiteInspection(models.Model):
    """A department's (or the centre's) on-site inspection of a school against the check items.
    Its non-compliant findings become hazards (source: department inspection)."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
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
        db_table = "campaigns_siteinspection"
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("on-site inspection")
        indexes = [
            models.Index(fields=["bureau", "inspected_on"], name="cf_site_bureau"),
            models.Index(fields=["school", "inspected_on"], name="cf_site_school"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.inspected_on}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:site_inspection_detail", args=[self.pk])


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
        db_table = "campaigns_sitefinding"
        ordering = ["inspection", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="uniq_site_item")
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.item_id}: {self.answer}"
