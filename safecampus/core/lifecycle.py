"""Lifecycle tables: every move of a record with a status, in one table, through one commit.

Each record with a status (a hazard, a form, a weekly report, a spot-check item, an
accountability record, a consultation) declares a :class:`Lifecycle`: one :class:`Move` per action
and status it starts from, naming the status it leads to (or none: the status stays), the roles
that may take it, and a guard for the rules of one record ("only a hazard fixed on the spot may be
submitted before it is confirmed"). Services ask the table (:meth:`Lifecycle.check`) and write
through :meth:`Lifecycle.commit`, which sets the status, stamps it, bumps the version, saves and
writes the event, in that order and nowhere else. Compare viewflow's ``State.transition``.

The table is also the documentation: ``pairs()`` lists every (from, to) pair, and each app's tests
walk every pair × role against the pages and services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from .refusals import Code, refuse


@dataclass(frozen=True)
class Move:
    """One action from some statuses: where it leads, who may take it, when it applies."""

    action: str
    #: the statuses the action may start from
    sources: frozenset[str]
    #: the status it leads to; ``None`` keeps the status; a mapping leads from the statuses it
    #: names and keeps the others
    target: str | Mapping[str, str] | None
    #: the roles (held on the record, see ``core.access.roles_on``) that may take it
    roles: frozenset[str]
    #: ``guard(obj)`` returns why the move does not apply to this record, or ``None``
    guard: Callable[[object], str | None] | None = field(default=None, compare=False)
    #: taken only by the system on behalf of another record (a form, a spot check, a
    #: consultation): never offered as a button, still checked for its roles
    internal: bool = False
    #: a field of the record set to the time of the move when it is committed (``closed_at``)
    stamp: str | None = None

    def leads(self, status: str) -> str:
        if self.target is None:
            return status
        if isinstance(self.target, Mapping):
            return self.target.get(status, status)
        return self.target


class Lifecycle:
    """The table of a record's moves. ``labels`` names actions and statuses in refusals."""

    def __init__(
        self,
        moves: Iterable[Move],
        *,
        statuses: Iterable[str],
        action_label: Callable[[str], str] = str,
        status_field: str = "status",
        stamp_field: str | None = None,
        version_field: str | None = None,
        role_order: Iterable[str] = (),
    ):
        self.moves = tuple(moves)
        self.statuses = tuple(statuses)
        self.action_label = action_label
        self.status_field = status_field
        self.stamp_field = stamp_field
        self.version_field = version_field
        self.role_order = tuple(role_order)
        seen: set[tuple[str, str]] = set()
        for move in self.moves:
            unknown = (
                set(move.sources)
                | ({move.target} if isinstance(move.target, str) else set())
                | (
                    set(move.target) | set(move.target.values())
                    if isinstance(move.target, Mapping)
                    else set()
                )
            ) - set(self.statuses)
            if unknown:
                raise ValueError(f"{move.action}: unknown statuses {sorted(unknown)}")
            for source in move.sources:
                if (move.action, source) in seen:
                    raise ValueError(f"{move.action} from {source} is in the table twice")
                seen.add((move.action, source))

    # --- reading the table ----------------------------------------------------------------------

    def find(self, action: str, status: str) -> Move | None:
        return next((m for m in self.moves if m.action == action and status in m.sources), None)

    def actions(self) -> list[str]:
        return list(dict.fromkeys(m.action for m in self.moves))

    def pairs(self) -> set[tuple[str, str]]:
        """Every (from, to) pair the table allows; an action that keeps the status is (s, s)."""
        return {(s, m.leads(s)) for m in self.moves for s in m.sources}

    def targets(self, status: str) -> set[str]:
        return {m.leads(status) for m in self.moves if status in m.sources} - {status}

    def allowed(self, obj, roles: Iterable[str], *, internal: bool = False) -> list[str]:
        """The actions ``roles`` may take on ``obj`` now, in table order (buttons by default,
        the system's own moves with ``internal``)."""
        roles = frozenset(roles)
        status = getattr(obj, self.status_field)
        out = []
        for move in self.moves:
            if status not in move.sources or move.internal != internal:
                continue
            if roles & move.roles and (move.guard is None or move.guard(obj) is None):
                out.append(move.action)
        return list(dict.fromkeys(out))

    def acting_role(self, roles: Iterable[str], move: Move | None = None) -> str:
        """The role named on the event: the most specific of ``roles`` the move allows."""
        held = frozenset(roles) & (move.roles if move else frozenset(roles))
        for role in self.role_order:
            if role in held:
                return role
        return sorted(held)[0] if held else ""

    # --- acting ---------------------------------------------------------------------------------

    def check(self, obj, action: str, roles: Iterable[str]) -> Move:
        """The move ``action`` makes from ``obj``'s status, refused (``invalid_transition``,
        ``not_allowed``) when the table or its guard says no."""
        status = getattr(obj, self.status_field)
        move = self.find(action, status)
        if move is None:
            raise refuse(
                _("“%(action)s” is not possible while it is “%(status)s”.")
                % {"action": self.action_label(action), "status": _status_label(obj, self)},
                Code.INVALID_TRANSITION,
            )
        if not frozenset(roles) & move.roles:
            raise refuse(
                _("Your roles do not allow “%(action)s” here.")
                % {"action": self.action_label(action)},
                Code.NOT_ALLOWED,
            )
        if move.guard is not None and (why := move.guard(obj)) is not None:
            raise refuse(why, Code.INVALID_TRANSITION)
        return move

    def commit(
        self,
        obj,
        move: Move,
        *,
        event: Callable[[str, str], object],
        now=None,
        update_fields: Iterable[str] | None = None,
    ):
        """Write the move: the status (and its stamp), the version, the record, then the event
        ``event(from_status, to_status)`` builds. The one place a status changes."""
        from_status = getattr(obj, self.status_field)
        to_status = move.leads(from_status)
        fields = set(update_fields) if update_fields is not None else None
        if to_status != from_status:
            setattr(obj, self.status_field, to_status)
            if self.stamp_field:
                setattr(obj, self.stamp_field, now or timezone.now())
            if fields is not None:
                fields |= {self.status_field} | ({self.stamp_field} if self.stamp_field else set())
        if move.stamp:
            setattr(obj, move.stamp, now or timezone.now())
            if fields is not None:
                fields.add(move.stamp)
        if self.version_field:
            setattr(obj, self.version_field, getattr(obj, self.version_field) + 1)
            if fields is not None:
                fields.add(self.version_field)
        obj.save(update_fields=sorted(fields) if fields is not None else None)
        return event(from_status, to_status)


def _status_label(obj, lifecycle: Lifecycle) -> str:
    getter = getattr(obj, f"get_{lifecycle.status_field}_display", None)
    return str(getter()) if getter else str(getattr(obj, lifecycle.status_field))


__all__ = ["Lifecycle", "Move"]
