"""The roster rules at their edges: times, the period, overlaps, coverage, swaps."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from safecampus.core.roles import Role
from safecampus.watch import services
from safecampus.watch.choices import Post, RosterAction, RosterStatus
from safecampus.watch.models import RosterEvent, Shift
from safecampus.watch.testing import BEFORE, at, cover_leaders, shift, watch_world

pytestmark = pytest.mark.dates


@pytest.fixture
def w(world):
    return watch_world(world)  # no clock: every service call passes ``now``


def data(start, end, *, post=Post.OFFICER, name="王五", phone="13700000000", person=None):
    return {
        "post": post,
        "person": person,
        "person_name": name,
        "phone": phone,
        "starts_at": start,
        "ends_at": end,
    }


def school(w):
    return w.world.users[Role.SCHOOL_OFFICER]


def test_a_shift_is_added_with_its_event(w):
    s = services.shift_add(
        actor=school(w), roster=w.roster_a, data=data(at(6, 8), at(6, 20)), now=BEFORE
    )
    assert (s.person_name, s.bureau_id) == ("王五", w.world.bureau.pk)
    event = RosterEvent.objects.get(roster=w.roster_a)
    assert (event.action, event.actor_role) == (RosterAction.ADD_SHIFT, Role.SCHOOL_OFFICER)
    w.roster_a.refresh_from_db()
    assert w.roster_a.version == 1


@pytest.mark.parametrize("end", [at(6, 8), at(6, 7, 59)])
def test_a_shift_that_ends_before_or_when_it_starts_is_refused(w, end):
    with pytest.raises(ValidationError) as exc:
        services.shift_add(actor=school(w), roster=w.roster_a, data=data(at(6, 8), end), now=BEFORE)
    assert exc.value.code == "invalid"
    assert "结束" in str(exc.value.message_dict["ends_at"]) or exc.value.message_dict["ends_at"]
    assert not Shift.objects.exists() and not RosterEvent.objects.exists()


@pytest.mark.parametrize(
    "start,end,ok",
    [
        (at(6, 0), at(7, 0), True),  # the first day, midnight to midnight
        (at(12, 20), at(13, 0), True),  # the last night, up to midnight after it
        (at(5, 23, 59), at(6, 8), False),  # a minute before the period
        (at(12, 20), at(13, 0, 1), False),  # a minute after it
    ],
)
def test_a_shift_lies_within_the_period_days_in_shanghai(w, start, end, ok):
    if ok:
        services.shift_add(actor=school(w), roster=w.roster_a, data=data(start, end), now=BEFORE)
        assert Shift.objects.count() == 1
    else:
        with pytest.raises(ValidationError) as exc:
            services.shift_add(
                actor=school(w), roster=w.roster_a, data=data(start, end), now=BEFORE
            )
        assert exc.value.code == "invalid"
        assert not Shift.objects.exists()


def test_an_overlap_with_the_same_person_in_another_roster_is_refused(w):
    shift(w.bureau_roster, at(7, 8), at(7, 20), name="王五", phone="13700000000")
    with pytest.raises(ValidationError) as exc:
        services.shift_add(
            actor=school(w), roster=w.roster_a, data=data(at(7, 19, 59), at(7, 23)), now=BEFORE
        )
    assert exc.value.code == "overlap"
    message = exc.value.message_dict["starts_at"][0]
    assert "2月7日 08:00–20:00" in message and "闵行区教育局2027年春节值班表" in message
    assert Shift.objects.count() == 1


def test_the_same_user_is_the_same_person_whatever_the_name(w):
    person = w.world.users[Role.PRINCIPAL]
    shift(w.roster_a, at(8, 8), at(8, 20), name="另一个名字", phone="", person=person)
    with pytest.raises(ValidationError) as exc:
        services.shift_add(
            actor=school(w),
            roster=w.roster_a,
            data=data(at(8, 12), at(8, 14), name="", phone="", person=person),
            now=BEFORE,
        )
    assert exc.value.code == "overlap"


def test_exactly_adjacent_shifts_are_allowed(w):
    shift(w.roster_a, at(7, 8), at(7, 20), name="王五", phone="13700000000")
    services.shift_add(
        actor=school(w), roster=w.roster_a, data=data(at(7, 20), at(8, 8)), now=BEFORE
    )
    services.shift_add(
        actor=school(w), roster=w.roster_a, data=data(at(7, 0), at(7, 8)), now=BEFORE
    )
    assert Shift.objects.count() == 3


def test_another_person_may_overlap(w):
    shift(w.roster_a, at(7, 8), at(7, 20), name="王五", phone="13700000000")
    services.shift_add(
        actor=school(w),
        roster=w.roster_a,
        data=data(at(7, 8), at(7, 20), phone="13700000009"),
        now=BEFORE,
    )
    assert Shift.objects.count() == 2


def test_publishing_needs_a_leader_on_every_day(w):
    cover_leaders(w.roster_a, days=[d for d in w.period.days() if d.day not in (10, 11)])
    shift(w.roster_a, at(10, 8), at(10, 20), post=Post.OFFICER, name="值班员")
    with pytest.raises(ValidationError) as exc:
        services.roster_publish(actor=school(w), roster=w.roster_a, now=BEFORE)
    assert exc.value.code == "not_covered"
    assert exc.value.messages[0].startswith("2月10日、2月11日")
    w.roster_a.refresh_from_db()
    assert w.roster_a.status == RosterStatus.DRAFT and w.roster_a.version == 0


def test_a_night_leader_covers_both_days(w):
    cover_leaders(w.roster_a, days=[d for d in w.period.days() if d.day not in (10, 11)])
    shift(w.roster_a, at(10, 20), at(11, 8), post=Post.LEADER, name="夜班领导")
    services.roster_publish(actor=school(w), roster=w.roster_a, now=BEFORE)
    w.roster_a.refresh_from_db()
    assert (w.roster_a.status, w.roster_a.published_at, w.roster_a.published_by) == (
        RosterStatus.PUBLISHED,
        BEFORE,
        school(w),
    )
    assert RosterEvent.objects.filter(roster=w.roster_a, action="publish").exists()


def test_a_school_cannot_keep_the_bureau_roster(w):
    with pytest.raises(ValidationError) as exc:
        services.shift_add(
            actor=school(w), roster=w.bureau_roster, data=data(at(6, 8), at(6, 20)), now=BEFORE
        )
    assert exc.value.code == "not_allowed"


def _published(w):
    cover_leaders(w.roster_a)
    services.roster_publish(actor=school(w), roster=w.roster_a, now=BEFORE)
    w.roster_a.refresh_from_db()


def test_a_published_roster_takes_no_new_shift(w):
    _published(w)
    with pytest.raises(ValidationError) as exc:
        services.shift_add(
            actor=school(w), roster=w.roster_a, data=data(at(6, 8), at(6, 20)), now=BEFORE
        )
    assert exc.value.code == "invalid_transition"


def test_revise_only_while_no_shift_started(w):
    _published(w)
    with pytest.raises(ValidationError) as exc:
        services.roster_revise(actor=school(w), roster=w.roster_a, now=at(6, 9))
    assert exc.value.code == "invalid_transition"
    services.roster_revise(actor=school(w), roster=w.roster_a, now=at(6, 8, 59))
    w.roster_a.refresh_from_db()
    assert w.roster_a.status == RosterStatus.DRAFT


def test_swap_records_before_and_after(w):
    _published(w)
    s = w.roster_a.shifts.order_by("starts_at").first()
    services.shift_swap(
        actor=school(w),
        shift=s,
        data={"person_name": "赵六", "phone": "13600000000", "reason": "家中有事"},
        now=BEFORE,
    )
    s.refresh_from_db()
    assert s.person_name == "赵六"
    event = RosterEvent.objects.get(roster=w.roster_a, action=RosterAction.SWAP)
    assert event.data["before"]["person_name"] == "李校长"
    assert event.data["after"]["person_name"] == "赵六"
    assert event.data["reason"] == "家中有事"


def test_swap_needs_a_reason_and_a_published_roster(w):
    s = shift(w.roster_a, at(6, 8), at(6, 20))
    with pytest.raises(ValidationError) as exc:
        services.shift_swap(
            actor=school(w), shift=s, data={"person_name": "赵六", "reason": "x"}, now=BEFORE
        )
    assert exc.value.code == "invalid_transition"
    _published(w)
    with pytest.raises(ValidationError) as exc:
        services.shift_swap(
            actor=school(w), shift=s, data={"person_name": "赵六", "reason": " "}, now=BEFORE
        )
    assert exc.value.code == "reason_required"


def test_swap_to_a_person_already_on_duty_is_refused(w):
    _published(w)
    shift(w.bureau_roster, at(6, 12), at(6, 13), name="赵六", phone="13600000000")
    s = w.roster_a.shifts.order_by("starts_at").first()
    with pytest.raises(ValidationError) as exc:
        services.shift_swap(
            actor=school(w),
            shift=s,
            data={"person_name": "赵六", "phone": "13600000000", "reason": "家中有事"},
            now=BEFORE,
        )
    assert exc.value.code == "overlap"
    s.refresh_from_db()
    assert s.person_name == "李校长"
    assert not RosterEvent.objects.filter(action=RosterAction.SWAP).exists()


def test_an_ended_shift_cannot_be_swapped(w):
    _published(w)
    s = w.roster_a.shifts.order_by("starts_at").first()
    with pytest.raises(ValidationError):
        services.shift_swap(
            actor=school(w),
            shift=s,
            data={"person_name": "赵六", "reason": "家中有事"},
            now=s.ends_at,
        )


def test_period_edit_refused_when_shifts_would_fall_outside(w):
    shift(w.roster_a, at(12, 8), at(12, 20))
    centre = w.world.users[Role.SAFETY_CENTRE]
    with pytest.raises(ValidationError) as exc:
        services.period_save(
            actor=centre,
            period=w.period,
            data={
                "name": "2027年春节",
                "kind": "holiday",
                "starts_on": w.period.starts_on,
                "ends_on": datetime.date(2027, 2, 11),
            },
        )
    assert exc.value.code == "invalid"
    w.period.refresh_from_db()
    assert w.period.ends_on == datetime.date(2027, 2, 12)


def test_holiday_proposals_from_the_national_calendar():
    proposals = services.holiday_proposals(year=2026)
    spring = next(p for p in proposals if p["name"] == "2026年春节")
    assert (spring["starts_on"], spring["ends_on"]) == (
        datetime.date(2026, 2, 15),
        datetime.date(2026, 2, 23),
    )
    assert "2026年国庆节" in {p["name"] for p in proposals}


def test_a_year_the_calendar_does_not_know_is_a_clear_refusal():
    with pytest.raises(ValidationError) as exc:
        services.holiday_proposals(year=2031)
    assert "2031" in exc.value.messages[0]
