"""The school list: an import over the limits of a zip is refused before expansion and saves
nothing; the export writes user text as text, never as a formula."""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from openpyxl import load_workbook

from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory
from safecampus.core.testing_excel import FORMULA_TEXTS, assert_text_not_formula, xlsx_bomb
from safecampus.orgs.models import School

from .test_school_import import row, upload, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def centre(world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.users[Role.SAFETY_CENTRE])

    def _import(content, name="学校.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            return upload(client, world, content, name)

    return _import


def bomb_message(content: bytes, name: str) -> str:
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml")
    return (
        f"“{name}”中的“xl/worksheets/sheet1.xml”压缩比达 {info.file_size // info.compress_size} "
        "倍（上限 200 倍），疑似“压缩炸弹”，已拒绝。"
    )


def test_a_zip_bomb_uploaded_shows_the_reason_on_the_field_and_starts_no_job(world, centre):
    before = list(School.objects.values_list("code", "name"))
    bomb = xlsx_bomb()
    response = centre(bomb, "学校.xlsx")
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [bomb_message(bomb, "学校.xlsx")]}
    assert 'data-testid="field-error"' in response.content.decode()
    assert not Job.objects.exists()
    assert list(School.objects.values_list("code", "name")) == before


def test_a_zip_bomb_reaching_the_job_fails_it_and_saves_nothing(world):
    before = School.objects.count()
    bomb = xlsx_bomb()
    job = Job.objects.create(
        kind="orgs.school_import",
        title="导入",
        created_by=world.users[Role.SAFETY_CENTRE],
        params={"bureau_id": world.bureau.pk, "name": "学校.xlsx"},
        input_file=ContentFile(bomb, name="学校.xlsx"),
    )
    job = job_run(job.pk)
    assert (job.status, job.result) == (
        Job.Status.FAILED,
        {"message": bomb_message(bomb, "学校.xlsx")},
    )
    assert School.objects.count() == before


def test_a_good_workbook_still_imports(world, centre):
    centre(xlsx(row()))
    assert Job.objects.get().status == Job.Status.SUCCEEDED
    assert School.objects.filter(code="3101120001").exists()


def test_the_export_writes_user_text_as_text(world, client_for):
    SchoolFactory(
        bureau=world.bureau,
        name=FORMULA_TEXTS[0],
        address=FORMULA_TEXTS[1],
        principal=FORMULA_TEXTS[2],
        safety_officer=FORMULA_TEXTS[3],
        phone=FORMULA_TEXTS[4],
        students=1234,
    )
    SchoolFactory(bureau=world.bureau, name="丙小学", address=FORMULA_TEXTS[5])
    response = client_for(world.users[Role.SAFETY_CENTRE]).get("/orgs/schools/export/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert_text_not_formula(content)
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    row_ = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "=1+1")
    assert row_[5] == 1234  # numbers stay numbers
