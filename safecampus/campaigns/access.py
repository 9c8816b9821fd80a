"""Who reaches a campaign, and who runs it: pure functions of the scope.

A campaign is the safety centre's own (``CAMPAIGN_MANAGE``): it plans, launches and closes the
campaigns of its bureau(s). The bureau's other readers see a campaign once it is launched; a
school sees the campaigns it has a form in. No model is imported here: the one condition that
needs another table goes through the relation the model is given.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import EDIT, Scope
from safecampus.core.capabilities import CAMPAIGN_BUREAU_READERS, CAMPAIGN_MANAGE, CAMPAIGN_VIEW
from safecampus.core.roles import SCHOOL_ROLES


def manage_bureau_ids(scope: Scope) -> frozenset[int]:
    """The bureaus whose campaigns ``scope`` runs."""
    return scope.bureau_ids(*CAMPAIGN_MANAGE)


def may_manage(scope: Scope, bureau_id: int) -> bool:
    return bureau_id in manage_bureau_ids(scope)


def campaign_q(scope: Scope, action: str, model) -> Q | None:
    """Campaigns ``scope`` may take ``action`` on (``model`` is ``Campaign``). Drafts are the
    centre's own until launched; ``edit`` (plan, launch, close) is the centre's alone."""
    manage = manage_bureau_ids(scope)
    if action == EDIT:
        return Q(bureau_id__in=manage) if manage else None
    q = Q(bureau_id__in=manage) if manage else None

    def add(cond: Q) -> None:
        nonlocal q
        q = cond if q is None else q | cond

    if readers := scope.bureau_ids(*CAMPAIGN_BUREAU_READERS) - manage:
        add(Q(bureau_id__in=readers) & ~Q(status="draft"))
    if scope.has(*SCHOOL_ROLES) and scope.school_ids:
        forms = model._meta.get_field("forms").related_model
        add(
            Q(
                pk__in=forms._default_manager.filter(school_id__in=scope.school_ids).values(
                    "campaign_id"
                )
            )
        )
    return q


def campaign_roles(scope: Scope, campaign) -> frozenset[str]:
    """The bureau roles ``scope`` holds on ``campaign`` (those held in its bureau)."""
    return frozenset(r for r in scope.roles if campaign.bureau_id in scope.bureau_ids(r))


def school_only(scope: Scope) -> bool:
    """A school's staff with no bureau role that reads campaigns: their campaign page is their
    own form."""
    return bool(scope.school_ids) and not scope.bureau_ids(*CAMPAIGN_VIEW)
