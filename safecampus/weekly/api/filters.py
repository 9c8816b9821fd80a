"""Filters of the weekly report lists (the API's)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.filtersets import IdFilter

from ..models import DistrictReport, ReportStatus, WeeklyReport


class WeeklyReportFilterSet(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=_("Campaign"))
    department = IdFilter(field_name="department_id", label=_("Department"))
    week = django_filters.DateFilter(field_name="week_start", label=_("Week from"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))
    #: ``true`` or ``false``; anything else is a 400 (not silently ignored)
    late = django_filters.ChoiceFilter(
        choices=[("true", _("Yes")), ("false", _("No"))], method="filter_late", label=_("Late")
    )

    class Meta:
        model = WeeklyReport
        fields: list = []

    def filter_late(self, queryset, name, value):
        return queryset.filter(late=value == "true")


class DistrictReportFilterSet(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=_("Campaign"))
    week = django_filters.DateFilter(field_name="week_start", label=_("Week from"))

    class Meta:
        model = DistrictReport
        fields: list = []


__all__ = ["DistrictReportFilterSet", "WeeklyReportFilterSet"]
