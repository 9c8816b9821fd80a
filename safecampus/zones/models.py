"""The student safety zone (DOMAIN.md §9): school geometry, the venue register, zone rules, what
the check found (hits) and the cases it opened.

Every coordinate is stored as it was entered, with its system, and beside it in WGS-84 (the one
system distances are measured in, ``core.geo``). ``ZoneSite`` and ``ZoneCell`` are derived: each
school's gates and boundary in WGS-84, and the grid cells its zones reach (the spatial
prefilter). They are rebuilt from the records, never edited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import ScopedQuerySet
from safecampus.core.models import AppendOnly
from safecampus.orgs.choices import CoordSystem

from . import access
from .choices import (
    ACTIVE_VENUE,
    OPEN_CASE,
    BoundarySource,
    CaseAction,
    CaseStatus,
    HitLine,
    MeasureFrom,
    RuleKind,
    VenueAction,
    VenueSource,
    VenueStatus,
    VenueType,
    ZoneEventKind,
)


def _coordinates(null: bool = False) -> tuple[models.Field, models.Field]:
    return (
        models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=null, blank=null),
        models.DecimalField(_("latitude"), max_digits=8, decimal_places=6, null=null, blank=null),
    )


# --- rules --------------------------------------------------------------------------------------


class ZoneRuleQuerySet(ScopedQuerySet):
    actions = access.RULE_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.rule_q(scope, action, above=_rules_from_above)

    def object_roles(self, scope, obj):
        return access.rule_roles(scope, obj)

    def for_bureau(self, bureau):
        """The active rules that apply to ``bureau``'s schools: the national ones (no bureau)
        and those of the bureau and the bureaus above it."""
        ids = [int(x) for x in (bureau.path or "").strip("/").split("/") if x] or [bureau.pk]
        return self.filter(Q(bureau__isnull=True) | Q(bureau_id__in=ids), is_active=True)


def _rules_from_above(bureau_ids: list[int]) -> Q:
    """The rules of the bureaus above ``bureau_ids`` (their materialised paths name them)."""
    from safecampus.orgs.models import Bureau

    above: set[int] = set()
    for path in Bureau.objects.filter(pk__in=bureau_ids).values_list("path", flat=True):
        above.update(int(x) for x in (path or "").strip("/").split("/") if x)
    return Q(bureau_id__in=sorted(above))


class ZoneRule(models.Model):
    """Which venues may not lie how close to which schools, measured from which line; or how
    close to a gate the parents' waiting area must be. Cites its source."""

    bureau = models.ForeignKey(
        "orgs.Bureau",
        verbose_name=_("bureau"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: a national rule that applies everywhere."),
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=RuleKind.choices)
    venue_types = models.JSONField(_("venue types"), default=list, blank=True)
    #: school stages the rule applies to; empty: every stage
    stages = models.JSONField(_("school stages"), default=list, blank=True)
    distance_m = models.PositiveIntegerField(_("distance (m)"))
    measure_from = models.CharField(_("measured from"), max_length=12, choices=MeasureFrom.choices)
    clause = models.CharField(_("source"), max_length=200)
    #: days a case of this rule has to be rectified
    days = models.PositiveSmallIntegerField(_("days to rectify"), default=30)
    is_active = models.BooleanField(_("active"), default=True)
    #: the shipped pack the rule was loaded from (blank: the bureau's own)
    pack = models.CharField(_("shipped pack"), max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=0)

    objects = ZoneRuleQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "distance_m", "code"]
        verbose_name = _("zone rule")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "code"], name="uniq_zone_rule_code"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(bureau__isnull=True), name="uniq_national_zone_rule"
            ),
            models.CheckConstraint(
                condition=Q(distance_m__gte=1, distance_m__lte=2000), name="zone_rule_distance"
            ),
        ]
        indexes = [models.Index(fields=["bureau", "is_active"], name="zone_rule_bureau")]

    def __str__(self) -> str:
        return self.name

    def applies_to_stage(self, stage: str) -> bool:
        return not self.stages or stage in self.stages

    def applies_to_venue(self, venue_type: str) -> bool:
        return self.kind == RuleKind.EXCLUSION and venue_type in (self.venue_types or [])


class ZoneSettingsQuerySet(ScopedQuerySet):
    actions = access.SETTINGS_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.settings_q(scope, action)

    def object_roles(self, scope, obj):
        return access.settings_roles(scope, obj)


class ZoneSettings(models.Model):
    """A bureau's choices: the department that takes zone cases (法制科 by default)."""

    bureau = models.OneToOneField(
        "orgs.Bureau", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ZoneSettingsQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.bureau_id}"


# --- school geometry ----------------------------------------------------------------------------


class GeometryQuerySet(ScopedQuerySet):
    actions = access.GEOMETRY_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.geometry_q(scope, action)

    def object_roles(self, scope, obj):
        return access.geometry_roles(scope, obj.school)


class SchoolBoundary(models.Model):
    """The campus boundary (围墙) as a closed ring, as entered and in WGS-84."""

    school = models.OneToOneField(
        "orgs.School", primary_key=True, on_delete=models.CASCADE, related_name="zone_boundary"
    )
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    coord_system = models.CharField(
        _("coordinate system"), max_length=8, choices=CoordSystem.choices
    )
    #: ``[[lon, lat], …]`` as entered; the first vertex repeated last
    vertices = models.JSONField(_("vertices"))
    #: the same ring in WGS-84
    wgs = models.JSONField()
    source = models.CharField(_("source"), max_length=12, choices=BoundarySource.choices)
    area_m2 = models.FloatField(_("area (m²)"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=0)

    objects = GeometryQuerySet.as_manager()

    class Meta:
        verbose_name = _("campus boundary")
        indexes = [models.Index(fields=["bureau"], name="zone_boundary_bureau")]

    def __str__(self) -> str:
        return f"{self.school_id}"


class WaitingArea(models.Model):
    """A parents' waiting area (家长等候区) near a gate; rules say how near (001 §二(三))."""

    school = models.ForeignKey(
        "orgs.School", on_delete=models.CASCADE, related_name="zone_waiting_areas"
    )
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=64)
    longitude, latitude = _coordinates()
    coord_system = models.CharField(
        _("coordinate system"), max_length=8, choices=CoordSystem.choices
    )
    wgs_lon = models.FloatField()
    wgs_lat = models.FloatField()
    #: the nearest gate and the distance to it (refreshed when the gates change)
    nearest_gate = models.ForeignKey(
        "orgs.SchoolGate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gate_distance_m = models.FloatField(_("distance to the nearest gate (m)"), null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = GeometryQuerySet.as_manager()

    class Meta:
        ordering = ["school", "id"]
        verbose_name = _("parents' waiting area")
        indexes = [models.Index(fields=["bureau", "school"], name="zone_waiting_bureau")]

    def __str__(self) -> str:
        return self.name


class ZoneEvent(AppendOnly, models.Model):
    """A change of a boundary, a waiting area, a rule or the settings: who, when, before/after."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "orgs.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ZoneEventKind.choices)
    object_id = models.PositiveIntegerField(null=True, blank=True)
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=24, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["school", "at"], name="zone_event_school"),
            models.Index(fields=["bureau", "kind", "at"], name="zone_event_bureau"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.action}"


class ZoneSite(models.Model):
    """Derived: a school's gates and boundary in WGS-84 with the box its zones reach."""

    school = models.OneToOneField(
        "orgs.School", primary_key=True, on_delete=models.CASCADE, related_name="zone_site"
    )
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=24)
    #: ``[[gate id, name, lon, lat], …]`` in WGS-84
    gates = models.JSONField(default=list)
    #: the boundary ring in WGS-84, or ``None``
    ring = models.JSONField(null=True)
    #: the furthest any rule of the school reaches (m)
    reach_m = models.PositiveIntegerField(default=0)
    min_lon = models.FloatField(null=True)
    min_lat = models.FloatField(null=True)
    max_lon = models.FloatField(null=True)
    max_lat = models.FloatField(null=True)
    refreshed_at = models.DateTimeField(default=timezone.now)
    #: a digest of everything above it (bureau, stage, gates, ring, reach, box): a run that
    #: finds the same digest leaves the site and its cells as they are
    fingerprint = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["bureau"], name="zone_site_bureau")]

    def __str__(self) -> str:
        return f"{self.school_id}"


class ZoneCell(models.Model):
    """Derived: a grid cell (``core.geo.cell_of``) some zone of ``school`` reaches into."""

    cell = models.BigIntegerField()
    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="+")
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["cell"], name="zone_cell_cell"),
            models.Index(fields=["school"], name="zone_cell_school"),
        ]

    def __str__(self) -> str:
        return f"{self.cell} → {self.school_id}"


# --- venues -------------------------------------------------------------------------------------


class VenueQuerySet(ScopedQuerySet):
    actions = access.VENUE_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.venue_q(
            scope,
            action,
            in_zone_of=lambda ids: Exists(
                ZoneHit.objects.filter(venue=OuterRef("pk"), school_id__in=ids)
            ),
            concerns=lambda ids: (
                Exists(
                    ZoneCase.partners.through.objects.filter(
                        zonecase__venue=OuterRef("pk"), partnerunit_id__in=ids
                    )
                )
                | Exists(
                    Venue.partners.through.objects.filter(
                        venue=OuterRef("pk"), partnerunit_id__in=ids
                    )
                )
            ),
        )

    def object_roles(self, scope, obj):
        return access.venue_roles(scope, obj)


class Venue(models.Model):
    """A venue near schools (网吧、KTV、游戏厅、小旅馆…) in a bureau's register."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=16, choices=VenueType.choices)
    name = models.CharField(_("name"), max_length=100)
    licence = models.CharField(_("licence number"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude, latitude = _coordinates()
    coord_system = models.CharField(
        _("coordinate system"), max_length=8, choices=CoordSystem.choices
    )
    wgs_lon = models.FloatField()
    wgs_lat = models.FloatField()
    cell = models.BigIntegerField()
    status = models.CharField(
        _("status"), max_length=12, choices=VenueStatus.choices, default=VenueStatus.OPERATING
    )
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=VenueSource.choices)
    partners = models.ManyToManyField(
        "orgs.PartnerUnit", verbose_name=_("partner units"), blank=True, related_name="+"
    )
    relocated_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=400, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = VenueQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("venue")
        indexes = [
            models.Index(fields=["bureau", "status", "kind"], name="venue_bureau_status"),
            models.Index(fields=["bureau", "name"], name="venue_bureau_name"),
            models.Index(fields=["cell"], name="venue_cell"),
            models.Index(fields=["bureau", "-created_at"], name="venue_bureau_new"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_VENUE


class VenueEvent(AppendOnly, models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=VenueAction.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=24, blank=True)
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=400, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["venue", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.action}"


class ZoneHit(models.Model):
    """Derived: a venue lies in a zone of a school, so many metres from the rule's line."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="hits")
    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="+")
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(ZoneRule, on_delete=models.CASCADE, related_name="hits")
    line = models.CharField(max_length=16, choices=HitLine.choices)
    #: the gate measured from (a gate line), or ``None``
    gate = models.ForeignKey(
        "orgs.SchoolGate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gate_name = models.CharField(max_length=32, blank=True)
    distance_m = models.FloatField()
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["distance_m", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "school", "rule"], name="uniq_zone_hit")
        ]
        indexes = [
            models.Index(fields=["school", "venue"], name="zone_hit_school"),
            models.Index(fields=["bureau", "rule"], name="zone_hit_bureau"),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id} → {self.school_id} {self.distance_m:.0f} m"


# --- cases --------------------------------------------------------------------------------------


class CaseQuerySet(ScopedQuerySet):
    actions = access.CASE_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.case_q(
            scope,
            action,
            concerns=lambda ids: Exists(
                ZoneCase.partners.through.objects.filter(
                    zonecase=OuterRef("pk"), partnerunit_id__in=ids
                )
            ),
        )

    def object_roles(self, scope, obj):
        return access.case_roles(scope, obj)

    def open(self):
        return self.filter(status__in=OPEN_CASE)


class ZoneCase(models.Model):
    """A venue inside a zone of a school, tracked to rectification: at most one open case per
    venue and school, whatever the number of rules it breaks."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="cases"
    )
    venue_kind = models.CharField(_("venue type"), max_length=16, choices=VenueType.choices)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partners = models.ManyToManyField(
        "orgs.PartnerUnit", verbose_name=_("partner units"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    #: the nearest the venue lies to the line of a rule it breaks
    distance_m = models.FloatField(_("distance (m)"))
    #: what the check found, in words ("距1号门156米，学生安全区域（200米，自校门起算）")
    summary = models.CharField(_("finding"), max_length=400)
    rule_codes = models.JSONField(default=list)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    opened_at = models.DateTimeField(_("found"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    status_changed_at = models.DateTimeField(default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("zone case")
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "school"],
                condition=Q(status__in=["open", "rectifying", "submitted"]),
                name="one_open_zone_case",
            )
        ]
        indexes = [
            models.Index(fields=["bureau", "status", "deadline"], name="zone_case_bureau"),
            models.Index(fields=["department", "status", "deadline"], name="zone_case_dept"),
            models.Index(fields=["school", "status"], name="zone_case_school"),
            models.Index(fields=["venue", "status"], name="zone_case_venue"),
            models.Index(fields=["bureau", "venue_kind", "status"], name="zone_case_kind"),
            models.Index(fields=["bureau", "-opened_at"], name="zone_case_new"),
        ]

    def __str__(self) -> str:
        return f"{self.venue} · {self.school}"

    def partner_id_set(self) -> frozenset[int]:
        """The ids of the partner units named on the case (read once per object)."""
        cached = getattr(self, "_partner_ids", None)
        if cached is None:
            cached = (
                frozenset(self.partners.values_list("pk", flat=True)) if self.pk else frozenset()
            )
            self._partner_ids = cached
        return cached

    def is_overdue(self, today) -> bool:
        return (
            self.deadline is not None
            and self.deadline < today
            and self.status in (CaseStatus.OPEN, CaseStatus.RECTIFYING)
        )


class ZoneCaseEvent(AppendOnly, models.Model):
    case = models.ForeignKey(ZoneCase, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=CaseAction.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=24, blank=True)
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["case", "at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="zone_case_event")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class ZoneCaseEvidence(AppendOnly, models.Model):
    case = models.ForeignKey(ZoneCase, on_delete=models.PROTECT, related_name="evidence")
    event = models.ForeignKey(
        ZoneCaseEvent, null=True, on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(upload_to="zones/%Y/%m/")
    thumbnail = models.FileField(upload_to="zones/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("zone case evidence")

    def __str__(self) -> str:
        return self.original_name


__all__ = [
    "CaseAction",
    "SchoolBoundary",
    "Venue",
    "VenueAction",
    "VenueEvent",
    "WaitingArea",
    "ZoneCase",
    "ZoneCaseEvent",
    "ZoneCaseEvidence",
    "ZoneCell",
    "ZoneEvent",
    "ZoneHit",
    "ZoneRule",
    "ZoneSettings",
    "ZoneSite",
]
