"""The district report states the campaign's figures from the register (every hazard of the
campaign, whichever department holds it and whether it has reported), with the departments'
own reports beside them."""

import io

import pytest
from django.urls import reverse

from safecampus.catalog.choices import HazardLevel
from safecampus.hazards.models import Hazard
from safecampus.weekly import services
from safecampus.weekly.selectors import register_figures, report_figures

from .conftest import place
from .test_district import submit

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def register(wk):
    """Last week: 普教一科 holds two new hazards (one major) and submits; 安保科 holds three
    (one closed last week, one overdue) and submits nothing."""
    w, week = wk, wk.last_week
    place(w, "reported", reported_on=week.start)
    major = place(w, "assigned", school=w.school_b, reported_on=week.start)
    Hazard.objects.filter(pk=major.pk).update(level=HazardLevel.MAJOR)
    place(w, "reported", item="A02-01", reported_on=week.start)
    place(w, "closed", item="A02-01", reported_on=week.start, closed_on=week.end)
    place(w, "assigned", item="A02-01", reported_on=w.weeks[0].start, deadline=week.start)
    place(w, "withdrawn", item="A02-01", reported_on=week.start)  # never counted
    submit(w, w.dept_user, w.department, week, "普教一科进展")
    return w


def test_district_figures_are_the_register_not_the_sum_of_reports(register):
    w, week = register, register.last_week
    district = services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=week.start
    )
    f = district.figures
    picked = ("new", "closed", "in_progress", "overdue", "major", "total")
    assert {k: f["totals"][k] for k in picked} == {
        "new": 4,
        "closed": 1,
        "in_progress": 4,
        "overdue": 1,
        "major": 1,
        "total": 5,
    }
    # the figures are those of the register as the departments' reports count them
    assert f["totals"] == register_figures(campaign=w.campaign, week=week, as_of=w.today)["totals"]
    assert {k: f["reported_totals"][k] for k in picked} == {
        "new": 2,
        "closed": 0,
        "in_progress": 2,
        "overdue": 0,
        "major": 1,
        "total": 2,
    }
    rows = {r["department"]: r for r in f["by_department"]}
    assert (rows["普教一科"]["submitted"], rows["普教一科"]["total"]) == (True, 2)
    assert rows["普教一科"]["reported"]["total"] == 2
    # 安保科 did not submit: its hazards still count, with its own row saying so
    assert (rows["安保科"]["submitted"], rows["安保科"]["reported"]) == (False, None)
    assert (rows["安保科"]["total"], rows["安保科"]["closed"], rows["安保科"]["overdue"]) == (
        3,
        1,
        1,
    )
    own = report_figures(campaign=w.campaign, department=w.other_dept, week=week, as_of=w.today)[
        "totals"
    ]
    assert {k: rows["安保科"][k] for k in own} == own  # what its report would have said
    assert [m["department"] for m in f["missing"]] == ["安保科"]


def test_register_figures_read_four_queries(register, django_assert_num_queries):
    with django_assert_num_queries(4):
        register_figures(campaign=register.campaign, week=register.last_week, as_of=register.today)


def test_district_page_shows_the_register_beside_the_reports(register, client_for):
    w = register
    district = services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=w.last_week.start
    )
    page = client_for(w.centre).get(reverse("weekly:district_detail", args=[district.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="district-register"' in html
    assert 'data-testid="district-by-department"' in html
    register_rows = page.context["register"]
    total = next(r for r in register_rows if r["register"] == 5)
    assert total["reported"] == 2


def test_the_district_documents_state_the_register_beside_the_reports(register):
    """The Word and Excel copies say what the page says: the register's totals with the
    departments' reports beside them, and every department's register figures, also those of a
    department that has not submitted."""
    from docx import Document as Docx
    from openpyxl import load_workbook

    from safecampus.weekly.documents import district_document, docx_bytes, xlsx_bytes

    w, week = register, register.last_week
    district = services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=week.start
    )
    doc = district_document(district)
    word = Docx(io.BytesIO(docx_bytes(doc)))
    assert [c.text for c in word.tables[0].rows[0].cells] == [
        "指标",
        "台账数",
        "各科室周报合计",
        "较上周变化",
    ]
    by_department = {r.cells[0].text: r.cells[7].text for r in word.tables[-1].rows[1:]}
    assert by_department == {"安保科（未报送）": "3", "普教一科": "2"}  # 隐患总数 from the register
    ws = load_workbook(io.BytesIO(xlsx_bytes(doc))).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert next(r for r in rows if r[0] == "隐患总数")[1:4] == [5, 2, "—"]
    assert next(r for r in rows if r[0] == "安保科（未报送）")[1:9] == [2, 1, 2, 1, 0, 1, 3, 0]
