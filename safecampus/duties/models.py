"""Recurring duties (常态化工作) of DOMAIN.md §7: the duty catalog, the school calendar, the
annual work plan, and what each body owes and has done.

Design (docs/architecture.md, "Recurring duties"): a duty's periods are derived from its
frequency rule and the bureau's calendar; an :class:`Occurrence` row is generated for each owner
a period at a time, when the period's window comes within ``GENERATE_AHEAD_DAYS`` (a daily job,
and idempotently whenever an owner's page is opened), and never for a period wholly in a
vacation. Records, excuses and decisions are events on the occurrence; its status moves only
through ``duties.lifecycle.OCCURRENCES``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import ScopedQuerySet
from safecampus.core.models import AppendOnly
from safecampus.core.roles import Role

from . import access, rules
from .choices import (
    DayKind,
    DutyCategory,
    Evidence,
    Figure,
    OccurrenceStatus,
    Owner,
    TermKind,
    VersionStatus,
)

# --- the catalog ----------------------------------------------------------------------------


class DutyVersionQuerySet(ScopedQuerySet):
    actions = access.CATALOG_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.catalog_q(scope, action)

    def object_roles(self, scope, obj):
        return access.bureau_roles(scope, obj.bureau_id)


class DutyCatalogVersion(models.Model):
    """A version of a bureau's duty catalog: a draft is edited; a published one is frozen."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = DutyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["bureau", "-number"]
        verbose_name = _("duty catalog version")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "number"], name="uniq_duty_version"),
            models.UniqueConstraint(
                fields=["bureau"], condition=Q(status="draft"), name="one_duty_draft_per_bureau"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("duties:version_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class WorkPlan(models.Model):
    """A bureau's annual safety work plan (003 and its 任务分解表): a table of tasks by quarter,
    each owed by the units it names and tracked like a duty once the plan is published."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    #: read and kept as the catalog is
    objects = DutyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["bureau", "-year"]
        verbose_name = _("annual work plan")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "year"], name="uniq_work_plan_year")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("duties:plan_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class DutyQuerySet(ScopedQuerySet):
    actions = access.CATALOG_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.duty_q(scope, action)

    def object_roles(self, scope, obj):
        return access.bureau_roles(scope, obj.bureau_id)


class Duty(models.Model):
    """One recurring duty (or one task of a work plan). ``code`` is stable across versions."""

    version = models.ForeignKey(
        DutyCatalogVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="duties"
    )
    plan = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    #: the version's (or plan's) bureau, kept here for scope filters without a join
    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=24)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(
        _("category"), max_length=16, choices=DutyCategory.choices, default=DutyCategory.OTHER
    )
    #: what counts as done, in words
    done_when = models.TextField(_("what counts as done"), blank=True)
    #: Evidence values a record must carry (at least one file of each)
    evidence = models.JSONField(_("evidence required"), default=list, blank=True)
    #: Figure values a record must give
    figures = models.JSONField(_("figures required"), default=list, blank=True)
    frequency = models.CharField(_("frequency rule"), max_length=64)
    #: days either side of a fixed date (before a term: days before its first day)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=0)
    grace_days = models.PositiveSmallIntegerField(_("grace (days)"), default=0)
    #: owed in vacations too (boarding, holiday duty); otherwise a period wholly in a vacation
    #: is not owed
    in_vacation = models.BooleanField(_("owed in vacations too"), default=False)
    #: applicability from the school's facts (empty stages: every stage)
    stages = models.JSONField(_("stages"), default=list, blank=True)
    boarding_only = models.BooleanField(_("boarding schools only"), default=False)
    needs_canteen = models.BooleanField(_("schools with a canteen only"), default=False)
    needs_chem_lab = models.BooleanField(_("schools with a chemistry lab only"), default=False)
    owed_by_schools = models.BooleanField(_("owed by each school"), default=True)
    owed_by_centre = models.BooleanField(_("owed by the safety centre"), default=False)
    owed_by_departments = models.ManyToManyField(
        "orgs.Department", verbose_name=_("owed by departments"), related_name="+", blank=True
    )
    #: PartnerKind values: every partner unit of these kinds owes it
    partner_kinds = models.JSONField(_("owed by partner units of kinds"), default=list, blank=True)
    overseeing_department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("overseeing department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    #: as the seed or the plan names them ("局安办、中小幼")
    responsible_text = models.CharField(_("responsible units"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    #: the work plan's quarter (1–4) and row number
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = DutyQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="uniq_duty_code"),
            models.UniqueConstraint(fields=["plan", "code"], name="uniq_plan_task_code"),
            models.CheckConstraint(
                condition=Q(version__isnull=False, plan__isnull=True)
                | Q(version__isnull=True, plan__isnull=False),
                name="duty_in_version_or_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def rule(self) -> rules.Rule:
        return rules.parse(self.frequency)

    @property
    def frequency_label(self) -> str:
        try:
            return self.rule.describe()
        except rules.RuleError:
            return self.frequency

    @property
    def times(self) -> int:
        try:
            return self.rule.times
        except rules.RuleError:
            return 1

    def applies_to(self, school) -> bool:
        """Whether ``school`` owes this duty, from its facts."""
        if not self.owed_by_schools:
            return False
        if self.stages and school.stage not in self.stages:
            return False
        if self.boarding_only and not school.boarding:
            return False
        if self.needs_canteen and not school.has_canteen:
            return False
        return not (self.needs_chem_lab and not school.has_chem_lab)

    @property
    def evidence_labels(self) -> list[str]:
        labels = dict(Evidence.choices)
        return [str(labels.get(e, e)) for e in self.evidence]

    @property
    def figure_labels(self) -> list[str]:
        labels = dict(Figure.choices)
        return [str(labels.get(f, f)) for f in self.figures]

    @property
    def stage_labels(self) -> list[str]:
        from safecampus.orgs.choices import SchoolStage

        labels = dict(SchoolStage.choices)
        return [str(labels.get(s, s)) for s in self.stages]


# --- the calendar ---------------------------------------------------------------------------


class CalendarQuerySet(ScopedQuerySet):
    actions = access.CALENDAR_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.calendar_q(scope, action)

    def object_roles(self, scope, obj):
        return access.bureau_roles(scope, obj.bureau_id)


class SchoolTerm(models.Model):
    """A term of a school year (寒暑假 are the gaps between terms)."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.CharField(_("school year"), max_length=9)  # 2026-2027
    kind = models.CharField(_("term"), max_length=8, choices=TermKind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))

    objects = CalendarQuerySet.as_manager()

    class Meta:
        ordering = ["bureau", "start"]
        verbose_name = _("school term")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "school_year", "kind"], name="uniq_term"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="term_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year}学年{self.get_kind_display()}"


class CalendarDay(models.Model):
    """A public holiday or make-up workday the library does not know (a later year) or that the
    bureau's locality arranges differently. It wins over the library."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CalendarQuerySet.as_manager()

    class Meta:
        ordering = ["bureau", "date"]
        verbose_name = _("holiday or make-up workday")
        constraints = [models.UniqueConstraint(fields=["bureau", "date"], name="uniq_calendar_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


# --- what is owed and done ------------------------------------------------------------------


class OccurrenceQuerySet(ScopedQuerySet):
    actions = access.OCCURRENCE_ACTIONS

    def scope_filter(self, scope, *, action: str):
        return access.occurrence_q(scope, action)

    def object_roles(self, scope, obj):
        return access.occurrence_roles(scope, obj)

    def effective_missed(self, today: datetime.date):
        """Missed: marked so by the sweep, or still due with its grace over (before the sweep
        has run)."""
        return self.filter(
            Q(status=OccurrenceStatus.MISSED) | Q(status=OccurrenceStatus.DUE, grace_end__lt=today)
        )


class Occurrence(models.Model):
    """One period of one duty owed by one body (a school, a department, a partner unit, or the
    bureau's centre). Generated a period at a time; its status moves only through the
    lifecycle table."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    duty = models.ForeignKey(
        Duty, verbose_name=_("duty"), on_delete=models.PROTECT, related_name="occurrences"
    )
    #: the duty's code (stable across versions): one occurrence per code, owner and period
    code = models.CharField(_("code"), max_length=24)
    owner_kind = models.CharField(_("owed by"), max_length=12, choices=Owner.choices)
    school = models.ForeignKey(
        "orgs.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    partner = models.ForeignKey(
        "orgs.PartnerUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: "s12", "d3", "p5", "b1": the owner in one column for the unique constraint
    owner_key = models.CharField(max_length=16)
    #: the duty's overseeing department, kept here for a department's scope without a join
    overseeing_department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_key = models.CharField(_("period"), max_length=16)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    window_start = models.DateField(_("window from"))
    window_end = models.DateField(_("window to"))
    grace_end = models.DateField(_("grace to"))
    #: how many records the period asks for (N/period rules)
    required = models.PositiveSmallIntegerField(default=1)
    recorded = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OccurrenceStatus.choices,
        default=OccurrenceStatus.DUE,
    )
    status_at = models.DateTimeField(null=True, blank=True)
    #: when a department last reopened it ("not credible"): records before it no longer count
    reopened_at = models.DateTimeField(null=True, blank=True)
    row_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["window_end", "code", "owner_key"]
        verbose_name = _("duty occurrence")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "owner_key", "period_start"], name="uniq_occurrence"
            )
        ]
        indexes = [
            models.Index(fields=["bureau", "window_end"], name="occ_bureau_end"),
            models.Index(fields=["bureau", "code", "window_end"], name="occ_bureau_code_end"),
            models.Index(fields=["school", "window_start"], name="occ_school_start"),
            models.Index(fields=["department", "window_start"], name="occ_dept_start"),
            models.Index(fields=["partner", "window_start"], name="occ_partner_start"),
            models.Index(fields=["overseeing_department", "window_end"], name="occ_overseer_end"),
            models.Index(fields=["status", "grace_end"], name="occ_status_grace"),
            # compliance figures read only this index (window, duty, owner, status, grace)
            models.Index(
                fields=[
                    "bureau",
                    "window_end",
                    "window_start",
                    "code",
                    "owner_kind",
                    "status",
                    "grace_end",
                    "school",
                ],
                name="occ_compliance_cover",
            ),
            # the schools furthest behind: the missed per school, read by status (a few percent
            # of the rows); the few schools that can be among the first are then counted by
            # ``occ_school_start``
            models.Index(
                fields=[
                    "bureau",
                    "status",
                    "window_end",
                    "grace_end",
                    "window_start",
                    "owner_kind",
                    "school",
                ],
                name="occ_missed_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.period_key} {self.owner_key}"

    def get_absolute_url(self) -> str:
        return reverse("duties:occurrence_detail", args=[self.pk])

    @property
    def owner(self):
        return self.school or self.department or self.partner or self.bureau

    def effective_status(self, today: datetime.date) -> str:
        if self.status == OccurrenceStatus.DUE and self.grace_end < today:
            return OccurrenceStatus.MISSED
        return self.status

    def window_open(self, today: datetime.date) -> bool:
        return self.window_start <= today <= self.grace_end


class DutyRecord(AppendOnly, models.Model):
    """What was done for an occurrence: one record, with its figures and evidence. A record is
    never changed: a correction is a new record that supersedes it."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="records")
    occurred_at = models.DateTimeField(_("held at"))
    summary = models.TextField(_("what was done"), blank=True)
    scenario = models.CharField(_("scenario"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    evacuation_seconds = models.PositiveIntegerField(
        _("evacuation time (seconds)"), null=True, blank=True
    )
    #: the other figures (signed, total, found …)
    figures = models.JSONField(default=dict, blank=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_role = models.CharField(max_length=24, choices=Role.choices)

    class Meta:
        ordering = ["occurrence", "created_at", "pk"]
        verbose_name = _("duty record")
        indexes = [models.Index(fields=["occurrence", "created_at"], name="duty_rec_occ")]

    def __str__(self) -> str:
        return f"{self.occurrence} @ {self.occurred_at:%Y-%m-%d}"


def _evidence_path(instance, filename):
    return f"duties/{instance.record.occurrence.bureau_id}/{filename}"


class DutyEvidence(AppendOnly, models.Model):
    record = models.ForeignKey(DutyRecord, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=12, choices=Evidence.choices)
    file = models.FileField(upload_to=_evidence_path)
    thumbnail = models.FileField(upload_to=_evidence_path, blank=True)
    content_type = models.CharField(max_length=100)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    #: the content's SHA-256: the same photo used again is found by it
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "pk"]
        verbose_name = _("duty evidence")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class OccurrenceEvent(AppendOnly, models.Model):
    """One step on an occurrence: recorded, excuse asked / accepted / refused, not credible,
    missed, corrected; with who, as which role, and when."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(max_length=16, choices=OccurrenceStatus.choices)
    to_status = models.CharField(max_length=16, choices=OccurrenceStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=24, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    record = models.ForeignKey(
        DutyRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: an accountability record opened by "not credible"
    accountability_record_id = models.IntegerField(null=True, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["occurrence", "at", "pk"]
        verbose_name = _("duty occurrence event")
        indexes = [models.Index(fields=["occurrence", "at"], name="duty_evt_occ")]

    def __str__(self) -> str:
        return f"{self.occurrence} {self.action}"


# --- the compliance summary -----------------------------------------------------------------


class DutyTallyQuerySet(ScopedQuerySet):
    def scope_filter(self, scope, *, action: str):
        return access.tally_q(scope)


class DutyTally(models.Model):
    """Compliance counts of one bureau, per duty code, month (of the window's end) and school
    stage ("" for a department's, a partner's or the centre's), as counted at ``as_of``: what
    the figures of a many-bureau scope (a city, a province) are read from instead of counting
    millions of occurrences on every page (``duties.summary``, refreshed by a job)."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(_("code"), max_length=24)
    month = models.DateField(_("month"))
    stage = models.CharField(_("stage"), max_length=24, blank=True)
    done = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    excused = models.PositiveIntegerField(default=0)
    #: when it was counted, and the day it counted as today
    as_of = models.DateTimeField(_("as of"))
    today = models.DateField()

    objects = DutyTallyQuerySet.as_manager()

    class Meta:
        ordering = ["bureau", "month", "code", "stage"]
        verbose_name = _("duty compliance tally")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "code", "month", "stage"], name="uniq_duty_tally"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bureau_id} {self.code} {self.month:%Y-%m} {self.stage}"
