"""Filters of the robot list and the outbox list (the API's; the same names as the pages')."""

from __future__ import annotations

import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.filtersets import IdFilter

from ..choices import ROBOTS, Status, Topic, Transport
from ..figures import day_start, failing_q
from ..models import Channel, Message

LEVELS = [("bureau", _("Bureau")), ("department", _("Department")), ("school", _("School"))]


class ChannelFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        choices=LEVELS, method="filter_level", label=_("Whose robot")
    )
    school = IdFilter(field_name="school_id", label=_("School"))
    department = IdFilter(field_name="department_id", label=_("Department"))
    transport = django_filters.ChoiceFilter(
        choices=[(t.value, t.label) for t in Transport if t in ROBOTS], label=_("Service")
    )
    active = django_filters.BooleanFilter(label=_("Active"))
    failing = django_filters.BooleanFilter(method="filter_failing", label=_("Failing"))

    class Meta:
        model = Channel
        fields: list = []

    def filter_level(self, queryset, name, value):
        if value == "school":
            return queryset.filter(school__isnull=False)
        if value == "department":
            return queryset.filter(department__isnull=False, school__isnull=True)
        return queryset.filter(department__isnull=True, school__isnull=True)

    def filter_failing(self, queryset, name, value):
        q = failing_q(timezone.now())
        return queryset.filter(q) if value else queryset.exclude(q)


class MessageFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    transport = django_filters.ChoiceFilter(choices=Transport.choices, label=_("Service"))
    topic = django_filters.ChoiceFilter(choices=Topic.choices, label=_("Topic"))
    robot = IdFilter(field_name="channel_id", label=_("Robot"))
    channel = IdFilter(field_name="channel_id", label=_("Robot (as the page names it)"))
    created_from = django_filters.DateFilter(
        method="filter_created_from", label=_("Queued on or after")
    )
    created_to = django_filters.DateFilter(
        method="filter_created_to", label=_("Queued on or before")
    )

    class Meta:
        model = Message
        fields: list = []

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=day_start(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=day_start(value + datetime.timedelta(days=1)))


__all__ = ["ChannelFilterSet", "MessageFilterSet"]
