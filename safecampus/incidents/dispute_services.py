"""Every write on disputes (矛盾纠纷, 003 §3, 002 §二.6): one path per action.

A dispute is registered by :func:`dispute_register` (its ``register`` event; its access list when
restricted) and moved by :func:`dispute_act` through the ``DISPUTES`` table: mediation steps
(route and outcome), escalation, resolution, reopening, a new risk assessment, comments and the
access list, each an event with who, when and what changed (before → after).

Parties are recorded by role and number, never by name; names and private details are kept only
on a restricted case (a bullying dispute is restricted from the start; the centre may restrict
any). A dispute at high risk, or at risk of group or level-skipping petitions (群访、越级上访),
reaches the safety centre at once; a restricted one only the people named on it, with no detail.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from safecampus.core.access import get_for, roles_on, scope_for
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse
from safecampus.core.roles import Role
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.services import notify_now

from . import access, messages, restriction
from .choices import (
    DisputeAction,
    DisputeSource,
    DisputeStatus,
    DisputeSubject,
    MediationKind,
    MediationOutcome,
    PartyRole,
    RiskLevel,
)
from .inputs import MAX_ID, refusal_code_of
from .inputs import choice as _choice
from .inputs import now as _now
from .inputs import stale as _stale
from .inputs import text as _text
from .lifecycle import DISPUTES
from .models import Dispute, DisputeAccess, DisputeEvent, Incident
from .services import _department_for, _reporting_role, _school_for

#: the most parties a dispute lists (each a role with a number)
MAX_PARTIES = 10
MAX_PARTY_COUNT = 10000
#: the routing key of disputes in ``IncidentSettings.routing`` (else its ``"*"``)
ROUTING_KEY = "dispute"


# --- reading input -------------------------------------------------------------------------------


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def _parties(value, errors: dict) -> list[dict]:
    """``[{"role", "count"}]``: at least two parties, each a listed role with a number ≥ 1."""
    rows = value if isinstance(value, list | tuple) else []
    out: list[dict] = []
    problems: list[str] = []
    for row in rows[: MAX_PARTIES + 1]:
        if not isinstance(row, dict):
            problems.append(_("Each party is a role with a number of people."))
            continue
        role = str(row.get("role") or "")
        if not role and row.get("count") in (None, ""):
            continue  # an empty line of the form
        if role not in PartyRole.values:
            problems.append(_("Choose the role of each party from the list."))
            continue
        try:
            n = int(row.get("count"))
        except (TypeError, ValueError, OverflowError):  # not a number, NaN, Infinity
            n = 0
        if n < 1 or n > MAX_PARTY_COUNT:
            problems.append(_("Each party counts from 1 to %(n)s people.") % {"n": MAX_PARTY_COUNT})
            continue
        out.append({"role": role, "count": n})
    if len(rows) > MAX_PARTIES:
        problems.append(_("At most %(n)s parties.") % {"n": MAX_PARTIES})
    if not problems and len(out) < 2:
        problems.append(_("A dispute has at least two parties."))
    if problems:
        errors["parties"] = list(dict.fromkeys(problems))
    return out


def _day(value, field: str, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        errors.setdefault(field, []).append(_("This field is required."))
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.setdefault(field, []).append(_("Enter a date such as 2027-03-01."))
        return None


def register_problems(data: dict, *, now, restricted: bool) -> tuple[dict, dict]:
    """Check a new dispute: ``(errors, clean)``."""
    errors: dict = {}
    clean: dict = {
        "subject": _choice(data.get("subject"), DisputeSubject, "subject", errors),
        "title": _text(data, "title", errors, required=True, limit=120),
        "summary": _text(data, "summary", errors, required=True),
        "private_details": _text(data, "private_details", errors, required=False),
        "risk": _choice(data.get("risk"), RiskLevel, "risk", errors),
        "petition_risk": _flag(data.get("petition_risk")),
        "source": _choice(data.get("source"), DisputeSource, "source", errors),
        "parties": _parties(data.get("parties"), errors),
    }
    found = _day(data.get("found_on"), "found_on", errors)
    if found is not None and found > _local_day(now):
        errors.setdefault("found_on", []).append(
            (_("This date lies in the future."), Code.IN_FUTURE)
        )
    clean["found_on"] = found
    restricted = restricted or clean["subject"] == DisputeSubject.BULLYING
    if clean["private_details"] and not restricted:
        errors.setdefault("private_details", []).append(
            _("Names and private details are kept only on a restricted case; give roles here.")
        )
    clean["restricted"] = restricted
    return errors, clean


def _local_day(now) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(now).date()


def _event(dispute, action, *, actor, role, at, from_status, to_status, note="", data=None):
    return DisputeEvent.objects.create(
        dispute=dispute,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_role=role,
        at=at,
        note=note,
        data=data or {},
    )


def is_pressing(dispute) -> bool:
    """High risk, or at risk of group or level-skipping petitions: the centre hears at once."""
    return dispute.risk == RiskLevel.HIGH or dispute.petition_risk


def _centre(bureau_id: int) -> list[int]:
    from safecampus.accounts.models import RoleAssignment

    return list(
        RoleAssignment.objects.active()
        .filter(user__is_active=True, role=Role.SAFETY_CENTRE, bureau_id=bureau_id)
        .values_list("user_id", flat=True)
    )


def _alert(dispute, *, actor, now, why: str, reason: str = "") -> None:
    """Tell the centre at once (a restricted case: only those named on it, without detail).
    ``reason`` (``escalated``; by default the risk, :func:`why_key`) keys the alert, so two
    alerts of one dispute for different reasons in the same minute are both told."""
    reason = reason or why_key(dispute)
    recipients = set(_centre(dispute.bureau_id))
    if dispute.restricted:
        recipients = set(
            DisputeAccess.objects.filter(dispute=dispute).values_list("user_id", flat=True)
        )
        text = _("A restricted dispute needs attention (no. %(pk)s).") % {"pk": dispute.pk}
    else:
        text = _("%(school)s: dispute “%(title)s” (%(why)s)") % {
            "school": dispute.school.name,
            "title": dispute.title,
            "why": why,
        }
    recipients.discard(actor.pk)
    notify_now(
        sorted(recipients),
        kind=NoticeKind.DISPUTE,
        text=text,
        url=dispute.get_absolute_url(),
        key=f"dispute:{dispute.pk}:{reason}:{now:%Y%m%d%H%M}",
        now=now,
    )
    messages.dispute_alert(
        dispute,
        users=sorted(recipients),
        key=f"{reason}:{now:%Y%m%d%H%M}",
        why=why,
        now=now,
    )


def why_key(dispute) -> str:
    return "petition" if dispute.petition_risk else "risk"


def _why(dispute) -> str:
    if dispute.petition_risk:
        return _("risk of group or level-skipping petitions")
    return _("high risk")


# --- registering ---------------------------------------------------------------------------------


def dispute_register(*, actor, data: dict, now=None) -> Dispute:
    """Register a dispute for a school the user may report for. A bullying dispute is restricted
    from the start; the centre may restrict any (``restricted``)."""
    now = _now(now)
    data = dict(data or {})
    school = _school_for(actor, data.get("school"))
    wants_restricted = _flag(data.get("restricted")) and bool(
        access.manage_bureaus(scope_for(actor)) & {school.bureau_id}
    )
    errors, clean = register_problems(data, now=now, restricted=wants_restricted)
    incident = None
    if data.get("incident") not in (None, ""):
        try:
            incident = (
                Incident.objects.visible_to(actor)
                .filter(pk=int(data["incident"]), school=school)
                .first()
            )
        except (TypeError, ValueError):
            incident = None
        if incident is None:
            errors.setdefault("incident", []).append(
                _("Choose an incident of this school that you can see.")
            )
    if errors:
        code = refusal_code_of(errors)
        raise refuse(errors, code)
    # A dispute arising from a restricted incident is restricted too, named as the incident is.
    from_restricted = incident is not None and incident.restricted
    if from_restricted:
        clean["restricted"] = True
    role = _reporting_role(actor, school)
    department_id = _department_for(actor, school, role, ROUTING_KEY)

    def write():
        dispute = Dispute.objects.create(
            bureau_id=school.bureau_id,
            school=school,
            department_id=department_id,
            subject=clean["subject"],
            title=clean["title"],
            parties=clean["parties"],
            summary=clean["summary"],
            private_details=clean["private_details"],
            risk=clean["risk"],
            petition_risk=clean["petition_risk"],
            source=clean["source"],
            found_on=clean["found_on"],
            incident=incident,
            restricted=clean["restricted"],
            registered_at=now,
            registered_by=actor,
            status_changed_at=now,
        )
        _event(
            dispute,
            DisputeAction.REGISTER,
            actor=actor,
            role=role,
            at=now,
            from_status="",
            to_status=DisputeStatus.OPEN,
            data={
                "risk": dispute.risk,
                "petition_risk": dispute.petition_risk,
                "parties": dispute.parties,
            },
        )
        if dispute.restricted:
            if from_restricted:  # the incident's access list (the actor is on it)
                names = [actor.pk, *incident.access.values_list("user_id", flat=True)]
            else:
                names = restriction.first_names(dispute.bureau_id, actor)
            restriction.name(DisputeAccess, dispute, names, by=actor, now=now)
        if is_pressing(dispute):
            _alert(dispute, actor=actor, now=now, why=_why(dispute))
        return dispute

    return in_write_transaction(write)


# --- acting on a dispute -------------------------------------------------------------------------

#: the actions whose note is required
NOTE_REQUIRED = frozenset(
    {
        DisputeAction.MEDIATE,
        DisputeAction.ESCALATE,
        DisputeAction.REOPEN,
        DisputeAction.ASSESS,
        DisputeAction.COMMENT,
        DisputeAction.RESTRICT,
    }
)


def act_problems(dispute, action: str, data: dict) -> tuple[dict, dict]:
    """Check the input of ``action`` on ``dispute``: ``(errors, clean)``."""
    errors: dict = {}
    clean: dict = {
        "note": _text(data, "note", errors, required=action in NOTE_REQUIRED),
    }
    if action == DisputeAction.MEDIATE:
        clean["kind"] = _choice(data.get("kind"), MediationKind, "kind", errors)
        clean["value"] = _choice(data.get("value"), MediationOutcome, "value", errors)
    elif action == DisputeAction.ESCALATE:
        clean["to"] = _text(data, "to", errors, required=False, limit=100)
    elif action == DisputeAction.RESOLVE:
        clean["outcome"] = _text(data, "outcome", errors, required=True)
    elif action == DisputeAction.ASSESS:
        clean["risk"] = _choice(data.get("risk"), RiskLevel, "risk", errors)
        clean["petition_risk"] = _flag(data.get("petition_risk"))
    elif action in (DisputeAction.GRANT, DisputeAction.REVOKE):
        try:
            clean["user"] = int(data.get("user"))
        except (TypeError, ValueError, OverflowError):
            errors["user"] = [_("Choose a person.")]
        if not 1 <= clean.get("user", 1) <= MAX_ID:
            errors["user"] = [_("Choose a person.")]
            clean.pop("user")
    return errors, clean


def dispute_act(
    *,
    actor,
    dispute_id: int,
    action: str,
    data: dict | None = None,
    version=None,
    now=None,
) -> Dispute:
    """Take ``action`` on a dispute: one path for every button and endpoint."""
    now = _now(now)
    data = dict(data or {})
    dispute = get_for(actor, Dispute.objects.select_related("school"), dispute_id)
    if action not in DISPUTES.actions():
        raise refuse(_("Unknown action."), Code.INVALID_TRANSITION)
    roles = roles_on(actor, dispute)
    DISPUTES.check(dispute, action, roles)
    errors, clean = act_problems(dispute, action, data)
    if (
        action == DisputeAction.GRANT
        and "user" in clean
        and not restriction.eligible_users(dispute.bureau_id, [clean["user"]])
    ):
        errors["user"] = [_("Only an active person of this bureau or its schools can be named.")]
    if action == DisputeAction.REVOKE and "user" in clean:
        named = set(DisputeAccess.objects.filter(dispute=dispute).values_list("user_id", flat=True))
        if clean["user"] not in named:
            errors["user"] = [_("This person is not named on the case.")]
        elif named == {clean["user"]}:
            errors["user"] = [_("The last person named on a case cannot be removed.")]
    if errors:
        raise refuse(errors, Code.COMMENT_REQUIRED if set(errors) == {"note"} else Code.INVALID)
    move = DISPUTES.find(action, dispute.status)
    role = DISPUTES.acting_role(roles, move)

    def write():
        row = Dispute.objects.select_for_update().select_related("school").get(pk=dispute.pk)
        _stale(row, version)
        move_now = DISPUTES.check(row, action, roles)
        was_pressing = is_pressing(row)
        event_data = _apply(row, action, clean, actor=actor, now=now)
        event = DISPUTES.commit(
            row,
            move_now,
            now=now,
            event=lambda f, t: _event(
                row,
                action,
                actor=actor,
                role=role,
                at=now,
                from_status=f,
                to_status=t,
                note=clean.get("note", ""),
                data=event_data,
            ),
        )
        if action == DisputeAction.ASSESS and is_pressing(row) and not was_pressing:
            _alert(row, actor=actor, now=now, why=_why(row))
        elif action == DisputeAction.ESCALATE:
            _alert(row, actor=actor, now=now, why=_("escalated"), reason="escalated")
        row.last_event = event
        return row

    return in_write_transaction(write)


def _apply(row: Dispute, action: str, clean: dict, *, actor, now) -> dict:
    """The record's own changes for ``action`` (before the commit saves it); the event's data,
    each change as ``[before, after]``."""
    data: dict = {}
    if action == DisputeAction.MEDIATE:
        data.update(kind=clean["kind"], value=clean["value"])
    elif action == DisputeAction.ESCALATE:
        data["to"] = clean.get("to", "")
        row.escalated_at = now
    elif action == DisputeAction.RESOLVE:
        data["outcome"] = [row.outcome, clean["outcome"]]
        row.outcome = clean["outcome"]
    elif action == DisputeAction.REOPEN:
        data["outcome"] = [row.outcome, ""]
        data["resolved_at"] = row.resolved_at.isoformat() if row.resolved_at else None
        row.outcome = ""
        row.resolved_at = None
    elif action == DisputeAction.ASSESS:
        data["risk"] = [row.risk, clean["risk"]]
        data["petition_risk"] = [row.petition_risk, clean["petition_risk"]]
        row.risk = clean["risk"]
        row.petition_risk = clean["petition_risk"]
    elif action == DisputeAction.RESTRICT:
        row.restricted = True
        data["restricted"] = [False, True]
        data["named"] = restriction.name(
            DisputeAccess,
            row,
            restriction.first_names(row.bureau_id, actor, row.registered_by_id),
            by=actor,
            now=now,
        )
        restriction.scrub_notices(
            DisputeAccess,
            row,
            prefix="dispute",
            text=_("A restricted dispute needs attention (no. %(pk)s).") % {"pk": row.pk},
        )
    elif action == DisputeAction.GRANT:
        data["named"] = restriction.name(DisputeAccess, row, [clean["user"]], by=actor, now=now)
    elif action == DisputeAction.REVOKE:
        DisputeAccess.objects.filter(dispute=row, user_id=clean["user"]).delete()
        data["removed"] = [clean["user"]]
    return data


__all__ = ["dispute_act", "dispute_register", "is_pressing"]
