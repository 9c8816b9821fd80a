"""A city bureau's safety centre sees every district under it: the dashboard counts them all, its
bureau filter narrows the figures to one district (and is refused for a bureau outside its tree),
and each number still links to a register of the same count."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from safecampus.core.roles import Role
from safecampus.core.testing import BureauFactory, user_with_role
from safecampus.core.testing_excel import table
from safecampus.orgs.models import Bureau
from safecampus.reports import selectors
from safecampus.reports.selectors import Filters, dashboard

from . import dashboard_world
from .test_links import linked_figures, listed

dash = dashboard_world.dash  # the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(dash):
    """A city bureau above both districts, and its safety centre."""
    city = BureauFactory(name="上海市教育委员会")
    for district in (dash.bureau, dash.other_bureau):
        Bureau.objects.filter(pk=district.pk).update(parent=city, path=f"/{city.pk}/{district.pk}/")
    return user_with_role(Role.SAFETY_CENTRE, city, username="city_centre")


def open_count(user, **filters) -> int:
    return dashboard(user=user, filters=Filters(**filters))["totals"]["open"]["n"]


def test_the_city_counts_every_district_and_the_bureau_filter_narrows_it(dash, city):
    assert open_count(city) == 9  # 8 in 闵行, 1 in the other district
    assert open_count(city, bureau_id=dash.bureau.pk) == 8
    assert open_count(city, bureau_id=dash.other_bureau.pk) == 1
    # a district's centre is not widened by its parent's existence
    assert open_count(dash.centre) == 8


def test_the_bureau_filter_is_offered_to_the_city_only(dash, city, client_for):
    page = client_for(city).get("/dashboard/")
    assert b'id="id_bureau"' in page.content
    assert b'id="id_bureau"' not in client_for(dash.centre).get("/dashboard/").content
    # a bureau outside the user's tree is refused (400, the form says why), not counted
    outsider = BureauFactory(name="外省教育厅")
    refused = client_for(city).get("/dashboard/", {"bureau": outsider.pk})
    assert refused.status_code == 400 and "有效" in refused.content.decode()
    assert (
        client_for(dash.centre).get("/dashboard/", {"bureau": dash.other_bureau.pk}).status_code
        == 400
    )


@pytest.mark.parametrize("which", ["all", "district"])
def test_the_citys_numbers_link_to_registers_of_the_same_count(dash, city, client_for, which):
    client = client_for(city)
    params = {"bureau": dash.other_bureau.pk} if which == "district" else {}
    mismatches = [
        (key, href, n)
        for key, href, n in linked_figures(client, **params)
        if listed(client, href) not in (n, None)
    ]
    assert mismatches == []


def test_the_city_sees_each_bureau_and_departments_named_with_their_bureau(dash, city):
    d = dashboard(user=city, filters=Filters())
    rows = {r["label"]: (r["n"], r["overdue"]) for r in d["by_bureau"]}
    assert rows == {"闵行区教育局": (8, 5), dash.other_bureau.name: (1, 1)}
    labels = {r["label"] for r in d["by_department"]}
    assert "普教一科（闵行区教育局）" in labels
    # one district alone: no bureau table, plain department names
    assert "普教一科" in {
        r["label"] for r in dashboard(user=dash.centre, filters=Filters())["by_department"]
    }


def test_the_page_lists_the_top_departments_and_the_workbook_all(
    dash, city, client_for, monkeypatch
):

    monkeypatch.setattr(selectors, "TOP_DEPARTMENTS", 1)
    client = client_for(city)
    page = client.get("/dashboard/").content.decode()
    assert page.count('data-figure="department-') == 1
    assert 'data-testid="departments-more"' in page and 'data-testid="table-bureau"' in page
    content = client.get("/dashboard/export.xlsx").content
    wb = load_workbook(io.BytesIO(content))
    departments = [ws.title for ws in wb.worksheets if ws.title in ("By department", "按科室")][0]
    rows = table(content, departments)[1]
    assert len(rows) == len(dashboard(user=city, filters=Filters())["by_department"]) > 1
