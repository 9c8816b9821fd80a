"""Background jobs: large exports run as jobs with progress; output is private to its owner."""

import io

from django.utils import timezone
from openpyxl import load_workbook

from safecampus.core.jobs import Progress, job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing_excel import table


def test_large_export_runs_as_a_job_and_only_its_owner_downloads(
    world, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("safecampus.orgs.excel.EXPORT_INLINE_LIMIT", 0)
    client = client_for(world.users[Role.SAFETY_CENTRE])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/orgs/schools/export/?stage=primary")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total, job.percent) == (1, 1, 100)
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert [r[0] for r in table(content)[1]] == [world.school_a.code]
    # the workbook names its filter, and its file says what, whose and when
    assert "筛选条件：学段类型：小学" in str(load_workbook(io.BytesIO(content)).active["A3"].value)
    assert job.output_name == f"{world.bureau.name}_学校名单_{timezone.localdate():%Y-%m-%d}.xlsx"
    other = client_for(world.users[Role.LEADERSHIP])
    assert other.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_a_crashing_job_fails_with_a_message(world, monkeypatch):
    def boom(*, job, progress):
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        __import__("safecampus.core.jobs", fromlist=["HANDLERS"]).HANDLERS,
        "test.boom",
        "safecampus.core.tests.test_jobs._boom",
    )
    monkeypatch.setattr("safecampus.core.tests.test_jobs._boom", boom, raising=False)
    job = Job.objects.create(
        kind="test.boom", title="t", created_by=world.users[Role.SAFETY_CENTRE]
    )
    job = job_run(job.pk)
    assert job.status == Job.Status.FAILED
    assert job.result["message"]
    assert job_run(job.pk).status == Job.Status.FAILED  # a finished job is not run again


def test_progress_is_written_and_throttled(world):
    job = Job.objects.create(
        kind="orgs.school_export", title="t", created_by=world.users[Role.SAFETY_CENTRE]
    )
    progress = Progress(job, interval=3600)
    progress(0, 10, force=True)
    progress(5)  # throttled: within the interval
    job.refresh_from_db()
    assert (job.done, job.total) == (0, 10)
    progress(7, force=True)
    job.refresh_from_db()
    assert job.done == 7 and job.percent == 70


def test_job_page_polls_until_finished(world, client_for):
    user = world.users[Role.SAFETY_CENTRE]
    job = Job.objects.create(
        kind="orgs.school_export",
        title="导出",
        created_by=user,
        status=Job.Status.RUNNING,
        done=3,
        total=4,
    )
    body = client_for(user).get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in body and "75%" in body
    job.status = Job.Status.SUCCEEDED
    job.save()
    body = client_for(user).get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in body


def test_job_output_needs_the_role_still_held(world, client_for):
    from safecampus.accounts.models import RoleAssignment

    auditor = world.users[Role.AUDITOR]
    job = Job.objects.create(
        kind="audit.export", title="审计日志", created_by=auditor, status=Job.Status.SUCCEEDED
    )
    client = client_for(auditor)
    assert client.get(f"/jobs/{job.pk}/").status_code == 200
    RoleAssignment.objects.filter(user=auditor).update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
