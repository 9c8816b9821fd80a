"""Each figure of the bureau dashboard against the hand-built register of ``dashboard_world``:
exact values, rates with zero denominators, overdue buckets at their edges in Asia/Shanghai,
and the scope of every figure for each role."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.reports.selectors import Filters, dashboard, map_points

from . import dashboard_world

dash = dashboard_world.dash  # the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def figures(user, **filters) -> dict:
    return dashboard(user=user, filters=Filters(**filters))


def counts(rows) -> dict:
    return {r["key"]: r["n"] for r in rows}


def totals(d) -> dict:
    return {k: v["n"] for k, v in d["totals"].items()}


def test_centre_figures(dash):
    d = figures(dash.centre)
    assert totals(d) == {
        "total": 11,
        "open": 8,
        "confirmed": 9,
        "closed": 2,
        "on_time": 1,
        "overdue": 5,
        "major": 1,
        "hard": 1,
        "reported": 1,
    }
    assert d["rates"] == {"rectification": 22.2, "on_time": 50.0}
    assert counts(d["overdue_buckets"]) == {"1_7": 2, "8_30": 2, "31_": 1}
    assert counts(d["by_status"]) == {
        "reported": 1,
        "assigned": 3,
        "rectifying": 2,
        "submitted": 1,
        "hard": 1,
    }
    assert counts(d["by_colour"]) == {"red": 2, "orange": 2, "yellow": 1, "blue": 1, "none": 2}
    assert counts(d["by_area"]) == {"A01": 7, "A02": 1}
    assert counts(d["by_department"]) == {dash.department.pk: 7, dash.other_dept.pk: 1}
    assert counts(d["by_stage"]) == {"primary": 6, "kindergarten": 2}
    assert [(r["name"], r["overdue"]) for r in d["worst_schools"]] == [
        ("甲小学", 4),
        ("乙幼儿园", 1),
    ]
    assert [(r["label"], r["n"]) for r in d["worst_departments"]] == [
        ("普教一科", 4),
        ("安保科", 1),
    ]
    assert {h["id"] for h in d["majors"]} == {dash.h["m"].pk, dash.h["h31"].pk}
    assert [h["id"] for h in d["majors"]][0] == dash.h["h31"].pk  # nearest (past) deadline first
    first = d["majors"][0]
    assert (first["code"], first["school"], first["url"]) == (
        dash.h["h31"].code,
        dash.h["h31"].school.name,
        dash.h["h31"].get_absolute_url(),
    )


def test_league_table(dash):
    league = figures(dash.centre)["league"]

    def rows(key):
        return [
            (r["name"], r["open"], r["overdue"], r["closed"], r["avg_days"]) for r in league[key]
        ]

    assert rows("open") == [("甲小学", 6, 4, 1, 10.0), ("乙幼儿园", 2, 1, 1, 13.0)]
    assert rows("overdue") == rows("open")
    # slowest: B took 13 days (found T-20, closed T-7), A 10 days (found T-10, closed T)
    assert rows("slowest") == [("乙幼儿园", 2, 1, 1, 13.0), ("甲小学", 6, 4, 1, 10.0)]


def test_trend_weeks_are_monday_based_in_shanghai(dash):
    trend = figures(dash.centre)["trend"]
    today = dash.today
    assert len(trend) == 12
    assert trend[-1]["start"] == today - datetime.timedelta(days=today.weekday())
    assert all(w["start"].weekday() == 0 for w in trend)
    # a7 was reported at 00:10 on last week's Monday in Shanghai (Sunday 16:10 UTC): last week.
    # w, 12 weeks and a day ago, is before the window; the nine others are this week.
    assert [w["new"] for w in trend] == [0] * 10 + [1, 9]
    # c_on closed today, c_late a week ago
    assert [w["closed"] for w in trend] == [0] * 10 + [1, 1]


def test_campaign_forms(dash):
    c = figures(dash.centre)["campaign"]
    assert c["campaign"] == {
        "id": dash.campaign.pk,
        "name": dash.campaign.name,
        "url": dash.campaign.get_absolute_url(),
    }
    assert (c["forms"]["n"], c["submitted"]["n"], c["accepted"]["n"], c["late"]["n"]) == (
        2,
        1,
        0,
        1,
    )
    assert c["rate"] == 50.0
    assert c["late"]["url"].endswith("?late=1")
    # the school type filter narrows the forms too
    c = figures(dash.centre, stage="kindergarten")["campaign"]
    assert (c["forms"]["n"], c["submitted"]["n"], c["rate"], c["late"]["n"]) == (1, 0, 0.0, 1)


def test_no_campaign_no_hazards_gives_dashes_not_errors(dash):
    # the other bureau's centre: one hazard, nothing closed or confirmed beyond it, no campaign
    d = figures(dash.other_centre)
    assert totals(d)["total"] == 1
    assert d["rates"] == {"rectification": 0.0, "on_time": None}
    assert d["campaign"] is None
    # a period with no hazards at all: both rates are None, shown as "—"
    d = figures(dash.centre, found_from=dash.today + datetime.timedelta(days=1))
    assert totals(d)["total"] == 0
    assert d["rates"] == {"rectification": None, "on_time": None}
    assert all(r["n"] == 0 for r in d["overdue_buckets"])


def test_spot_checks_and_accountability(dash):
    d = figures(dash.centre)
    assert counts(d["spot_checks"]) == {"confirmed": 1, "not_as_claimed": 1, "pending": 0}
    acc = {r["key"]: (r["n"], [c["n"] for c in r["cells"]]) for r in d["accountability"]}
    assert acc["interview"] == (1, [1, 0, 0])
    assert acc["criticism"] == (1, [0, 0, 1])
    assert acc["supervision"] == (0, [0, 0, 0])


def test_map_points_and_schools_without_coordinates(dash):
    m = figures(dash.centre)["map"]
    assert m == {"schools": 2, "unmapped": 1}
    points = map_points(user=dash.centre, filters=Filters())
    school = dash.world.school_a
    assert [p[:2] + p[4:] for p in points["points"]] == [[school.pk, "甲小学", 6, "red"]]
    assert points["points"][0][2] == pytest.approx(121.381234)
    assert points["url"] == "/hazards/?open=true"
    # a school's point leads to the register of its open hazards
    assert map_points(user=dash.centre, filters=Filters(stage="kindergarten"))["points"] == []


def test_filters_campaign_period_and_school_type(dash):
    assert totals(figures(dash.centre, campaign=dash.campaign))["total"] == 2
    assert totals(figures(dash.centre, stage="kindergarten"))["open"] == 2
    d = figures(dash.centre, found_from=dash.today - datetime.timedelta(days=15))
    assert totals(d)["total"] == 10  # c_late was found 20 days ago
    assert totals(figures(dash.centre, bureau_id=dash.other_bureau.pk))["total"] == 0


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        # a department counts only its own hazards (responsible or cooperating)
        ("dept", {"total": 10, "open": 7, "overdue": 4, "closed": 2}),
        ("dept2", {"total": 1, "open": 1, "overdue": 1, "closed": 0}),
        ("leader", {"total": 11, "open": 8, "overdue": 5, "closed": 2}),
        ("inspector", {"total": 11, "open": 8, "overdue": 5, "closed": 2}),
        ("centre_x", {"total": 1, "open": 1, "overdue": 1, "closed": 0}),
    ],
)
def test_scope_of_every_figure(dash, who, expected):
    user = {
        "dept": dash.users[Role.DEPARTMENT_OFFICER],
        "dept2": dash.other_dept_user,
        "leader": dash.users[Role.LEADERSHIP],
        "inspector": dash.users[Role.INSPECTOR],
        "centre_x": dash.other_centre,
    }[who]
    d = figures(user)
    assert {k: totals(d)[k] for k in expected} == expected
    # the breakdowns add up to the scoped total, never more
    for key in ("by_status", "by_area", "by_department", "by_stage", "by_colour"):
        assert sum(counts(d[key]).values()) == expected["open"], key
    assert sum(counts(d["overdue_buckets"]).values()) == expected["overdue"]
    assert sum(r["overdue"] for r in d["league"]["overdue"]) == expected["overdue"]
    assert sum(w["new"] for w in d["trend"]) <= expected["total"]
    if who == "dept2":
        assert counts(d["by_department"]) == {dash.other_dept.pk: 1}
        assert counts(d["spot_checks"]) == {"confirmed": 0, "not_as_claimed": 0, "pending": 0}
        acc = {r["key"]: r["n"] for r in d["accountability"]}
        assert acc == {**dict.fromkeys(acc, 0), "criticism": 1}


@pytest.mark.parametrize(
    ("utc", "buckets"),
    [
        # 23:59 in Shanghai on day T: a7 is 7 days overdue, r8 8, s30 30, h31 31, b1 1
        ((-1, 15, 59), {"1_7": 2, "8_30": 2, "31_": 1}),
        # a minute later it is T+1 in Shanghai (still day T in UTC): every hazard a day later;
        # a7 moves to 8–30, s30 to >30, a0 (due T) becomes 1 day overdue
        ((-1, 16, 0), {"1_7": 2, "8_30": 2, "31_": 2}),
    ],
)
def test_overdue_buckets_at_their_edges_in_shanghai(dash, monkeypatch, utc, buckets):
    day, hour, minute = utc
    today = dash.today
    moment = datetime.datetime.combine(
        today + datetime.timedelta(days=day + 1), datetime.time(hour, minute), datetime.UTC
    )
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    expected_day = today if (hour, minute) < (16, 0) else today + datetime.timedelta(days=1)
    assert timezone.localdate() == expected_day
    d = figures(dash.centre)
    assert counts(d["overdue_buckets"]) == buckets
    assert totals(d)["overdue"] == sum(buckets.values())
