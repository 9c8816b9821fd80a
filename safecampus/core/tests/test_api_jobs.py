"""The jobs API (``/api/v1/jobs/``): a person's own jobs, of the kinds their roles still run
(another's → 404, as the job pages), with status and progress; the file a job made downloads
with the page's Chinese file name once the job has succeeded, and not before."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.accounts.models import ApiToken
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix

pytestmark = pytest.mark.django_db

URL = "/api/v1/jobs/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job(user, *, kind="orgs.school_export", title="学校名单", **fields) -> Job:
    return Job.objects.create(kind=kind, title=title, created_by=user, **fields)


def _done(user, name="学校名单.xlsx", content=b"PK\x03\x04 workbook", **fields) -> Job:
    job = _job(user, status=Job.Status.SUCCEEDED, output_name=name, **fields)
    job.output_file.save("schools.xlsx", ContentFile(content), save=True)
    return job


@pytest.fixture
def centre(world):
    return world.users[Role.SAFETY_CENTRE]


def _ids(client) -> list[int]:
    response = client.get(URL)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_each_person_lists_only_their_own_jobs_newest_first(world, centre, client):
    older = _job(centre, title="旧的导出")
    newer = _done(centre)
    admin = world.users[Role.SYSTEM_ADMIN]
    theirs = _job(admin, title="管理员的导出")
    auditor_job = _job(world.users[Role.AUDITOR], kind="audit.export", title="审计日志")

    client.force_login(centre)
    assert _ids(client) == [newer.pk, older.pk]
    client.force_login(admin)
    assert _ids(client) == [theirs.pk]
    client.force_login(world.users[Role.AUDITOR])
    assert _ids(client) == [auditor_job.pk]
    # a person who started nothing sees an empty page, not an error
    client.force_login(world.users[Role.LEADERSHIP])
    assert client.get(URL).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_a_job_is_only_its_starters(world, centre, client):
    job = _done(centre)
    u = world.users
    for url in (f"{URL}{job.pk}/", f"{URL}{job.pk}/download/"):
        scope_matrix(
            client,
            url,
            permitted=centre,
            # the system admin may run the kind, the auditor may not: neither started it
            out_of_scope=[u[Role.SYSTEM_ADMIN], u[Role.AUDITOR]],
        )


def test_a_job_whose_kind_the_starters_roles_no_longer_run_is_not_found(world, centre, client):
    job = _done(centre)
    client.force_login(centre)
    assert client.get(f"{URL}{job.pk}/").status_code == 200
    # the centre officer became a leader: leadership runs no school export
    centre.role_assignments.update(role=Role.LEADERSHIP)
    for url in (f"{URL}{job.pk}/", f"{URL}{job.pk}/download/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert response.json()["message"] == "未找到，或不在您的管辖范围内。"
    assert _ids(client) == []


def test_a_running_job_reports_its_progress(world, centre, client):
    job = _job(centre, status=Job.Status.RUNNING, done=3, total=12, attempts=1)
    client.force_login(centre)
    body = client.get(f"{URL}{job.pk}/").json()
    assert body["status"] == "running"
    assert body["status_display"] == "进行中"
    assert (body["done"], body["total"], body["percent"]) == (3, 12, 25)
    assert body["is_finished"] is False
    assert body["is_stalled"] is False
    assert (body["attempt"], body["attempt_limit"]) == (1, 3)
    assert body["download_url"] is None
    assert body["result"] == {}
    assert body["errors"] == []
    # the list row carries the same progress, without the detail's result and errors
    row = client.get(URL).json()["results"][0]
    assert (row["id"], row["percent"], row["status"]) == (job.pk, 25, "running")
    assert "result" not in row and "errors" not in row


def test_a_failed_import_reports_its_refused_rows(world, client):
    officer = world.users[Role.SCHOOL_OFFICER]
    errors = [{"row": 4, "column": "检查项", "message": "检查项不存在。"}]
    job = _job(
        officer,
        kind="campaigns.form_import",
        title="填报导入",
        status=Job.Status.FAILED,
        done=5,
        total=10,
        result={"message": "工作簿有错误，未保存任何内容。"},
        errors=errors,
    )
    client.force_login(officer)
    body = client.get(f"{URL}{job.pk}/").json()
    assert (body["status"], body["status_display"]) == ("failed", "失败")
    assert body["is_finished"] is True
    assert body["percent"] == 50
    assert body["result"] == {"message": "工作簿有错误，未保存任何内容。"}
    assert body["errors"] == errors
    assert body["download_url"] is None
    response = client.get(f"{URL}{job.pk}/download/")
    assert response.status_code == 404


def test_the_file_downloads_only_once_the_job_has_succeeded(world, centre, client):
    job = _job(centre, status=Job.Status.RUNNING, done=1, total=2, output_name="学校名单.xlsx")
    client.force_login(centre)
    response = client.get(f"{URL}{job.pk}/download/")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "该任务没有可下载的文件。",
        "errors": {},
    }
    # it succeeds and writes its workbook
    job.status, job.done = Job.Status.SUCCEEDED, 2
    job.output_file.save("schools.xlsx", ContentFile(b"PK\x03\x04 workbook"), save=False)
    job.save()
    body = client.get(f"{URL}{job.pk}/").json()
    assert body["percent"] == 100
    assert body["is_finished"] is True
    assert body["download_url"] == f"http://testserver{URL}{job.pk}/download/"
    response = client.get(body["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('学校名单.xlsx')}"
    )
    assert b"".join(response.streaming_content) == b"PK\x03\x04 workbook"


def test_the_api_downloads_what_the_page_downloads(world, centre, client):
    job = _done(centre, name="检查表汇总.zip", content=b"PK zip")
    client.force_login(centre)
    page = client.get(f"/jobs/{job.pk}/download/")
    api = client.get(f"{URL}{job.pk}/download/")
    assert page.status_code == api.status_code == 200
    for header in ("Content-Type", "Content-Disposition"):
        assert api[header] == page[header]
    assert "filename*=utf-8''" + quote("检查表汇总.zip") in api["Content-Disposition"]


def test_a_token_reads_its_owners_jobs(world, centre, client):
    job = _job(centre)
    _token, key = ApiToken.issue(centre)
    response = client.get(f"{URL}{job.pk}/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["title"] == "学校名单"
    _token, other = ApiToken.issue(world.users[Role.SYSTEM_ADMIN])
    assert client.get(f"{URL}{job.pk}/", HTTP_AUTHORIZATION=f"Token {other}").status_code == 404


@pytest.mark.parametrize("pk", ["abc", "1.5", "99999999999999999999", "١٢"])
def test_an_id_that_cannot_be_a_jobs_is_not_found(centre, client, pk):
    client.force_login(centre)
    for url in (f"{URL}{pk}/", f"{URL}{pk}/download/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_the_list_reads_a_fixed_number_of_rows(world, centre, client):
    client.force_login(centre)

    def queries() -> int:
        client.get(URL)  # the session's idle refresh
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL)
        assert response.status_code == 200
        return len(ctx)

    for _ in range(2):
        _done(centre)
    few = queries()
    for _ in range(18):
        _done(centre)
    assert len(client.get(URL).json()["results"]) == 20
    assert queries() == few
    assert few <= 6


@pytest.mark.parametrize("name", ["学校名单.xlsx", "检查情况汇总.docx", "自查表.zip"])
def test_a_downloads_content_type_is_one_the_schema_documents(centre, client, name):
    documented = client.get("/api/schema/", {"format": "json"}).json()["paths"][
        "/api/v1/jobs/{id}/download/"
    ]["get"]["responses"]["200"]["content"]
    job = _done(centre, name=name)
    client.force_login(centre)
    response = client.get(f"{URL}{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] in documented
