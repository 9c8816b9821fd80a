"""Check-in window edges, the missed flag at grace ± 1 minute, across midnight in Shanghai, the
duty log (who may record, on whose behalf, handover, check-out)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from safecampus.core.roles import Role
from safecampus.watch import selectors, services
from safecampus.watch.choices import LogKind, RosterStatus
from safecampus.watch.models import DutyLogEntry
from safecampus.watch.testing import at, cover_leaders, shift, watch_world

pytestmark = pytest.mark.dates


@pytest.fixture
def w(world):
    w = watch_world(world)
    cover_leaders(w.roster_a)
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    return w


@pytest.fixture
def me(w):
    return w.world.users[Role.SCHOOL_OFFICER]


@pytest.fixture
def night(w, me):
    """23:00 on 2月6日 to 07:00 on 2月7日, Shanghai."""
    return shift(w.roster_a, at(6, 23), at(7, 7), name="", person=me)


@pytest.mark.parametrize(
    "now,ok",
    [
        (at(6, 22, 29), False),  # 31 minutes early
        (at(6, 22, 30), True),  # exactly 30 minutes early
        (at(7, 7, 0), True),  # at the end
        (at(7, 7, 1), False),  # a minute after the end
    ],
)
def test_check_in_window_edges(night, me, now, ok):
    if ok:
        services.log_record(actor=me, shift=night, kind=LogKind.CHECK_IN, now=now)
        night.refresh_from_db()
        assert night.checked_in_at == now
    else:
        with pytest.raises(ValidationError) as exc:
            services.log_record(actor=me, shift=night, kind=LogKind.CHECK_IN, now=now)
        assert exc.value.code in ("not_started", "closed")
        assert not DutyLogEntry.objects.exists()


def test_a_second_check_in_is_refused(night, me):
    services.log_record(actor=me, shift=night, kind=LogKind.CHECK_IN, now=at(6, 23))
    with pytest.raises(ValidationError) as exc:
        services.log_record(actor=me, shift=night, kind=LogKind.CHECK_IN, now=at(6, 23, 5))
    assert exc.value.code == "already_recorded"
    assert DutyLogEntry.objects.count() == 1


@pytest.mark.parametrize(
    "now,missed",
    [(at(6, 23, 29), False), (at(6, 23, 30), False), (at(6, 23, 31), True), (at(7, 0, 1), True)],
)
def test_missed_at_grace_edges_across_midnight(w, night, now, missed):
    qs = selectors.missed(w.world.users[Role.SAFETY_CENTRE], now=now)
    assert (night in set(qs)) is missed
    assert night.is_missed(now, services.GRACE) is missed
    assert (services.shift_state(night, now) == "missed") is missed


def test_missed_by_day_filters_on_the_shanghai_start_date(w, night):
    centre = w.world.users[Role.SAFETY_CENTRE]
    now = at(7, 8)
    on_6 = selectors.missed(
        centre, now=now, filters=selectors.MissedFilters(day=datetime.date(2027, 2, 6))
    )
    on_7 = selectors.missed(
        centre, now=now, filters=selectors.MissedFilters(day=datetime.date(2027, 2, 7))
    )
    assert night in set(on_6) and night not in set(on_7)


def test_a_checked_in_shift_is_not_missed(w, night, me):
    services.log_record(actor=me, shift=night, kind=LogKind.CHECK_IN, now=at(6, 23, 10))
    night.refresh_from_db()
    assert night not in set(selectors.missed(me, now=at(7, 1)))


def test_the_officer_checks_in_on_behalf_and_it_is_recorded(w, world):
    other = shift(w.roster_a, at(6, 8), at(6, 20), name="门卫老王")
    entry = services.log_record(
        actor=world.users[Role.PRINCIPAL], shift=other, kind=LogKind.CHECK_IN, now=at(6, 8)
    )
    assert entry.on_behalf is True and entry.recorded_by == world.users[Role.PRINCIPAL]


def test_someone_else_may_not_check_in(w, world, night):
    with pytest.raises(PermissionDenied):
        services.log_record(
            actor=world.users[Role.LEADERSHIP], shift=night, kind=LogKind.CHECK_IN, now=at(6, 23)
        )


def test_the_log_needs_a_check_in_a_note_and_no_future(w, night, me):
    with pytest.raises(ValidationError):
        services.log_record(actor=me, shift=night, kind=LogKind.PATROL, note="巡查", now=at(6, 23))
    services.log_record(actor=me, shift=night, kind=LogKind.CHECK_IN, now=at(6, 23))
    with pytest.raises(ValidationError) as exc:
        services.log_record(actor=me, shift=night, kind=LogKind.PATROL, note="", now=at(6, 23, 30))
    assert exc.value.code == "comment_required"
    with pytest.raises(ValidationError) as exc:
        services.log_record(
            actor=me, shift=night, kind=LogKind.EVENT, note="x", at=at(7, 1), now=at(7, 0)
        )
    assert exc.value.code == "in_future"
    services.log_record(
        actor=me, shift=night, kind=LogKind.PATROL, note="校园巡查一遍，正常", now=at(7, 0)
    )
    assert DutyLogEntry.objects.filter(kind=LogKind.PATROL).count() == 1


def test_handover_names_the_next_shift_then_check_out(w, night, me):
    morning = shift(w.roster_a, at(7, 7), at(7, 19), name="早班")
    services.log_record(actor=me, shift=night, kind=LogKind.CHECK_IN, now=at(6, 23))
    with pytest.raises(ValidationError):
        services.log_record(actor=me, shift=night, kind=LogKind.HANDOVER, now=at(7, 7))
    entry = services.log_record(
        actor=me,
        shift=night,
        kind=LogKind.HANDOVER,
        next_shift=morning,
        note="无异常",
        now=at(7, 7),
    )
    assert entry.next_shift == morning
    services.log_record(actor=me, shift=night, kind=LogKind.CHECK_OUT, now=at(7, 7, 5))
    with pytest.raises(ValidationError) as exc:
        services.log_record(actor=me, shift=night, kind=LogKind.CHECK_OUT, now=at(7, 7, 6))
    assert exc.value.code == "already_recorded"


def test_nothing_is_logged_on_a_draft_roster(w, me):
    w.roster_a.status = RosterStatus.DRAFT
    w.roster_a.save()
    s = shift(w.roster_a, at(6, 8), at(6, 20), name="", person=me)
    with pytest.raises(ValidationError) as exc:
        services.log_record(actor=me, shift=s, kind=LogKind.CHECK_IN, now=at(6, 8))
    assert exc.value.code == "invalid_transition"
