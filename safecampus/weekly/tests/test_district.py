"""The district report: the register's figures beside the submitted reports, missing
departments, versions, and the Word and Excel copies."""

import io

import pytest
from django.core.exceptions import ValidationError
from docx import Document
from openpyxl import load_workbook

from safecampus.weekly import services
from safecampus.weekly.choices import METRIC_KEYS
from safecampus.weekly.documents import district_document, docx_bytes, xlsx_bytes
from safecampus.weekly.models import DistrictReport

from .conftest import at_noon, place

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def submit(w, user, department, week, progress):
    report = services.weekly_report_open(
        actor=user,
        campaign=w.campaign,
        department=department,
        week_start=week.start,
        now=at_noon(week.start),
    )
    return services.weekly_report_submit(
        actor=user, report_id=report.pk, data={"progress": progress}, now=at_noon(week.due)
    )


@pytest.fixture
def third(wk):
    """A third department that owes reports (a hazard was transferred to it) and submits none."""
    from safecampus.core.testing import DepartmentFactory

    wk.third = DepartmentFactory(bureau=wk.bureau, name="基建科", sort_order=9)
    place(wk, "reported", reported_on=wk.weeks[0].start, department=wk.third)
    return wk


def test_compile_sums_reports_and_lists_missing(third):
    w, week = third, third.last_week
    place(w, "reported", reported_on=week.start)
    place(w, "hard", school=w.school_b, reported_on=week.start)
    place(w, "reported", item="A02-01", reported_on=week.start)
    submit(w, w.dept_user, w.department, week, "普教一科进展")
    submit(w, w.other_dept_user, w.other_dept, week, "安保科进展")
    district = services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=week.start, summary="本周全区推进顺利"
    )
    assert district.version == 1 and district.summary == "本周全区推进顺利"
    # the register counts 基建科's hazard too, although 基建科 has not reported
    totals = district.figures["totals"]
    assert (totals["total"], totals["new"], totals["hard"], totals["in_progress"]) == (4, 3, 1, 3)
    reported = district.figures["reported_totals"]
    assert (reported["total"], reported["new"], reported["hard"]) == (3, 3, 1)
    assert [(r["school"], r["total"]) for r in district.figures["by_school"]] == [
        ("乙幼儿园", 1),
        ("甲小学", 3),
    ]
    assert [(r["area_code"], r["total"]) for r in district.figures["by_area"]] == [
        ("A01", 3),
        ("A02", 1),
    ]
    assert [d["department"] for d in district.figures["missing"]] == ["基建科"]
    assert [(d["department"], d["progress"]) for d in district.departments] == [
        ("安保科", "安保科进展"),
        ("普教一科", "普教一科进展"),
    ]


def test_compiling_again_makes_a_new_version(wk):
    w, week = wk, wk.last_week
    place(w, "reported", reported_on=week.start)
    submit(w, w.dept_user, w.department, week, "进展")
    v1 = services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=week.start
    )
    assert [d["department"] for d in v1.figures["missing"]] == ["安保科"]
    place(w, "reported", item="A02-01", reported_on=week.start)
    submit(w, w.other_dept_user, w.other_dept, week, "后补")
    v2 = services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=week.start, summary="补充"
    )
    v1_again = DistrictReport.objects.get(pk=v1.pk)
    assert (v1_again.version, v2.version) == (1, 2)
    assert v1_again.figures == v1.figures and v1_again.figures["totals"]["total"] == 1
    assert v2.figures["totals"]["total"] == 2 and v2.figures["missing"] == []


def test_compile_refusals(wk):
    w = wk
    with pytest.raises(ValidationError) as exc:
        services.district_report_compile(
            actor=w.centre, campaign=w.campaign, week_start=w.last_week.start
        )
    assert exc.value.code == "nothing_submitted"
    submit(w, w.dept_user, w.department, w.last_week, "进展")
    with pytest.raises(ValidationError) as exc:
        services.district_report_compile(
            actor=w.dept_user, campaign=w.campaign, week_start=w.last_week.start
        )
    assert exc.value.code == "forbidden"
    assert not DistrictReport.objects.exists()


def test_word_and_excel_copies_hold_the_figures(wk):
    w, week = wk, wk.last_week
    for _n in range(3):
        place(w, "reported", reported_on=week.start)
    place(w, "hard", school=w.school_b, reported_on=week.start)
    submit(w, w.dept_user, w.department, week, "消防通道清理完毕")
    district = services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=week.start, summary="全区汇总说明"
    )
    doc = district_document(district)
    word = Document(io.BytesIO(docx_bytes(doc)))
    text = "\n".join(p.text for p in word.paragraphs)
    assert w.campaign.name in text and "全区汇总说明" in text and "消防通道清理完毕" in text
    assert "安保科" in text  # the department that has not submitted
    totals = {row.cells[0].text: row.cells[1].text for row in word.tables[0].rows[1:]}
    assert (
        len(totals) == len(METRIC_KEYS) and list(totals.values()).count("4") == 2
    )  # new and total
    schools = [[c.text for c in row.cells] for row in word.tables[1].rows[1:]]
    total = 1 + METRIC_KEYS.index("total")
    assert [(r[0], r[total]) for r in schools] == [("乙幼儿园", "1"), ("甲小学", "3")]
    ws = load_workbook(io.BytesIO(xlsx_bytes(doc))).active
    rows = [[v for v in row if v is not None] for row in ws.iter_rows(values_only=True)]
    assert rows[0] == [doc.title]
    assert ["乙幼儿园", 1, 0, 0, 0, 1, 0, 1, 0] in rows
    assert ["甲小学", 3, 0, 3, 0, 0, 0, 3, 0] in rows
    assert ["A01 消防安全", 4, 0, 3, 0, 1, 0, 4, 0] in rows
