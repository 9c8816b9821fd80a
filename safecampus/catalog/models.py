"""The risk catalog (风险清单 / 排查标准) of DOMAIN.md §3: versions, risk areas, check items.

A bureau edits one draft at a time and publishes it; a published version never changes, so
campaigns and hazards made under it keep exactly the items they were made with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import Scope, ScopedQuerySet

from . import access
from .choices import HazardLevel, RouteSubject, VersionStatus


class CatalogVersionQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.catalog_q(scope, action)

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        return access.version_roles(scope, obj)


class CatalogVersion(models.Model):
    bureau = models.ForeignKey(
        "orgs.Bureau",
        verbose_name=_("bureau"),
        on_delete=models.PROTECT,
        related_name="catalog_versions",
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
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CatalogVersionQuerySet.as_manager()

    class Meta:
        ordering = ["bureau", "-number"]
        verbose_name = _("catalog version")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "number"], name="uniq_catalog_version"),
            models.UniqueConstraint(
                fields=["bureau"], condition=Q(status="draft"), name="one_draft_per_bureau"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:version_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class RiskAreaQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.catalog_q(scope, action, "version__")


class RiskArea(models.Model):
    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = RiskAreaQuerySet.as_manager()

    class Meta:
        ordering = ["version", "sort_order", "code"]
        verbose_name = _("risk area")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="uniq_area_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CheckItemQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.catalog_q(scope, action, "version__")


class CheckItem(models.Model):
    """One thing a school (or a named body) is checked against."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="items")
    area = models.ForeignKey(RiskArea, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=16)
    text = models.TextField(_("check item"))
    guidance = models.TextField(_("guidance"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    #: school stages the item applies to; empty = every stage
    stages = models.JSONField(_("stages"), default=list, blank=True)
    boarding_only = models.BooleanField(_("boarding schools only"), default=False)
    needs_canteen = models.BooleanField(_("schools with a canteen only"), default=False)
    needs_chem_lab = models.BooleanField(_("schools with a chemistry lab only"), default=False)
    responsible_body = models.CharField(_("responsible body"), max_length=100, default="各学校")
    #: answered by schools on their self-inspection forms (False: a named body's own task)
    school_facing = models.BooleanField(_("on school forms"), default=True)
    responsible_departments = models.ManyToManyField(
        "orgs.Department",
        verbose_name=_("responsible departments"),
        related_name="+",
        blank=True,
    )
    cooperating_departments = models.ManyToManyField(
        "orgs.Department",
        verbose_name=_("cooperating departments"),
        related_name="+",
        blank=True,
    )
    default_level = models.CharField(
        _("default hazard level"),
        max_length=8,
        choices=HazardLevel.choices,
        default=HazardLevel.GENERAL,
    )
    #: whom the item is about (teachers or students), for a route that names a subject
    subject = models.CharField(
        _("subject"), max_length=16, choices=RouteSubject.choices, blank=True, default=""
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = CheckItemQuerySet.as_manager()

    class Meta:
        ordering = ["version", "area__sort_order", "sort_order", "code"]
        verbose_name = _("check item")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="uniq_item_code")]
        indexes = [models.Index(fields=["version", "area", "sort_order"])]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:40]}"

    @property
    def stage_labels(self) -> list[str]:
        from safecampus.orgs.choices import SchoolStage

        labels = dict(SchoolStage.choices)
        return [str(labels.get(s, s)) for s in self.stages]

    @property
    def subject_label(self) -> str:
        return str(RouteSubject(self.subject).label) if self.subject else ""

    def department_for(self, school):
        """The department that takes this item at ``school``: the first route (in order) whose
        stages hold the school's stage and whose subject is the item's; without a matching
        route, the first responsible department (by the departments' order). Uses prefetched
        ``routes`` and ``responsible_departments`` when they are there."""
        for route in sorted(self.routes.all(), key=lambda r: (r.sort_order, r.pk or 0)):
            if route.matches(school.stage, self.subject):
                return route.department
        depts = sorted(self.responsible_departments.all(), key=lambda d: (d.sort_order, d.pk))
        return depts[0] if depts else None

    def applies_to(self, school) -> bool:
        """Whether a school's self-inspection form holds this item (from the school's facts)."""
        if not self.school_facing:
            return False
        if self.stages and school.stage not in self.stages:
            return False
        if self.boarding_only and not school.boarding:
            return False
        if self.needs_canteen and not school.has_canteen:
            return False
        return not (self.needs_chem_lab and not school.has_chem_lab)


class CheckItemRoute(models.Model):
    """Which department takes an item for a school stage or a subject: 000 §四(一)3④ gives
    health items to 普教一科 for primary and secondary schools and to 学前科 for kindergartens;
    000 §四(一)4① gives psychological items to 人事科 for teachers and 普教一科 for students.
    A route matches when its stages (empty: every stage) hold the school's stage and its subject
    (empty: any) is the item's subject."""

    item = models.ForeignKey(CheckItem, on_delete=models.CASCADE, related_name="routes")
    stages = models.JSONField(_("stages"), default=list, blank=True)
    subject = models.CharField(
        _("subject"), max_length=16, choices=RouteSubject.choices, blank=True, default=""
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item", "sort_order", "pk"]
        verbose_name = _("routing of a check item")

    def __str__(self) -> str:
        return f"{self.item.code} → {self.department.name} ({self.condition_label})"

    def matches(self, stage: str, subject: str) -> bool:
        """Whether the route takes an item about ``subject`` at a school of ``stage``. A route
        for a subject takes only an item about that subject: an item that names none is not
        given to the first subject's department by accident."""
        if self.stages and stage not in self.stages:
            return False
        return not self.subject or self.subject == subject

    @property
    def condition_label(self) -> str:
        """The condition in words: stage names, or the subject (教师 / 学生)."""
        from safecampus.orgs.choices import SchoolStage

        labels = dict(SchoolStage.choices)
        if set(self.stages) == set(SchoolStage.values) - {SchoolStage.KINDERGARTEN}:
            parts = [str(_("Primary and secondary schools"))]
        else:
            parts = [str(labels.get(s, s)) for s in self.stages]
        if self.subject:
            parts.append(str(RouteSubject(self.subject).label))
        return "、".join(parts)
