"""The lifecycles of the student safety zone, each one table (``core.lifecycle``).

- **A zone case** is opened by the check. The department it goes to (or the centre) assigns it
  with a deadline and the partner units concerned; they record inspections and, at last, the
  closure or relocation of the venue; the department verifies and closes it, or rejects the
  record (the venue still operates). The check lapses a case whose venue no longer lies in the
  school's zone.
- **A venue** is operating, under rectification, closed, relocated or exempt; its status moves
  with its cases (a recorded closure closes it; a rejected closure reopens it) or by the
  register's own buttons.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from safecampus.core.capabilities import (
    ZONE_CASE_COMMENT,
    ZONE_CASE_MANAGE,
    ZONE_CASE_RECORD,
    ZONE_ROLE_ORDER,
    ZONE_VENUE_EDIT,
)
from safecampus.core.lifecycle import Lifecycle, Move

from .choices import CaseAction, CaseStatus, VenueAction, VenueStatus

_RUNNING = frozenset({CaseStatus.OPEN, CaseStatus.RECTIFYING})
_OPEN = _RUNNING | {CaseStatus.SUBMITTED}
ENGINE = frozenset({"engine"})


def _s(*statuses: str) -> frozenset[str]:
    return frozenset(statuses)


CASES = Lifecycle(
    [
        Move(CaseAction.ASSIGN, _s(CaseStatus.OPEN), CaseStatus.RECTIFYING, ZONE_CASE_MANAGE),
        Move(CaseAction.INSPECT, _OPEN, None, ZONE_CASE_RECORD),
        Move(CaseAction.RECORD_CLOSURE, _RUNNING, CaseStatus.SUBMITTED, ZONE_CASE_RECORD),
        Move(CaseAction.RECORD_RELOCATION, _RUNNING, CaseStatus.SUBMITTED, ZONE_CASE_RECORD),
        Move(CaseAction.EXEMPT, _RUNNING, CaseStatus.CLOSED, ZONE_CASE_MANAGE, stamp="closed_at"),
        Move(
            CaseAction.VERIFY,
            _s(CaseStatus.SUBMITTED),
            CaseStatus.CLOSED,
            ZONE_CASE_MANAGE,
            stamp="closed_at",
        ),
        Move(CaseAction.REJECT, _s(CaseStatus.SUBMITTED), CaseStatus.RECTIFYING, ZONE_CASE_MANAGE),
        Move(CaseAction.EXTEND, _RUNNING, None, ZONE_CASE_MANAGE),
        Move(CaseAction.COMMENT, _OPEN, None, ZONE_CASE_COMMENT),
        Move(CaseAction.ADD_EVIDENCE, _OPEN, None, ZONE_CASE_RECORD),
        # the check: the venue no longer lies in any zone of the school
        Move(CaseAction.LAPSE, _OPEN, CaseStatus.LAPSED, ENGINE, internal=True, stamp="closed_at"),
        # the check: measured again, still inside
        Move(CaseAction.REVISE, _OPEN, None, ENGINE, internal=True),
        # the venue's closure, relocation or exemption was recorded on its case at another
        # school: this case awaits its own department's verification too
        Move(CaseAction.VENUE_GONE, _RUNNING, CaseStatus.SUBMITTED, ENGINE, internal=True),
        # ... and that record was rejected there: the venue still operates
        Move(
            CaseAction.VENUE_BACK,
            _s(CaseStatus.SUBMITTED),
            CaseStatus.RECTIFYING,
            ENGINE,
            internal=True,
        ),
    ],
    statuses=CaseStatus.values,
    action_label=lambda a: str(CaseAction(a).label) if a in CaseAction.values else a,
    stamp_field="status_changed_at",
    version_field="version",
    role_order=ZONE_ROLE_ORDER,
)

_ACTIVE = _s(VenueStatus.OPERATING, VenueStatus.RECTIFYING)
_GONE = _s(VenueStatus.CLOSED, VenueStatus.RELOCATED, VenueStatus.EXEMPT)
_ANY = frozenset(VenueStatus.values)


VENUES = Lifecycle(
    [
        Move(VenueAction.EDIT, _ANY, None, ZONE_VENUE_EDIT),
        Move(VenueAction.MOVE, _ANY, None, ZONE_VENUE_EDIT),
        Move(
            VenueAction.RECTIFY, _s(VenueStatus.OPERATING), VenueStatus.RECTIFYING, ZONE_VENUE_EDIT
        ),
        Move(VenueAction.CLOSE, _ACTIVE, VenueStatus.CLOSED, ZONE_VENUE_EDIT),
        Move(VenueAction.RELOCATE, _ACTIVE, VenueStatus.RELOCATED, ZONE_VENUE_EDIT),
        Move(VenueAction.EXEMPT, _ACTIVE, VenueStatus.EXEMPT, ZONE_VENUE_EDIT),
        Move(VenueAction.REOPEN, _GONE, VenueStatus.OPERATING, ZONE_VENUE_EDIT),
        # a case moved the venue: assigned (rectifying), a closure or relocation recorded, an
        # exemption granted, a recorded closure rejected (it still operates)
        Move(
            "case_rectify",
            _s(VenueStatus.OPERATING),
            VenueStatus.RECTIFYING,
            ZONE_CASE_RECORD,
            internal=True,
        ),
        Move("case_close", _ACTIVE, VenueStatus.CLOSED, ZONE_CASE_RECORD, internal=True),
        Move("case_relocate", _ACTIVE, VenueStatus.RELOCATED, ZONE_CASE_RECORD, internal=True),
        Move("case_exempt", _ACTIVE, VenueStatus.EXEMPT, ZONE_CASE_MANAGE, internal=True),
        Move(
            "case_reopen",
            _GONE,
            VenueStatus.RECTIFYING,
            ZONE_CASE_MANAGE,
            internal=True,
        ),
    ],
    statuses=VenueStatus.values,
    action_label=lambda a: str(VenueAction(a).label) if a in VenueAction.values else _(a),
    stamp_field="status_changed_at",
    version_field="version",
    role_order=ZONE_ROLE_ORDER,
)
