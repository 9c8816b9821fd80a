"""Filters of the standards API: facts sheets, cards (standings), rule sets and findings."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from safecampus.catalog.choices import HazardLevel
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.filtersets import IdFilter

from ..choices import FactsStatus, FindingStatus, Pillar
from ..models import Finding, RuleSet, SchoolStanding, SecurityFacts


class FactsFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FactsStatus.choices, label=_("Verification"))
    school = IdFilter(field_name="school_id", label=_("School"))
    stage = django_filters.ChoiceFilter(
        field_name="school__stage", choices=SchoolStage.choices, label=_("Stage")
    )

    class Meta:
        model = SecurityFacts
        fields: list = []


class StandingFilterSet(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=SchoolStage.choices, label=_("Stage"))
    school = IdFilter(field_name="school_id", label=_("School"))
    failing = django_filters.BooleanFilter(
        method="filter_failing", label=_("Only schools failing a requirement")
    )

    class Meta:
        model = SchoolStanding
        fields: list = []

    def filter_failing(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(failing__gt=0) if value else queryset.filter(failing=0)


class RuleSetFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(label=_("code"))

    class Meta:
        model = RuleSet
        fields: list = []


class FindingFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FindingStatus.choices, label=_("status"))
    key = django_filters.CharFilter(label=_("requirement"))
    pillar = django_filters.ChoiceFilter(choices=Pillar.choices, label=_("pillar"))
    school = IdFilter(field_name="school_id", label=_("School"))
    department = IdFilter(field_name="department_id", label=_("department"))
    level = django_filters.ChoiceFilter(choices=HazardLevel.choices, label=_("level"))
    has_hazard = django_filters.BooleanFilter(
        field_name="hazard", lookup_expr="isnull", exclude=True, label=_("Turned into a hazard")
    )

    class Meta:
        model = Finding
        fields: list = []
