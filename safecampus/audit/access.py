"""Who may read the audit log: a pure function of the scope (三员分立: only the auditor)."""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import Scope
from safecampus.core.capabilities import AUDIT_READ


def audit_event_q(scope: Scope, action: str) -> Q | None:
    """An auditor reads the events of the bureaus (subtrees) they audit. Events tied to no
    bureau (set-up commands, failed logins with unknown names on a login page that belongs to
    no bureau: accounts/login_bureau.py) only go to the auditors of a top-level bureau, who
    oversee the whole deployment. The log is append-only: ``view`` is its only action."""
    if action != "view" or not scope.has(*AUDIT_READ):
        return None
    from safecampus.orgs.models import Bureau

    bureaus = scope.bureau_ids(*AUDIT_READ)
    q = Q(bureau_id__in=bureaus)
    if Bureau.objects.filter(pk__in=bureaus, parent__isnull=True).exists():
        q |= Q(bureau__isnull=True)
    return q
