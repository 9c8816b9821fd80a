"""The hazard register (隐患台账) of DOMAIN.md §5: hazards, their events and their evidence.

A hazard's status changes only through ``services``, which write a :class:`HazardEvent` in the
same transaction. Whether a hazard is overdue, by how many days, and its summary category are
derived from the deadline and the status, never stored.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.catalog.choices import HazardLevel
from safecampus.core.access import VIEW, Scope, ScopedQuerySet
from safecampus.core.models import AppendOnly
from safecampus.core.roles import Role

from . import access
from .choices import (
    OPEN_STATUSES,
    Action,
    EvidencePhase,
    RemedyType,
    RiskColour,
    Source,
    Status,
    Summary,
)


def department_hazard_ids(department_ids) -> models.QuerySet:
    """Ids of the hazards the departments are responsible for or cooperate on.

    One ``UNION ALL`` subquery, each side an index probe (``hz_dept_status_dl``,
    ``hz_coop_dept``). Written as ``responsible IN (…) OR id IN (cooperations)`` instead,
    PostgreSQL cannot use an index for the OR and scans the register (seconds at 4,000,000).
    """
    ids = list(department_ids)
    responsible = Hazard.objects.filter(responsible_department_id__in=ids).values("pk").order_by()
    cooperating = (
        HazardCooperation.objects.filter(department_id__in=ids).values("hazard_id").order_by()
    )
    return responsible.union(cooperating, all=True)


class HazardQuerySet(ScopedQuerySet):
    #: a hazard is seen (``view``); what a user may do to it is the lifecycle's (``roles_on``)
    actions = frozenset({VIEW})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.hazard_scope_q(scope, action)

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        return access.roles_on_hazard(scope, obj)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: datetime.date | None = None):
        return self.filter(overdue_q(today))


def overdue_q(today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(deadline__lt=today, status__in=OPEN_STATUSES)


class HazardCounter(models.Model):
    """The last sequence number used per bureau and year; locked while a code is taken."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bureau", "year"], name="uniq_hazard_counter")
        ]

    def __str__(self) -> str:
        return f"{self.bureau_id}/{self.year}: {self.last}"


class Hazard(models.Model):
    """A hazard found at a school, from report to 销号."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="hazards"
    )
    #: prefix-year-sequence; unique within the bureau (two bureaus may share a prefix)
    code = models.CharField(_("hazard code"), max_length=32, db_index=True)
    #: the campaign whose form or on-site inspection found it (none for other sources)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField()

    catalog_version = models.ForeignKey(
        "catalog.CatalogVersion",
        verbose_name=_("catalog version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.ForeignKey(
        "catalog.RiskArea", verbose_name=_("risk area"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.CheckItem",
        verbose_name=_("check item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    #: codes copied from the frozen catalog version, so filters work across versions
    area_code = models.CharField(_("risk area"), max_length=16)
    item_code = models.CharField(_("check item"), max_length=16, blank=True)

    description = models.TextField(_("description"))
    location = models.CharField(_("location in school"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=24, choices=Source.choices)
    found_on = models.DateField(_("found on"))
    found_by = models.CharField(_("found by"), max_length=64, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)

    remedy_type = models.CharField(
        _("remedy type"), max_length=12, choices=RemedyType.choices, default=RemedyType.DEADLINE
    )
    level = models.CharField(
        _("hazard level"), max_length=8, choices=HazardLevel.choices, default=HazardLevel.GENERAL
    )
    lec_l = models.DecimalField(_("likelihood (L)"), max_digits=5, decimal_places=1, null=True)
    lec_e = models.DecimalField(_("exposure (E)"), max_digits=5, decimal_places=1, null=True)
    lec_c = models.DecimalField(_("consequence (C)"), max_digits=5, decimal_places=1, null=True)
    risk_score = models.DecimalField(_("risk score (D)"), max_digits=9, decimal_places=2, null=True)
    risk_colour = models.CharField(
        _("risk grade"), max_length=8, choices=RiskColour.choices, blank=True
    )

    responsible_department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cooperating_departments = models.ManyToManyField(
        "orgs.Department",
        verbose_name=_("cooperating departments"),
        through="HazardCooperation",
        related_name="+",
        blank=True,
    )
    responsible_person = models.CharField(_("responsible person at school"), max_length=64)
    responsible_phone = models.CharField(_("phone"), max_length=32, blank=True)
    measures = models.TextField(_("rectification measures"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # 五落实 (004 §二(三)): funds, people, measures, deadline, contingency plan
    funds = models.CharField(_("funds"), max_length=200, blank=True)
    contingency_plan = models.TextField(_("contingency plan"), blank=True)
    # interim safety measures for a major hazard not fixed at once (002 §三.4)
    interim_measures = models.TextField(_("interim safety measures"), blank=True)
    interim_unit = models.CharField(
        _("unit responsible for interim measures"), max_length=100, blank=True
    )
    interim_person = models.CharField(
        _("person responsible for interim measures"), max_length=64, blank=True
    )
    interim_deadline = models.DateField(_("interim measures in place by"), null=True, blank=True)

    supervised = models.BooleanField(_("listed for supervision (挂牌督办)"), default=False)
    escalated = models.BooleanField(_("district leaders asked to supervise"), default=False)
    #: the responsible department disputes that the hazard is its own (000 §四(二).2): it goes
    #: to a coordination meeting, whose decision names the department and clears the flag
    responsibility_disputed = models.BooleanField(_("responsibility disputed"), default=False)
    delay_explanation = models.TextField(_("explanation of delay"), blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REPORTED
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    #: bumped on every change; a change made against an older version is refused
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HazardQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "year", "seq"], name="uniq_hazard_seq"),
            models.UniqueConstraint(fields=["bureau", "code"], name="uniq_hazard_code"),
        ]
        indexes = [
            # a bureau's register newest first (ORDER BY id DESC LIMIT/OFFSET) without walking
            # every other bureau's rows in the primary key
            models.Index(fields=["bureau", "id"], name="hz_bureau_id"),
            models.Index(fields=["bureau", "status", "deadline"], name="hz_bureau_status_dl"),
            models.Index(
                fields=["responsible_department", "status", "deadline"], name="hz_dept_status_dl"
            ),
            models.Index(fields=["school", "status", "deadline"], name="hz_school_status_dl"),
            models.Index(fields=["bureau", "area_code"], name="hz_bureau_area"),
            models.Index(fields=["bureau", "item_code"], name="hz_bureau_item"),
            models.Index(fields=["bureau", "found_on"], name="hz_bureau_found"),
            models.Index(fields=["bureau", "risk_colour"], name="hz_bureau_colour"),
            models.Index(fields=["bureau", "level"], name="hz_bureau_level"),
            models.Index(fields=["bureau", "source"], name="hz_bureau_source"),
            # a campaign's hazards per department (weekly reports, the summary evaluation)
            models.Index(
                fields=["campaign", "responsible_department", "status"], name="hz_campaign_dept"
            ),
            # on PostgreSQL only, outside the migration state: the trigram indexes of ``?q=``
            # on description and location (hz_description_trgm, hz_location_trgm; 0002)
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("hazards:hazard_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.deadline is not None and self.deadline < today

    def days_overdue(self, today: datetime.date | None = None) -> int:
        today = today or timezone.localdate()
        return (today - self.deadline).days if self.is_overdue(today) else 0

    @property
    def summary(self) -> str | None:
        """已化解 / 正在化解中（可明确完成时限）/ 难以短期化解; None for a withdrawn report."""
        if self.status == Status.CLOSED:
            return Summary.RESOLVED
        if self.status == Status.HARD:
            return Summary.HARD
        if self.status == Status.WITHDRAWN:
            return None
        return Summary.IN_PROGRESS

    def get_summary_display(self) -> str:
        return str(Summary(self.summary).label) if self.summary else ""

    @property
    def needs_interim_measures(self) -> bool:
        return self.level == HazardLevel.MAJOR and self.remedy_type != RemedyType.ON_SPOT


def summary_q(summary: str) -> Q:
    return {
        Summary.RESOLVED: Q(status=Status.CLOSED),
        Summary.HARD: Q(status=Status.HARD),
        Summary.IN_PROGRESS: Q(status__in=OPEN_STATUSES - {Status.HARD}),
    }[summary]


class HazardCooperation(models.Model):
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="cooperations")
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hazard", "department"], name="uniq_hazard_coop")
        ]
        indexes = [models.Index(fields=["department", "hazard"], name="hz_coop_dept")]

    def __str__(self) -> str:
        return f"{self.hazard_id} ↔ {self.department_id}"


class HazardEventQuerySet(ScopedQuerySet):
    #: seen with their hazard; written only by the services
    actions = frozenset({VIEW})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.hazard_scope_q(scope, action, "hazard__")


class HazardEvent(AppendOnly, models.Model):
    """One thing that happened to a hazard. Append-only: corrections are new events."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("as"), max_length=24, choices=Role.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    #: what changed: {field: [before, after]} plus action details
    data = models.JSONField(default=dict, blank=True)

    objects = HazardEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["hazard", "at"], name="hz_event_hazard_at")]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.action}"

    @property
    def deadline_change(self) -> tuple[datetime.date | None, datetime.date | None] | None:
        """(before, after) of a deadline this event changed, as dates."""
        change = self.data.get("deadline")
        if not change:
            return None
        return tuple(datetime.date.fromisoformat(d) if d else None for d in change)

    @property
    def decision_labels(self) -> list[str]:
        from .choices import Decision

        return [str(Decision(d).label) for d in self.data.get("decisions", [])]


def _evidence_path(instance: HazardEvidence, filename: str) -> str:
    return f"evidence/{instance.hazard.bureau_id}/{timezone.localdate():%Y/%m}/{filename}"


class HazardEvidenceQuerySet(ScopedQuerySet):
    #: seen with their hazard; written only by the services
    actions = frozenset({VIEW})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.hazard_scope_q(scope, action, "hazard__")


class HazardEvidence(models.Model):
    """A photo or document attached to a hazard; served only through a scoped view."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="evidence")
    event = models.ForeignKey(
        HazardEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    phase = models.CharField(_("phase"), max_length=10, choices=EvidencePhase.choices)
    file = models.FileField(_("file"), upload_to=_evidence_path, max_length=300)
    thumbnail = models.FileField(upload_to=_evidence_path, max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = HazardEvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("hazards:evidence_file", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def thumbnail_url(self) -> str:
        return reverse("hazards:evidence_thumb", args=[self.pk])
