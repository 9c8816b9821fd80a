"""Filters of the on-site inspection list (the API's; the campaign page lists a campaign's)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.filtersets import IdFilter

from ..models import SiteInspection


class SiteInspectionFilterSet(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=_("Campaign"))
    school = IdFilter(field_name="school_id", label=_("School"))

    class Meta:
        model = SiteInspection
        fields: list = []


__all__ = ["SiteInspectionFilterSet"]
