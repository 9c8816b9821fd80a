"""The drill import (all or nothing, every bad row reported) and a school's duty log for a term
(Excel and Word)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from safecampus.core.jobs import JobRefused, job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing_documents import assert_gongwen
from safecampus.core.testing_excel import assert_text_not_formula, xlsx_bomb
from safecampus.duties import imports, services
from safecampus.duties.choices import OccurrenceStatus as S
from safecampus.duties.models import DutyRecord, Occurrence
from safecampus.duties.tests import test_owner_views as base
from safecampus.duties.tests.test_owner_views import current, jpeg

#: the fixtures of the owner's pages, found by name
_media, dw = base._media, base.dw

pytestmark = pytest.mark.dates

HEADERS = [
    "学校标识码",
    "工作编码",
    "开展时间",
    "演练情景",
    "参与人数",
    "疏散用时（秒）",
    "情况摘要",
]


def workbook(rows, *, name="drills.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def moment(dw, hours_ago=1) -> str:
    """A moment within today's windows, before now, as a workbook cell gives it."""
    local = timezone.localtime(dw.now)
    at = local - datetime.timedelta(hours=hours_ago)
    if at.date() != local.date():
        at = local.replace(minute=0, second=0)
    return f"{at:%Y-%m-%d %H:%M}"


def test_every_bad_row_is_reported_and_nothing_saved(dw):
    officer = dw.users[Role.SCHOOL_OFFICER]
    meets = current(dw.school_a, "MEETS", dw.today)
    services.record(
        actor=officer,
        occurrence_id=meets.pk,
        data={"occurred_at": dw.now - datetime.timedelta(minutes=1), "participants": 9},
        now=dw.now,
    )
    a, b = dw.school_a.code, dw.school_b.code
    future = f"{timezone.localtime(dw.now) + datetime.timedelta(days=2):%Y-%m-%d %H:%M}"
    rows = [
        [a, "FIRE", moment(dw), "火灾", 800, 180, "全校疏散"],  # 2: good
        ["9999999999", "FIRE", moment(dw), "", 1, 1, ""],  # 3: unknown school
        [b, "FIRE", moment(dw), "", 1, 1, ""],  # 4: school B is not the officer's
        [a, "NOPE", moment(dw), "", 1, 1, ""],  # 5: unknown duty
        [a, "KDRILL", moment(dw), "", 1, 1, ""],  # 6: kindergartens only
        [a, "DRILL", moment(dw), "", 1, 1, ""],  # 7: requires photos
        [a, "FIRE", future, "", 1, 1, ""],  # 8: in the future
        [a, "MEETS", moment(dw), "", 5, None, ""],  # 9: already recorded
        [a, "FIRE", moment(dw, 2), "", 5, 60, ""],  # 10: FIRE twice in the file
        [a, "FIRE", "2025-07-01 10:00", "", 5, 60, ""],  # 11: before the catalog: no period
        [a, "FIRE", "昨天", "", None, None, ""],  # 12: not a date
    ]
    with pytest.raises(JobRefused) as refused:
        imports.record_import(fileobj=workbook(rows), actor=officer, now=dw.now)
    by_row = {}
    for e in refused.value.errors:
        by_row.setdefault(e["row"], []).append((e["column"], e["message"]))
    assert sorted(by_row) == list(range(3, 13))
    assert by_row[3][0][0] == "学校标识码" and "9999999999" in by_row[3][0][1]
    assert by_row[4][0][0] == "学校标识码" and dw.school_b.code in by_row[4][0][1]
    assert by_row[4][0][1] != by_row[3][0][1].replace("9999999999", dw.school_b.code)
    assert by_row[5][0][0] == "工作编码" and "NOPE" in by_row[5][0][1]
    assert by_row[6][0][0] == "工作编码" and "幼儿园应急疏散演练" in by_row[6][0][1]
    assert by_row[7][0][0] == "工作编码"
    assert [c for c, _m in by_row[8]] == ["开展时间"]
    assert [c for c, _m in by_row[9]] == ["开展时间"]
    assert [c for c, _m in by_row[10]] == ["开展时间"] and "2" in by_row[10][0][1]
    assert [c for c, _m in by_row[11]] == ["开展时间"]
    assert [c for c, _m in by_row[12]] == ["开展时间"] and "昨天" in by_row[12][0][1]
    assert "10" in refused.value.message
    # nothing at all was recorded, not even the good row
    fire = current(dw.school_a, "FIRE", dw.today)
    assert fire.status == S.DUE and not fire.records.exists()
    assert DutyRecord.objects.count() == 1


def test_missing_figures_are_reported(dw):
    rows = [[dw.school_a.code, "FIRE", moment(dw), "", None, None, ""]]
    with pytest.raises(JobRefused) as refused:
        imports.record_import(
            fileobj=workbook(rows), actor=dw.users[Role.SCHOOL_OFFICER], now=dw.now
        )
    assert sorted(e["column"] for e in refused.value.errors) == ["参与人数", "疏散用时（秒）"]


def test_a_clean_workbook_is_imported_through_the_page(client_for, dw):
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    page = c.get(reverse("duties:record_import"))
    assert b'data-testid="template-link"' in page.content
    template = c.get(reverse("duties:record_import") + "?template=1")
    assert template.status_code == 200
    assert "filename*=utf-8''" in template["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(template.streaming_content))).active
    cells = [str(c.value or "").rstrip("*") for row in sheet.iter_rows(max_row=8) for c in row]
    assert "学校标识码" in cells
    rows = [
        [dw.school_a.code, "FIRE", moment(dw), "夜间火灾", 812, 176, "全校师生"],
        [dw.school_a.code, "MEETS", moment(dw), "", 21, None, "例会"],
    ]
    response = c.post(reverse("duties:record_import"), {"file": workbook(rows)})
    assert response.status_code == 302
    job = Job.objects.get(kind="duties.record_import")
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, (job.result, job.errors)
    assert job.result["rows"] == 2
    fire = current(dw.school_a, "FIRE", dw.today)
    assert fire.status == S.DONE
    rec = fire.records.get()
    assert (rec.participants, rec.evacuation_seconds, rec.scenario) == (812, 176, "夜间火灾")
    assert rec.created_by == dw.users[Role.SCHOOL_OFFICER]


@pytest.mark.parametrize("content", [b"%PDF-1.4 not a workbook", xlsx_bomb()])
def test_a_file_that_is_no_workbook_is_refused_before_a_job(client_for, dw, content):
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    bad = SimpleUploadedFile("drills.xlsx", content)
    response = c.post(reverse("duties:record_import"), {"file": bad})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Job.objects.exists()


def test_a_zip_bomb_is_refused_by_the_job_before_it_is_expanded(dw):
    with pytest.raises(JobRefused):
        imports.record_import(
            fileobj=io.BytesIO(xlsx_bomb()), actor=dw.users[Role.SCHOOL_OFFICER], now=dw.now
        )
    assert not DutyRecord.objects.exists()


def test_user_text_in_the_log_stays_text(client_for, dw):
    officer = dw.users[Role.SCHOOL_OFFICER]
    occ = current(dw.school_a, "MEETS", dw.today)
    services.record(
        actor=officer,
        occurrence_id=occ.pk,
        data={
            "occurred_at": dw.now - datetime.timedelta(minutes=3),
            "participants": 4,
            "summary": "=1+1",
        },
        now=dw.now,
    )
    response = client_for(officer).get(reverse("duties:log_export"))
    assert_text_not_formula(b"".join(response.streaming_content), texts=["=1+1"])


# --- the duty log ---------------------------------------------------------------------------


def test_duty_log_excel_and_word(client_for, dw):
    officer = dw.users[Role.SCHOOL_OFFICER]
    occ = current(dw.school_a, "DRILL", dw.today)
    services.record(
        actor=officer,
        occurrence_id=occ.pk,
        data={"occurred_at": dw.now, "participants": 800, "evacuation_seconds": 180},
        files={"photo": [jpeg()], "signin": [jpeg("s.jpg", (1, 2, 3))]},
        now=dw.now,
    )
    c = client_for(officer)
    response = c.get(reverse("duties:log_export"))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "filename*=utf-8''" in disposition
    from urllib.parse import unquote

    name = unquote(disposition.split("''", 1)[1])
    assert name.startswith(f"{dw.school_a.name}_常态化工作台账_") and name.endswith(".xlsx")
    assert f"{dw.today:%Y-%m-%d}" in name and "学年" in name
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "序号")
    table = rows[header + 1 :]
    drill = next(r for r in table if r[1] == "DRILL" and r[7] == "已完成")
    assert drill[9] == 800 and drill[10] == 180 and drill[13] == officer.display_name
    assert isinstance(drill[4], datetime.datetime)  # a date stored as a date
    term = Occurrence.objects.filter(school=dw.school_a).count()
    assert 0 < len(table) <= term

    word = c.get(reverse("duties:log_export") + f"?school={dw.school_a.pk}&format=docx")
    assert word.status_code == 200
    assert ".docx" in word["Content-Disposition"]
    doc = assert_gongwen(
        word.content, title=f"{dw.school_a.name}常态化工作台账", headings=2, landscape=True
    )
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{dw.school_a.name}常态化工作台账" in text and "总体情况" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "应急疏散演练" in cells and "参与800人；疏散180秒" in cells
    # the summary tells what is open now from what has not started yet
    from safecampus.duties.exports import duty_log

    rows = duty_log(user=officer, school=dw.school_a, term=None, today=dw.today).rows
    later = sum(1 for r in rows if r.status == "due" and r.occ.window_start > dw.today)
    summary = next(p.text for p in doc.paragraphs if p.text.startswith("本学期应开展"))
    assert later > 0 and f"尚未开始{later}项次" in summary


def test_duty_log_of_another_term(client_for, dw):
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    year = dw.today.year
    spring = f"{year}-02-16" if dw.today.month >= 7 else f"{year - 1}-09-01"
    response = c.get(reverse("duties:log_export") + f"?school={dw.school_a.pk}&term={spring}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    heading = " ".join(str(c.value) for row in sheet.iter_rows(max_row=4) for c in row if c.value)
    assert spring in heading


def test_a_refused_import_job_lists_its_rows(client_for, dw):
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    rows = [
        [dw.school_a.code, "FIRE", moment(dw), "", 5, 60, ""],
        [dw.school_a.code, "DRILL", moment(dw), "", 5, 60, ""],
    ]
    response = c.post(reverse("duties:record_import"), {"file": workbook(rows)})
    job = Job.objects.get(kind="duties.record_import")
    assert response["Location"] == job.get_absolute_url()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "工作编码")]
    assert not DutyRecord.objects.exists()
    page = c.get(job.get_absolute_url()).content.decode()
    assert "应急疏散演练" in page
