"""The form import refuses zips over the limits before expanding them, saving nothing; the form
workbook writes user text as text, never as a formula."""

import datetime
import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from safecampus.core.models import Job
from safecampus.core.testing_excel import (
    FORMULA_TEXTS,
    MIB,
    assert_text_not_formula,
    xlsx_bomb,
    zeros_zip,
    zip_bytes,
)
from safecampus.inspections import excel
from safecampus.inspections.models import FormAnswer

from .test_excel import BLANK, answers_of, run_import_job, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def ratio_of(content: bytes, member: str) -> int:
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(member)
    return info.file_size // info.compress_size


def test_a_zip_bomb_uploaded_is_refused_with_the_reason_and_starts_no_job(
    camp, client_for, django_capture_on_commit_callbacks
):
    bomb = zeros_zip(members=3, member_bytes=2 * MIB)
    assert len(bomb) < 20_000
    client = client_for(camp.centre)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("inspections:campaign_import", args=[camp.campaign.pk]),
            {"files": SimpleUploadedFile("全区.zip", bomb)},
        )
    assert r.status_code == 302
    ratio = ratio_of(bomb, "学校1.xlsx")
    assert [str(m) for m in get_messages(r.wsgi_request)] == [
        f"“全区.zip”中的“学校1.xlsx”压缩比达 {ratio} 倍（上限 200 倍），疑似“压缩炸弹”，已拒绝。"
    ]
    assert not Job.objects.exists()
    assert answers_of(camp.form_a) == BLANK


def test_a_zip_bomb_reaching_the_job_fails_it_before_expansion(camp, monkeypatch):
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a, **k: pytest.fail("expanded"))
    job = run_import_job(camp.centre, zeros_zip(members=40, member_bytes=2 * MIB), name="全区.zip")
    assert job.status == Job.Status.FAILED
    assert "疑似“压缩炸弹”，已拒绝" in job.result["message"]


def test_a_bomb_workbook_inside_a_zip_fails_the_job_and_saves_no_workbook(camp):
    bomb = xlsx_bomb()
    content = zip_bytes({"甲小学.xlsx": workbook(camp.form_a), "乙幼儿园.xlsx": bomb})
    job = run_import_job(camp.centre, content, name="全区.zip", campaign=camp.campaign.pk)
    assert job.status == Job.Status.FAILED
    ratio = ratio_of(bomb, "xl/worksheets/sheet1.xml")
    assert job.result == {
        "message": f"“乙幼儿园.xlsx”中的“xl/worksheets/sheet1.xml”压缩比达 {ratio} 倍"
        "（上限 200 倍），疑似“压缩炸弹”，已拒绝。"
    }
    assert answers_of(camp.form_a) == BLANK  # the good workbook before it was not imported


def test_a_single_bomb_workbook_fails_the_job(camp):
    job = run_import_job(camp.centre, xlsx_bomb(), name="甲小学.xlsx")
    assert job.status == Job.Status.FAILED
    assert job.result["message"].startswith("“甲小学.xlsx”中的“xl/worksheets/sheet1.xml”压缩比达")
    assert answers_of(camp.form_a) == BLANK


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"members": 1}, "“全区.zip”包含 2 个文件，最多接受 1 个，已拒绝。"),
        ({"total_bytes": 10_000}, "“全区.zip”解压后总大小超过 0.0 MB，已拒绝。"),
    ],
    ids=["count", "total"],
)
def test_a_zip_of_workbooks_over_the_limits_fails_the_job(camp, settings, limits, message):
    settings.SAFECAMPUS_ZIP_LIMITS = {"bundle": limits}
    content = zip_bytes({"甲.xlsx": workbook(camp.form_a), "乙.xlsx": workbook(camp.form_b, {})})
    job = run_import_job(camp.centre, content, name="全区.zip")
    assert (job.status, job.result) == (Job.Status.FAILED, {"message": message})
    assert answers_of(camp.form_a) == BLANK


def test_a_zip_inside_the_zip_of_workbooks_fails_the_job(camp):
    inner = zip_bytes({"甲.xlsx": workbook(camp.form_a)})
    job = run_import_job(camp.centre, zip_bytes({"片区.zip": inner}), name="全区.zip")
    assert job.result == {
        "message": "“全区.zip”中还有压缩包（片区.zip）。请把工作簿本身直接放进一个 zip 压缩包。"
    }
    assert answers_of(camp.form_a) == BLANK


def test_the_form_workbook_writes_user_text_as_text(camp, client_for):
    answers = list(camp.form_a.answers.order_by("sort_order", "id"))
    deadline = datetime.date(2026, 5, 31)
    FormAnswer.objects.filter(pk=answers[0].pk).update(
        note=FORMULA_TEXTS[0],
        description=FORMULA_TEXTS[1],
        plan=FORMULA_TEXTS[2],
        deadline=deadline,
    )
    FormAnswer.objects.filter(pk=answers[1].pk).update(
        responsible_person=FORMULA_TEXTS[3], interim_measures=FORMULA_TEXTS[4]
    )
    FormAnswer.objects.filter(pk=answers[2].pk).update(na_reason=FORMULA_TEXTS[5])
    r = client_for(camp.school_user).get(reverse("inspections:form_export", args=[camp.form_a.pk]))
    assert r.status_code == 200
    assert_text_not_formula(r.content)
    ws = load_workbook(io.BytesIO(r.content))["排查表"]
    assert [ws.cell(row, 1).value for row in range(5, 8)] == [1, 2, 3]  # numbers stay numbers
    col = {h: n for n, h in enumerate(excel.HEADERS, start=1)}
    assert ws.cell(5, col["整改时限"]).value == datetime.datetime(2026, 5, 31)  # dates stay dates
    assert (ws.cell(5, col["情况说明"]).value, ws.cell(5, col["隐患描述"]).value) == (
        "=1+1",
        "+SUM(A1)",
    )
