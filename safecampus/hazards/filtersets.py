"""Filters of the register, shared by the page, the export and the API. Each has an index.

The dashboard (``safecampus.reports``) links every number it shows to the register filtered by
these, so each figure's definition lives here once: ``open``, ``confirmed``, ``on_time``,
``overdue_min``/``overdue_max`` (days overdue, Asia/Shanghai), ``closed_from``/``closed_to``,
``reported_from``/``reported_to`` (the local date of the report), ``stage`` (school type),
``campaign`` (an id, or ``current``: the campaigns launched and not closed,
:func:`current_campaign_q`), ``bureau``, ``unassigned`` and ``graded``. Apps above the register
add filters of their own with :func:`add_filter` (``spot_check``, the result of a draw, comes
from spot checks), so the register imports none of them.
"""

import datetime

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.catalog.choices import HazardLevel
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.filtersets import YES_NO_ALL, IdFilter
from safecampus.orgs.models import School

from .choices import OPEN_STATUSES, RiskColour, Source, Status, Summary
from .models import Hazard, overdue_q, summary_q

DATE = forms.DateInput(attrs={"type": "date"})


#: ``q`` matches the hazards of the schools whose name contains it by their ids, up to this
#: many schools; a search naming more (say 小学) falls back to a join, slower but the same rows
SEARCH_SCHOOL_LIMIT = 500
#: statuses of a hazard a department has confirmed (确认): everything but a fresh report and a
#: withdrawn one. The rectification rate is closed ÷ confirmed.
CONFIRMED_STATUSES = frozenset(
    {Status.ASSIGNED, Status.RECTIFYING, Status.SUBMITTED, Status.HARD, Status.CLOSED}
)
#: the largest number of days overdue a filter accepts (about 270 years)
MAX_DAYS = 100_000


#: the ``campaign`` filter's value for the current campaigns
CURRENT_CAMPAIGNS = "current"


def current_campaign_q() -> Q:
    """Found by a current campaign (当前专项行动): one launched and not closed yet."""
    from safecampus.campaigns.choices import CampaignStatus

    return Q(campaign__status=CampaignStatus.LAUNCHED)


def campaign_choices(user) -> list[tuple[str, str]]:
    """The register's campaign control: any, the current ones, then each launched or closed
    campaign the user sees (latest launched first)."""
    from safecampus.campaigns.choices import CampaignStatus
    from safecampus.campaigns.models import Campaign

    campaigns = (
        Campaign.objects.visible_to(user)
        .exclude(status=CampaignStatus.DRAFT)
        .order_by(F("launched_at").desc(nulls_last=True), "-id")
        .values_list("pk", "name", "year")
    )
    return [
        ("", _("All")),
        (CURRENT_CAMPAIGNS, _("Current campaigns (launched, not closed)")),
    ] + [(str(pk), f"{name}（{year}）") for pk, name, year in campaigns]


class CampaignFilter(django_filters.CharFilter):
    """A campaign's id, or ``current`` (every campaign launched and not closed)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "validators",
            [RegexValidator(rf"^({CURRENT_CAMPAIGNS}|[1-9][0-9]{{0,17}})$")],
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if value == CURRENT_CAMPAIGNS:
            return qs.filter(current_campaign_q())
        return qs.filter(campaign_id=int(value))


def on_time_q() -> Q:
    """Closed on or before its deadline, or closed without one."""
    return Q(status=Status.CLOSED) & (Q(deadline__isnull=True) | Q(closed_on__lte=F("deadline")))


def overdue_days_q(today: datetime.date, low: int | None = None, high: int | None = None) -> Q:
    """Open and overdue by ``low`` to ``high`` days (either may be left open): days overdue are
    ``today − deadline``, so ``low`` ≤ days ≤ ``high`` ⇔ today − high ≤ deadline ≤ today − low."""
    q = overdue_q(today)
    if low is not None:
        q &= Q(deadline__lte=today - datetime.timedelta(days=low))
    if high is not None:
        q &= Q(deadline__gte=today - datetime.timedelta(days=high))
    return q


class DaysFilter(django_filters.NumberFilter):
    """A whole number of days, 1 or more."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_DAYS)
        super().__init__(*args, **kwargs)


#: ``sort`` value → ORDER BY; the id breaks ties so pages never overlap
SORTS = {
    "-id": ("-id",),
    "id": ("id",),
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "found_on": ("found_on", "id"),
    "-found_on": ("-found_on", "-id"),
    "code": ("code",),
    "-code": ("-code",),
    "status": ("status", "-id"),
    "level": ("-level", "-id"),
    "school": ("school__name", "-id"),
}


class HazardFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    school = IdFilter(field_name="school_id", label=_("School"))
    area = django_filters.CharFilter(field_name="area_code", label=_("Risk area"))
    item = django_filters.CharFilter(field_name="item_code", label=_("Check item"))
    department = IdFilter(method="filter_department", label=_("Department"))
    # distinct=False: the choices are columns of the hazard itself, so no row can repeat; the
    # default (True) makes every ?status= request a SELECT DISTINCT over all columns
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"), distinct=False
    )
    level = django_filters.ChoiceFilter(choices=HazardLevel.choices, label=_("Hazard level"))
    colour = django_filters.MultipleChoiceFilter(
        field_name="risk_colour", choices=RiskColour.choices, label=_("Risk grade"), distinct=False
    )
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source"))
    summary = django_filters.ChoiceFilter(
        choices=Summary.choices, method="filter_summary", label=_("Summary category")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Overdue"), widget=YES_NO_ALL
    )
    supervised = django_filters.BooleanFilter(label=_("Listed for supervision"), widget=YES_NO_ALL)
    deadline_from = django_filters.DateFilter(
        field_name="deadline", lookup_expr="gte", label=_("Deadline from"), widget=DATE
    )
    deadline_to = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lte", label=_("Deadline to"), widget=DATE
    )
    found_from = django_filters.DateFilter(
        field_name="found_on", lookup_expr="gte", label=_("Found from"), widget=DATE
    )
    found_to = django_filters.DateFilter(
        field_name="found_on", lookup_expr="lte", label=_("Found to"), widget=DATE
    )
    # --- the dashboard's figures (safecampus.reports) ---
    campaign = CampaignFilter(label=_("Campaign"))
    bureau = IdFilter(field_name="bureau_id", label=_("Bureau"))
    stage = django_filters.ChoiceFilter(
        field_name="school__stage", choices=SchoolStage.choices, label=_("School type")
    )
    open = django_filters.BooleanFilter(
        method="filter_open", label=pgettext_lazy("hazards", "Open"), widget=YES_NO_ALL
    )
    confirmed = django_filters.BooleanFilter(
        method="filter_confirmed", label=_("Confirmed"), widget=YES_NO_ALL
    )
    on_time = django_filters.BooleanFilter(
        method="filter_on_time", label=_("Closed on time"), widget=YES_NO_ALL
    )
    overdue_min = DaysFilter(method="filter_overdue_min", label=_("Days overdue, at least"))
    overdue_max = DaysFilter(method="filter_overdue_max", label=_("Days overdue, at most"))
    closed_from = django_filters.DateFilter(
        field_name="closed_on", lookup_expr="gte", label=_("Closed from"), widget=DATE
    )
    closed_to = django_filters.DateFilter(
        field_name="closed_on", lookup_expr="lte", label=_("Closed to"), widget=DATE
    )
    reported_from = django_filters.DateFilter(
        field_name="reported_at", lookup_expr="date__gte", label=_("Reported from"), widget=DATE
    )
    reported_to = django_filters.DateFilter(
        field_name="reported_at", lookup_expr="date__lte", label=_("Reported to"), widget=DATE
    )
    unassigned = django_filters.BooleanFilter(
        field_name="responsible_department",
        lookup_expr="isnull",
        label=_("No responsible department"),
        widget=YES_NO_ALL,
    )
    graded = django_filters.BooleanFilter(
        method="filter_graded", label=_("Risk graded"), widget=YES_NO_ALL
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label=_("Sort by"),
        empty_label=None,
        choices=[
            ("-id", _("Newest first")),
            ("deadline", _("Deadline, earliest first")),
            ("-deadline", _("Deadline, latest first")),
            ("-found_on", _("Found, latest first")),
            ("found_on", _("Found, earliest first")),
            ("code", _("Code")),
            ("status", _("Status")),
            ("level", _("Level, major first")),
            ("school", _("School")),
        ],
    )

    class Meta:
        model = Hazard
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.count("-") == 2 and value.upper() == value and any(c.isdigit() for c in value):
            return queryset.filter(code=value)
        # Every alternative is a condition on the hazard's own columns, so that PostgreSQL can
        # answer each from an index and OR the results: the trigram indexes of migration 0002
        # (patterns of 3 characters or more), the code's B-tree, and the school's for the
        # schools named like it, looked up first. ``school__name`` in the OR would join the
        # school into the condition, and no index could serve it.
        schools = list(
            School.objects.filter(name__contains=value)
            .order_by()
            .values_list("pk", flat=True)[: SEARCH_SCHOOL_LIMIT + 1]
        )
        if len(schools) > SEARCH_SCHOOL_LIMIT:
            by_school = Q(school__name__contains=value)  # same rows, without the index
        else:
            by_school = Q(school_id__in=schools)
        return queryset.filter(
            Q(description__contains=value)
            | Q(location__contains=value)
            | by_school
            | Q(code__startswith=value)
        )

    def filter_department(self, queryset, name, value):
        return queryset.filter(responsible_department_id=value)

    def filter_summary(self, queryset, name, value):
        return queryset.filter(summary_q(value))

    def filter_overdue(self, queryset, name, value):
        q = overdue_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_open(self, queryset, name, value):
        q = Q(status__in=OPEN_STATUSES)
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_confirmed(self, queryset, name, value):
        q = Q(status__in=CONFIRMED_STATUSES)
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_on_time(self, queryset, name, value):
        # "no" means closed late, not "anything but closed on time"
        closed = queryset.filter(status=Status.CLOSED)
        return closed.filter(on_time_q()) if value else closed.exclude(on_time_q())

    def filter_overdue_min(self, queryset, name, value):
        return queryset.filter(overdue_days_q(timezone.localdate(), low=value))

    def filter_overdue_max(self, queryset, name, value):
        return queryset.filter(overdue_days_q(timezone.localdate(), high=value))

    def filter_graded(self, queryset, name, value):
        return queryset.exclude(risk_colour="") if value else queryset.filter(risk_colour="")

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["-id"]))


def add_filter(name: str, filter_: django_filters.Filter, *, before: str = "sort") -> None:
    """Add ``filter_`` to the register's filters (page, export and API) as ``name``, placed before
    ``before``. Called by an app above the register from its ``AppConfig.ready()``."""
    filters = HazardFilterSet.base_filters
    filter_.field_name = filter_.field_name or name
    items = [(k, v) for k, v in filters.items() if k != name]
    at = next((i for i, (k, _v) in enumerate(items) if k == before), len(items))
    items.insert(at, (name, filter_))
    filters.clear()
    filters.update(items)
