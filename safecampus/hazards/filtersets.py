"""Filters of the register, shared by the page, the export and the API. Each has an index."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.catalog.choices import HazardLevel
from safecampus.orgs.filtersets import YES_NO_ALL, IdFilter
from safecampus.orgs.models import School

from .choices import RiskColour, Source, Status, Summary
from .models import Hazard, overdue_q, summary_q

DATE = forms.DateInput(attrs={"type": "date"})
#: ``q`` matches the hazards of the schools whose name contains it by their ids, up to this
#: many schools; a search naming more (say 小学) falls back to a join, slower but the same rows
SEARCH_SCHOOL_LIMIT = 500

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

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["-id"]))
