"""School list import: all-or-nothing, every bad row listed, re-import idempotent."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.orgs.excel import columns
from safecampus.orgs.models import School, SchoolGate

HEADERS = [c.header for c in columns()]


def row(code="3101120001", name="新建小学", **overrides):
    values = {
        "学校标识码": code,
        "学校名称": name,
        "学段类型": "小学",
        "办学性质": "公办",
        "寄宿制": "否",
        "在校学生数": 900,
        "寄宿生数": 0,
        "教职工数": 70,
        "校门数": 2,
        "食堂": "是",
        "化学实验室": "否",
        "地址": "七宝镇漕宝路1号",
        "校长": "张伟",
        "安全负责人": "李娜",
        "联系电话": "021-64001234",
        "校门坐标": "121.351,31.152; 121.352,31.153",
        "坐标系": "GCJ-02",
        "区划代码": "",
        "状态": "在用",
    }
    values.update(overrides)
    return [values[h] for h in HEADERS]


def xlsx(*rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, world, content: bytes, name="学校.xlsx"):
    with_commit = client.post(
        "/orgs/schools/import/",
        {"bureau": world.bureau.pk, "file": SimpleUploadedFile(name, content)},
    )
    return with_commit


@pytest.fixture
def centre(world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.users[Role.SAFETY_CENTRE])

    def _import(content, name="学校.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, world, content, name)
        return response

    _import.client = client
    return _import


def test_good_file_imports_every_row_with_gates(world, centre):
    before = School.objects.count()
    response = centre(xlsx(row(), row(code="3101120002", name="新建幼儿园", 学段类型="幼儿园")))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert job.result == {"created": 2, "updated": 0, "unchanged": 0}
    assert School.objects.count() == before + 2
    school = School.objects.get(code="3101120001")
    assert (school.bureau, school.stage, school.students, school.has_canteen) == (
        world.bureau,
        "primary",
        900,
        True,
    )
    assert list(
        SchoolGate.objects.filter(school=school).values_list("coord_system", flat=True)
    ) == ["gcj02", "gcj02"]
    assert (
        AuditEvent.objects.filter(action=Action.CONFIG_CREATED, target_type="orgs.school").count()
        == 2
    )
    page = centre.client.get(f"/jobs/{job.pk}/").content.decode()
    assert "100%" in page


def test_bad_rows_save_nothing_and_every_error_is_listed(world, centre):
    before = School.objects.count()
    content = xlsx(
        row(),
        row(code="12345", name=""),  # two errors in one row
        row(code="3101120003", 学段类型="大学"),
        row(code="3101120004", 在校学生数=-5),
        row(code="3101120005", 寄宿生数=100),  # boarders without boarding, > 0
        row(code="3101120006", 校门坐标="31.15,121.35"),  # latitude first
        row(code="3101120001", name="重复"),
    )
    centre(content)
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert School.objects.count() == before
    found = {(e["row"], e["column"]) for e in job.errors}
    assert found == {
        (3, "学校标识码"),
        (3, "学校名称"),
        (4, "学段类型"),
        (5, "在校学生数"),
        (6, "寄宿生数"),
        (7, "校门坐标"),
        (8, "学校标识码"),
    }
    page = centre.client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="job-errors"' in page


def test_reimport_creates_no_duplicates_and_changes_nothing(world, centre):
    content = xlsx(row(), row(code="3101120002", name="二小"))
    centre(content)
    events = AuditEvent.objects.count()
    centre(content)
    second = Job.objects.order_by("-pk").first()
    assert second.result == {"created": 0, "updated": 0, "unchanged": 2}
    assert School.objects.filter(code__in=["3101120001", "3101120002"]).count() == 2
    assert SchoolGate.objects.filter(school__code="3101120001").count() == 2
    # only the import summary and the upload were recorded, no per-school change
    assert not AuditEvent.objects.filter(pk__gt=0, action=Action.CONFIG_CHANGED).exists()
    assert AuditEvent.objects.count() == events + 1


def test_reimport_with_a_change_updates_that_school_only(world, centre):
    centre(xlsx(row(), row(code="3101120002", name="二小")))
    centre(xlsx(row(在校学生数=1000), row(code="3101120002", name="二小")))
    job = Job.objects.order_by("-pk").first()
    assert job.result == {"created": 0, "updated": 1, "unchanged": 1}
    assert School.objects.get(code="3101120001").students == 1000
    change = AuditEvent.objects.get(action=Action.CONFIG_CHANGED)
    assert change.data["changes"]["students"] == [900, 1000]


def test_existing_code_of_another_bureau_is_refused(world, centre):
    centre(xlsx(row(code=world.school_other.code, name="冒名")))
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.errors[0]["column"] == "学校标识码"
    world.school_other.refresh_from_db()
    assert world.school_other.name == "外区中学"


@pytest.mark.parametrize(
    "content, name",
    [
        ("name,code\n甲,1\n".encode(), "学校.xlsx"),  # CSV renamed
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "学校.xls"),  # old .xls
        (b"%PDF-1.4 not a workbook", "学校.xlsx"),
    ],
)
def test_non_excel_file_gets_a_clear_error_and_no_job(world, centre, content, name):
    response = centre(content, name)
    assert response.status_code == 200
    assert not Job.objects.exists()
    assert 'data-testid="field-error"' in response.content.decode()


def test_corrupted_workbook_fails_the_job_clearly(world, centre):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not excel")
    centre(buf.getvalue())
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.result["message"]


def test_missing_columns_are_named(world, centre):
    centre(xlsx(["3101120001", "小学"], headers=["学校标识码", "学段类型"]))
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "学校名称" in job.result["message"]


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.SCHOOL_OFFICER, Role.SECURITY_ADMIN])
def test_import_is_for_the_centre_only(world, client_for, role):
    response = upload(client_for(world.users[role]), world, xlsx(row()))
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_centre_cannot_import_into_another_bureau(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        "/orgs/schools/import/",
        {"bureau": world.other_bureau.pk, "file": SimpleUploadedFile("a.xlsx", xlsx(row()))},
    )
    assert response.status_code == 200  # form error: not a valid choice
    assert not Job.objects.exists()


def test_job_page_is_private_to_its_owner(world, centre, client_for):
    centre(xlsx(row()))
    job = Job.objects.get()
    other = client_for(world.users[Role.LEADERSHIP])
    assert other.get(f"/jobs/{job.pk}/").status_code == 404


def test_export_round_trips_through_import(world, centre):
    response = centre.client.get("/orgs/schools/export/")
    content = b"".join(response.streaming_content)
    centre(content)
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.result == {"created": 0, "updated": 0, "unchanged": 2}


def test_non_finite_numbers_are_row_errors(world, centre):
    centre(xlsx(row(在校学生数="nan"), row(code="3101120002", 校门坐标="nan,31")))
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert {(e["row"], e["column"]) for e in job.errors} == {(2, "在校学生数"), (3, "校门坐标")}
