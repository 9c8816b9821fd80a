"""Filters of the campaign list (the API's; the list page itself has none but its pages)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ..choices import CampaignStatus
from ..models import Campaign


class CampaignFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label=_("Status"))
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = Campaign
        fields: list = []
