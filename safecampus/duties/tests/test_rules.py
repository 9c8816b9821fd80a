"""Frequency rules at their edges: parse errors, month and quarter ends, 29 February, ISO weeks
across a year end, fixed dates with windows, before-term windows, N per period."""

import datetime

import pytest
from django.utils import translation

from safecampus.duties import rules
from safecampus.duties.schoolcal import SchoolCalendar, Term

D = datetime.date
NO_TERMS = SchoolCalendar()
TERMS = SchoolCalendar(
    [
        Term("2026-2027", "秋季学期", D(2026, 9, 1), D(2027, 1, 16)),
        Term("2026-2027", "春季学期", D(2027, 2, 16), D(2027, 6, 30)),
    ]
)


def keys(rule, start, end, cal=NO_TERMS, **kw):
    return [p.key for p in rules.periods(rules.parse(rule), start, end, cal, **kw)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "频次规则为空。"),
        ("   ", "频次规则为空。"),
        ("fortnightly", "“fortnightly”不是有效的频次规则。"),
        ("3/decade", "“decade”不是周期单位"),
        ("0/month", "次数须在1到366之间。"),
        ("400/year", "次数须在1到366之间。"),
        ("on 02-30", "“on 02-30”中的“02-30”不是有效日期。"),
        ("on 13-01", "“on 13-01”中的“13-01”不是有效日期。"),
        ("on 5/12", "“on 5/12”中的“5/12”不是MM-DD格式的日期。"),
        ("on ,", "“on ,”未写明日期。"),
        ("on last-mon-13", "“on last-mon-13”未写明1–12月中的月份。"),
        ("once 2027-02-30..2027-03-01", "含有不存在的日期。"),
        ("once 2027-03-02..2027-03-01", "的时间窗口结束早于开始。"),
    ],
)
def test_a_bad_rule_is_refused_in_chinese(text, message):
    with translation.override("zh-hans"), pytest.raises(rules.RuleError) as exc:
        rules.parse(text)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("text", "kind", "unit", "times"),
    [
        ("Monthly", "every", "month", 1),
        (" 4 / year ", "every", "year", 4),
        ("2/term", "every", "term", 2),
        ("schooldays", "every", "schoolday", 1),
        ("BEFORE-TERM", "before_term", "", 1),
    ],
)
def test_rules_parse_case_and_spaces_aside(text, kind, unit, times):
    rule = rules.parse(text)
    assert (rule.kind, rule.unit, rule.times) == (kind, unit, times)


def test_describe_in_chinese():
    assert rules.parse("monthly").describe() == "每月1次"
    assert rules.parse("2/term").describe() == "每学期至少2次"
    assert rules.parse("on 05-12,06-16").describe() == "每年5月12日、6月16日"
    assert rules.parse("on last-mon-03").describe() == "每年3月最后一个星期一"
    assert rules.parse("before-term").describe() == "每学期开学前"


def test_month_periods_end_on_the_last_day_of_each_month():
    periods = rules.periods(rules.parse("monthly"), D(2027, 1, 31), D(2027, 4, 1), NO_TERMS)
    assert [(p.key, p.start, p.end) for p in periods] == [
        ("2027-M01", D(2027, 1, 1), D(2027, 1, 31)),
        ("2027-M02", D(2027, 2, 1), D(2027, 2, 28)),
        ("2027-M03", D(2027, 3, 1), D(2027, 3, 31)),
        ("2027-M04", D(2027, 4, 1), D(2027, 4, 30)),
    ]
    leap = rules.periods(rules.parse("monthly"), D(2028, 2, 1), D(2028, 2, 1), NO_TERMS)
    assert leap[0].end == D(2028, 2, 29)


def test_quarter_and_half_year_ends_and_grace_across_the_year_end():
    periods = rules.periods(
        rules.parse("quarterly"), D(2026, 12, 31), D(2027, 1, 1), NO_TERMS, grace_days=5
    )
    assert [(p.key, p.end, p.grace_end) for p in periods] == [
        ("2026-Q4", D(2026, 12, 31), D(2027, 1, 5)),
        ("2027-Q1", D(2027, 3, 31), D(2027, 4, 5)),
    ]
    assert keys("half-yearly", D(2026, 6, 30), D(2026, 7, 1)) == ["2026-H1", "2026-H2"]
    assert keys("school-yearly", D(2027, 8, 31), D(2027, 9, 1)) == ["2026-2027", "2027-2028"]


def test_29_february_falls_on_28_february_in_a_common_year():
    days = [
        p.start
        for p in rules.periods(rules.parse("on 02-29"), D(2027, 1, 1), D(2028, 12, 31), NO_TERMS)
    ]
    assert days == [D(2027, 2, 28), D(2028, 2, 29)]


def test_week_keys_across_a_year_end_are_iso_weeks():
    periods = rules.periods(rules.parse("weekly"), D(2026, 12, 28), D(2027, 1, 10), NO_TERMS)
    assert [(p.key, p.start, p.end) for p in periods] == [
        ("2026-W53", D(2026, 12, 28), D(2027, 1, 3)),
        ("2027-W01", D(2027, 1, 4), D(2027, 1, 10)),
    ]
    # 2024-12-30 is in ISO week 1 of 2025
    assert keys("weekly", D(2024, 12, 31), D(2024, 12, 31)) == ["2025-W01"]


def test_a_fixed_date_has_its_window_either_side():
    (p,) = rules.periods(
        rules.parse("on 05-12"),
        D(2027, 5, 1),
        D(2027, 5, 31),
        NO_TERMS,
        window_days=3,
        grace_days=2,
    )
    assert (p.key, p.window_start, p.window_end, p.grace_end) == (
        "2027-05-12",
        D(2027, 5, 9),
        D(2027, 5, 15),
        D(2027, 5, 17),
    )


def test_nth_and_last_weekday_of_a_month():
    (last,) = rules.periods(rules.parse("on last-mon-03"), D(2027, 1, 1), D(2027, 12, 31), NO_TERMS)
    assert last.start == D(2027, 3, 29)
    (second,) = rules.periods(rules.parse("on 2-sat-09"), D(2027, 1, 1), D(2027, 12, 31), NO_TERMS)
    assert second.start == D(2027, 9, 11)


def test_before_term_windows_end_on_the_first_day_of_each_term():
    periods = rules.periods(
        rules.parse("before-term"), D(2026, 8, 1), D(2026, 12, 31), TERMS, window_days=14
    )
    assert [(p.key, p.window_start, p.window_end) for p in periods] == [
        ("2026-09-01-T", D(2026, 8, 18), D(2026, 9, 1)),
    ]
    # a term starting within a year of the range is found when its window is open by then
    late = rules.periods(rules.parse("before-term"), D(2027, 2, 1), D(2027, 2, 5), TERMS)
    assert [(p.key, p.window_start) for p in late] == [("2027-02-16-T", D(2027, 1, 17))]


def test_n_per_term_is_one_period_per_term_asking_n_records():
    rule = rules.parse("2/term")
    periods = rules.periods(rule, D(2026, 9, 1), D(2027, 6, 30), TERMS)
    assert rule.times == 2
    assert [(p.start, p.end) for p in periods] == [
        (D(2026, 9, 1), D(2027, 1, 16)),
        (D(2027, 2, 16), D(2027, 6, 30)),
    ]


def test_once_is_one_period_with_its_window():
    (p,) = rules.periods(
        rules.parse("once 2027-03-01..2027-03-31"),
        D(2027, 1, 1),
        D(2027, 12, 31),
        NO_TERMS,
        grace_days=3,
    )
    assert (p.key, p.window_end, p.grace_end) == ("2027-03-01", D(2027, 3, 31), D(2027, 4, 3))


def test_a_period_in_a_vacation():
    summer = rules.Period(
        "2027-M07", D(2027, 7, 1), D(2027, 7, 31), D(2027, 7, 1), D(2027, 7, 31), D(2027, 7, 31)
    )
    june = rules.Period(
        "2027-M06", D(2027, 6, 1), D(2027, 6, 30), D(2027, 6, 1), D(2027, 6, 30), D(2027, 6, 30)
    )
    assert rules.period_in_vacation(summer, TERMS)
    assert not rules.period_in_vacation(june, TERMS)
    assert not rules.period_in_vacation(summer, NO_TERMS)
