"""Security standards as code (DOMAIN.md §8): each school's security facts, rule sets per region,
the findings a failed rule opens, and the standing of each school.

Design (docs/architecture.md, "Security standards"):

- **Facts** are columns on :class:`SecurityFacts` (one row per school) and :class:`GateFacts` (one
  per gate); every change writes a :class:`FactsRevision` holding the whole sheet as it became,
  so the facts on any past date are the newest revision recorded by then.
- **Rule sets** (:class:`RuleSet`) belong to a region or are national; each has versions, and a
  published :class:`RuleSetVersion` is frozen. A set may extend another: its rules override the
  parent's rules of the same key. A bureau's :class:`StandardsPolicy` lists the sets it applies
  and how they combine ("take the stricter": the largest minimum, the smallest maximum, every
  condition).
- **Evaluation** (``engine``) turns facts and rules into one outcome per requirement key, stored
  on :class:`SchoolStanding` (the school's card) and counted in :class:`StandardsTally` (the
  district's figures, kept exact by deltas). A failed requirement is an open :class:`Finding`;
  when the facts comply again it resolves. Findings move only through ``lifecycle.FINDINGS``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.catalog.choices import HazardLevel
from safecampus.core.access import ScopedQuerySet
from safecampus.core.models import AppendOnly

from . import access
from .choices import (
    FactsAction,
    FactsStatus,
    FindingAction,
    FindingStatus,
    Four100,
    Outcome,
    Pillar,
    PolicyMode,
    RuleKind,
    VersionAction,
    VersionStatus,
)
from .facts import BOOL, DATE, SCHOOL_FACTS

# --- rule sets ----------------------------------------------------------------------------------


class RuleSetQuerySet(ScopedQuerySet):
    actions = access.RULESET_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.ruleset_q(scope, action)

    def object_roles(self, scope, obj):
        return access.ruleset_roles(scope, obj)


class RuleSet(models.Model):
    """A region's (or the nation's) standard, e.g. 上海市 or GB/T 29315-2022."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region_name = models.CharField(_("region"), max_length=64, blank=True)
    #: the bureau that keeps it; ``None`` for the sets shipped with the product (read-only)
    bureau = models.ForeignKey(
        "orgs.Bureau",
        verbose_name=_("kept by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    extends = models.ForeignKey(
        "self",
        verbose_name=_("extends"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extended_by",
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("rule set")

    def __str__(self) -> str:
        return self.name

    def published(self):
        return self.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()


class RuleSetVersionQuerySet(ScopedQuerySet):
    actions = access.RULESET_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.ruleset_q(scope, action, "rule_set__")

    def object_roles(self, scope, obj):
        return access.ruleset_roles(scope, obj.rule_set)


class RuleSetVersion(models.Model):
    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RuleSetVersionQuerySet.as_manager()

    class Meta:
        ordering = ["rule_set", "-number"]
        verbose_name = _("rule set version")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "number"], name="uniq_ruleset_version"),
            models.UniqueConstraint(
                fields=["rule_set"],
                condition=Q(status="draft"),
                name="one_draft_per_ruleset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set.name} v{self.number}"

    @property
    def frozen(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class Rule(models.Model):
    """One requirement of one rule set version.

    ``key`` names the requirement across rule sets ("guards.day"): rules of the same key compete
    under "take the stricter". A ``min`` rule holds when ``measure >= threshold``, a ``max`` rule
    when ``measure <= threshold``, a ``check`` when ``condition`` holds; each only where
    ``applies`` holds. All four are expressions over ``facts.RULE_FACTS``."""

    version = models.ForeignKey(RuleSetVersion, on_delete=models.CASCADE, related_name="rules")
    key = models.CharField(_("requirement"), max_length=48)
    title = models.CharField(_("title"), max_length=120)
    pillar = models.CharField(_("pillar"), max_length=12, choices=Pillar.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=RuleKind.choices)
    applies = models.CharField(_("applies when"), max_length=300, blank=True)
    measure = models.CharField(_("measure"), max_length=300, blank=True)
    threshold = models.CharField(_("required value"), max_length=300, blank=True)
    condition = models.CharField(_("condition"), max_length=500, blank=True)
    #: e.g. "000_b0b7d186cefae7de.txt §四(一)8" or "GB/T 29315-2022 §…"
    clause = models.CharField(_("clause"), max_length=200)
    #: the sentence shown to one school, with {required}, {actual} and any fact in braces
    explanation = models.CharField(_("explanation"), max_length=300)
    note = models.CharField(_("note"), max_length=300, blank=True)
    level = models.CharField(
        _("default hazard level"),
        max_length=12,
        choices=HazardLevel.choices,
        default=HazardLevel.GENERAL,
    )
    #: the check item of the bureau's risk catalog a hazard is filed under (its area and
    #: department follow from it); the centre takes it when the catalog lacks it
    item_code = models.CharField(_("check item"), max_length=16, blank=True)
    four100 = models.CharField(
        _("counts toward 4个100%"), max_length=12, choices=Four100.choices, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "sort_order", "key"]
        verbose_name = _("rule")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="uniq_rule_key_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class StandardsPolicyQuerySet(ScopedQuerySet):
    actions = access.POLICY_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.policy_q(scope, action)

    def object_roles(self, scope, obj):
        return access.policy_roles(scope, obj)


class StandardsPolicy(models.Model):
    """Which rule sets a bureau applies, in order, and how they combine."""

    bureau = models.OneToOneField(
        "orgs.Bureau", on_delete=models.CASCADE, related_name="standards_policy"
    )
    mode = models.CharField(
        _("combination"), max_length=12, choices=PolicyMode.choices, default=PolicyMode.STRICTER
    )
    #: partner units that see the cards of the schools they cover (none unless granted)
    granted_partners = models.ManyToManyField(
        "orgs.PartnerUnit",
        verbose_name=_("partner units that see the cards"),
        blank=True,
        related_name="standards_grants",
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = StandardsPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("standards policy")

    def __str__(self) -> str:
        return f"{self.bureau}: {self.get_mode_display()}"


class PolicyRuleSet(models.Model):
    policy = models.ForeignKey(StandardsPolicy, on_delete=models.CASCADE, related_name="entries")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "rule_set"], name="uniq_policy_ruleset")
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.rule_set_id} @{self.position}"


class StandardsEvent(AppendOnly, models.Model):
    """What happened to a rule set, one of its versions, or a bureau's policy: who, when, what
    (a publication, a shipped version loaded, the rule sets a bureau applies before and after).
    Append-only."""

    action = models.CharField(max_length=12, choices=VersionAction.choices)
    rule_set = models.ForeignKey(
        RuleSet, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    version = models.ForeignKey(
        RuleSetVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    bureau = models.ForeignKey(
        "orgs.Bureau", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=24, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("standards event")
        indexes = [models.Index(fields=["bureau", "at"], name="standards_event_bureau")]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


# --- facts ----


class FactsQuerySet(ScopedQuerySet):
    actions = access.FACTS_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.facts_q(scope, action)

    def object_roles(self, scope, obj):
        return access.facts_roles(scope, obj.school)


class SecurityFacts(models.Model):
    """A school's security facts now: one row per school, one nullable column per kept fact of
    ``facts.SCHOOL_FACTS`` (added below; ``None``: not recorded)."""

    school = models.OneToOneField(
        "orgs.School", on_delete=models.CASCADE, related_name="security_facts"
    )
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    #: bumped by every change (optimistic locking of the page)
    version = models.PositiveIntegerField(default=0)
    status = models.CharField(
        _("verification"),
        max_length=12,
        choices=FactsStatus.choices,
        default=FactsStatus.SUBMITTED,
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.CharField(_("why returned"), max_length=300, blank=True)

    objects = FactsQuerySet.as_manager()

    class Meta:
        verbose_name = _("security facts")
        indexes = [models.Index(fields=["bureau", "status"], name="facts_bureau_status")]

    def __str__(self) -> str:
        return str(self.school)


for _fact in SCHOOL_FACTS:
    if _fact.type == BOOL:
        SecurityFacts.add_to_class(
            _fact.name, models.BooleanField(_fact.label, null=True, blank=True)
        )
    elif _fact.type == DATE:
        SecurityFacts.add_to_class(_fact.name, models.DateField(_fact.label, null=True, blank=True))
    else:
        SecurityFacts.add_to_class(
            _fact.name, models.PositiveIntegerField(_fact.label, null=True, blank=True)
        )


class GateFacts(models.Model):
    """One gate's facts; gates are numbered 1… up to the school's ``gate_count``."""

    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="gate_facts")
    position = models.PositiveSmallIntegerField(_("gate number"))
    name = models.CharField(_("gate"), max_length=32, blank=True)
    guards_day = models.PositiveSmallIntegerField(_("guards by day"), null=True, blank=True)
    guards_night = models.PositiveSmallIntegerField(_("guards at night"), null=True, blank=True)
    guards_peak = models.PositiveSmallIntegerField(_("guards at peaks"), null=True, blank=True)
    barrier = models.BooleanField(_("anti-ramming barrier"), null=True, blank=True)
    video = models.BooleanField(_("video"), null=True, blank=True)
    video_linked = models.BooleanField(_("video linked to the centre"), null=True, blank=True)
    alarm = models.BooleanField(_("one-button alarm"), null=True, blank=True)

    class Meta:
        ordering = ["school", "position"]
        verbose_name = _("gate facts")
        constraints = [
            models.UniqueConstraint(fields=["school", "position"], name="uniq_gate_facts")
        ]

    def __str__(self) -> str:
        return self.name or str(self.position)


class FactsRevisionQuerySet(ScopedQuerySet):
    actions = frozenset({"view"})

    def scope_filter(self, scope, *, action):
        return access.facts_q(scope, action)

    def object_roles(self, scope, obj):
        return access.facts_roles(scope, obj.school)


class FactsRevision(AppendOnly, models.Model):
    """The whole sheet as one change left it: the facts on a past date are the newest revision
    recorded by then. Append-only; verification is a revision too."""

    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="+")
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=12, choices=FactsAction.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=24, blank=True)
    status = models.CharField(max_length=12, choices=FactsStatus.choices)
    #: {"school": {fact: value}, "gates": [{...}], "school_org": {...}}
    data = models.JSONField(default=dict)
    #: {fact: [before, after]}; gate facts as "gate2.guards_day"
    changes = models.JSONField(default=dict, blank=True)
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    objects = FactsRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["school", "-number"]
        verbose_name = _("facts revision")
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="uniq_facts_revision")
        ]
        indexes = [models.Index(fields=["school", "at"], name="facts_rev_school_at")]

    def __str__(self) -> str:
        return f"{self.school_id} #{self.number}"


class FactsEvidence(AppendOnly, models.Model):
    revision = models.ForeignKey(FactsRevision, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to="standards/%Y/%m/")
    thumbnail = models.FileField(upload_to="standards/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("facts evidence")

    def __str__(self) -> str:
        return self.original_name


# --- evaluation ----


class StandingQuerySet(ScopedQuerySet):
    actions = frozenset({"view"})

    def scope_filter(self, scope, *, action):
        return access.facts_q(scope, action)

    def object_roles(self, scope, obj):
        return access.facts_roles(scope, obj.school)


class SchoolStanding(models.Model):
    """A school's card: the outcome of every requirement at the last evaluation."""

    school = models.OneToOneField("orgs.School", on_delete=models.CASCADE, related_name="standing")
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=24)
    evaluated_at = models.DateTimeField()
    #: {key: {"o": outcome, "r": rule id, "set": rule set code, "req": n, "act": n,
    #:        "why": explanation, "missing": [facts]}}
    results = models.JSONField(default=dict)
    failing = models.PositiveSmallIntegerField(default=0)
    unknown = models.PositiveSmallIntegerField(default=0)
    #: the "4个100%": True passes, False fails, None not known
    four_guards = models.BooleanField(null=True)
    four_closed = models.BooleanField(null=True)
    four_alarm_video = models.BooleanField(null=True)
    four_escort = models.BooleanField(null=True)

    objects = StandingQuerySet.as_manager()

    class Meta:
        verbose_name = _("school standing")
        indexes = [
            models.Index(fields=["bureau", "stage"], name="standing_bureau_stage"),
            models.Index(fields=["bureau", "failing"], name="standing_bureau_failing"),
        ]

    def __str__(self) -> str:
        return f"{self.school_id}: {self.failing}"


class StandardsTally(models.Model):
    """How many of a bureau's schools of one stage have each outcome of one requirement key
    (``4x100.<part>`` for the "4个100%"): the district figures without counting 40,000 cards."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=48)
    stage = models.CharField(max_length=24)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "key", "stage", "outcome"], name="uniq_standards_tally"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.stage} {self.outcome} {self.count}"


class FindingQuerySet(ScopedQuerySet):
    actions = access.FINDING_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.finding_q(scope, action)

    def object_roles(self, scope, obj):
        return access.finding_roles(scope, obj)


class Finding(models.Model):
    """A requirement a school fails, with its clause and the explanation in the school's own
    numbers. At most one open finding per school and key."""

    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="+")
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("requirement"), max_length=48)
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="findings")
    rule_set_code = models.CharField(_("rule set"), max_length=32)
    title = models.CharField(_("title"), max_length=120)
    clause = models.CharField(_("clause"), max_length=200)
    explanation = models.CharField(_("explanation"), max_length=400)
    pillar = models.CharField(_("pillar"), max_length=12, choices=Pillar.choices)
    level = models.CharField(_("level"), max_length=12, choices=HazardLevel.choices)
    required = models.CharField(_("required"), max_length=32, blank=True)
    actual = models.CharField(_("actual"), max_length=32, blank=True)
    #: the department the finding goes to (from the rule's check item); ``None``: the centre
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    opened_at = models.DateTimeField(_("found"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name=_("hazard"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=0)
    status_changed_at = models.DateTimeField(default=timezone.now)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "pk"]
        verbose_name = _("finding")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "key"], condition=Q(status="open"), name="one_open_finding"
            )
        ]
        indexes = [
            models.Index(fields=["bureau", "status", "key"], name="finding_bureau_key"),
            models.Index(fields=["department", "status"], name="finding_department"),
            models.Index(fields=["school", "status"], name="finding_school"),
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.title}"


class FindingEvent(AppendOnly, models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=FindingAction.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=24, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["finding", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.action}"
