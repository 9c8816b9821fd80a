"""The compliance page, its workbook, the API and the dashboard read their figures through
``selectors.compliance_figures``: from the summary (``DutyTally``) for a bureau-wide scope over
whole months, with its "as of" time; counted live for a department, a school, or a filter the
summary cannot answer. After a refresh both agree, and every figure's link lists as many."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.core.roles import Role
from safecampus.core.testing import count_queries

from .. import compliance, summary
from . import oversight_world
from .oversight_world import links, listed
from .test_oversight_views import OVERALL, _grow, row_of, rows_of, url

ow = oversight_world.ow  # the fixture

pytestmark = [pytest.mark.dates, pytest.mark.django_db]

API = "/api/v1/duty-compliance/"


def _refresh(ow, clock, minutes=30):
    """The summary as the job would have written it ``minutes`` ago (same day)."""
    at = clock.now - datetime.timedelta(minutes=minutes)
    summary.refresh_all(today=ow.today, now=at)
    return at


def _figures(body: str) -> list:
    """Every figure link of the page but those of the schools furthest behind (counted now)."""
    return links(body.split('data-testid="behind"', 1)[0])


def test_the_centre_reads_the_summary_with_its_time_and_the_same_numbers(ow, client_for, clock):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    live = client.get(url("compliance", **ow.params)).content.decode()
    assert 'data-source="live"' in live  # no summary yet: counted now
    at = _refresh(ow, clock)
    body = client.get(url("compliance", **ow.params)).content.decode()
    assert 'data-source="summary"' in body
    assert f"统计截至 {timezone.localtime(at):%Y-%m-%d %H:%M}" in body
    assert "30 分钟" in body
    assert row_of(body, "overall") == OVERALL
    assert _figures(body) == _figures(live)
    assert links(body) == links(live)
    # after the refresh the lists the links open hold as many occurrences
    client_lists = client_for(ow.world.users[Role.SAFETY_CENTRE])
    for link, figure, n in _figures(body):
        assert listed(client_lists, link) == n, (figure, link)
    # the default period (the school year) is month-aligned: the summary answers it too
    default = client.get(url("compliance")).content.decode()
    assert 'data-source="summary"' in default and row_of(default, "overall") == OVERALL


def test_count_now_counts_live_and_the_summary_says_what_changed_since(ow, client_for, clock):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    _refresh(ow, clock)
    body = client.get(url("compliance", **ow.params)).content.decode()
    assert 'data-testid="count-live"' in body
    # an excuse granted after the refresh: the summary still says open, a live count excused
    from safecampus.duties import services
    from safecampus.duties.models import Occurrence

    occ = ow.occ("DRILL", ow.world.school_a, 2)
    assert occ.status == "excuse_requested"
    services.decide_excuse(
        actor=ow.world.users[Role.DEPARTMENT_OFFICER],
        occurrence_id=occ.pk,
        accept=True,
        now=clock.now,
    )
    assert Occurrence.objects.get(pk=occ.pk).status == "excused"
    stale = client.get(url("compliance", **ow.params)).content.decode()
    assert row_of(stale, "overall") == OVERALL
    now = client.get(url("compliance", live="1", **ow.params)).content.decode()
    assert 'data-source="live"' in now and 'data-testid="count-live"' not in now
    assert row_of(now, "overall") == {**OVERALL, "owed": 7, "open": 1, "excused": 2}
    # the "count now" link keeps the filters and is not carried into the figures' links
    assert all("live" not in link for link, _f, _n in links(now))


@pytest.mark.parametrize(
    ("who", "extra"),
    [
        (Role.DEPARTMENT_OFFICER, {}),
        (Role.SAFETY_CENTRE, {"owner": "school"}),
        (Role.SAFETY_CENTRE, {"overseer": "dept"}),
        (Role.SAFETY_CENTRE, {"shift": "1"}),
    ],
)
def test_what_the_summary_cannot_answer_is_counted_live(ow, client_for, clock, who, extra):
    params = dict(ow.params)
    if extra.get("overseer") == "dept":
        extra = {"overseer": str(ow.world.department.pk)}
    if extra.pop("shift", None):  # a period that does not begin on the 1st
        params["start"] = (ow.start + datetime.timedelta(days=1)).isoformat()
    client = client_for(ow.world.users[who])
    before = client.get(url("compliance", **params, **extra)).content.decode()
    _refresh(ow, clock)
    body = client.get(url("compliance", **params, **extra)).content.decode()
    assert 'data-source="live"' in body and "统计截至" not in body
    assert links(body) == links(before)
    for link, figure, n in _figures(body):
        assert listed(client, link) == n, (figure, link)


def test_the_schools_furthest_behind_are_cut_in_order(ow, client_for, clock, monkeypatch):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    full = rows_of(client.get(url("compliance", **ow.params)).content.decode(), "behind")
    # 丙中学 missed one, 甲小学 none
    assert "丙中学" in full[0] and "甲小学" in full[1]
    # as many schools missed as the table shows: the missed are counted first, then the rest
    monkeypatch.setattr(compliance, "BEHIND", 1)
    cut = rows_of(client.get(url("compliance", **ow.params)).content.decode(), "behind")
    assert len(cut) == 1 and cut[0] == full[0]


# the session and the user (2), the menu's scope (…), the duties' names, the departments and
# the bureaus of the filters, whether the summary is there, its rows, and the schools furthest
# behind (the missed per school, then the counts of those that may be among the first)
@pytest.mark.parametrize(("role", "expected"), [(Role.SAFETY_CENTRE, 12)])
def test_the_summary_page_queries_do_not_grow(ow, client_for, clock, role, expected):
    client = client_for(ow.world.users[role])
    page = url("compliance", **ow.params)
    _refresh(ow, clock)
    small = count_queries(client, page)
    _grow(ow, 6)
    _refresh(ow, clock)
    assert count_queries(client, page) == small == expected


def test_the_workbook_after_a_refresh_matches_the_live_one(ow, client_for, clock):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])

    def sheets():
        response = client.get(url("compliance_export", **ow.params))
        assert response.status_code == 200
        wb = load_workbook(io.BytesIO(response.content))
        return {
            name: [
                [c.value for c in row]
                for row in wb[name].iter_rows()
                if not any(isinstance(c.value, str) and "截至" in c.value for c in row)
            ]
            for name in wb.sheetnames
        }

    live = sheets()
    at = _refresh(ow, clock)
    assert sheets() == live
    response = client.get(url("compliance_export", **ow.params))
    wb = load_workbook(io.BytesIO(response.content))
    texts = [c.value for row in wb["汇总"].iter_rows() for c in row if isinstance(c.value, str)]
    local = timezone.localtime(at)
    assert any(f"{local.day}日 {local:%H:%M}" in t for t in texts)


def test_the_api_reads_the_summary_for_the_centre_and_live_for_a_department(ow, client_for, clock):
    centre = client_for(ow.world.users[Role.SAFETY_CENTRE])
    query = {"from": ow.start.isoformat(), "to": ow.end.isoformat()}
    live = centre.get(API, query).json()
    assert live["source"] == "live"
    at = _refresh(ow, clock)
    body = centre.get(API, query).json()
    assert body["source"] == "summary"
    assert datetime.datetime.fromisoformat(body["as_of"]) == at
    for key in ("overall", "per_duty", "per_stage", "per_month"):
        assert body[key] == live[key], key
    assert centre.get(API, {**query, "live": "true"}).json()["source"] == "live"
    dept = client_for(ow.world.users[Role.DEPARTMENT_OFFICER])
    assert dept.get(API, query).json()["source"] == "live"
    # the overseeing department filter is not in the summary: counted live
    narrowed = centre.get(API, {**query, "overseeing_department": ow.world.department.pk})
    assert narrowed.json()["source"] == "live"


def test_the_dashboard_reads_the_summary_for_the_centre(ow, client_for, clock):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    dashboard = reverse("reports:dashboard")

    def figures(body):
        card = body.split('data-testid="duty-compliance"', 1)[1].split("</table>", 1)[0]
        return card.split("<tbody>", 1)[1]

    live = client.get(dashboard).content.decode()
    assert 'data-testid="duty-as-of"' not in live
    at = _refresh(ow, clock)
    body = client.get(dashboard).content.decode()
    assert f"统计截至 {timezone.localtime(at):%Y-%m-%d %H:%M}" in body
    assert figures(body) == figures(live)
    # a department's dashboard: counted live
    dept = client_for(ow.world.users[Role.DEPARTMENT_OFFICER]).get(dashboard).content.decode()
    assert 'data-testid="duty-compliance"' in dept and 'data-testid="duty-as-of"' not in dept
