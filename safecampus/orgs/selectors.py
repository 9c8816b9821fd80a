"""Reads of organisations, always in the user's scope."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from safecampus.core.filters import as_query_dict

from .filtersets import SchoolFilterSet
from .models import Bureau, Department, LeadershipGroup, School


def school_list(*, user, filters: dict | None = None) -> QuerySet[School]:
    qs = School.objects.visible_to(user).select_related("bureau")
    if filters:
        qs = SchoolFilterSet(as_query_dict(filters), queryset=qs).qs
    return qs


def school_get(*, user, pk: int, for_edit: bool = False) -> School:
    base = School.objects.editable_by(user) if for_edit else School.objects.visible_to(user)
    return get_object_or_404(base.select_related("bureau", "region"), pk=pk)


def school_counts_by_stage(*, user) -> list[dict]:
    """[{stage, n}] of the schools the user sees, for dashboards."""
    return list(
        School.objects.visible_to(user)
        .filter(is_active=True)
        .values("stage")
        .annotate(n=Count("id"))
        .order_by("-n")
    )


def bureau_list(*, user) -> QuerySet[Bureau]:
    return Bureau.objects.visible_to(user).select_related("region", "parent")


def department_list(*, user, bureau: Bureau | None = None) -> QuerySet[Department]:
    qs = Department.objects.visible_to(user).select_related("bureau")
    return qs.filter(bureau=bureau) if bureau is not None else qs


def leadership_groups(*, user, bureau: Bureau) -> QuerySet[LeadershipGroup]:
    return (
        LeadershipGroup.objects.visible_to(user)
        .filter(bureau=bureau)
        .select_related("office_department")
        .prefetch_related("members__department")
    )
