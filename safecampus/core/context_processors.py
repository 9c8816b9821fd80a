from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .capabilities import (
    ACCOUNT_MANAGE,
    AUDIT_READ,
    CAMPAIGN_VIEW,
    CATALOG_VIEW,
    HAZARD_VIEW,
    ORG_VIEW,
    SCHOOL_VIEW,
)
from .roles import SCHOOL_ROLES
from .scoping import scope_for


def navigation(request):
    """The menu shows only what the user's roles allow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = scope_for(user)
    items = [(_("Home"), reverse("core:home"), "house")]
    if scope.has(*SCHOOL_VIEW):
        if scope.has(*(SCHOOL_VIEW - SCHOOL_ROLES)) or len(scope.school_ids) != 1:
            items.append((_("Schools"), reverse("orgs:school_list"), "building"))
        else:
            school_id = next(iter(scope.school_ids))
            items.append(
                (_("My school"), reverse("orgs:school_detail", args=[school_id]), "building")
            )
    if scope.has(*HAZARD_VIEW):
        items.append((_("Hazard register"), reverse("hazards:hazard_list"), "exclamation-triangle"))
    if scope.has(*CAMPAIGN_VIEW):
        label = (
            _("Self-inspection forms")
            if scope.has(*SCHOOL_ROLES) and not scope.has(*(CAMPAIGN_VIEW - SCHOOL_ROLES))
            else _("Campaigns")
        )
        items.append((label, reverse("campaigns:campaign_list"), "clipboard-check"))
    if scope.has(*CATALOG_VIEW):
        items.append((_("Risk catalog"), reverse("catalog:version_list"), "list-check"))
    if scope.has(*ORG_VIEW):
        items.append((_("Organisation"), reverse("orgs:structure"), "diagram-3"))
    if scope.has(*ACCOUNT_MANAGE):
        items.append((_("Accounts and roles"), reverse("accounts:user_list"), "people"))
    if scope.has(*AUDIT_READ):
        items.append((_("Audit log"), reverse("audit:event_list"), "journal-text"))
    return {
        "nav_items": items,
        "user_scope": scope,
        "unread_notifications": _unread_count(user),
    }


def _unread_count(user):
    """The number of unread digests, counted (one query on ``ntf_recipient_unread``) when the
    page renders it, at most once."""
    from safecampus.notifications.models import Notification

    cache: list[int] = []

    def count() -> int:
        if not cache:
            cache.append(Notification.objects.filter(recipient_id=user.pk).unread().count())
        return cache[0]

    return count
