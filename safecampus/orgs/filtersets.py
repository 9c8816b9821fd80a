import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Ownership, SchoolStage
from .models import School

YES_NO_ALL = forms.Select(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))])


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number in the database's range (not a Decimal that may overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class SchoolFilterSet(django_filters.FilterSet):
    """Filters of the school list, shared by the page and the API. Each has an index."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    stage = django_filters.ChoiceFilter(choices=SchoolStage.choices, label=_("Stage"))
    ownership = django_filters.ChoiceFilter(choices=Ownership.choices, label=_("Ownership"))
    boarding = django_filters.BooleanFilter(label=_("Boarding school"), widget=YES_NO_ALL)
    bureau = IdFilter(field_name="bureau_id", label=_("Bureau"))
    region = IdFilter(field_name="region_id", label=_("Region"))
    has_canteen = django_filters.BooleanFilter(label=_("Canteen"))
    has_chem_lab = django_filters.BooleanFilter(label=_("Chemistry lab"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = School
        fields = ["q", "stage", "ownership", "boarding", "bureau", "region"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit() and len(value) == 10:
            return queryset.filter(code=value)
        return queryset.filter(
            Q(name__contains=value) | Q(code__startswith=value) | Q(address__contains=value)
        )
