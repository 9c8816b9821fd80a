"""Spot checks (抽查), 000 §四(三).1: the leadership group draws a proportion of the hazards
claimed resolved or in progress, stratified by department (and optionally by risk colour), and
inspectors verify them on site. The draw is reproducible: the population, the seed and the
sample are stored, and drawing again from them gives the same sample.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.access import ScopedQuerySet
from safecampus.core.models import AppendOnly
from safecampus.core.roles import Role

from . import access


class SpotCheckStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("spot check", "In progress")
    DONE = "done", _("Completed")


class Claim(models.TextChoices):
    """What the register claims of a hazard (the summary categories a check may draw from)."""

    RESOLVED = "resolved", _("Resolved")
    IN_PROGRESS = "in_progress", _("Being resolved, with a deadline")


class Result(models.TextChoices):
    PENDING = "pending", _("Not yet checked")
    CONFIRMED = "confirmed", _("Confirmed as claimed")
    NOT_AS_CLAIMED = "not_as_claimed", _("Not as claimed (弄虚作假、敷衍了事)")


class SpotCheckQuerySet(ScopedQuerySet):
    actions = access.CHECK_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.check_q(scope, action, checks_with_items=_checks_with_items)

    def object_roles(self, scope, obj):
        return access.check_roles(
            scope,
            obj,
            reaches_items=lambda q: SpotCheckItem.objects.filter(q, spot_check_id=obj.pk).exists(),
        )


def _checks_with_items(item_q):
    return SpotCheckItem.objects.filter(item_q).values("spot_check_id")


class SpotCheck(models.Model):
    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spot_checks",
    )
    title = models.CharField(_("title"), max_length=200)
    #: the share of each stratum drawn, e.g. 0.1000 for 10 %
    proportion = models.DecimalField(_("proportion"), max_digits=5, decimal_places=4)
    minimum_per_stratum = models.PositiveSmallIntegerField(_("minimum per stratum"), default=1)
    by_colour = models.BooleanField(_("stratify by risk colour too"), default=False)
    #: the claims drawn from (Claim values)
    claims = models.JSONField(_("claims"), default=list)
    seed = models.BigIntegerField(_("seed"))
    #: [[hazard id, stratum key], …] sorted by id: who could have been drawn
    population = models.JSONField(default=list)
    population_size = models.PositiveIntegerField(default=0)
    sample_size = models.PositiveIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=SpotCheckStatus.choices, default=SpotCheckStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_role = models.CharField(max_length=24, choices=Role.choices)
    ordered_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-ordered_at", "-id"]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        indexes = [models.Index(fields=["bureau", "ordered_at"], name="sc_bureau_at")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("spotchecks:check_detail", args=[self.pk])

    @property
    def percent(self) -> str:
        """The proportion as a percentage, without trailing zeros ("10", "12.5")."""
        return f"{self.proportion * 100:.2f}".rstrip("0").rstrip(".")


class SpotCheckItemQuerySet(ScopedQuerySet):
    actions = access.ITEM_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.item_q(scope, action)

    def object_roles(self, scope, obj):
        return access.item_roles(scope, obj)


class SpotCheckItem(models.Model):
    """One drawn hazard and its on-site result."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="items")
    hazard = models.ForeignKey(
        "hazards.Hazard", verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="+"
    )
    stratum = models.CharField(_("stratum"), max_length=64)
    #: the hazard's status and claim when it was drawn
    claimed_status = models.CharField(max_length=12)
    claim = models.CharField(_("claim"), max_length=12, choices=Claim.choices)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    result = models.CharField(
        _("result"), max_length=16, choices=Result.choices, default=Result.PENDING
    )
    finding = models.TextField(_("finding"), blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    objects = SpotCheckItemQuerySet.as_manager()

    class Meta:
        ordering = ["spot_check", "stratum", "hazard_id"]
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "hazard"], name="uniq_spot_check_item")
        ]
        indexes = [
            models.Index(fields=["inspector", "result"], name="sc_item_inspector"),
            models.Index(fields=["hazard"], name="sc_item_hazard"),
        ]

    def __str__(self) -> str:
        return f"{self.spot_check_id}/{self.hazard_id}"


def _evidence_path(instance: SpotCheckEvidence, filename: str) -> str:
    return (
        f"spotchecks/{instance.item.spot_check.bureau_id}/{timezone.localdate():%Y/%m}/{filename}"
    )


class SpotCheckEvidenceQuerySet(ScopedQuerySet):
    actions = access.EVIDENCE_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.evidence_q(scope, action)

    def object_roles(self, scope, obj):
        return access.item_roles(scope, obj.item)


class SpotCheckEvidence(models.Model):
    """A photo or document taken on site; served only through a scoped view."""

    item = models.ForeignKey(SpotCheckItem, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=_evidence_path, max_length=300)
    thumbnail = models.FileField(upload_to=_evidence_path, max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = SpotCheckEvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("spotchecks:evidence_file", args=[self.pk])

    def thumbnail_url(self) -> str:
        return reverse("spotchecks:evidence_thumb", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class EventAction(models.TextChoices):
    ORDER = "order", _("Ordered and drawn")
    ASSIGN = "assign", _("Inspector assigned")
    RECORD = "record", _("Result recorded")
    COMPLETE = "complete", _("Completed")


class SpotCheckEvent(AppendOnly, models.Model):
    """Append-only history of a spot check: the order and draw, each assignment, each result."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="events")
    item = models.ForeignKey(
        SpotCheckItem, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    action = models.CharField(_("action"), max_length=12, choices=EventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=24, choices=Role.choices)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["spot_check", "at"], name="sc_event_check_at")]

    def __str__(self) -> str:
        return f"{self.spot_check_id} {self.action}"
