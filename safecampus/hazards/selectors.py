"""Reads of the register, always in the user's scope. Pages, exports and the API build on these."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from safecampus.core.access import get_for
from safecampus.core.filters import as_query_dict

from .filtersets import SORTS, HazardFilterSet
from .models import Hazard, HazardEvent, HazardEvidence

#: what a register row shows, fetched in the same query
LIST_RELATED = ("school", "responsible_department", "area", "item")


def hazard_list(*, user, filters: dict | None = None) -> QuerySet[Hazard]:
    """The register as ``user`` may see it, filtered and sorted (newest first by default).

    Invalid filter values are ignored rather than refused, so a bookmarked URL keeps working.
    """
    qs = Hazard.objects.visible_to(user).select_related(*LIST_RELATED).order_by(*SORTS["-id"])
    if filters:
        fs = HazardFilterSet(as_query_dict(filters), queryset=qs)
        if fs.is_valid():
            return fs.qs
        valid = {k: v for k, v in as_query_dict(filters).lists() if k not in fs.errors}
        return HazardFilterSet(as_query_dict(valid), queryset=qs).qs
    return qs


def hazard_get(*, user, pk: int) -> Hazard:
    """One hazard with everything its page shows; 404 outside the user's scope."""
    qs = Hazard.objects.select_related(
        "school",
        "bureau",
        "responsible_department",
        "area",
        "item",
        "catalog_version",
        "reported_by",
    ).prefetch_related(
        "cooperating_departments",
        Prefetch(
            "events",
            queryset=HazardEvent.objects.select_related("actor").prefetch_related("evidence"),
        ),
        Prefetch("evidence", queryset=HazardEvidence.objects.all()),
    )
    return get_for(user, qs, pk)


def hazard_visible(*, user, pk: int) -> bool:
    """Whether ``user`` sees the hazard ``pk`` (one cheap query, nothing fetched)."""
    return Hazard.objects.visible_to(user).filter(pk=pk).exists()


def evidence_get(*, user, pk: int) -> HazardEvidence:
    """One evidence file; 404 outside the user's scope."""
    return get_for(user, HazardEvidence, pk)
