"""Consultations (专题研商 / 专题协调会) and accountability records (约谈, 通报批评, 挂牌督办,
限期整改, 追责问责): 000 §四(二).2 and §四(三), 001 §三, 002 §三.4, 004 §五(三).

Records change only through ``services``, which write an event with who and when; a record is
never edited in place or deleted.
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


class RecordKind(models.TextChoices):
    INTERVIEW = "interview", _("Admonishment talk (约谈)")
    CRITICISM = "criticism", _("Circulated criticism (通报批评)")
    SUPERVISION = "supervision", _("Listed for supervision (挂牌督办)")
    DEADLINE = "deadline", _("Rectification by a deadline (限期整改)")
    DISCIPLINE = "discipline", _("Accountability action (追责问责)")


class RecordStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("accountability", "Open")
    FOLLOW_UP = "follow_up", _("Being followed up")
    CLOSED = "closed", _("Closed")


class RecordBasis(models.TextChoices):
    """What the record was opened for."""

    SPOT_CHECK = "spot_check", _("Spot check found the claim false")
    LATE_REPORT = "late_report", _("Late or missing weekly report")
    HAZARD = "hazard", _("Hazard not rectified")
    OTHER = "other", _("Other")


class RecordAction(models.TextChoices):
    OPEN = "open", _("Opened")
    FOLLOW_UP = "follow_up", _("Follow-up recorded")
    CLOSE = "close", _("Closed")


class AccountabilityRecordQuerySet(ScopedQuerySet):
    actions = access.RECORD_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.record_q(scope, action)

    def object_roles(self, scope, obj):
        return access.record_roles(scope, obj)

    def supervising(self):
        """Open 挂牌督办 records: the school is marked on its page and in lists."""
        return self.filter(kind=RecordKind.SUPERVISION).exclude(status=RecordStatus.CLOSED)


class AccountabilityRecord(models.Model):
    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("measure"), max_length=12, choices=RecordKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.OPEN
    )
    basis = models.CharField(_("basis"), max_length=12, choices=RecordBasis.choices)
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accountability_records",
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accountability_records",
    )
    reason = models.TextField(_("reason"))
    hazards = models.ManyToManyField(
        "hazards.Hazard", verbose_name=_("hazards"), blank=True, related_name="+"
    )
    spot_check_item = models.ForeignKey(
        "spotchecks.SpotCheckItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accountability_records",
    )
    weekly_report = models.ForeignKey(
        "weekly.WeeklyReport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accountability_records",
    )
    deadline = models.DateField(_("rectify by"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = AccountabilityRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        indexes = [
            models.Index(fields=["bureau", "status", "opened_at"], name="acc_bureau_status"),
            models.Index(fields=["school", "kind", "status"], name="acc_school_kind"),
            models.Index(fields=["department", "status"], name="acc_dept_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("accountability:record_detail", args=[self.pk])


class AccountabilityEvent(AppendOnly, models.Model):
    """Append-only history of a record."""

    record = models.ForeignKey(
        AccountabilityRecord, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=12, choices=RecordAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("as"), max_length=24, choices=Role.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["record", "at"], name="acc_event_record_at")]

    def __str__(self) -> str:
        return f"{self.record_id} {self.action}"


class ConsultationKind(models.TextChoices):
    STUDY = "study", _("Special consultation (专题研商)")
    COORDINATION = "coordination", _("Coordination meeting (专题协调会)")


class ConsultationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DECIDED = "decided", _("Decisions applied")


class ItemReason(models.TextChoices):
    HARD = "hard", _("Hard to resolve in the short term")
    DISPUTED = "disputed", _("Responsibility disputed or unclear")


def _on_department_hazards(department_ids, **filters):
    """The consultation ids of the items on the hazards of ``department_ids``."""
    from safecampus.hazards.models import department_hazard_ids

    return ConsultationItem.objects.filter(
        hazard_id__in=department_hazard_ids(department_ids), **filters
    ).values("consultation_id")


class ConsultationQuerySet(ScopedQuerySet):
    actions = access.CONSULTATION_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.consultation_q(scope, action, on_department_hazards=_on_department_hazards)

    def object_roles(self, scope, obj):
        return access.consultation_roles(
            scope,
            obj,
            on_department_hazards=lambda ids: _on_department_hazards(
                ids, consultation_id=obj.pk
            ).exists(),
        )


class Consultation(models.Model):
    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ConsultationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    attendees = models.TextField(_("attendees"))
    notes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.PLANNED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [models.Index(fields=["bureau", "held_on"], name="cons_bureau_held")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("accountability:consultation_detail", args=[self.pk])


class ConsultationItem(models.Model):
    """A hazard discussed at a consultation and the decision on it."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="items")
    hazard = models.ForeignKey(
        "hazards.Hazard", verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("why it is discussed"), max_length=8, choices=ItemReason.choices)
    #: hazards.choices.Decision values
    decisions = models.JSONField(_("decisions"), default=list, blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department named"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline = models.DateField(_("new deadline"), null=True, blank=True)
    comment = models.TextField(_("decision"), blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    hazard_event = models.ForeignKey(
        "hazards.HazardEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["consultation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "hazard"], name="uniq_consultation_hazard"
            )
        ]
        indexes = [models.Index(fields=["hazard"], name="cons_item_hazard")]

    def __str__(self) -> str:
        return f"{self.consultation_id}/{self.hazard_id}"

    @property
    def decision_labels(self) -> list[str]:
        from safecampus.hazards.choices import Decision

        return [Decision(d).label for d in self.decisions if d in Decision.values]
