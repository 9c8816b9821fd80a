"""Filters of the occurrence list. ``status`` takes the keys of the compliance figures
(``selectors.STATUS_KEYS``) with the same conditions (``selectors.status_q``), so a figure and
the list filtered by it always agree."""

from __future__ import annotations

import datetime

import django_filters
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.filtersets import IdFilter

from .. import access, selectors
from ..choices import Owner
from ..models import Occurrence

MONTH = RegexValidator(r"^20\d\d-(0[1-9]|1[0-2])$", _("Give the month as YYYY-MM."))


def month_range(value: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``YYYY-MM``."""
    year, month = (int(p) for p in value.split("-"))
    return selectors.month_bounds(datetime.date(year, month, 1))


def _field_label(name: str):
    return Occurrence._meta.get_field(name).verbose_name


class OccurrenceFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(label=_field_label("code"))
    status = django_filters.ChoiceFilter(
        choices=[(key, key) for key in selectors.STATUS_KEYS],
        method="filter_status",
        label=_("Status, as the compliance figures count it"),
    )
    school = IdFilter(field_name="school_id", label=_("School"))
    stage = django_filters.ChoiceFilter(
        field_name="school__stage", choices=SchoolStage.choices, label=_("Stage")
    )
    owner_kind = django_filters.ChoiceFilter(
        choices=Owner.choices, label=_field_label("owner_kind")
    )
    overseeing_department = IdFilter(
        field_name="overseeing_department_id", label=_field_label("overseeing_department")
    )
    window_end_from = django_filters.DateFilter(
        field_name="window_end", lookup_expr="gte", label=_("Window ends on or after")
    )
    window_end_to = django_filters.DateFilter(
        field_name="window_end", lookup_expr="lte", label=_("Window ends on or before")
    )
    month = django_filters.CharFilter(
        method="filter_month", validators=[MONTH], label=_("Window ends in month (YYYY-MM)")
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Only what the caller's own body owes")
    )

    class Meta:
        model = Occurrence
        fields: list = []

    def filter_status(self, queryset, name, value):
        # as the figures and the page's list count: only periods whose window has opened
        today = timezone.localdate()
        return queryset.filter(selectors.status_q(value, today), window_start__lte=today)

    def filter_month(self, queryset, name, value):
        start, end = month_range(value)
        return queryset.filter(window_end__gte=start, window_end__lte=end)

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.restrict(self.request.user, access.RECORD)
