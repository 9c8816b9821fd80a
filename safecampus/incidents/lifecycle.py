"""The lifecycles of incidents and disputes, each one table (``core.lifecycle``).

- **An incident** is open from its first report (the service creates it with its ``report``
  event) until its closing report; the verbal report, follow-ups, acknowledgement, escalation,
  三同步 and accident handling keep it open. Accident handling, comments, files and the access
  list go on after the closing report (mediation and claims outlast it); a closing report on a
  closed case is refused.
- **A dispute** is registered, mediated, escalated, resolved, and reopened when it flares up.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from safecampus.core.capabilities import (
    DISPUTE_RECORD,
    INCIDENT_COMMENT,
    INCIDENT_FOLLOW,
    INCIDENT_HANDLE,
    INCIDENT_MANAGE,
    INCIDENT_REPORT,
    INCIDENT_ROLE_ORDER,
)
from safecampus.core.lifecycle import Lifecycle, Move

from .choices import (
    OPEN_DISPUTE,
    DisputeAction,
    DisputeStatus,
    IncidentAction,
    IncidentStatus,
)

OPEN = frozenset({IncidentStatus.OPEN})
ANY = frozenset(IncidentStatus.values)


def _not_verbal(incident) -> str | None:

    if incident.verbal_at is not None:
        return _("The verbal report is already recorded.")
    return None


def _not_acknowledged(incident) -> str | None:

    if incident.acknowledged_at is not None:
        return _("It has already been acknowledged.")
    return None


def _not_escalated(incident) -> str | None:

    if incident.escalated_at is not None:
        return _("It has already been reported to the leadership group.")
    return None


def _unrestricted(case) -> str | None:

    if case.restricted:
        return _("The case is already restricted.")
    return None


def _restricted(case) -> str | None:

    if not case.restricted:
        return _("Only a restricted case has an access list.")
    return None


def _action_label(choices):
    return lambda a: str(choices(a).label) if a in choices.values else a


INCIDENTS = Lifecycle(
    [
        Move(IncidentAction.VERBAL, OPEN, None, INCIDENT_REPORT, guard=_not_verbal),
        Move(IncidentAction.FOLLOW_UP, OPEN, None, INCIDENT_REPORT),
        Move(IncidentAction.CLOSE, OPEN, IncidentStatus.CLOSED, INCIDENT_REPORT, stamp="closed_at"),
        Move(IncidentAction.ACKNOWLEDGE, OPEN, None, INCIDENT_HANDLE, guard=_not_acknowledged),
        Move(IncidentAction.ESCALATE, OPEN, None, INCIDENT_MANAGE, guard=_not_escalated),
        Move(IncidentAction.SYNC, ANY, None, INCIDENT_FOLLOW),
        Move(IncidentAction.RESPONSIBILITY, ANY, None, INCIDENT_FOLLOW),
        Move(IncidentAction.INSURANCE, ANY, None, INCIDENT_FOLLOW),
        Move(IncidentAction.MEDIATION, ANY, None, INCIDENT_FOLLOW),
        Move(IncidentAction.DISTURBANCE, ANY, None, INCIDENT_FOLLOW),
        Move(IncidentAction.ADD_EVIDENCE, ANY, None, INCIDENT_FOLLOW),
        Move(IncidentAction.COMMENT, ANY, None, INCIDENT_COMMENT),
        Move(IncidentAction.RESTRICT, ANY, None, INCIDENT_MANAGE, guard=_unrestricted),
        Move(IncidentAction.GRANT, ANY, None, INCIDENT_MANAGE, guard=_restricted),
        Move(IncidentAction.REVOKE, ANY, None, INCIDENT_MANAGE, guard=_restricted),
    ],
    statuses=IncidentStatus.values,
    action_label=_action_label(IncidentAction),
    stamp_field="status_changed_at",
    version_field="version",
    role_order=INCIDENT_ROLE_ORDER,
)

_OPEN_D = frozenset(OPEN_DISPUTE)
_ANY_D = frozenset(DisputeStatus.values)

DISPUTES = Lifecycle(
    [
        Move(DisputeAction.MEDIATE, _OPEN_D, DisputeStatus.MEDIATING, DISPUTE_RECORD),
        Move(
            DisputeAction.ESCALATE,
            frozenset({DisputeStatus.OPEN, DisputeStatus.MEDIATING}),
            DisputeStatus.ESCALATED,
            DISPUTE_RECORD,
        ),
        Move(
            DisputeAction.RESOLVE,
            _OPEN_D,
            DisputeStatus.RESOLVED,
            DISPUTE_RECORD,
            stamp="resolved_at",
        ),
        Move(
            DisputeAction.REOPEN,
            frozenset({DisputeStatus.RESOLVED}),
            DisputeStatus.MEDIATING,
            DISPUTE_RECORD,
        ),
        Move(DisputeAction.ASSESS, _OPEN_D, None, DISPUTE_RECORD),
        Move(DisputeAction.COMMENT, _ANY_D, None, INCIDENT_COMMENT),
        Move(DisputeAction.RESTRICT, _ANY_D, None, INCIDENT_MANAGE, guard=_unrestricted),
        Move(DisputeAction.GRANT, _ANY_D, None, INCIDENT_MANAGE, guard=_restricted),
        Move(DisputeAction.REVOKE, _ANY_D, None, INCIDENT_MANAGE, guard=_restricted),
    ],
    statuses=DisputeStatus.values,
    action_label=_action_label(DisputeAction),
    stamp_field="status_changed_at",
    version_field="version",
    role_order=INCIDENT_ROLE_ORDER,
)
