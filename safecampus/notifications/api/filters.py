"""Filters of the notification list (the API's)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ..models import Notification


class NotificationFilterSet(django_filters.FilterSet):
    #: ``true`` or ``false``; anything else is a 400 (not silently ignored)
    unread = django_filters.ChoiceFilter(
        choices=[("true", _("Yes")), ("false", _("No"))],
        method="filter_unread",
        label=_("Unread"),
    )

    class Meta:
        model = Notification
        fields: list = []

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "true")
