"""The organisation tree of DOMAIN.md §2: regions, bureaus, departments, schools, partners."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import Scope, ScopedQuerySet

from . import access
from .choices import (
    CoordSystem,
    DepartmentKind,
    LeadershipPosition,
    Ownership,
    PartnerKind,
    RegionLevel,
    SchoolStage,
)

school_code_validator = RegexValidator(
    r"^\d{10}$", _("The school identification code must be exactly 10 digits.")
)
region_code_validator = RegexValidator(
    r"^\d{6}$", _("The region code (GB/T 2260) must be exactly 6 digits.")
)


class RegionQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.region_q(scope, action)


class Region(models.Model):
    """An administrative division (行政区划) identified by its GB/T 2260 code."""

    code = models.CharField(
        _("division code"), max_length=6, unique=True, validators=[region_code_validator]
    )
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class BureauQuerySet(ScopedQuerySet):
    #: view and edit (the bureau itself, by the system admin), and each feature's configuration
    #: in the bureau (``orgs.access.BUREAU_ACTIONS``)
    actions = frozenset({"view", "edit", *access.BUREAU_ACTIONS})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.bureau_q(scope, action)

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        return access.roles_in_bureau(scope, obj.pk)

    def subtree_map(self, roots) -> dict[int, set[int]]:
        """``{root id: ids of root and every bureau below it}`` in one query."""
        roots = list(roots)
        cond = Q()
        for root in roots:
            root_path = Bureau.objects.filter(pk=root).values("path")[:1]
            cond |= Q(path__startswith=models.Subquery(root_path))
        rows = list(self.filter(cond).values_list("pk", "path")) if roots else []
        paths = {pk: path for pk, path in rows if pk in roots}
        return {root: {pk for pk, p in rows if p.startswith(path)} for root, path in paths.items()}


class Bureau(models.Model):
    """An education bureau (教育局). Bureaus form a tree: province → city → district."""

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=32, blank=True)
    code_prefix = models.CharField(
        _("code prefix"),
        max_length=8,
        help_text=_("Prefix of hazard codes, e.g. MH for 闵行."),
        validators=[RegexValidator(r"^[A-Z]{1,8}$", _("Use 1 to 8 capital letters."))],
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="bureaus"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent bureau"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    #: 发文机关: the issuing body named on the bureau's documents (the name when empty)
    issuing_body = models.CharField(
        _("issuing body"),
        max_length=100,
        blank=True,
        help_text=_("The name on the documents the bureau issues; the bureau's name when empty."),
    )
    #: 文号前缀: "闵教安" gives the document number 闵教安〔2026〕12号
    doc_number_prefix = models.CharField(
        _("document number prefix"),
        max_length=16,
        blank=True,
        help_text=_(
            "The prefix of the bureau's document numbers, e.g. 闵教安 for 闵教安〔2026〕12号."
        ),
    )
    #: Materialised path of ids, "/1/7/", so a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="/")

    objects = BureauQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("education bureau")
        verbose_name_plural = _("education bureaus")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:structure") + f"#bureau-{self.pk}"

    @property
    def issuer(self) -> str:
        """The issuing body (发文机关) written on the bureau's documents."""
        return self.issuing_body or self.name


class DocumentCounter(models.Model):
    """The last document serial (发文字号 序号) a bureau used in a year; the row is locked while
    a serial is taken, so serials are gap-free and a rolled-back document gives its serial back."""

    bureau = models.ForeignKey(Bureau, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bureau", "year"], name="uniq_document_counter")
        ]

    def __str__(self) -> str:
        return f"{self.bureau_id}/{self.year}: {self.last}"


class DepartmentQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.department_q(scope, action)

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        return access.roles_in_bureau(scope, obj.bureau_id)


class Department(models.Model):
    """A department (科室/中心) of a bureau: responsible for or cooperating on risk areas."""

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(
        _("kind"), max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.SECTION
    )
    head = models.CharField(_("head"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["bureau", "sort_order", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="uniq_department_name")
        ]

    def __str__(self) -> str:
        return self.name


class SchoolQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.school_q(scope, action)

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        return access.school_roles(scope, obj)


class School(models.Model):
    """A school with the facts that rules depend on (DOMAIN.md §2)."""

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="schools"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schools",
    )
    code = models.CharField(
        _("school identification code"),
        max_length=10,
        unique=True,
        validators=[school_code_validator],
    )
    name = models.CharField(_("name"), max_length=100)
    stage = models.CharField(_("stage / type"), max_length=24, choices=SchoolStage.choices)
    ownership = models.CharField(_("ownership"), max_length=8, choices=Ownership.choices)
    boarding = models.BooleanField(_("boarding school"), default=False)
    students = models.PositiveIntegerField(_("students"), default=0)
    boarders = models.PositiveIntegerField(_("boarders"), default=0)
    staff = models.PositiveIntegerField(_("staff"), default=0)
    gate_count = models.PositiveSmallIntegerField(_("gates"), default=1)
    has_canteen = models.BooleanField(_("canteen"), default=False)
    has_chem_lab = models.BooleanField(_("chemistry lab"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    principal = models.CharField(_("principal"), max_length=64, blank=True)
    safety_officer = models.CharField(_("safety officer"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        indexes = [
            models.Index(fields=["bureau", "name"]),
            models.Index(fields=["bureau", "stage", "name"]),
            models.Index(fields=["bureau", "ownership", "name"]),
            models.Index(fields=["bureau", "boarding", "name"]),
            models.Index(fields=["region", "name"]),
            # The list order itself: lets a wide scope (a city bureau's hundreds of districts)
            # read the first page in order and stop, instead of sorting every school in scope.
            models.Index(fields=["name", "id"], name="orgs_school_name_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(boarders__lte=models.F("students")),
                name="school_boarders_lte_students",
            ),
            models.CheckConstraint(
                condition=Q(boarding=True) | Q(boarders=0), name="school_boarders_need_boarding"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:school_detail", args=[self.pk])


class SchoolGate(models.Model):
    """A school gate's position. Distances are measured from gates (DOMAIN.md §9)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="gates")
    name = models.CharField(_("gate"), max_length=32, default="")
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(73), MaxValueValidator(136)],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=6,
        validators=[MinValueValidator(3), MaxValueValidator(54)],
    )
    coord_system = models.CharField(
        _("coordinate system"), max_length=8, choices=CoordSystem.choices
    )

    class Meta:
        ordering = ["school", "id"]
        verbose_name = _("school gate")
        # a school's first gate (the dashboard's map) is an index probe, whatever the statistics
        indexes = [models.Index(fields=["school", "id"], name="gate_school_first")]
        constraints = [
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180)
                & Q(latitude__gte=-90, latitude__lte=90),
                name="gate_coordinates_on_earth",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.longitude}, {self.latitude} {self.coord_system})"


class PartnerUnitQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        return access.partner_q(scope, action)

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        return access.roles_in_bureau(scope, obj.bureau_id)


class PartnerUnit(models.Model):
    """An outside body (公安、消防、市场监管…) that cooperates on the schools it covers."""

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="partner_units"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PartnerKind.choices)
    contact = models.CharField(_("contact person"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    schools = models.ManyToManyField(
        School, through="PartnerCoverage", related_name="partner_units", blank=True
    )

    objects = PartnerUnitQuerySet.as_manager()

    class Meta:
        ordering = ["bureau", "kind", "name"]
        verbose_name = _("partner unit")
        constraints = [models.UniqueConstraint(fields=["bureau", "name"], name="uniq_partner_name")]

    def __str__(self) -> str:
        return self.name


class PartnerCoverage(models.Model):
    partner = models.ForeignKey(PartnerUnit, on_delete=models.CASCADE, related_name="coverages")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="partner_coverages")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "school"], name="uniq_partner_school")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} → {self.school_id}"


class LeadershipGroup(models.Model):
    """The leadership group (领导小组) of a bureau and its office (000 §三)."""

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="leadership_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    office_department = models.ForeignKey(
        Department,
        verbose_name=_("office located in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    office_director = models.CharField(_("office director"), max_length=64, blank=True)

    objects = DepartmentQuerySet.as_manager()  # same scope as departments: by bureau

    class Meta:
        verbose_name = _("leadership group")

    def __str__(self) -> str:
        return self.name


class LeadershipMember(models.Model):
    group = models.ForeignKey(LeadershipGroup, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=64)
    title = models.CharField(_("post"), max_length=64, blank=True)
    position = models.CharField(_("position"), max_length=8, choices=LeadershipPosition.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["group", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.get_position_display()} {self.name}"
