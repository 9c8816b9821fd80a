"""The roster's lifecycle, one table (``core.lifecycle``).

A roster is drafted (shifts added, changed, removed or imported), then published; a published
roster is revised back to draft only while none of its shifts has started, otherwise its
changes are swaps (调班), each with its reason. Every move bumps the version and writes a
``RosterEvent`` through ``ROSTERS.commit``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from safecampus.core.capabilities import INCIDENT_ROLE_ORDER, WATCH_SCHOOL_EDIT
from safecampus.core.lifecycle import Lifecycle, Move

from .choices import RosterAction, RosterStatus

_DRAFT = frozenset({RosterStatus.DRAFT})
_PUBLISHED = frozenset({RosterStatus.PUBLISHED})


def _not_started(roster) -> str | None:
    """The service sets ``roster.started`` (whether any shift has begun) before it asks."""
    if getattr(roster, "started", False):
        return _("A shift of this roster has already started; record changes as swaps.")
    return None


ROSTERS = Lifecycle(
    [
        Move(RosterAction.ADD_SHIFT, _DRAFT, None, WATCH_SCHOOL_EDIT),
        Move(RosterAction.CHANGE_SHIFT, _DRAFT, None, WATCH_SCHOOL_EDIT),
        Move(RosterAction.REMOVE_SHIFT, _DRAFT, None, WATCH_SCHOOL_EDIT),
        Move(RosterAction.IMPORT, _DRAFT, None, WATCH_SCHOOL_EDIT),
        Move(
            RosterAction.PUBLISH,
            _DRAFT,
            RosterStatus.PUBLISHED,
            WATCH_SCHOOL_EDIT,
            stamp="published_at",
        ),
        Move(
            RosterAction.REVISE,
            _PUBLISHED,
            RosterStatus.DRAFT,
            WATCH_SCHOOL_EDIT,
            guard=_not_started,
        ),
        Move(RosterAction.SWAP, _PUBLISHED, None, WATCH_SCHOOL_EDIT),
    ],
    statuses=RosterStatus.values,
    action_label=lambda a: str(RosterAction(a).label) if a in RosterAction.values else a,
    stamp_field="status_changed_at",
    version_field="version",
    role_order=INCIDENT_ROLE_ORDER,
)

#: the buttons of a roster's page, in this order
BUTTONS = (RosterAction.PUBLISH, RosterAction.REVISE)
