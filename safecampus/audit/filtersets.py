import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action, AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.MultipleChoiceFilter(choices=Action.choices, label=_("Action"))
    actor = django_filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label=_("Username")
    )
    since = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    target_type = django_filters.CharFilter(label=_("Object type"))
    request_id = django_filters.CharFilter(label=_("Request id"))

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "since", "until", "target_type", "request_id"]
