"""Reads of organisations, always in the user's scope."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from safecampus.core.access import get_for, roles_on, scope_for
from safecampus.core.capabilities import ORG_MANAGE
from safecampus.core.filters import as_query_dict

from . import access
from .filtersets import SchoolFilterSet
from .models import Bureau, Department, LeadershipGroup, LeadershipMember, PartnerUnit, School


def school_list(*, user, filters: dict | None = None) -> QuerySet[School]:
    qs = School.objects.visible_to(user).select_related("bureau")
    if filters:
        qs = SchoolFilterSet(as_query_dict(filters), queryset=qs).qs
    return qs


def school_get(*, user, pk: int, for_edit: bool = False) -> School:
    """The school ``pk``: 404 outside the user's scope, 403 when ``for_edit`` and the user may
    see it but not edit it."""
    school = get_for(user, School.objects.select_related("bureau", "region"), pk)
    if for_edit and not School.objects.editable_by(user).filter(pk=school.pk).exists():
        raise PermissionDenied(_("Your roles do not allow editing this school."))
    return school


def bureau_for_config(*, user, pk: int) -> Bureau:
    """A bureau whose departments, partner units and leadership group ``user`` maintains: 404
    outside their scope, 403 when they see it but hold no role of ``ORG_MANAGE`` in it."""
    bureau = get_for(user, Bureau, pk)
    if not ORG_MANAGE & roles_on(user, bureau):
        raise PermissionDenied(_("Your roles do not allow this."))
    return bureau


def department_for_edit(*, user, bureau: Bureau, pk: int) -> Department:
    return get_for(user, Department.objects.filter(bureau=bureau), pk, action="edit")


def partner_for_edit(*, user, bureau: Bureau, pk: int) -> PartnerUnit:
    return get_for(user, PartnerUnit.objects.filter(bureau=bureau), pk, action="edit")


def leadership_group_get(*, user, pk: int) -> LeadershipGroup:
    return get_for(user, LeadershipGroup, pk)


def leadership_member_get(*, user, pk: int) -> LeadershipMember:
    """A member of a leadership group the user sees (404 otherwise)."""
    member = (
        LeadershipMember.objects.select_related("group")
        .filter(pk=pk, group__in=LeadershipGroup.objects.visible_to(user))
        .first()
    )
    if member is None:
        raise Http404(_("Not found, or outside your scope."))
    return member


def member_leadership_groups(*, user) -> list[LeadershipGroup]:
    """The leadership groups of the bureaus ``user`` belongs to (not of those below them)."""
    return list(
        LeadershipGroup.objects.visible_to(user)
        .filter(access.member_bureaus_q(scope_for(user), "bureau_id"))
        .select_related("office_department")
        .prefetch_related("members__department")
        .order_by("bureau_id", "pk")
    )


def structure_bureaus(*, user) -> list[Bureau]:
    """The bureaus whose structure ``user`` sees, with their departments."""
    return list(
        Bureau.objects.restrict(user, "structure")
        .select_related("region")
        .prefetch_related("departments")
    )


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
