"""The school calendar at its edges: holidays and make-up workdays from chinese_calendar (2026),
the bureau's overrides (2027), the first school day of a term, and what it does to generation:
``schooldays`` not owed on a holiday but owed on a make-up workday in a term; a period wholly
in a vacation not owed unless the duty is owed in vacations."""

import datetime

import pytest

from safecampus.duties import selectors, services
from safecampus.duties.models import CalendarDay, Duty, Occurrence
from safecampus.duties.schoolcal import SchoolCalendar, Term, library_knows
from safecampus.duties.testing import school_year_terms, small_duty_catalog

pytestmark = pytest.mark.dates
D = datetime.date


@pytest.fixture
def cal_world(world):
    small_duty_catalog(world.bureau, world.department)
    school_year_terms(world.bureau, 2027)  # 2026-2027 and 2027-2028
    return world


def test_national_day_2026_and_its_make_up_days_from_the_library():
    cal = SchoolCalendar([Term("2026-2027", "秋季学期", D(2026, 9, 1), D(2027, 1, 16))])
    assert library_knows(2026)
    assert [cal.is_school_day(D(2026, 10, d)) for d in range(1, 12)] == [
        False, False, False, False, False, False, False,  # 1–7 October: National Day
        True, True,  # Thursday, Friday
        True,  # Saturday 10 October: 调休上班
        False,  # Sunday
    ]  # fmt: skip
    assert cal.is_school_day(D(2026, 9, 20))  # Sunday, 调休上班
    assert cal.holiday_name(D(2026, 10, 1)) == "国庆节"
    assert cal.holiday_name(D(2026, 10, 10)) == "国庆节调休上班"
    assert cal.holiday_name(D(2026, 10, 9)) == ""


def test_outside_a_term_no_day_is_a_school_day_and_without_terms_every_workday_is():
    assert not SchoolCalendar([Term("x", "x", D(2026, 9, 1), D(2027, 1, 16))]).is_school_day(
        D(2026, 8, 31)
    )
    assert SchoolCalendar().is_school_day(D(2026, 8, 31))
    assert not SchoolCalendar().in_vacation(D(2026, 7, 1), D(2026, 8, 31))


def test_the_first_school_day_of_a_term_skips_a_holiday():
    cal = SchoolCalendar()
    assert cal.first_school_day(Term("x", "x", D(2026, 9, 1), D(2027, 1, 16))) == D(2026, 9, 1)
    assert cal.first_school_day(Term("x", "x", D(2026, 10, 1), D(2026, 12, 31))) == D(2026, 10, 8)
    assert cal.first_school_day(Term("x", "x", D(2026, 10, 1), D(2026, 10, 7))) is None


def test_overrides_of_the_bureau_win_over_the_library(cal_world):
    bureau = cal_world.bureau
    CalendarDay.objects.create(bureau=bureau, date=D(2027, 10, 1), kind="holiday", name="国庆节")
    CalendarDay.objects.create(
        bureau=bureau, date=D(2027, 9, 26), kind="workday", name="国庆节调休上班"
    )
    # a local arrangement wins over the library too
    CalendarDay.objects.create(bureau=bureau, date=D(2026, 10, 9), kind="holiday", name="区运动会")
    cal = selectors.calendar_for(bureau)
    assert not cal.is_school_day(D(2027, 10, 1))  # a Friday
    assert cal.is_school_day(D(2027, 9, 26))  # a Sunday
    assert cal.holiday_name(D(2027, 9, 26)) == "国庆节调休上班"
    assert not cal.is_school_day(D(2026, 10, 9))
    # a year the library does not know: a weekday is a workday and a weekend day is not
    assert not library_knows(2099)
    assert cal.is_workday(D(2099, 10, 5)) and not cal.is_workday(D(2099, 10, 3))
    # the first school day of a term that opens on a local holiday
    CalendarDay.objects.create(bureau=bureau, date=D(2027, 9, 1), kind="holiday", name="开学调整")
    cal = selectors.calendar_for(bureau)
    autumn = cal.term_of(D(2027, 9, 1))
    assert autumn.start == D(2027, 9, 1) and cal.first_school_day(autumn) == D(2027, 9, 2)


def test_a_sub_bureau_takes_the_terms_of_the_nearest_bureau_above(cal_world):
    from safecampus.core.testing import BureauFactory

    child = BureauFactory(name="莘庄镇", parent=cal_world.bureau)
    cal = selectors.calendar_for(child)
    assert [t.start for t in cal.terms][:2] == [D(2026, 9, 1), D(2027, 2, 16)]


def test_schooldays_are_not_owed_on_a_holiday_but_on_a_make_up_workday(cal_world):
    services.generate(cal_world.bureau, today=D(2026, 10, 12), since=D(2026, 9, 28), ahead=0)
    days = sorted(
        Occurrence.objects.filter(code="CHECK", school=cal_world.school_a).values_list(
            "period_start", flat=True
        )
    )
    assert days == [D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 8),
                    D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12)]  # fmt: skip


def test_a_period_wholly_in_a_vacation_is_not_owed_unless_in_vacation(cal_world):
    today, since = D(2027, 8, 31), D(2027, 6, 1)
    services.generate(cal_world.bureau, today=today, since=since, ahead=0)
    drills = Occurrence.objects.filter(code="DRILL", school=cal_world.school_a)
    assert sorted(drills.values_list("period_key", flat=True)) == ["2027-M06"]
    # the kindergarten's quarterly drill: July–September holds term days, so it is owed
    assert Occurrence.objects.filter(
        code="KDRILL", school=cal_world.school_b, period_key="2027-Q3"
    ).exists()
    Duty.objects.filter(code="DRILL").update(in_vacation=True)
    services.generate(cal_world.bureau, today=today, since=since, ahead=0)
    assert sorted(drills.values_list("period_key", flat=True)) == [
        "2027-M06",
        "2027-M07",
        "2027-M08",
    ]


def test_before_term_is_owed_in_the_weeks_before_each_term(cal_world):
    cal_world.partner.kind = "health"
    cal_world.partner.save()
    services.generate(cal_world.bureau, today=D(2026, 8, 10), since=D(2026, 8, 1))
    (occ,) = Occurrence.objects.filter(code="WATER", partner=cal_world.partner)
    # a window of 30 days closing on the first day of term (so not wholly in the vacation)
    assert (occ.window_start, occ.window_end) == (D(2026, 8, 2), D(2026, 9, 1))
