"""Reads of the risk catalog for the pages, always through the user's scope."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from safecampus.core.access import get_for, roles_on
from safecampus.core.capabilities import CATALOG_MANAGE
from safecampus.orgs.models import Bureau

from .models import CatalogVersion, CheckItem, RiskArea


def may_manage(user, version: CatalogVersion) -> bool:
    """True when ``user`` holds a role of ``CATALOG_MANAGE`` over the version's bureau."""
    return bool(CATALOG_MANAGE & roles_on(user, version))


def version_list(*, user) -> QuerySet[CatalogVersion]:
    return (
        CatalogVersion.objects.visible_to(user)
        .select_related("bureau", "published_by")
        .annotate(n_items=Count("items"))
    )


def manage_bureaus(*, user) -> QuerySet[Bureau]:
    """The bureaus whose catalog ``user`` edits."""
    return Bureau.objects.restrict(user, "manage_catalog")


def version_get(*, user, pk: int, related: tuple[str, ...] = ()) -> CatalogVersion:
    return get_for(user, CatalogVersion.objects.select_related(*related), pk)


def version_for_edit(*, user, pk: int) -> CatalogVersion:
    """A version ``user`` may edit: 404 outside their scope, 403 when they only read it."""
    version = version_get(user=user, pk=pk)
    if not may_manage(user, version):
        raise PermissionDenied(_("Only the safety centre edits this bureau's catalog."))
    return version


def bureau_get(*, user, pk: int) -> Bureau:
    return get_for(user, Bureau, pk)


def item_get(*, user, version: CatalogVersion, pk: int) -> CheckItem:
    return get_for(user, CheckItem.objects.filter(version=version), pk)


def area_get(*, user, version: CatalogVersion, pk: int) -> RiskArea:
    return get_for(user, RiskArea.objects.filter(version=version), pk)
