"""Filters of the notification list (the API's)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ..models import Notification


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Unread")
    )

    class Meta:
        model = Notification
        fields: list = []
