"""The catalog workbook: an import over the limits of a zip is refused before expansion and
changes nothing; the export writes user text as text, never as a formula."""

import copy

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from safecampus.catalog import services
from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory
from safecampus.core.testing_excel import FORMULA_TEXTS, assert_text_not_formula, xlsx_bomb

from .test_catalog import DATA, _export

pytestmark = pytest.mark.django_db

RATIO_REFUSAL = "疑似“压缩炸弹”，已拒绝。"


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def draft(world):
    DepartmentFactory(bureau=world.bureau, name="安全管理中心")
    services.catalog_load(bureau=world.bureau, data=DATA)
    return services.version_create_draft(actor=world.users[Role.SAFETY_CENTRE], bureau=world.bureau)


def codes(version) -> list[str]:
    return sorted(version.items.values_list("code", flat=True))


def test_a_zip_bomb_uploaded_is_refused_and_starts_no_job(world, draft, client_for):
    before = codes(draft)
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        f"/catalog/versions/{draft.pk}/import/",
        {"file": SimpleUploadedFile("标准.xlsx", xlsx_bomb())},
    )
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("“标准.xlsx”中的“xl/worksheets/sheet1.xml”压缩比达")
    assert message.endswith(RATIO_REFUSAL)
    assert not Job.objects.exists()
    assert codes(draft) == before


def test_a_zip_bomb_reaching_the_job_fails_it_and_changes_nothing(world, draft):
    before = codes(draft)
    job = Job.objects.create(
        kind="catalog.import",
        title="导入",
        created_by=world.users[Role.SAFETY_CENTRE],
        params={"version_id": draft.pk, "name": "标准.xlsx"},
        input_file=ContentFile(xlsx_bomb(), name="标准.xlsx"),
    )
    job = job_run(job.pk)
    assert job.status == Job.Status.FAILED
    assert job.result["message"].endswith(RATIO_REFUSAL)
    assert codes(draft) == before


def test_the_export_writes_user_text_as_text(world, client_for):
    DepartmentFactory(bureau=world.bureau, name="安全管理中心")
    data = copy.deepcopy(DATA)
    items = [i for a in data["areas"] for i in a["items"]]
    for item, text in zip(items, FORMULA_TEXTS, strict=False):
        item["text"] = text
    data["areas"][0]["name"] = FORMULA_TEXTS[5]
    version, _warnings = services.catalog_load(bureau=world.bureau, data=data)
    content = _export(client_for(world.users[Role.SAFETY_CENTRE]), version)
    assert_text_not_formula(content)
