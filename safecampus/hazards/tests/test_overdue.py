"""Overdue, days overdue and the summary category: derived from the deadline and the status, on
the Asia/Shanghai calendar; the model's predicates and the register's filters agree."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.hazards import services
from safecampus.hazards.choices import Action, Status, Summary
from safecampus.hazards.models import Hazard
from safecampus.hazards.selectors import hazard_list

from .helpers import days, temporary_media

pytestmark = pytest.mark.dates

SUMMARY = {
    Status.REPORTED: Summary.IN_PROGRESS,
    Status.ASSIGNED: Summary.IN_PROGRESS,
    Status.RECTIFYING: Summary.IN_PROGRESS,
    Status.SUBMITTED: Summary.IN_PROGRESS,
    Status.HARD: Summary.HARD,
    Status.CLOSED: Summary.RESOLVED,
    Status.WITHDRAWN: None,
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


def listed(reg, **filters) -> set[int]:
    return {h.pk for h in hazard_list(user=reg.users[Role.SAFETY_CENTRE], filters=filters)}


def with_deadline(reg, status, deadline):
    """A hazard in ``status`` whose deadline is ``deadline`` (withdrawn after confirmation)."""
    if status != Status.WITHDRAWN:
        return reg.make(status, deadline=deadline)
    hazard = reg.make(Status.ASSIGNED, deadline=deadline)
    return services.hazard_act(
        actor=reg.users[Role.DEPARTMENT_OFFICER],
        hazard_id=hazard.pk,
        action=Action.WITHDRAW,
        version=hazard.version,
        comment="经核实不属于隐患",
    )


@pytest.mark.parametrize(
    ("offset", "overdue", "late"), [(1, False, 0), (0, False, 0), (-1, True, 1), (-10, True, 10)]
)
def test_overdue_counts_whole_days_after_the_deadline(reg, offset, overdue, late):
    hazard = reg.make(Status.RECTIFYING, deadline=days(offset))
    assert (hazard.is_overdue(), hazard.days_overdue()) == (overdue, late)
    assert listed(reg, overdue=["true"]) == ({hazard.pk} if overdue else set())
    assert listed(reg, overdue=["false"]) == (set() if overdue else {hazard.pk})


def test_only_open_hazards_are_overdue(reg):
    # Given a hazard in every status whose deadline was yesterday (a report has none yet)
    hazards = {status: with_deadline(reg, status, days(-1)) for status in Status}
    late = {Status.ASSIGNED, Status.RECTIFYING, Status.SUBMITTED, Status.HARD}
    # Then the open ones are overdue by one day; closed and withdrawn never are
    assert {s: (h.is_overdue(), h.days_overdue()) for s, h in hazards.items()} == {
        s: (True, 1) if s in late else (False, 0) for s in Status
    }
    assert listed(reg, overdue=["true"]) == {hazards[s].pk for s in late}
    assert listed(reg, overdue=["false"]) == {hazards[s].pk for s in set(Status) - late}
    assert set(Hazard.objects.overdue().values_list("status", flat=True)) == late


@pytest.mark.parametrize(
    ("utc", "local_day", "overdue", "late"),
    [
        (datetime.datetime(2026, 11, 22, 15, 59, tzinfo=datetime.UTC), 22, False, 0),
        (datetime.datetime(2026, 11, 22, 16, 30, tzinfo=datetime.UTC), 23, True, 1),
        (datetime.datetime(2026, 11, 23, 15, 59, tzinfo=datetime.UTC), 23, True, 1),
        (datetime.datetime(2026, 11, 23, 16, 0, tzinfo=datetime.UTC), 24, True, 2),
    ],
)
def test_the_day_turns_at_midnight_in_shanghai(reg, monkeypatch, utc, local_day, overdue, late):
    # Given a hazard due on 22 November 2026
    hazard = reg.make(Status.RECTIFYING, deadline=datetime.date(2026, 11, 22))
    # When it is ``utc`` (00:30 on the 23rd in Shanghai is still the 22nd in UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: utc)
    assert timezone.localdate() == datetime.date(2026, 11, local_day)
    # Then it is overdue from the first minute of the 23rd in Shanghai, page and model alike
    assert (hazard.is_overdue(), hazard.days_overdue()) == (overdue, late)
    assert listed(reg, overdue=["true"]) == ({hazard.pk} if overdue else set())


def test_summary_category_and_its_filter(reg):
    hazards = {status: reg.make(status) for status in Status}
    assert {s: h.summary for s, h in hazards.items()} == SUMMARY
    assert hazards[Status.WITHDRAWN].get_summary_display() == ""
    assert hazards[Status.HARD].get_summary_display() == str(Summary.HARD.label)
    for summary in Summary:
        assert listed(reg, summary=[summary]) == {
            hazards[s].pk for s, category in SUMMARY.items() if category == summary
        }
    assert listed(reg, summary=["bogus"]) == {h.pk for h in hazards.values()}
