"""Template filters of the owner's pages: an occurrence's period in words and its status."""

from django import template
from django.utils import timezone

from ..choices import OccurrenceStatus
from ..labels import BADGES, occurrence_period

register = template.Library()


@register.filter
def period(occ) -> str:
    return occurrence_period(occ)


@register.inclusion_tag("duties/owner/_status.html")
def occurrence_status(occ, today=None):
    status = occ.effective_status(today or timezone.localdate())
    return {"status": status, "label": OccurrenceStatus(status).label, "badge": BADGES[status]}
