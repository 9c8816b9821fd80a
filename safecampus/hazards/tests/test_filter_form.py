"""The register's filter form (drop-downs capped like the school list) and the text search."""

import pytest
from django import forms

from safecampus.core.roles import Role
from safecampus.hazards import views

pytestmark = pytest.mark.django_db

URL = "/hazards/"


def _codes(response) -> list[str]:
    return [h.code for h in response.context["page"].object_list]


def _widget(response, name: str):
    return response.context["filterset"].form.fields[name].widget


@pytest.fixture
def two(reg):
    """h1 at school A (普教一科 responsible); h2 at school B, transferred to 安保科."""
    items = {i.code: i for i in reg.catalog.items.all()}
    reg.h1 = reg.make("reported", location="一楼东侧楼梯间")
    reg.h2 = reg.make("reported", school=reg.school_b, item=items["A02-01"], description="后厨油烟")
    reg.h2.responsible_department = reg.other_dept
    reg.h2.save(update_fields=["responsible_department"])
    return reg


def test_department_filter_is_a_drop_down_within_the_limit(two, client_for):
    response = client_for(two.users[Role.SAFETY_CENTRE]).get(URL)
    widget = _widget(response, "department")
    assert isinstance(widget, forms.Select)
    # the departments' order: bureau, sort order, name (安保科 before 普教一科)
    assert list(widget.choices)[1:] == [
        (two.other_dept.pk, "安保科"),
        (two.department.pk, "普教一科"),
    ]
    assert list(widget.choices)[0][0] == ""  # "All"


def test_department_filter_beyond_the_limit_still_works_from_the_url(two, client_for, monkeypatch):
    monkeypatch.setattr(views, "DEPARTMENT_SELECT_LIMIT", 1)
    client = client_for(two.users[Role.SAFETY_CENTRE])
    response = client.get(URL, {"department": two.other_dept.pk})
    assert isinstance(_widget(response, "department"), forms.HiddenInput)
    html = response.content.decode()
    assert f'type="hidden" name="department" value="{two.other_dept.pk}"' in html
    assert 'for="id_department"' not in html  # no label for a hidden field
    assert _codes(response) == [two.h2.code]
    assert _codes(client.get(URL)) == [two.h2.code, two.h1.code]


def test_department_drop_down_query_is_limited(two, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(two.users[Role.SAFETY_CENTRE])
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    [sql] = [q["sql"] for q in ctx.captured_queries if 'FROM "orgs_department"' in q["sql"]]
    assert f"LIMIT {views.DEPARTMENT_SELECT_LIMIT + 1}" in sql


@pytest.mark.parametrize(
    "q, expected",
    [
        ("油烟", {"h2"}),  # description
        ("东侧楼梯", {"h1"}),  # location
        ("乙幼儿", {"h2"}),  # school name
        ("甲小学", {"h1"}),
        ("堆放杂物", {"h1"}),
        ("楼", {"h1"}),  # one character: no trigram, same result
        ("不存在的描述", set()),
        ("  油烟 ", {"h2"}),  # stripped
    ],
)
def test_search_matches_description_location_school_and_code(two, client_for, q, expected):
    client = client_for(two.users[Role.SAFETY_CENTRE])
    assert set(_codes(client.get(URL, {"q": q}))) == {getattr(two, k).code for k in expected}


def test_search_by_code_prefix_and_exact_code(two, client_for):
    client = client_for(two.users[Role.SAFETY_CENTRE])
    prefix = two.h1.code.rsplit("-", 1)[0]  # bureau prefix and year: both hazards
    assert set(_codes(client.get(URL, {"q": prefix}))) == {two.h1.code, two.h2.code}
    assert _codes(client.get(URL, {"q": two.h2.code})) == [two.h2.code]


def test_search_stays_in_scope(two, client_for):
    school_b = client_for(two.school_b_user)
    assert _codes(school_b.get(URL, {"q": "甲小学"})) == []
    assert _codes(school_b.get(URL, {"q": "油烟"})) == [two.h2.code]
