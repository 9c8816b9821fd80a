"""The oversight pages: exact compliance figures, each figure's link leading to as many rows, the
matrix, the excuse list, the workbook, the scope matrix and pinned query counts."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from urllib.parse import unquote, urlencode

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix

from . import oversight_world
from .oversight_world import links, listed

ow = oversight_world.ow  # the fixture

pytestmark = [pytest.mark.dates, pytest.mark.django_db]


def url(name, **params):
    return reverse(f"duties:{name}") + ("?" + urlencode(params) if params else "")


def row_of(body: str, testid: str) -> dict[str, int]:
    """figure → number in the first row of the table ``testid``."""
    table = body.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    first = table.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    return {k: n for _u, k, n in links(first)}


def rows_of(body: str, testid: str) -> list[str]:
    table = body.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return table.split("<tbody>", 1)[1].split("</tr>")[:-1]


OVERALL = {"owed": 8, "done": 2, "late": 1, "missed": 3, "open": 2, "excused": 1}


def test_compliance_figures_are_exact(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    body = client.get(url("compliance", **ow.params)).content.decode()
    assert row_of(body, "overall") == OVERALL
    assert "37.5%" in body
    by_code = rows_of(body, "by-code")
    assert len(by_code) == 2
    drill = next(r for r in by_code if "DRILL" in r)
    meet = next(r for r in by_code if "MEET" in r)
    assert {k: n for _u, k, n in links(drill)} == {
        "owed": 5,
        "done": 2,
        "late": 1,
        "missed": 1,
        "open": 1,
        "excused": 1,
    }
    assert "60.0%" in drill
    assert {k: n for _u, k, n in links(meet)} == {
        "owed": 3,
        "done": 0,
        "late": 0,
        "missed": 2,
        "open": 1,
        "excused": 0,
    }
    stages = {
        r.split("<td>")[1].split("<")[0]: {k: n for _u, k, n in links(r)}
        for r in rows_of(body, "by-stage")
    }
    assert stages == {
        "小学": {"owed": 3, "done": 1, "late": 1, "missed": 0, "open": 1, "excused": 0},
        "初级中学": {"owed": 2, "done": 1, "late": 0, "missed": 1, "open": 0, "excused": 1},
    }
    months = {
        m: {k: n for _u, k, n in links(r)}
        for r in rows_of(body, "by-month")
        for m in re.findall(r'data-key="([\d-]+)"', r)
    }
    m2, m1, m0 = (f"{d:%Y-%m}" for d in ow.m)
    assert months == {
        m2: {"owed": 3, "done": 1, "late": 0, "missed": 2, "open": 0, "excused": 0},
        m1: {"owed": 2, "done": 0, "late": 1, "missed": 1, "open": 0, "excused": 1},
        m0: {"owed": 3, "done": 1, "late": 0, "missed": 0, "open": 2, "excused": 0},
    }
    chart = json.loads(body.split('id="duty-month-data" type="application/json">')[1].split("<")[0])
    assert [(c["month"], c["rate"]) for c in chart] == [(m2, 33.3), (m1, 50.0), (m0, 33.3)]
    behind = rows_of(body, "behind")
    # 丙中学 missed one; 甲小学 none: the one furthest behind comes first
    assert ["丙中学" in behind[0], "甲小学" in behind[1]] == [True, True]
    # the default period (this school year) holds the same three months
    assert row_of(client.get(url("compliance")).content.decode(), "overall") == OVERALL


def test_every_figure_links_to_as_many_occurrences(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    body = client.get(url("compliance", **ow.params)).content.decode()
    found = links(body)
    assert len(found) > 50
    for link, figure, n in found:
        assert listed(client, link) == n, (figure, link)


def test_filters_narrow_the_figures(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    dept = ow.world.department.pk

    def overall(**p):
        return row_of(client.get(url("compliance", **ow.params, **p)).content.decode(), "overall")

    assert overall(code="DRILL")["owed"] == 5
    assert overall(stage="junior") == {
        "owed": 2,
        "done": 1,
        "late": 0,
        "missed": 1,
        "open": 0,
        "excused": 1,
    }
    assert overall(overseer=dept)["owed"] == 5  # the meeting has no overseer
    assert overall(owner="department") == {
        "owed": 3,
        "done": 0,
        "late": 0,
        "missed": 2,
        "open": 1,
        "excused": 0,
    }
    m0 = f"{ow.m[2]:%Y-%m}"
    assert overall(month=m0)["owed"] == 8  # explicit start/end win over the month
    month_only = client.get(url("compliance", month=m0)).content.decode()
    assert row_of(month_only, "overall")["owed"] == 3
    this_month = client.get(url("compliance", period="month")).content.decode()
    assert row_of(this_month, "overall")["owed"] == 3
    from safecampus.duties.models import SchoolTerm

    term = SchoolTerm.objects.filter(start__lte=ow.today).order_by("-start").first()
    this_term = client.get(url("compliance", period="term")).content.decode()
    assert f"{term.start:%Y-%m-%d} – {term.end:%Y-%m-%d}" in this_term


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-13"},
        {"start": "2026-12-01", "end": "2026-11-01"},
        {"code": "NOPE"},
        {"stage": "castle"},
        {"status": "lost"},
        {"start": "2026-11-01"},
    ],
)
def test_bad_filters_are_a_400_with_a_message(ow, client_for, params):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    for name in ("compliance", "occurrence_list", "matrix"):
        response = client.get(url(name, **params))
        assert response.status_code == 400, name
        assert 'data-testid="filter-errors"' in response.content.decode()


CELL_RE = r'class="table-(\w+)" data-testid="cell"><a href="([^"]+)"[^>]*>(\d+)/(\d+)<'


def test_the_matrix_cells(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    body = client.get(url("matrix", code="DRILL", **ow.params)).content.decode()
    assert f"<th>{ow.m[0]:%Y-%m}</th>" in body and f"<th>{ow.m[2]:%Y-%m}</th>" in body
    cells = {}
    for row in rows_of(body, "matrix"):
        name = "甲" if "甲小学" in row else "丙"
        cells[name] = re.findall(
            r'class="table-(\w+)" data-testid="cell"><a href="([^"]+)"[^>]*>(\d+)/(\d+)<', row
        )
    assert [(t, c, o) for t, _u, c, o in cells["甲"]] == [
        ("success", "1", "1"),
        ("success", "1", "1"),
        ("info", "0", "1"),  # not done yet but still in time: blue, not red
    ]
    # 丙中学: missed, then only excused (nothing owed), then done
    assert [(t, c, o) for t, _u, c, o in cells["丙"]] == [
        ("danger", "0", "1"),
        ("secondary", "0", "0"),
        ("success", "1", "1"),
    ]
    # each cell opens exactly what it counts: its owed occurrences (an excused one is not owed)
    for tone, link, _c, owed in cells["甲"] + cells["丙"]:
        assert listed(client, re.sub("&amp;", "&", link)) == int(owed), tone
    # each school's whole period: done / owed, and its missed
    totals = re.findall(r'data-testid="total"><a href="([^"]+)">(\d+)/(\d+)</a>', body)
    assert [(c, o) for _u, c, o in totals] == [("1", "2"), ("2", "3")]  # 丙中学, 甲小学
    assert [listed(client, unescape(u)) for u, _c, _o in totals] == [2, 3]
    assert "choose-duty" in client.get(url("matrix")).content.decode()


def test_the_matrix_pages_schools(ow, client_for, monkeypatch):
    from safecampus.duties import compliance

    monkeypatch.setattr(compliance, "MATRIX_PAGE", 1)
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    first = client.get(url("matrix", code="DRILL", **ow.params)).content.decode()
    second = client.get(url("matrix", code="DRILL", page=2, **ow.params)).content.decode()
    assert "丙中学" in first and "甲小学" not in first
    assert "甲小学" in second and "丙中学" not in second
    assert "page=2" in first


def test_the_occurrence_list_shows_each_occurrence(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    body = client.get(url("occurrence_list", status="missed", **ow.params)).content.decode()
    assert body.count('data-testid="occurrence-row"') == 3
    assert "丙中学" in body and "普教一科" in body
    body = client.get(
        url("occurrence_list", status="done", school=ow.world.school_a.pk, **ow.params)
    ).content.decode()
    assert body.count('data-testid="occurrence-row"') == 1
    assert f"{ow.m[0]:%Y}-" in body and "甲小学" in body


def test_excuse_list_shows_the_excuses_to_decide(ow, client_for):
    body = (
        client_for(ow.world.users[Role.DEPARTMENT_OFFICER]).get(url("excuse_list")).content.decode()
    )
    assert body.count('data-testid="excuse-row"') == 1
    assert "校舍维修" in body and "甲小学" in body
    # the centre decides too; another department and another bureau's centre see none
    assert (
        "校舍维修"
        in client_for(ow.world.users[Role.SAFETY_CENTRE]).get(url("excuse_list")).content.decode()
    )
    for user in (ow.other_dept_user, ow.other_centre):
        assert (
            'data-testid="excuse-row"'
            not in client_for(user).get(url("excuse_list")).content.decode()
        )


def _detail_url(pk):
    """The owner pages' detail of an occurrence, once they are merged (None before)."""
    from django.urls import NoReverseMatch

    try:
        return reverse("duties:occurrence_detail", args=[pk])
    except NoReverseMatch:
        return None


def test_rows_link_to_their_occurrence(ow, client_for):
    client = client_for(ow.world.users[Role.DEPARTMENT_OFFICER])
    occ = ow.occ("DRILL", ow.world.school_a, 2)
    detail = _detail_url(occ.pk)
    if detail is None:
        pytest.skip("duties:occurrence_detail comes with the owner pages")
    assert f'href="{detail}"' in client.get(url("excuse_list")).content.decode()
    listing = client.get(url("occurrence_list", status="excuse_requested", **ow.params))
    assert f'href="{detail}"' in listing.content.decode()


def test_the_occurrence_list_pages(ow, client_for, monkeypatch):
    from safecampus.duties.views import oversight

    monkeypatch.setattr(oversight, "PAGE_SIZE", 5)
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    first = client.get(url("occurrence_list", **ow.params)).content.decode()
    second = client.get(url("occurrence_list", page=2, **ow.params)).content.decode()
    assert first.count('data-testid="occurrence-row"') == 5
    assert second.count('data-testid="occurrence-row"') == 4  # 9 with the excused one
    assert "page=2" in first


def test_only_overseers_are_offered_the_excuses(ow, client_for):
    for role, offered in ((Role.DEPARTMENT_OFFICER, True), (Role.LEADERSHIP, False)):
        body = client_for(ow.world.users[role]).get(url("compliance")).content.decode()
        assert ('data-testid="excuses-link"' in body) is offered, role


def test_a_school_sees_only_its_own_occurrences(ow, client_for):
    client = client_for(ow.world.users[Role.SCHOOL_OFFICER])
    assert listed(client, url("occurrence_list", **ow.params)) == 3
    assert client.get(url("occurrence_list", school=ow.school_c.pk)).status_code == 404


def test_a_department_sees_what_it_oversees_or_owes(ow, client_for):
    dept = client_for(ow.world.users[Role.DEPARTMENT_OFFICER])
    assert row_of(dept.get(url("compliance", **ow.params)).content.decode(), "overall") == OVERALL
    other = client_for(ow.other_dept_user)
    body = other.get(url("compliance", **ow.params)).content.decode()
    assert row_of(body, "overall")["owed"] == 0
    assert listed(other, url("occurrence_list", **ow.params)) == 0


def test_scope_matrix(ow, client):
    u = ow.world.users
    schools = [u[Role.SCHOOL_OFFICER], u[Role.PRINCIPAL], u[Role.PARTNER], u[Role.AUDITOR]]
    for name in ("compliance", "matrix", "compliance_export"):
        scope_matrix(
            client, url(name, code="DRILL"), permitted=u[Role.SAFETY_CENTRE], wrong_role=schools
        )
    scope_matrix(
        client,
        url("excuse_list"),
        permitted=u[Role.DEPARTMENT_OFFICER],
        wrong_role=[u[Role.LEADERSHIP], u[Role.INSPECTOR], u[Role.SCHOOL_OFFICER]],
    )
    scope_matrix(
        client,
        url("occurrence_list"),
        permitted=u[Role.SCHOOL_OFFICER],
        wrong_role=[u[Role.AUDITOR], u[Role.SYSTEM_ADMIN]],
    )
    # another bureau's centre: a filter on this bureau's school, bureau or department is a 404
    for key, pk in (
        ("school", ow.world.school_a.pk),
        ("bureau", ow.world.bureau.pk),
        ("department", ow.world.department.pk),
    ):
        for name in ("occurrence_list", "compliance", "matrix", "compliance_export"):
            scope_matrix(
                client,
                url(name, **{key: pk}),
                out_of_scope=[ow.other_centre],
                permitted=u[Role.SAFETY_CENTRE],
            )
    # and, unfiltered, it sees nothing of this bureau
    client.force_login(ow.other_centre)
    assert listed(client, url("occurrence_list", **ow.params)) == 0
    assert (
        row_of(client.get(url("compliance", **ow.params)).content.decode(), "overall")["owed"] == 0
    )
    assert 'data-testid="cell"' not in client.get(url("matrix", code="DRILL")).content.decode()


def test_a_city_centre_chooses_among_its_bureaus(ow, client_for):
    from safecampus.core.testing import BureauFactory, user_with_role

    city = BureauFactory(name="上海市教育委员会")
    district = ow.world.bureau
    district.parent = city
    district.path = f"{city.path}{district.pk}/"
    district.save(update_fields=["parent", "path"])
    client = client_for(user_with_role(Role.SAFETY_CENTRE, city, username="city"))
    body = client.get(url("compliance", **ow.params)).content.decode()
    assert 'name="bureau"' in body and "闵行区教育局" in body
    assert row_of(body, "overall")["owed"] == 8
    in_district = url("compliance", bureau=district.pk, **ow.params)
    assert row_of(client.get(in_district).content.decode(), "overall") == OVERALL
    in_city = url("compliance", bureau=city.pk, **ow.params)
    assert row_of(client.get(in_city).content.decode(), "overall")["owed"] == 0
    # a district centre sees one bureau: no choice
    body = client_for(ow.world.users[Role.SAFETY_CENTRE]).get(url("compliance")).content.decode()
    assert '<select name="bureau"' not in body


def test_the_workbook_holds_the_figures(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    response = client.get(url("compliance_export", **ow.params))
    assert response.status_code == 200
    assert "闵行区教育局_常态化工作落实情况_" in unquote(response["Content-Disposition"])
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["汇总", "按工作", "按学校"]
    summary = wb["汇总"]
    assert summary["A1"].value.startswith("常态化工作落实情况")
    assert summary["A2"].value == "范围：闵行区教育局"
    assert summary["A3"].value == f"筛选条件：统计期间：{ow.start:%Y-%m-%d} – {ow.end:%Y-%m-%d}"
    assert summary["A4"].value.startswith("截至 ")
    header = [c.value for c in summary[5]]
    assert header[1:] == ["应完成", "按时完成", "逾期完成", "未完成", "进行中", "已免除", "完成率"]
    assert [c.value for c in summary[6]] == ["全部", 8, 2, 1, 3, 2, 1, 0.375]
    assert summary.cell(6, 8).number_format == "0.0%"
    by_duty = {r[0].value: [c.value for c in r[1:]] for r in wb["按工作"].iter_rows(min_row=6)}
    assert by_duty == {
        "DRILL 应急疏散演练": [5, 2, 1, 1, 1, 1, 0.6],
        "MEET 科室安全工作例会": [3, 0, 0, 2, 1, 0, 0.0],
    }
    by_school = [[c.value for c in r] for r in wb["按学校"].iter_rows(min_row=6)]
    assert by_school == [
        ["丙中学", "初级中学", 2, 1, 0, 1, 0, 1, 0.5],
        ["甲小学", "小学", 3, 1, 1, 0, 1, 0, pytest.approx(2 / 3)],
    ]


def _grow(o, n: int):
    """``n`` more junior schools owing the drill (generated for the same months)."""
    from safecampus.core.testing import SchoolFactory
    from safecampus.duties import services

    for i in range(n):
        SchoolFactory(bureau=o.world.bureau, name=f"加测中学{i}", stage="junior")
    services.generate(o.world.bureau, today=o.today, since=o.m[0])


@pytest.mark.parametrize(
    ("name", "role", "expected"),
    [
        ("compliance", Role.SAFETY_CENTRE, 13),
        ("compliance", Role.DEPARTMENT_OFFICER, 13),
        ("matrix", Role.SAFETY_CENTRE, 11),
        ("occurrence_list", Role.SAFETY_CENTRE, 10),
        ("occurrence_list", Role.SCHOOL_OFFICER, 9),
        ("excuse_list", Role.DEPARTMENT_OFFICER, 7),
    ],
)
def test_pages_do_not_query_per_row(
    ow, client_for, django_assert_max_num_queries, name, role, expected
):
    client = client_for(ow.world.users[role])
    page = url(name, code="DRILL", **ow.params) if name == "matrix" else url(name, **ow.params)
    small = count_queries(client, page)
    _grow(ow, 6)
    big = count_queries(client, page)
    assert big == small
    with django_assert_max_num_queries(expected):
        client.get(page)


def test_lists_name_the_period_in_words_not_its_key(ow, client_for):
    occ = ow.occ("DRILL", ow.world.school_a, 2)
    from safecampus.duties.labels import occurrence_period

    words = occurrence_period(occ)
    assert words != occ.period_key
    client = client_for(ow.world.users[Role.DEPARTMENT_OFFICER])
    excuses = client.get(url("excuse_list")).content.decode()
    assert f'data-testid="period">{words}<' in excuses
    assert occ.period_key not in excuses
    listing = client.get(url("occurrence_list", status="excuse_requested", **ow.params))
    assert f'data-testid="period">{words}<' in listing.content.decode()


def test_the_workbook_of_one_duty_names_the_duty(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    whole = unquote(client.get(url("compliance_export", **ow.params))["Content-Disposition"])
    one = client.get(url("compliance_export", code="DRILL", **ow.params))
    assert one.status_code == 200
    name = unquote(one["Content-Disposition"])
    assert "_常态化工作落实情况_应急疏散演练_" in name
    assert "应急疏散演练" not in whole


def test_the_occurrence_list_is_not_named_like_the_catalog(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    body = client.get(url("occurrence_list", status="missed", **ow.params)).content.decode()
    assert "<h1" in body and "常态化工作落实明细 · 未完成" in body
    assert "清单明细" not in body  # 清单 is the catalog
