"""Restricted cases (minors' privacy): who is named on one, and the audit of every read.

A restricted incident or dispute is seen only by the people on its access list. When a case
becomes restricted the list starts with the person who reported or restricted it and the
bureau's designated officers (``IncidentSettings.restricted_officers``; the bureau's safety
centre staff when none are designated, so that a case never reaches nobody). The centre keeps
the list afterwards (grant, revoke), each change an event.

Every read of a restricted case (its page, its API detail, its document) is written to the audit
log, and so is every attempt by someone not named on it (who gets a 404).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
from safecampus.core.db import in_write_transaction
from safecampus.core.roles import Role


def first_names(bureau_id: int, *people) -> list[int]:
    """The user ids named on a case of ``bureau_id`` when it becomes restricted."""
    from safecampus.accounts.models import RoleAssignment

    from .models import IncidentSettings

    ids = {getattr(p, "pk", p) for p in people if p is not None}
    settings = IncidentSettings.objects.filter(bureau_id=bureau_id).first()
    officers = (
        set(settings.restricted_officers.filter(is_active=True).values_list("pk", flat=True))
        if settings is not None
        else set()
    )
    if not officers:
        officers = set(
            RoleAssignment.objects.active()
            .filter(role=Role.SAFETY_CENTRE, bureau_id=bureau_id, user__is_active=True)
            .values_list("user_id", flat=True)
        )
    # Only people still holding a role in the bureau may be named (a designated officer or the
    # reporter who has since left is not).
    return eligible_users(bureau_id, ids | officers)


def name(access_model, case, user_ids, *, by, now) -> list[int]:
    """Add ``user_ids`` to the access list of ``case``; returns the ids newly named."""
    fk = _case_field(access_model)
    have = set(access_model.objects.filter(**{fk: case}).values_list("user_id", flat=True))
    new = [u for u in sorted(set(user_ids)) if u not in have]
    access_model.objects.bulk_create(
        [access_model(**{fk: case}, user_id=u, granted_by=by, granted_at=now) for u in new]
    )
    return new


def _case_field(access_model) -> str:
    return next(f.name for f in access_model._meta.fields if f.name in ("incident", "dispute"))


def eligible_users(bureau_id: int, user_ids) -> list[int]:
    """Of ``user_ids``, the active users holding a role in bureau ``bureau_id`` (or at one of its
    schools or departments): only they may be named."""
    from safecampus.accounts.models import RoleAssignment

    User = get_user_model()
    ids = [int(u) for u in user_ids]
    active = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    held = set(
        RoleAssignment.objects.active()
        .filter(user_id__in=active)
        .filter(
            models.Q(bureau_id=bureau_id)
            | models.Q(school__bureau_id=bureau_id)
            | models.Q(department__bureau_id=bureau_id)
        )
        .values_list("user_id", flat=True)
    )
    return sorted(held)


def _neutral(case) -> str:
    """How the audit log names a restricted case: by kind and number, never by its title."""
    return f"{case._meta.verbose_name} #{case.pk}"


def audit_read(user, case, *, what: str = "page") -> None:
    """Write the read of a restricted case to the audit log (its own short transaction)."""
    if not case.restricted:
        return
    in_write_transaction(
        lambda: audit_record(
            action=Action.RESTRICTED_READ,
            actor=user,
            target=case,
            bureau_id=case.bureau_id,
            target_repr=_neutral(case),
            data={"what": what},
        )
    )


def audit_denied(user, model, pk, *, what: str = "page") -> None:
    """Write an attempt on a restricted case by someone not named on it (they got a 404)."""
    try:
        case = model.objects.filter(pk=int(pk), restricted=True).first()
    except (TypeError, ValueError):
        return
    if case is None:
        return
    in_write_transaction(
        lambda: audit_record(
            action=Action.RESTRICTED_DENIED,
            actor=user,
            target=case,
            bureau_id=case.bureau_id,
            target_repr=_neutral(case),
            data={"what": what},
        )
    )


def scrub_notices(access_model, case, *, prefix: str, text: str) -> None:
    """When ``case`` becomes restricted: its notices already sent keep their link but lose their
    detail (``text``, neutral), and those of people not named on it are withdrawn. Runs in the
    restricting transaction. (The daily digest rows hold only a dated title, no detail.)"""
    from safecampus.notifications.models import Notice

    fk = _case_field(access_model)
    named = access_model.objects.filter(**{fk: case}).values_list("user_id", flat=True)
    notices = Notice.objects.filter(key__startswith=f"{prefix}:{case.pk}:")
    notices.exclude(recipient_id__in=named).delete()
    notices.update(text=text[:300])
    # what was queued for the groups and not yet sent never reaches a robot now
    from .messages import withdraw_case

    withdraw_case(prefix, case.pk)
