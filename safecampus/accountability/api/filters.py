"""Filters of the record list and the consultation list (the same names as the pages')."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.filtersets import IdFilter

from ..models import (
    AccountabilityRecord,
    Consultation,
    ConsultationStatus,
    RecordKind,
    RecordStatus,
)


class RecordFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=RecordKind.choices, label=_("Measure"))
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, label=_("Status"))
    school = IdFilter(field_name="school_id", label=_("School"))
    department = IdFilter(field_name="department_id", label=_("Department"))

    class Meta:
        model = AccountabilityRecord
        fields: list = []


class ConsultationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ConsultationStatus.choices, label=_("Status"))

    class Meta:
        model = Consultation
        fields: list = []


__all__ = ["ConsultationFilterSet", "RecordFilterSet"]
