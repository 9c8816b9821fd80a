"""The form workbook round trip: export, fill in offline, import (one workbook, a zip, a job)."""

import datetime
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from PIL import Image

from safecampus.campaigns.testing import launched_campaign
from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.hazards.models import Hazard
from safecampus.inspections import excel, services
from safecampus.inspections.choices import Answer, FormAction, FormStatus
from safecampus.inspections.models import FormEvent

pytestmark = pytest.mark.django_db

#: a complete, valid filling of the three items of the small catalog
GOOD = {
    "A01-01": {
        "排查结果": "不符合",
        "隐患描述": "二楼疏散通道堆放杂物",
        "整改措施": "清理杂物，设置警示标识",
        "整改时限": datetime.datetime(2030, 5, 31),
        "整改责任人": "王老师",
    },
    "A01-02": {"排查结果": "符合", "情况说明": "灭火器在有效期内"},
    "A02-01": {"排查结果": "不适用", "不适用理由": "学校没有食堂"},
}
DAMAGED = "无法将该文件作为 Excel 工作簿（.xlsx）读取，文件可能已损坏。"
NOT_XLSX = "该文件不是 Excel 工作簿（.xlsx）。"
OLD_XLS = "这是旧版 .xls 文件。请在 Excel 或 WPS 中另存为 .xlsx 格式后重试。"


def workbook(form, values=GOOD, edit=None) -> bytes:
    """``form`` exported, its input cells written ({item code: {header: value}}), saved."""
    wb = load_workbook(io.BytesIO(excel.form_workbook_bytes(form)))
    ws = wb[excel.SHEET]
    column = {header: n for n, header in enumerate(excel.HEADERS, start=1)}
    for row in range(excel.FIRST_ROW, ws.max_row + 1):
        for header, value in values.get(ws.cell(row, 2).value, {}).items():
            ws.cell(row, column[header], value)
    if edit:
        edit(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def import_bytes(data: bytes, *, actor, name="表.xlsx", **kwargs) -> excel.WorkbookReport:
    return excel.import_form_workbook(io.BytesIO(data), actor=actor, name=name, **kwargs)


def answers_of(form) -> dict:
    return {
        a.item.code: (a.answer, a.description, a.deadline, a.na_reason)
        for a in form.answers.select_related("item")
    }


BLANK = dict.fromkeys(GOOD, ("", "", None, ""))


def run_import_job(user, data_or_zip: bytes, *, name: str, **params) -> Job:
    job = Job.objects.create(
        kind="campaigns.form_import",
        title="导入",
        created_by=user,
        params={"name": name, **params},
        input_file=ContentFile(data_or_zip, name=name),
    )
    return job_run(job.pk)


def test_a_filled_workbook_is_saved_with_an_import_event(camp):
    report = import_bytes(workbook(camp.form_a), actor=camp.school_user, name="甲小学.xlsx")
    assert (report.status, report.changed, report.form_id, report.errors) == (
        "saved",
        3,
        camp.form_a.pk,
        [],
    )
    assert answers_of(camp.form_a) == {
        "A01-01": (Answer.NON_COMPLIANT, "二楼疏散通道堆放杂物", datetime.date(2030, 5, 31), ""),
        "A01-02": (Answer.COMPLIANT, "", None, ""),
        "A02-01": (Answer.NOT_APPLICABLE, "", None, "学校没有食堂"),
    }
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.IN_PROGRESS
    assert (camp.form_a.answered_count, camp.form_a.non_compliant_count) == (3, 1)
    event = camp.form_a.events.get(action=FormAction.IMPORT)
    assert (event.actor, event.comment) == (camp.school_user, "甲小学.xlsx")


def test_each_item_shows_whether_it_is_major_and_which_department_takes_it(camp):
    ws = load_workbook(io.BytesIO(excel.form_workbook_bytes(camp.form_a)))[excel.SHEET]
    column = {header: n for n, header in enumerate(excel.HEADERS, start=1)}
    rows = range(excel.FIRST_ROW, ws.max_row + 1)
    answers = {a.item.code: a for a in excel.form_rows(camp.form_a)}
    for row in rows:
        answer = answers[ws.cell(row, column["编码"]).value]
        major = ws.cell(row, column["重大"]).value
        assert (major == "是") == (answer.item.default_level == "major")
        assert ws.cell(row, column["责任科室"]).value == (
            answer.department.name if answer.department_id else None
        )
        # the item text wraps and its row is high enough to print it in full
        text = ws.cell(row, column["排查项"])
        assert text.alignment.wrap_text and text.value == answer.item.text
        assert ws.row_dimensions[row].height >= 15


def test_a_workbook_exported_before_the_new_columns_still_imports(camp):
    def legacy(ws):
        # the layout of workbooks already sent to schools: no 重大 nor 责任科室
        ws.protection.sheet = False
        ws.unmerge_cells(start_row=1, start_column=1, end_row=1, end_column=len(excel.HEADERS))
        ws.unmerge_cells(start_row=2, start_column=1, end_row=2, end_column=len(excel.HEADERS))
        ws.unmerge_cells(start_row=3, start_column=1, end_row=3, end_column=len(excel.HEADERS))
        ws.delete_cols(excel.HEADERS.index("重大") + 1, 2)

    report = import_bytes(workbook(camp.form_a, edit=legacy), actor=camp.school_user)
    assert (report.status, report.changed, report.errors) == ("saved", 3, [])
    assert answers_of(camp.form_a)["A02-01"] == (Answer.NOT_APPLICABLE, "", None, "学校没有食堂")


def test_every_bad_cell_is_reported_and_nothing_is_saved(camp):
    values = {
        **GOOD,
        "A01-01": {**GOOD["A01-01"], "排查结果": "基本符合"},
        "A01-02": {"排查结果": "不符合", "整改时限": "下周五", "隐患描述": "灭火器过期"},
        "A02-01": {"排查结果": "不适用", "不适用理由": "无" * 201, "整改责任人": "张" * 65},
    }
    report = import_bytes(workbook(camp.form_a, values), actor=camp.school_user)
    assert report.status == "refused"
    assert report.message == _("%(n)s cells are wrong; nothing of this workbook was saved.") % {
        "n": 4
    }
    assert report.errors == [
        {"row": 5, "column": "H 排查结果", "message": "只能填写“符合”“不符合”或“不适用”"},
        {"row": 6, "column": "L 整改时限", "message": "不是日期，请填写如 2026-03-20 的日期"},
        {"row": 7, "column": "M 整改责任人", "message": "超过 64 个字"},
        {"row": 7, "column": "O 不适用理由", "message": "超过 200 个字"},
    ]
    assert answers_of(camp.form_a) == BLANK
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.NOT_STARTED
    assert not camp.form_a.events.filter(action=FormAction.IMPORT).exists()


def test_another_schools_workbook_is_refused(camp):
    report = import_bytes(workbook(camp.form_b), actor=camp.school_user)
    assert report.status == "refused"
    assert report.message == _(
        "The workbook is the form of a school you may not fill in (%(code)s)."
    ) % {"code": camp.school_b.code}
    assert answers_of(camp.form_b) == BLANK


def test_form_import_refuses_the_workbook_of_another_form_in_scope(
    camp, client_for, django_capture_on_commit_callbacks
):
    """The centre may fill in every form, but form A's import takes only form A's workbook."""
    client = client_for(camp.centre)
    upload = SimpleUploadedFile("乙.xlsx", workbook(camp.form_b))
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("inspections:form_import", args=[camp.form_a.pk]), {"files": upload}
        )
    job = Job.objects.get()
    assert r["Location"] == job.get_absolute_url()
    [report] = job.result["workbooks"]
    assert report["status"] == "refused"
    assert report["message"] == _("The workbook is the form of another school: %(school)s.") % {
        "school": "乙幼儿园"
    }
    assert answers_of(camp.form_a) == BLANK and answers_of(camp.form_b) == BLANK


def test_a_workbook_of_another_campaign_is_refused_with_its_name(camp):
    autumn = launched_campaign(camp.bureau, camp.catalog, camp.centre, name="2026年秋季开学检查")
    other_form = autumn.forms.get(school=camp.school_a)
    another_campaign = _("The workbook belongs to another campaign: %(name)s.") % {
        "name": "2026年秋季开学检查"
    }
    data = workbook(other_form)
    job = run_import_job(
        camp.school_user, data, name="秋季.xlsx", campaign=camp.campaign.pk, form=None
    )
    [report] = job.result["workbooks"]
    assert report["status"] == "refused"
    assert report["message"] == another_campaign
    # the same workbook through the form import of this campaign's form names the campaign too
    report = import_bytes(
        data, actor=camp.school_user, campaign=camp.campaign, form_id=camp.form_a.pk
    )
    assert report.message == another_campaign
    assert answers_of(other_form) == BLANK and answers_of(camp.form_a) == BLANK


def _swap_rows(ws):
    for col in range(1, len(excel.HEADERS) + 1):
        a, b = ws.cell(5, col), ws.cell(6, col)
        a.value, b.value = b.value, a.value


@pytest.mark.parametrize(
    ("edit", "what"),
    [
        (lambda ws: ws.delete_rows(6), [("missing items %(codes)s", "A01-02")]),
        (
            lambda ws: setattr(ws["B6"], "value", "A09-09"),
            [("missing items %(codes)s", "A01-02"), ("unknown items %(codes)s", "A09-09")],
        ),
        (_swap_rows, [("the rows were reordered", "")]),
    ],
    ids=["row deleted", "code changed", "rows reordered"],
)
def test_an_altered_item_list_is_refused(camp, edit, what):
    report = import_bytes(workbook(camp.form_a, edit=edit), actor=camp.school_user)
    assert report.status == "refused"
    what = "；".join(_(text) % {"codes": codes} for text, codes in what)
    assert report.message == _(
        "The item list of the workbook was altered (%(what)s). Use the workbook as exported."
    ) % {"what": what}
    assert answers_of(camp.form_a) == BLANK


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, DAMAGED),  # a good workbook cut in half
        ("学校,排查结果\n甲小学,符合\n".encode(), NOT_XLSX),
        (_png(), NOT_XLSX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, OLD_XLS),
    ],
    ids=["truncated", "text", "png", "xls"],
)
def test_a_file_that_is_no_workbook_is_refused_with_the_reason(
    camp, client_for, django_capture_on_commit_callbacks, content, message
):
    if content is None:
        good = workbook(camp.form_a)
        content = good[: len(good) // 2]
    client = client_for(camp.school_user)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("inspections:campaign_import", args=[camp.campaign.pk]),
            {"files": SimpleUploadedFile("排查表.xlsx", content)},
        )
    assert r.status_code == 302
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["workbooks"] == [
        excel.WorkbookReport(name="排查表.xlsx", message=message).as_dict()
    ]
    assert client.get(job.get_absolute_url()).status_code == 200
    assert answers_of(camp.form_a) == BLANK


def test_reimporting_the_same_workbook_changes_nothing(camp):
    data = workbook(camp.form_a)
    assert import_bytes(data, actor=camp.school_user).status == "saved"
    events = FormEvent.objects.count()
    report = import_bytes(data, actor=camp.school_user)
    assert (report.status, report.changed) == ("unchanged", 0)
    assert FormEvent.objects.count() == events


def test_after_submission_the_same_workbook_is_unchanged_and_a_changed_one_refused(camp):
    data = workbook(camp.form_a)
    import_bytes(data, actor=camp.school_user)
    services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    events = FormEvent.objects.count()
    report = import_bytes(data, actor=camp.school_user)
    assert report.status == "unchanged"
    changed = {**GOOD, "A01-02": {"排查结果": "不适用", "不适用理由": "已拆除"}}
    report = import_bytes(workbook(camp.form_a, changed), actor=camp.school_user)
    assert report.status == "refused"
    assert report.message == _(
        "The form was already submitted and is locked; ask the department to return it."
    )
    assert FormEvent.objects.count() == events
    assert answers_of(camp.form_a)["A01-02"] == (Answer.COMPLIANT, "", None, "")


def test_import_with_submit_submits_the_form_and_reports_the_hazards(camp):
    report = import_bytes(workbook(camp.form_a), actor=camp.school_user, submit=True)
    assert (report.status, report.submitted) == ("saved", True)
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.SUBMITTED
    hazard = Hazard.objects.get()
    assert (hazard.school, hazard.item_code, hazard.description) == (
        camp.school_a,
        "A01-01",
        "二楼疏散通道堆放杂物",
    )
    assert camp.form_a.answers.get(item__code="A01-01").hazard == hazard


def test_import_with_submit_of_an_incomplete_form_saves_nothing(camp):
    values = {**GOOD, "A01-01": {"排查结果": "不符合", "隐患描述": "通道堵塞"}}
    report = import_bytes(workbook(camp.form_a, values), actor=camp.school_user, submit=True)
    assert report.status == "refused"
    assert [(e["row"], e["column"]) for e in report.errors] == [
        (5, "K 整改措施"),
        (5, "L 整改时限"),
        (5, "M 整改责任人"),
    ]
    assert answers_of(camp.form_a) == BLANK
    assert not Hazard.objects.exists()


def test_a_zip_imports_each_workbook_on_its_own(camp):
    bad = {"A01-01": {"排查结果": "是"}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("甲小学.xlsx", workbook(camp.form_a))
        archive.writestr("表格/乙幼儿园.xlsx", workbook(camp.form_b, bad))
        archive.writestr("__MACOSX/._甲小学.xlsx", b"junk")
    job = run_import_job(camp.centre, buf.getvalue(), name="全区.zip", campaign=camp.campaign.pk)
    assert job.status == Job.Status.SUCCEEDED
    assert (job.result["saved"], job.result["unchanged"], job.result["refused"]) == (1, 0, 1)
    good, refused = job.result["workbooks"]
    assert (good["name"], good["status"], good["form_id"]) == (
        "甲小学.xlsx",
        "saved",
        camp.form_a.pk,
    )
    assert (refused["name"], refused["status"]) == ("乙幼儿园.xlsx", "refused")
    assert refused["errors"] == [
        {"row": 5, "column": "H 排查结果", "message": "只能填写“符合”“不符合”或“不适用”"}
    ]
    assert answers_of(camp.form_a)["A01-01"][0] == Answer.NON_COMPLIANT
    assert answers_of(camp.form_b) == BLANK


def test_a_damaged_identification_sheet_refuses_only_its_workbook(camp):
    def garble(ws):
        ws.parent[excel.META_SHEET]["B3"] = "第3号"  # the form id

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("甲小学.xlsx", workbook(camp.form_a))
        archive.writestr("乙幼儿园.xlsx", workbook(camp.form_b, edit=garble))
    job = run_import_job(camp.centre, buf.getvalue(), name="全区.zip")
    assert job.status == Job.Status.SUCCEEDED
    good, refused = job.result["workbooks"]
    assert good["status"] == "saved"
    assert (refused["status"], refused["message"]) == (
        "refused",
        _("The workbook's identification is damaged. Use the workbook as exported."),
    )
    assert answers_of(camp.form_b) == BLANK


def test_a_damaged_zip_fails_the_job_with_the_reason(camp):
    job = run_import_job(camp.centre, b"PK\x03\x04broken", name="全区.zip")
    assert job.status == Job.Status.FAILED
    assert job.result == {"message": _("The zip file is damaged.")}


def test_several_files_uploaded_at_once_make_one_job(
    camp, client_for, django_capture_on_commit_callbacks
):
    client = client_for(camp.centre)
    files = [
        SimpleUploadedFile("甲小学_排查表.xlsx", workbook(camp.form_a)),
        SimpleUploadedFile("乙幼儿园_排查表.xlsx", workbook(camp.form_b, {})),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("inspections:campaign_import", args=[camp.campaign.pk]), {"files": files}
        )
    job = Job.objects.get()
    assert r["Location"] == job.get_absolute_url()
    assert job.params["name"] == "2 workbooks.zip"
    assert [(w["name"], w["status"], w["form_id"]) for w in job.result["workbooks"]] == [
        ("甲小学_排查表.xlsx", "saved", camp.form_a.pk),
        ("乙幼儿园_排查表.xlsx", "unchanged", camp.form_b.pk),
    ]
    assert "乙幼儿园_排查表.xlsx" in client.get(job.get_absolute_url()).content.decode()


def test_forms_zip_holds_one_workbook_per_school(
    camp, client_for, django_capture_on_commit_callbacks
):
    client = client_for(camp.centre)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inspections:campaign_forms_zip", args=[camp.campaign.pk]))
    job = Job.objects.get(kind="campaigns.forms_zip")
    assert (job.status, job.result, job.output_name) == (
        Job.Status.SUCCEEDED,
        {"rows": 2},
        f"2026年校园安全专项整治_自查表_{timezone.localdate():%Y-%m-%d}.zip",
    )
    download = client.get(reverse("core:job_download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    forms = sorted([camp.form_a, camp.form_b], key=lambda f: f.school.code)
    assert archive.namelist() == [f"{f.school.name}_{f.campaign.name}_自查表.xlsx" for f in forms]
    for name, form in zip(archive.namelist(), forms, strict=True):
        meta = dict(load_workbook(io.BytesIO(archive.read(name)))[excel.META_SHEET].values)
        assert (meta["form"], meta["school_code"]) == (form.pk, form.school.code)


def test_an_import_with_no_file_starts_nothing_and_says_what_to_choose(camp, client_for):
    client = client_for(camp.school_user)
    with translation.override("zh-hans"):
        r = client.post(
            reverse("inspections:campaign_import", args=[camp.campaign.pk]), {}, follow=True
        )
    assert not Job.objects.exists()
    assert "请选择一个或多个 .xlsx 工作簿，或其 zip 压缩包。" in r.content.decode()
