"""What spot checks add to the hazard register: the filter by the result of a draw.

The register is below supervision and imports none of it; this module adds the filter to the
register's filter set when the app is ready (``SpotchecksConfig.ready``), so the page, the export
and the API filter by ``spot_check`` and the dashboard's spot-check figures link to it.
"""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from .models import Result, SpotCheckItem


def _drawn_with(queryset, name, value):
    """Hazards drawn by a spot check whose result for them is ``value``."""
    return queryset.filter(
        Exists(SpotCheckItem.objects.filter(hazard_id=OuterRef("pk"), result=value))
    )


def register() -> None:
    from safecampus.hazards.filtersets import add_filter

    add_filter(
        "spot_check",
        django_filters.ChoiceFilter(
            choices=Result.choices, method=_drawn_with, label=_("Spot-check result")
        ),
    )
