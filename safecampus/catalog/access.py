"""Who may read and edit the risk catalog: pure functions of the scope.

A bureau's own officers, and its schools and partner units, read its catalog; the roles of
``CATALOG_MANAGE`` held in the bureau (or above it) edit it. No model imports here.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import Scope
from safecampus.core.capabilities import CATALOG_MANAGE, CATALOG_MEMBER_READ, ORG_VIEW
from safecampus.orgs.access import roles_in_bureau


def catalog_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """Catalog rows (``prefix`` leads from the row to its version) for ``action``."""
    if action == "edit":
        ids = scope.bureau_ids(*CATALOG_MANAGE)
    else:
        # the bureau's own officers, and its schools and partners, read the standard
        ids = scope.bureau_ids(*ORG_VIEW) | (
            scope.member_bureau_ids if scope.has(*CATALOG_MEMBER_READ) else frozenset()
        )
    return Q(**{f"{prefix}bureau_id__in": ids}) if ids else None


def version_roles(scope: Scope, version) -> frozenset[str]:
    """The bureau roles ``scope`` holds over the bureau of ``version``."""
    return roles_in_bureau(scope, version.bureau_id)
