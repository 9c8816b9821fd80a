"""The summary evaluation (总结评估) of a campaign, 000 §四(三) and DOMAIN.md §6.

Each responsible department confirms the summary category of each of its campaign hazards
(已化解 / 正在化解中（可明确完成时限）/ 难以短期化解). A confirmation is a row of
:class:`SummaryConfirmation`, never changed: confirming again is a new row, and the latest row
of a hazard is the one that counts. The centre then archives the campaign: a frozen snapshot of
its register rows and of its supervision records, kept as gzipped JSON in the default storage
(:class:`CampaignArchive`), from which the archive page and the written summary are made.
"""

from __future__ import annotations

import gzip
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import Scope, ScopedQuerySet
from safecampus.core.capabilities import ARCHIVE_READ
from safecampus.core.models import AppendOnly
from safecampus.core.roles import Role
from safecampus.hazards.choices import Summary

from . import access

#: roles that read the archive and the written summary (the centre and the leadership group)
ARCHIVE_READERS = ARCHIVE_READ


class ConfirmationQuerySet(ScopedQuerySet):
    actions = access.CONFIRMATION_ACTIONS

    def scope_filter(self, scope: Scope, *, action: str):
        return access.confirmation_q(scope, action)


class SummaryConfirmation(AppendOnly, models.Model):
    """A department's statement of a hazard's summary category. Append-only: the latest row of
    a hazard counts; earlier rows stay as the history of what was stated, by whom and when."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="summary_confirmations",
    )
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name=_("hazard"),
        on_delete=models.PROTECT,
        related_name="summary_confirmations",
    )
    #: the responsible department the confirmation was made for
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    #: the category derived from the register at the moment of confirmation
    derived = models.CharField(_("derived category"), max_length=12, choices=Summary.choices)
    category = models.CharField(_("confirmed category"), max_length=12, choices=Summary.choices)
    #: when a hazard being resolved will be resolved (正在化解中，可明确完成时限)
    complete_by = models.DateField(_("to be completed by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("as"), max_length=24, choices=Role.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    #: context: the hazard's status and deadline then, whether it was a bulk confirmation
    data = models.JSONField(default=dict, blank=True)

    objects = ConfirmationQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("summary confirmation")
        verbose_name_plural = _("summary confirmations")
        constraints = [
            models.CheckConstraint(
                condition=Q(category="in_progress", complete_by__isnull=False)
                | ~Q(category="in_progress"),
                name="ev_in_progress_has_date",
            ),
            models.CheckConstraint(
                condition=Q(category=models.F("derived")) | ~Q(note=""),
                name="ev_override_has_note",
            ),
        ]
        indexes = [
            # the latest confirmation of a hazard (ORDER BY id DESC LIMIT 1 per hazard)
            models.Index(fields=["hazard", "id"], name="ev_conf_hazard"),
            models.Index(fields=["campaign", "department"], name="ev_conf_campaign_dept"),
        ]

    def __str__(self) -> str:
        return f"{self.hazard_id}: {self.category}"

    @property
    def is_override(self) -> bool:
        return self.category != self.derived


class ArchiveQuerySet(ScopedQuerySet):
    actions = access.ARCHIVE_ACTIONS

    def scope_filter(self, scope: Scope, *, action: str):
        return access.archive_q(scope, action)

    def object_roles(self, scope: Scope, obj):
        return access.archive_roles(scope, obj)


def _archive_path(instance: CampaignArchive, filename: str) -> str:
    return f"evaluation/{instance.bureau_id}/{timezone.localdate():%Y}/{filename}"


class CampaignArchive(models.Model):
    """The frozen record of a campaign (归档留存). One per campaign; never rewritten."""

    campaign = models.OneToOneField(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="archive",
    )
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    #: the snapshot, gzipped JSON (see ``snapshot.build_snapshot``)
    snapshot = models.FileField(_("snapshot"), upload_to=_archive_path, max_length=300)
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64)
    #: small figures for lists: hazards, by category, confirmed, records of each kind
    totals = models.JSONField(default=dict, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    archived_role = models.CharField(max_length=24, choices=Role.choices)
    archived_at = models.DateTimeField(_("archived at"), default=timezone.now)
    #: why the campaign was archived before its feedback deadline (empty when it was not)
    override_reason = models.TextField(_("reason for archiving before the deadline"), blank=True)
    #: what was still incomplete when it was archived (``selectors.archive_readiness``)
    incomplete = models.JSONField(default=dict, blank=True)
    #: 发文字号 of the final written summary (闵教安〔2026〕12号), taken once when the archive is
    #: made; empty when the bureau has no document number prefix
    doc_number = models.CharField(_("document number"), max_length=64, blank=True)

    objects = ArchiveQuerySet.as_manager()

    class Meta:
        ordering = ["-archived_at", "-id"]
        verbose_name = _("campaign archive")
        verbose_name_plural = _("campaign archives")
        indexes = [models.Index(fields=["bureau", "archived_at"], name="ev_archive_bureau")]

    def __str__(self) -> str:
        return f"{self.campaign_id} @ {self.archived_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:archive_detail", args=[self.campaign_id])

    def read_snapshot(self) -> dict:
        with self.snapshot.open("rb") as fh:
            return json.loads(gzip.decompress(fh.read()).decode("utf-8"))


class EvaluationAction(models.TextChoices):
    ARCHIVE = "archive", _("Campaign archived")
    SUMMARY = "summary", _("Written summary generated")


class EvaluationEvent(AppendOnly, models.Model):
    """What happened to a campaign's evaluation besides confirmations. Append-only."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="evaluation_events"
    )
    action = models.CharField(_("action"), max_length=12, choices=EvaluationAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("as"), max_length=24, choices=Role.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["campaign", "at"], name="ev_event_campaign_at")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.action}"
