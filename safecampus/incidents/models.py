"""Incidents, accident handling and disputes (DOMAIN.md §10).

An :class:`Incident` is reported from a school (or by a department for one), then followed up
and closed by reports (:class:`IncidentStep`: verbal, first written, follow-ups, closing), each
measured against the reporting limits the bureau had in force when the incident was reported
(snapshotted on the incident as ``limits``). What else happens to it — acknowledgement,
escalation, 三同步, responsibility, insurance, mediation, 校闹 handling, the access list — is an
:class:`IncidentEvent`. A *restricted* case (bullying, abuse, or restricted by the centre) is seen
only by the people named on it (:class:`IncidentAccess`); figures count it, nothing else shows it.

:class:`IllnessRecord` rows (cases of illness per class and day) raise a :class:`ClusterAlert`
when a class reaches the bureau's cluster thresholds; the alert must be reported as an incident
within the limit.

A :class:`Dispute` (矛盾纠纷) is registered, mediated, escalated and resolved, each move a
:class:`DisputeEvent`; it may be restricted the same way.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import ScopedQuerySet
from safecampus.core.models import AppendOnly

from . import access
from .choices import (
    OPEN_DISPUTE,
    DisputeAction,
    DisputeSource,
    DisputeStatus,
    DisputeSubject,
    IncidentAction,
    IncidentStatus,
    IncidentType,
    RiskLevel,
    Severity,
    StepKind,
)

_USER = settings.AUTH_USER_MODEL


def _named(model, field: str):
    """A builder of "the user is named on the row" (``access.Builder`` over a user id list)."""

    def build(user_ids: list[int]) -> Q:
        return Q(Exists(model.objects.filter(**{field: OuterRef("pk")}, user_id__in=user_ids)))

    return build


# --- settings and reporting limits ---------------------------------------------------------------


class SettingsQuerySet(ScopedQuerySet):
    actions = access.SETTINGS_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.settings_q(scope, action)

    def object_roles(self, scope, obj):
        return access.settings_roles(scope, obj)


class IncidentSettings(models.Model):
    """A bureau's choices for incidents and disputes; created with the defaults when first read."""

    bureau = models.OneToOneField(
        "orgs.Bureau", on_delete=models.CASCADE, related_name="incident_settings"
    )
    #: the centre staff named on every restricted case of the bureau
    restricted_officers = models.ManyToManyField(
        _USER, blank=True, related_name="+", verbose_name=_("officers named on restricted cases")
    )
    #: incident type → id of the department it is routed to (missing: the centre alone)
    routing = models.JSONField(default=dict, blank=True)
    cluster_day_cases = models.PositiveSmallIntegerField(
        _("cases in one class in one day"), default=3
    )
    cluster_window_days = models.PositiveSmallIntegerField(_("window (days)"), default=3)
    cluster_window_cases = models.PositiveSmallIntegerField(
        _("cases in one class in the window"), default=5
    )
    cluster_minutes = models.PositiveSmallIntegerField(
        _("report a cluster within (minutes)"), default=60
    )
    #: days before a sensitive period from which disputes at risk of petitions are flagged
    sensitive_lead_days = models.PositiveSmallIntegerField(
        _("flag disputes this many days before a sensitive period"), default=7
    )
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident settings")

    def __str__(self) -> str:
        return str(self.bureau)


class LimitQuerySet(ScopedQuerySet):
    actions = access.SETTINGS_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.settings_q(scope, action)

    def object_roles(self, scope, obj):
        return access.settings_roles(scope, obj)


class ReportingLimit(models.Model):
    """How fast a bureau wants an incident of a type and grade reported (blank: any)."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.CASCADE, related_name="+")
    incident_type = models.CharField(
        _("incident type"), max_length=20, choices=IncidentType.choices, blank=True
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, blank=True)
    verbal_minutes = models.PositiveIntegerField(
        _("verbal report within (minutes)"), null=True, blank=True
    )
    written_minutes = models.PositiveIntegerField(
        _("written report within (minutes)"), null=True, blank=True
    )
    #: a follow-up is due every day by this time until the closing report
    daily_follow_up_by = models.TimeField(_("daily follow-up by"), null=True, blank=True)
    final_within_days = models.PositiveIntegerField(
        _("closing report within (days)"), null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = LimitQuerySet.as_manager()

    class Meta:
        ordering = ["bureau", "incident_type", "severity"]
        verbose_name = _("reporting limit")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "incident_type", "severity"], name="uniq_reporting_limit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_incident_type_display() or '*'} · {self.get_severity_display() or '*'}"


# --- incidents -----------------------------------------------------------------------------------


class IncidentQuerySet(ScopedQuerySet):
    actions = access.INCIDENT_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.incident_q(scope, action, named=_named(IncidentAccess, "incident"))

    def object_roles(self, scope, obj):
        return access.incident_roles(scope, obj)

    def counted_for(self, user):
        """The incidents whose *numbers* ``user`` sees: restricted ones included (figures show
        counts, never the case). Depends on the scope's fingerprint only, not on the user."""
        from safecampus.core.access import scope_for

        q = access.incident_count_q(scope_for(user))
        return self.none() if q is None else self.filter(q)

    def open(self):
        return self.filter(status=IncidentStatus.OPEN)


class Incident(models.Model):
    """One incident at a school, from its first report to its closing report."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    incident_type = models.CharField(_("type"), max_length=20, choices=IncidentType.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    title = models.CharField(_("title"), max_length=120)
    occurred_at = models.DateTimeField(_("occurred at"))
    #: when the school learned of it (limits run from here; the same as occurred_at by default)
    known_at = models.DateTimeField(_("known at"))
    place = models.CharField(_("place"), max_length=200)
    description = models.TextField(_("what happened"))
    measures = models.TextField(_("what was done"), blank=True)
    affected_students = models.PositiveIntegerField(_("students affected"), default=0)
    affected_staff = models.PositiveIntegerField(_("staff affected"), default=0)
    injured = models.PositiveIntegerField(_("injured"), default=0)
    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    #: names and private details: kept only on a restricted case, never exported
    private_details = models.TextField(_("names and private details"), blank=True)
    restricted = models.BooleanField(_("restricted"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    #: the limits in force when it was reported (``timeliness.Limits.as_dict``)
    limits = models.JSONField(default=dict)
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    verbal_at = models.DateTimeField(_("verbal report at"), null=True, blank=True)
    #: the first-report deadlines and whether they were met (kept for the figures)
    verbal_due_at = models.DateTimeField(null=True, blank=True)
    written_due_at = models.DateTimeField(null=True, blank=True)
    first_late = models.BooleanField(_("first report late"), default=False)
    follow_ups = models.PositiveIntegerField(default=0)
    last_step_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    escalated_at = models.DateTimeField(
        _("reported to the leadership group"), null=True, blank=True
    )
    #: 三同步: item → {"at": iso, "by": user id}
    sync = models.JSONField(default=dict, blank=True)
    responsibility = models.CharField(_("responsibility"), max_length=12, blank=True)
    insurance = models.CharField(_("insurance claim"), max_length=12, blank=True)
    mediation = models.CharField(_("mediation"), max_length=12, blank=True)
    cluster = models.ForeignKey(
        "ClusterAlert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    status_changed_at = models.DateTimeField(default=timezone.now)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("incident")
        indexes = [
            # the newest first across many bureaus (a province's list): read backwards, no sort
            models.Index(fields=["-occurred_at", "-id"], name="inc_recent"),
            models.Index(fields=["bureau", "-occurred_at"], name="inc_bureau"),
            models.Index(fields=["bureau", "status", "-occurred_at"], name="inc_bureau_status"),
            models.Index(fields=["bureau", "incident_type", "-occurred_at"], name="inc_type"),
            models.Index(fields=["bureau", "severity", "-occurred_at"], name="inc_severity"),
            models.Index(fields=["school", "-occurred_at"], name="inc_school"),
            models.Index(fields=["department", "-occurred_at"], name="inc_dept"),
            models.Index(fields=["bureau", "first_late"], name="inc_late"),
            models.Index(fields=["restricted", "bureau"], name="inc_restricted"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incidents:incident_detail", args=[self.pk])

    def names(self, user_id) -> bool:
        """Whether ``user_id`` is named on the case (read once per object and user)."""
        cache = self.__dict__.setdefault("_named", {})
        if user_id not in cache:
            cache[user_id] = bool(user_id) and self.access.filter(user_id=user_id).exists()
        return cache[user_id]

    @property
    def is_serious(self) -> bool:
        from .choices import SERIOUS

        return self.severity in SERIOUS


class IncidentStep(AppendOnly, models.Model):
    """One report on an incident, measured against its deadline when it was filed."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=12, choices=StepKind.choices)
    #: when it was filed here; for a verbal report, when the call was made (as stated)
    at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    #: for a verbal report, whom it was made to
    recipient = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=24, blank=True)

    class Meta:
        ordering = ["incident", "at", "pk"]
        indexes = [models.Index(fields=["incident", "kind", "at"], name="inc_step")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"

    @property
    def minutes_late(self) -> int:
        if not self.late or self.due_at is None:
            return 0
        from .timeliness import minutes_late

        return minutes_late(self.at, self.due_at)


class IncidentEvent(AppendOnly, models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=IncidentAction.choices)
    from_status = models.CharField(max_length=8, blank=True)
    to_status = models.CharField(max_length=8)
    actor = models.ForeignKey(_USER, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=24, blank=True)
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["incident", "at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="inc_event")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.action}"


class IncidentAccess(models.Model):
    """A person named on a restricted incident: they, and only they, see it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="access")
    user = models.ForeignKey(_USER, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "user"], name="uniq_incident_access")
        ]
        indexes = [models.Index(fields=["user", "incident"], name="inc_access_user")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.user_id}"


class IncidentEvidence(AppendOnly, models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    event = models.ForeignKey(
        IncidentEvent, null=True, on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(upload_to="incidents/%Y/%m/")
    thumbnail = models.FileField(upload_to="incidents/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(_USER, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("incident evidence")

    def __str__(self) -> str:
        return self.original_name


# --- illness records and cluster alerts -----------------------------------------------------------


class IllnessQuerySet(ScopedQuerySet):
    actions = access.ILLNESS_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.illness_q(scope, action)

    def object_roles(self, scope, obj):
        return access.illness_roles(scope, obj)


class IllnessRecord(AppendOnly, models.Model):
    """Cases of illness in one class on one day, as the school's morning check found them."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    class_name = models.CharField(_("class"), max_length=40)
    day = models.DateField(_("day"))
    cases = models.PositiveSmallIntegerField(_("cases"))
    symptoms = models.CharField(_("symptoms"), max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    objects = IllnessQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["school", "class_name", "day"], name="illness_class")]

    def __str__(self) -> str:
        return f"{self.class_name} {self.day} {self.cases}"


class ClusterAlert(models.Model):
    """A class reached the cluster thresholds: an incident is due within the limit."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    class_name = models.CharField(_("class"), max_length=40)
    #: "day" (N cases in one day) or "window" (M cases within K days)
    rule = models.CharField(max_length=8)
    cases = models.PositiveSmallIntegerField(_("cases"))
    first_day = models.DateField()
    last_day = models.DateField()
    triggered_at = models.DateTimeField(_("triggered at"))
    due_at = models.DateTimeField(_("report due"))
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(null=True, blank=True)

    objects = IllnessQuerySet.as_manager()

    class Meta:
        ordering = ["-triggered_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "class_name", "-last_day"], name="cluster_class"),
            models.Index(fields=["bureau", "incident"], name="cluster_open"),
        ]

    def __str__(self) -> str:
        return f"{self.class_name} {self.first_day}–{self.last_day}"

    def is_late(self, now) -> bool:
        when = self.reported_at or now
        return when > self.due_at


# --- disputes ------------------------------------------------------------------------------------


class DisputeQuerySet(ScopedQuerySet):
    actions = access.DISPUTE_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.dispute_q(scope, action, named=_named(DisputeAccess, "dispute"))

    def object_roles(self, scope, obj):
        return access.dispute_roles(scope, obj)

    def counted_for(self, user):
        from safecampus.core.access import scope_for

        q = access.dispute_count_q(scope_for(user))
        return self.none() if q is None else self.filter(q)

    def open(self):
        return self.filter(status__in=OPEN_DISPUTE)


class Dispute(models.Model):
    """A dispute between school, staff, parents and students (003 §3, 002 §二.6)."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=16, choices=DisputeSubject.choices)
    title = models.CharField(_("title"), max_length=120)
    #: [{"role": PartyRole, "count": n}]: roles, not names
    parties = models.JSONField(_("parties"), default=list)
    summary = models.TextField(_("what it is about"))
    private_details = models.TextField(_("names and private details"), blank=True)
    risk = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    #: at risk of group petitions or skipping levels (群访、越级上访)
    petition_risk = models.BooleanField(
        _("risk of group or level-skipping petitions"), default=False
    )
    source = models.CharField(_("source"), max_length=12, choices=DisputeSource.choices)
    found_on = models.DateField(_("found on"))
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="disputes"
    )
    restricted = models.BooleanField(_("restricted"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    status_changed_at = models.DateTimeField(default=timezone.now)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("dispute")
        indexes = [
            models.Index(fields=["bureau", "status", "-found_on"], name="disp_bureau"),
            models.Index(fields=["bureau", "risk", "status"], name="disp_risk"),
            models.Index(fields=["bureau", "petition_risk", "status"], name="disp_petition"),
            models.Index(fields=["school", "-found_on"], name="disp_school"),
            models.Index(fields=["department", "status"], name="disp_dept"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incidents:dispute_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPUTE

    def names(self, user_id) -> bool:
        """Whether ``user_id`` is named on the case (read once per object and user)."""
        cache = self.__dict__.setdefault("_named", {})
        if user_id not in cache:
            cache[user_id] = bool(user_id) and self.access.filter(user_id=user_id).exists()
        return cache[user_id]


class DisputeEvent(AppendOnly, models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=DisputeAction.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(_USER, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=24, blank=True)
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dispute", "at", "pk"]
        indexes = [models.Index(fields=["dispute", "at"], name="disp_event")]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.action}"


class DisputeAccess(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="access")
    user = models.ForeignKey(_USER, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dispute", "user"], name="uniq_dispute_access")
        ]
        indexes = [models.Index(fields=["user", "dispute"], name="disp_access_user")]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.user_id}"


__all__ = [
    "ClusterAlert",
    "Dispute",
    "DisputeAccess",
    "DisputeEvent",
    "IllnessRecord",
    "Incident",
    "IncidentAccess",
    "IncidentEvent",
    "IncidentEvidence",
    "IncidentSettings",
    "IncidentStep",
    "ReportingLimit",
]
