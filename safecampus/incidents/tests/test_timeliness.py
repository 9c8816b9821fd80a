"""The reporting rules as pure functions (``incidents.timeliness``): every limit's edge (exactly
on the limit is on time, a minute more is late), the daily follow-up windows in Asia/Shanghai
(across midnight, at 17:00:00 and 17:01, a missed day, a closing report that ends them), the
most specific row per limit, each configured type, and the cluster trigger."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from safecampus.incidents import timeliness
from safecampus.incidents.choices import IncidentType, Severity
from safecampus.incidents.defaults import LIMITS
from safecampus.incidents.timeliness import LimitRow, Limits

pytestmark = pytest.mark.dates

SH = ZoneInfo("Asia/Shanghai")
KNOWN = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=SH)
GENERAL = Limits(verbal_minutes=30, written_minutes=60)
HEALTH = Limits(written_minutes=120, daily_follow_up_by="17:00")


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2027, 3, day, hour, minute, second, tzinfo=SH)


def minutes(n: int) -> datetime.datetime:
    return KNOWN + datetime.timedelta(minutes=n)


# --- first reports ------------------------------------------------------------------------------


@pytest.mark.parametrize(("after", "late"), [(29, False), (30, False), (31, True)])
def test_verbal_report_at_the_edge_of_30_minutes(after, late):
    first = timeliness.first_report(
        known_at=KNOWN, reported_at=minutes(50), verbal_at=minutes(after), limits=GENERAL
    )
    assert first.verbal_due == minutes(30)
    assert first.verbal_late is late
    assert first.written_late is False


def test_without_a_call_the_written_report_counts_as_the_verbal_one():
    on_time = timeliness.first_report(
        known_at=KNOWN, reported_at=minutes(30), verbal_at=None, limits=GENERAL
    )
    late = timeliness.first_report(
        known_at=KNOWN, reported_at=minutes(31), verbal_at=None, limits=GENERAL
    )
    assert (on_time.verbal_late, late.verbal_late) == (False, True)


@pytest.mark.parametrize(("after", "late"), [(60, False), (61, True)])
def test_written_report_at_the_edge_of_one_hour(after, late):
    first = timeliness.first_report(
        known_at=KNOWN, reported_at=minutes(after), verbal_at=minutes(10), limits=GENERAL
    )
    assert first.written_due == minutes(60)
    assert first.written_late is late
    assert first.late is late


@pytest.mark.parametrize(("after", "late"), [(120, False), (121, True)])
def test_public_health_report_at_the_edge_of_two_hours(after, late):
    first = timeliness.first_report(
        known_at=KNOWN, reported_at=minutes(after), verbal_at=None, limits=HEALTH
    )
    assert first.written_due == minutes(120)
    assert first.verbal_due is None and first.verbal_late is False
    assert first.written_late is late


def test_first_report_limits_run_across_midnight():
    known = datetime.datetime(2027, 3, 1, 23, 45, tzinfo=SH)
    first = timeliness.first_report(
        known_at=known,
        reported_at=known + datetime.timedelta(minutes=60),
        verbal_at=known + datetime.timedelta(minutes=31),
        limits=GENERAL,
    )
    assert first.verbal_due == at(2, 0, 15)
    assert first.written_due == at(2, 0, 45)
    assert (first.verbal_late, first.written_late) == (True, False)


@pytest.mark.parametrize(("after", "late"), [(40, False), (41, True)])
def test_a_cluster_alert_brings_the_written_deadline_forward(after, late):
    cluster_due = minutes(40)
    first = timeliness.first_report(
        known_at=KNOWN,
        reported_at=minutes(after),
        verbal_at=None,
        limits=Limits(written_minutes=60),
        cluster_due=cluster_due,
    )
    assert first.written_due == cluster_due
    assert first.written_late is late


def test_a_later_cluster_deadline_does_not_extend_the_limit():
    first = timeliness.first_report(
        known_at=KNOWN,
        reported_at=minutes(61),
        verbal_at=None,
        limits=Limits(written_minutes=60),
        cluster_due=minutes(90),
    )
    assert first.written_due == minutes(60) and first.written_late is True


# --- daily follow-ups ---------------------------------------------------------------------------


def windows(reported_at, *, filed=(), closed_at=None, now):
    return [
        (w.due, w.state)
        for w in timeliness.follow_up_windows(
            reported_at=reported_at, closed_at=closed_at, limits=HEALTH, filed=filed, now=now
        )
    ]


def test_the_first_window_is_the_next_day_in_shanghai_even_just_before_midnight():
    # 23:50 Shanghai is 15:50 UTC: the first follow-up is due the next local day at 17:00
    assert windows(at(1, 23, 50), now=at(2, 12)) == [(at(2, 17), "pending")]


def test_a_report_just_after_midnight_belongs_to_the_new_day():
    # 00:10 on 2 March Shanghai is still 1 March in UTC: the first window is 3 March, not 2 March
    reported = at(2, 0, 10)
    assert reported.astimezone(datetime.UTC).day == 1
    assert windows(reported, now=at(2, 18)) == [(at(3, 17), "pending")]


def test_a_follow_up_at_17_00_00_is_on_time_for_that_day():
    assert windows(at(1, 10), filed=[at(2, 17, 0, 0)], now=at(2, 18)) == [
        (at(2, 17), "done"),
        (at(3, 17), "pending"),
    ]


def test_a_follow_up_at_17_01_falls_in_the_next_window():
    assert timeliness.follow_up_due_for(at(2, 17, 0, 0), HEALTH) == at(2, 17)
    assert timeliness.follow_up_due_for(at(2, 17, 1), HEALTH) == at(3, 17)
    assert windows(at(1, 10), filed=[at(2, 17, 1)], now=at(3, 9)) == [
        (at(2, 17), "missed"),
        (at(3, 17), "done"),
    ]


def test_a_missed_day_between_two_follow_ups():
    got = windows(at(1, 10), filed=[at(2, 16), at(4, 9)], now=at(4, 12))
    assert got == [(at(2, 17), "done"), (at(3, 17), "missed"), (at(4, 17), "done")]
    summary_missed = sum(1 for _due, state in got if state == "missed")
    assert summary_missed == 1


def test_nothing_filed_for_two_days_is_two_missed_days():
    got = windows(at(1, 10), now=at(3, 17, 1))
    assert got == [(at(2, 17), "missed"), (at(3, 17), "missed"), (at(4, 17), "pending")]


def test_a_closing_report_before_17_00_ends_the_windows():
    closed = at(3, 16)
    got = windows(at(1, 10), filed=[at(2, 15), closed], closed_at=closed, now=at(6, 9))
    assert got == [(at(2, 17), "done"), (at(3, 17), "done")]


def test_closed_on_the_day_of_the_report_owes_no_follow_up():
    closed = at(1, 16)
    assert windows(at(1, 10), filed=[closed], closed_at=closed, now=at(5, 9)) == []


def test_no_daily_limit_no_windows():
    assert (
        timeliness.follow_up_windows(
            reported_at=at(1, 10), closed_at=None, limits=GENERAL, filed=(), now=at(9, 9)
        )
        == []
    )
    assert timeliness.follow_up_due_for(at(1, 10), GENERAL) is None


def test_the_closing_report_deadline():
    limits = Limits(final_within_days=7)
    assert timeliness.final_due(KNOWN, limits) == KNOWN + datetime.timedelta(days=7)
    assert timeliness.final_due(KNOWN, GENERAL) is None


# --- resolve: the most specific row per limit ---------------------------------------------------


ROWS = (
    LimitRow("", "", verbal_minutes=30, written_minutes=60, source="general"),
    LimitRow("", Severity.MAJOR, verbal_minutes=15, source="major"),
    LimitRow(IncidentType.FIRE, "", written_minutes=45, source="fire"),
    LimitRow(IncidentType.FIRE, Severity.MAJOR, verbal_minutes=10, source="fire-major"),
    LimitRow(
        IncidentType.FOOD_POISONING,
        "",
        written_minutes=120,
        daily_follow_up_by=datetime.time(17, 0),
        final_within_days=30,
        source="health",
    ),
)


def test_resolve_takes_each_limit_from_the_most_specific_row_that_sets_it():
    limits = timeliness.resolve(ROWS, IncidentType.FIRE, Severity.MAJOR)
    assert (limits.verbal_minutes, limits.written_minutes) == (10, 45)
    assert limits.daily_follow_up_by is None
    assert limits.sources == ("fire-major", "fire")


def test_resolve_type_beats_grade_and_grade_beats_the_general_row():
    assert timeliness.resolve(ROWS, IncidentType.FIRE, Severity.GENERAL).verbal_minutes == 30
    assert timeliness.resolve(ROWS, IncidentType.FIRE, Severity.GENERAL).written_minutes == 45
    major_injury = timeliness.resolve(ROWS, IncidentType.INJURY, Severity.MAJOR)
    assert (major_injury.verbal_minutes, major_injury.written_minutes) == (15, 60)
    assert major_injury.sources == ("major", "general")


def test_resolve_keeps_the_general_verbal_limit_beside_a_types_written_one():
    limits = timeliness.resolve(ROWS, IncidentType.FOOD_POISONING, Severity.LARGER)
    assert limits.as_dict() == {
        "verbal_minutes": 30,
        "written_minutes": 120,
        "daily_follow_up_by": "17:00",
        "final_within_days": 30,
        "sources": ["health", "general"],
    }
    assert Limits.from_dict(limits.as_dict()) == limits
    assert limits.follow_up_time == datetime.time(17, 0)


def test_resolve_with_no_matching_row_sets_nothing():
    limits = timeliness.resolve(ROWS[2:3], IncidentType.INJURY, Severity.GENERAL)
    assert limits == Limits()


#: a public-health event is reported within 2 hours (a cluster within 1), verbally and in
#: writing: the general 30 minutes do not apply to them
DEFAULTS = {
    IncidentType.FOOD_POISONING: (120, 120, "17:00"),
    IncidentType.INFECTIOUS: (60, 60, "17:00"),
}


@pytest.mark.parametrize("incident_type", IncidentType.values)
@pytest.mark.parametrize("severity", Severity.values)
def test_every_type_resolves_against_the_defaults(incident_type, severity):
    limits = timeliness.resolve(LIMITS, incident_type, severity)
    expected = DEFAULTS.get(incident_type, (30, 60, None))
    assert (limits.verbal_minutes, limits.written_minutes, limits.daily_follow_up_by) == expected
    assert limits.sources  # every limit names where it comes from


# --- the cluster trigger ------------------------------------------------------------------------


D = datetime.date(2027, 3, 10)


def day(n: int) -> datetime.date:
    return D + datetime.timedelta(days=n)


def trigger(counts, on):
    return timeliness.cluster_trigger(counts, day=on, day_cases=3, window_days=3, window_cases=5)


def test_three_cases_in_one_class_in_one_day():
    assert trigger({D: 3}, D) == timeliness.Trigger("day", 3, D, D)
    assert trigger({D: 2}, D) is None


def test_five_cases_within_three_days():
    got = trigger({day(0): 2, day(1): 1, day(2): 2}, day(2))
    assert got == timeliness.Trigger("window", 5, day(0), day(2))


def test_four_cases_within_three_days_do_not_trigger():
    assert trigger({day(0): 2, day(1): 1, day(2): 1}, day(2)) is None


def test_the_window_is_three_consecutive_days_not_any_three_days():
    # 2 + 2 + 1 cases, but the first and the last lie four days apart
    counts = {day(0): 2, day(2): 2, day(4): 1}
    assert trigger(counts, day(4)) is None
    assert trigger(counts, day(2)) is None


def test_a_late_record_of_an_earlier_day_completes_a_window_ahead_of_it():
    counts = {day(0): 2, day(1): 2, day(2): 1}
    got = trigger(counts, day(0))
    assert got == timeliness.Trigger("window", 5, day(0), day(2))


def test_the_bureaus_own_thresholds_apply():
    counts = {day(0): 2, day(3): 2}
    assert timeliness.cluster_trigger(
        counts, day=day(3), day_cases=5, window_days=4, window_cases=4
    ) == timeliness.Trigger("window", 4, day(0), day(3))
    assert (
        timeliness.cluster_trigger({D: 2}, day=D, day_cases=2, window_days=3, window_cases=5).rule
        == "day"
    )


# --- the review's findings: the first window's start, minute precision --------------------------


def test_a_same_day_follow_up_does_not_count_for_tomorrow():
    # reported at 08:00, a follow-up at 09:30 the same day: tomorrow's 17:00 is still owed
    assert windows(at(1, 8), filed=[at(1, 9, 30)], now=at(2, 18)) == [
        (at(2, 17), "missed"),
        (at(3, 17), "pending"),
    ]


def test_a_follow_up_after_the_day_before_deadline_counts_for_tomorrow():
    # reported at 08:00, a follow-up at 17:30 the same day (after 17:00): it is tomorrow's
    assert windows(at(1, 8), filed=[at(1, 17, 30)], now=at(2, 18)) == [
        (at(2, 17), "done"),
        (at(3, 17), "pending"),
    ]


def test_a_report_late_in_the_evening_opens_its_first_window_at_the_report():
    assert windows(at(1, 18), filed=[at(1, 19)], now=at(2, 18)) == [
        (at(2, 17), "done"),
        (at(3, 17), "pending"),
    ]


@pytest.mark.parametrize(
    ("seconds", "late", "late_by"),
    [(30 * 60, False, 0), (30 * 60 + 20, False, 0), (30 * 60 + 59, False, 0), (31 * 60, True, 1)],
)
def test_the_verbal_limit_is_compared_to_the_minute(seconds, late, late_by):
    reported = KNOWN + datetime.timedelta(seconds=seconds)
    first = timeliness.first_report(
        known_at=KNOWN, reported_at=reported, verbal_at=None, limits=GENERAL
    )
    assert first.verbal_late is late
    assert timeliness.minutes_late(reported, first.verbal_due) == late_by


def test_minutes_late_is_the_same_everywhere():
    from types import SimpleNamespace

    from safecampus.incidents import documents
    from safecampus.incidents.views.incidents import first_report_lateness

    incident = SimpleNamespace(
        verbal_at=None,
        reported_at=KNOWN + datetime.timedelta(minutes=45, seconds=50),
        verbal_due_at=minutes(30),
        written_due_at=minutes(60),
    )
    assert timeliness.first_minutes_late(incident) == 15
    assert documents.first_minutes_late(incident) == 15
    assert first_report_lateness(incident) == 15
    assert timeliness.minutes_between(KNOWN, incident.reported_at) == 45


def test_a_follow_up_in_the_17_00_minute_is_on_time():
    assert timeliness.follow_up_due_for(at(2, 17, 0, 40), HEALTH) == at(2, 17)
    assert windows(at(1, 10), filed=[at(2, 17, 0, 40)], now=at(3, 12)) == [
        (at(2, 17), "done"),
        (at(3, 17), "pending"),
    ]
