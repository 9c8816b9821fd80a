"""The roster's lifecycle table, every status × action × role driven through the services:
each succeeds exactly when the table allows it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from safecampus.core.capabilities import WATCH_VIEW
from safecampus.core.testing import lifecycle_cases
from safecampus.watch import services
from safecampus.watch.choices import Post, RosterAction, RosterStatus
from safecampus.watch.lifecycle import ROSTERS
from safecampus.watch.models import RosterEvent
from safecampus.watch.testing import BEFORE, at, cover_leaders, shift, watch_world

pytestmark = pytest.mark.dates

ROLES = sorted(WATCH_VIEW)


def _take(action, actor, roster):
    first = roster.shifts.order_by("starts_at").first()
    row = {
        "post": Post.OFFICER,
        "person": None,
        "person_name": "王五",
        "phone": "13700000000",
        "starts_at": at(6, 20),
        "ends_at": at(7, 8),
    }
    if action == RosterAction.ADD_SHIFT:
        services.shift_add(actor=actor, roster=roster, data=row, now=BEFORE)
    elif action == RosterAction.CHANGE_SHIFT:
        first.roster = roster
        services.shift_change(
            actor=actor,
            shift=first,
            data={
                **row,
                "post": Post.LEADER,
                "starts_at": first.starts_at,
                "ends_at": first.ends_at,
            },
            now=BEFORE,
        )
    elif action == RosterAction.REMOVE_SHIFT:
        first.roster = roster
        services.shift_remove(actor=actor, shift=first, now=BEFORE)
    elif action == RosterAction.IMPORT:
        services.shifts_import(actor=actor, roster=roster, rows=[row], now=BEFORE)
    elif action == RosterAction.PUBLISH:
        services.roster_publish(actor=actor, roster=roster, now=BEFORE)
    elif action == RosterAction.REVISE:
        services.roster_revise(actor=actor, roster=roster, now=BEFORE)
    elif action == RosterAction.SWAP:
        first.roster = roster
        services.shift_swap(
            actor=actor, shift=first, data={"person_name": "赵六", "reason": "家中有事"}, now=BEFORE
        )
    else:  # pragma: no cover
        raise AssertionError(action)


@pytest.mark.parametrize("status,action,role,allowed", lifecycle_cases(ROSTERS, ROLES))
def test_the_table_decides(world, status, action, role, allowed):
    w = watch_world(world)
    roster = w.roster_a
    cover_leaders(roster)
    shift(roster, at(8, 20), at(9, 8), name="夜班")
    roster.status = status
    roster.save()
    version = roster.version
    actor = world.users[role]
    if allowed:
        _take(action, actor, roster)
        roster.refresh_from_db()
        assert roster.version == version + 1
        assert RosterEvent.objects.filter(roster=roster, action=action).count() == 1
        if action == RosterAction.PUBLISH:
            assert roster.status == RosterStatus.PUBLISHED
        if action == RosterAction.REVISE:
            assert roster.status == RosterStatus.DRAFT
    else:
        with pytest.raises(ValidationError) as exc:
            _take(action, actor, roster)
        assert exc.value.code in ("invalid_transition", "not_allowed")
        roster.refresh_from_db()
        assert (roster.status, roster.version) == (status, version)
        assert not RosterEvent.objects.filter(roster=roster).exists()


def test_the_pairs():
    assert ROSTERS.pairs() == {
        ("draft", "draft"),
        ("draft", "published"),
        ("published", "draft"),
        ("published", "published"),
    }


def test_revise_refused_once_someone_checked_in_early(world):
    w = watch_world(world)
    cover_leaders(w.roster_a)
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    first = w.roster_a.shifts.order_by("starts_at").first()
    first.checked_in_at = at(6, 8, 45)
    first.save()
    with pytest.raises(ValidationError) as exc:
        services.roster_revise(
            actor=world.users["school_officer"], roster=w.roster_a, now=at(6, 8, 50)
        )
    assert exc.value.code == "invalid_transition"
