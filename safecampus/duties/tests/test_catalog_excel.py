"""The duty catalog as Excel: the export's layout, the round trip through an import, and an
import with bad rows (every one reported in Chinese, nothing saved)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.audit.models import AuditEvent
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing_excel import assert_text_not_formula, header_row, zeros_zip
from safecampus.duties.catalog_excel import columns, duty_row
from safecampus.duties.models import Duty, DutyCatalogVersion
from safecampus.duties.testing import duty, small_duty_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world):
    return small_duty_catalog(world.bureau, world.department)


def _export(client, version) -> bytes:
    response = client.get(reverse("duties:catalog_export", args=[version.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _rows(version) -> dict[str, list]:
    return {
        d.code: duty_row(d)
        for d in Duty.objects.filter(version=version)
        .select_related("overseeing_department")
        .prefetch_related("owed_by_departments")
    }


def _import(client, content, bureau, capture):
    with capture(execute=True):
        return client.post(
            reverse("duties:catalog_import"),
            {"bureau": bureau.pk, "file": SimpleUploadedFile("常态化工作清单.xlsx", content)},
        )


def test_export_is_a_readable_workbook(world, published, client_for):
    client = client_for(world.users[Role.PRINCIPAL])
    response = client.get(reverse("duties:catalog_export", args=[published.pk]))
    assert "attachment" in response["Content-Disposition"]
    assert "%E5%B8%B8%E6%80%81%E5%8C%96" in response["Content-Disposition"]  # 常态化…
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    at = header_row(ws)
    assert ws["A1"].value == "常态化工作清单（第1版）"
    headers = [str(c.value).rstrip("*") for c in ws[at]]
    assert headers[: len(columns())] == [c.header for c in columns()]
    rows = {r[1]: r for r in ws.iter_rows(min_row=at + 1, values_only=True) if r[1]}
    assert set(rows) == {"DRILL", "KDRILL", "CHECK", "MEET", "WATER", "DAY512", "BOARD"}
    drill = dict(zip(headers, rows["DRILL"], strict=False))
    assert drill["频次规则"] == "monthly" and drill["频次说明"] == "每月1次"
    assert drill["宽限（天）"] == 5  # a number, not text
    assert drill["须提交佐证"] == "照片、签到表"
    assert drill["须填报数据"] == "参加人数、疏散用时（秒）"
    assert drill["监督科室"] == "普教一科"
    assert "小学" in drill["适用学段"] and "幼儿园" not in drill["适用学段"]
    water = dict(zip(headers, rows["WATER"], strict=False))
    assert water["承担协作单位类别"] == "卫生健康、公安" and water["各学校承担"] == "否"
    assert dict(zip(headers, rows["MEET"], strict=False))["承担科室"] == "普教一科"


def test_round_trip_into_the_draft(
    world, published, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    content = _export(client, published)
    draft = DutyCatalogVersion.objects.create(bureau=world.bureau, number=2, title="草稿")
    duty(draft, "OLD", "将被替换的工作", "weekly")
    response = _import(client, content, world.bureau, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == "succeeded", job.errors
    assert job.result == {
        "version_id": draft.pk,
        "number": 2,
        "duties": 7,
        "url": draft.get_absolute_url(),
    }
    # the job's page opens the draft
    page = client.get(job.get_absolute_url()).content.decode()
    assert draft.get_absolute_url() in page
    assert _rows(draft) == _rows(published)
    assert AuditEvent.objects.filter(action="import", target_id=str(draft.pk)).exists()


def test_round_trip_into_a_new_draft(
    world, published, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    content = _export(client, published)
    _import(client, content, world.bureau, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == "succeeded", job.errors
    draft = DutyCatalogVersion.objects.get(bureau=world.bureau, status="draft")
    assert draft.number == 2 and draft.based_on == published
    assert _rows(draft) == _rows(published)
    # and the imported draft publishes
    client.post(reverse("duties:version_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "published"


def test_bad_rows_are_all_reported_and_nothing_is_saved(
    world, published, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    wb = load_workbook(io.BytesIO(_export(client, published)))
    ws = wb.active
    at = header_row(ws)
    col = {str(c.value).rstrip("*"): c.column_letter for c in ws[at]}
    rows = {ws[f"{col['编号']}{r}"].value: r for r in range(at + 1, ws.max_row + 1)}
    ws[f"{col['频次规则']}{rows['DRILL']}"] = "every fortnight"
    ws[f"{col['适用学段']}{rows['KDRILL']}"] = "大学"
    ws[f"{col['须提交佐证']}{rows['CHECK']}"] = "照片、视频"
    ws[f"{col['须填报数据']}{rows['MEET']}"] = "得分"
    ws[f"{col['承担科室']}{rows['MEET']}"] = "无此科"
    ws[f"{col['承担协作单位类别']}{rows['WATER']}"] = "银行"
    ws[f"{col['编号']}{rows['BOARD']}"] = "DAY512"
    ws[f"{col['宽限（天）']}{rows['DAY512']}"] = "三天"
    buf = io.BytesIO()
    wb.save(buf)
    _import(client, buf.getvalue(), world.bureau, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == "failed"
    found = {(e["row"], e["column"]) for e in job.errors}
    assert found == {
        (rows["DRILL"], "频次规则"),
        (rows["KDRILL"], "适用学段"),
        (rows["CHECK"], "须提交佐证"),
        (rows["MEET"], "须填报数据"),
        (rows["MEET"], "承担科室"),
        (rows["WATER"], "承担协作单位类别"),
        (rows["DAY512"], "编号"),
        (rows["DAY512"], "宽限（天）"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert "“every fortnight”不是有效的频次规则" in messages[(rows["DRILL"], "频次规则")]
    assert messages[(rows["KDRILL"], "适用学段")] == "“大学”不是可用的学段。"
    assert messages[(rows["CHECK"], "须提交佐证")] == "“视频”不是可用的佐证。"
    assert messages[(rows["MEET"], "承担科室")] == "本教育局没有名为“无此科”的科室。"
    assert messages[(rows["DAY512"], "编号")] == f"编号DAY512与第{rows['BOARD']}行重复。"
    assert job.result["message"].startswith("6 行中共有 8 个问题，未导入任何数据")
    # nothing saved: no draft was started
    assert list(DutyCatalogVersion.objects.filter(bureau=world.bureau)) == [published]


def test_bad_rows_leave_an_existing_draft_as_it_was(
    world, published, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    draft = DutyCatalogVersion.objects.create(bureau=world.bureau, number=2, title="草稿")
    duty(draft, "KEEP", "保留的工作", "weekly")
    wb = load_workbook(io.BytesIO(_export(client, published)))
    ws = wb.active
    at = header_row(ws)
    col = {str(c.value).rstrip("*"): c.column_letter for c in ws[at]}
    ws[f"{col['频次规则']}{at + 1}"] = "on 02-30"
    buf = io.BytesIO()
    wb.save(buf)
    _import(client, buf.getvalue(), world.bureau, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(at + 1, "频次规则")]
    assert "不是有效日期" in job.errors[0]["message"]
    assert list(draft.duties.values_list("code", flat=True)) == ["KEEP"]


def test_text_is_never_a_formula(world, client_for):
    version = DutyCatalogVersion.objects.create(bureau=world.bureau, number=1, title="清单")
    duty(version, "F1", "=1+1", "weekly", done_when="+SUM(A1)", source="@cmd")
    content = _export(client_for(world.users[Role.SAFETY_CENTRE]), version)
    assert_text_not_formula(content, ["=1+1", "+SUM(A1)", "@cmd"])


@pytest.mark.parametrize(
    "content,shown",
    [
        (b"not a workbook at all", "不是 Excel 工作簿"),
        (zeros_zip(members=40, member_bytes=4 * 1024 * 1024), ""),
    ],
)
def test_a_file_that_is_not_a_workbook_starts_no_job(
    world, published, client_for, django_capture_on_commit_callbacks, content, shown
):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("duties:catalog_import"),
            {"bureau": world.bureau.pk, "file": SimpleUploadedFile("清单.xlsx", content)},
            follow=True,
        )
    text = " ".join(str(m) for m in response.context["messages"])
    assert text and shown in text
    assert not Job.objects.exists()
    assert DutyCatalogVersion.objects.filter(bureau=world.bureau).count() == 1


def test_the_job_refuses_a_draft_published_meanwhile_and_a_reader(world, published, client_for):
    from safecampus.core.jobs import JobRefused
    from safecampus.duties.catalog_excel import catalog_import

    content = _export(client_for(world.users[Role.SAFETY_CENTRE]), published)
    with pytest.raises(JobRefused) as refused:
        catalog_import(
            fileobj=io.BytesIO(content),
            actor=world.users[Role.SAFETY_CENTRE],
            bureau_id=world.bureau.pk,
            version_id=published.pk,
        )
    assert refused.value.message == "已发布的版本不可更改；请新建草稿。"
    with pytest.raises(JobRefused):
        catalog_import(
            fileobj=io.BytesIO(content),
            actor=world.users[Role.SCHOOL_OFFICER],
            bureau_id=world.bureau.pk,
        )
    assert list(DutyCatalogVersion.objects.all()) == [published]
    assert published.duties.count() == 7
