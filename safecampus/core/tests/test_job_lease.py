"""A job survives the death of its worker: claim, lease, retry and give-up, on a fixed clock.

The same story with real worker processes killed by SIGKILL is in ``test_job_worker.py``.
"""

import datetime as dt

import pytest
import time_machine
from django.utils import translation
from huey.contrib.djhuey import HUEY

from safecampus.accounts.models import User
from safecampus.core import jobs
from safecampus.core.jobs import LeaseLost, Progress, job_claim, job_run, job_start, jobs_reap
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.notifications.models import Notice

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)
RUNNING, PENDING = Job.Status.RUNNING, Job.Status.PENDING
NOTHING = {"retried": 0, "given_up": 0, "requeued": 0}
GIVEN_UP = (
    "该任务已尝试 3 次，每次执行它的后台进程都中断了（例如服务器重启或内存不足），任务已终止。"
    "请重新发起；如仍失败，请联系系统管理员。"
)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller, translation.override("zh-hans"):
        yield traveller


@pytest.fixture
def owner(world):
    return world.users[Role.SAFETY_CENTRE]


@pytest.fixture
def queued(monkeypatch):
    """The job ids handed to the queue (instead of running them)."""
    ids: list[int] = []
    monkeypatch.setattr(jobs, "_enqueue", ids.append)
    return ids


def _job(owner, **fields) -> Job:
    return Job.objects.create(
        kind="orgs.school_export", title="学校名单", created_by=owner, **fields
    )


def _running(owner, *, attempts: int, beat: dt.datetime = T0, **fields) -> Job:
    return _job(
        owner, status=RUNNING, attempts=attempts, started_at=beat, heartbeat_at=beat, **fields
    )


def test_job_start_records_when_it_was_queued(owner, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = job_start(kind="orgs.school_export", title="学校名单", user=owner)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.queued_at, len(callbacks)) == (PENDING, 0, T0, 1)


def test_a_pending_job_is_claimed_once(owner, clock):
    job = _job(owner)
    lease = job_claim(job.pk)
    assert (lease.job_id, lease.attempt) == (job.pk, 1)
    assert job_claim(job.pk) is None  # a second worker (or a duplicate task) gets nothing
    job.refresh_from_db()
    assert (job.status, job.attempts, job.started_at, job.heartbeat_at) == (RUNNING, 1, T0, T0)


@pytest.mark.parametrize("status", [RUNNING, Job.Status.SUCCEEDED, Job.Status.FAILED])
def test_a_job_that_is_not_pending_is_not_claimed(owner, clock, status):
    job = _job(owner, status=status, attempts=1)
    assert job_claim(job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.attempts, job.started_at) == (status, 1, None)


def test_progress_renews_the_lease(owner, clock):
    job = _job(owner)
    lease = job_claim(job.pk)
    clock.shift(30 * S)
    Progress(job, lease=lease)(3, 10, force=True)
    job.refresh_from_db()
    assert (job.done, job.total, job.heartbeat_at) == (3, 10, T0 + 30 * S)


@pytest.mark.parametrize(
    ("attempts", "outcome"),
    [(1, {**NOTHING, "retried": 1}), (2, {**NOTHING, "retried": 1})],
)
def test_a_job_whose_lease_ran_out_is_queued_again(owner, clock, queued, attempts, outcome):
    job = _running(owner, attempts=attempts, done=4, total=10)
    clock.shift(60 * S)  # the lease (60 s) has not run out yet
    assert jobs_reap() == NOTHING
    clock.shift(1 * S)
    assert jobs_reap() == outcome
    job.refresh_from_db()
    assert (job.status, job.attempts, job.heartbeat_at, job.queued_at, job.done) == (
        PENDING,
        attempts,
        None,
        T0 + 61 * S,
        0,
    )
    assert queued == [job.pk]
    assert jobs_reap() == NOTHING  # another reaper at the same time changes nothing
    assert queued == [job.pk]


def test_a_worker_whose_job_was_retried_loses_its_lease(owner, clock, queued):
    job = _job(owner)
    lease = job_claim(job.pk)
    clock.shift(61 * S)
    assert jobs_reap()["retried"] == 1
    assert lease.renew() is False and lease.lost.is_set()
    with pytest.raises(LeaseLost):
        Progress(job, lease=lease)(5, force=True)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == (PENDING, 1, 0)


def test_the_last_attempt_gives_up_with_a_message_to_its_owner(owner, clock, queued, client_for):
    job = _running(owner, attempts=3, done=4, total=10)
    clock.shift(61 * S)
    assert jobs_reap() == {**NOTHING, "given_up": 1}
    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at, job.heartbeat_at) == (
        Job.Status.FAILED,
        3,
        T0 + 61 * S,
        None,
    )
    assert (job.result, job.errors, queued) == ({"message": GIVEN_UP}, [], [])
    notice = Notice.objects.get()
    assert (notice.recipient, notice.kind, notice.text, notice.url) == (
        owner,
        "job_failed",
        "任务“学校名单”已终止：每次尝试时执行它的后台进程都中断了。",
        f"/jobs/{job.pk}/",
    )
    assert jobs_reap() == NOTHING  # given up once, told once
    assert Notice.objects.count() == 1
    body = client_for(owner).get(f"/jobs/{job.pk}/").content.decode()
    assert GIVEN_UP in body and "第 3 次尝试（最多 3 次）" in body
    assert 'hx-trigger="every 1s"' not in body


def test_the_attempt_limit_is_a_setting(owner, clock, queued, settings):
    settings.JOB_MAX_ATTEMPTS = 1
    settings.JOB_LEASE_SECONDS = 5
    job = _running(owner, attempts=1)
    clock.shift(6 * S)
    assert jobs_reap() == {**NOTHING, "given_up": 1}
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.result["message"].startswith("该任务已尝试 1 次，")


def test_a_retried_job_runs_again_and_succeeds(world, owner, clock):
    job = _running(owner, attempts=1, done=1, total=2)
    clock.shift(61 * S)
    assert jobs_reap()["retried"] == 1  # the queue runs jobs inline in the tests
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result, job.done, job.total) == (
        Job.Status.SUCCEEDED,
        2,
        {"rows": 2},
        2,
        2,
    )
    assert job.output_file.name.endswith(".xlsx") and job.heartbeat_at is None


def test_a_job_left_running_before_leases_existed_is_retried(owner, clock, queued):
    job = _job(owner, status=RUNNING, attempts=1, started_at=T0 - 3600 * S)
    assert jobs_reap()["retried"] == 1
    job.refresh_from_db()
    assert (job.status, queued) == (PENDING, [job.pk])


@pytest.mark.parametrize("stops_at_progress", [False, True])
def test_an_attempt_that_lost_its_lease_writes_nothing(
    owner, clock, queued, monkeypatch, stops_at_progress
):
    reached = []

    def handler(*, job, progress):
        clock.move_to(T0 + 61 * S)
        assert jobs_reap()["retried"] == 1
        assert job_claim(job.pk).attempt == 2  # another worker took the job up
        if stops_at_progress:
            progress(1, 2, force=True)
        reached.append("end")
        return {"rows": 99}

    monkeypatch.setitem(jobs.HANDLERS, "test.takeover", f"{__name__}._handler")
    monkeypatch.setattr(f"{__name__}._handler", handler, raising=False)
    job = Job.objects.create(kind="test.takeover", title="t", created_by=owner)
    job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result, job.finished_at) == (RUNNING, 2, {}, None)
    assert reached == ([] if stops_at_progress else ["end"])


def test_a_pending_job_whose_task_was_lost_is_queued_again(owner, clock, queued, monkeypatch):
    monkeypatch.setattr(jobs, "_queued_job_ids", lambda: set())
    job = _job(owner, queued_at=T0)
    clock.shift(120 * S)
    assert jobs_reap() == NOTHING
    clock.shift(1 * S)
    assert jobs_reap() == {**NOTHING, "requeued": 1}
    job.refresh_from_db()
    assert (job.status, job.attempts, job.queued_at, queued) == (PENDING, 0, T0 + 121 * S, [job.pk])
    assert jobs_reap() == NOTHING
    assert queued == [job.pk]


@pytest.mark.parametrize(("in_queue", "requeued"), [({"self"}, 0), (None, 1)])
def test_a_pending_job_still_in_the_queue_waits(
    owner, clock, queued, monkeypatch, in_queue, requeued
):
    job = _job(owner, queued_at=T0)
    ids = None if in_queue is None else {job.pk}
    monkeypatch.setattr(jobs, "_queued_job_ids", lambda: ids)  # None: the queue is unreadable
    clock.shift(121 * S)
    assert jobs_reap() == {**NOTHING, "requeued": requeued}
    assert queued == [job.pk] * requeued


def test_the_queue_is_read_for_the_jobs_it_holds():
    storage = HUEY.storage
    storage.enqueue(HUEY.serialize_task(jobs.run_job_task.s(41)))
    storage.enqueue(HUEY.serialize_task(jobs.run_job_task.s(42)))
    try:
        assert jobs._queued_job_ids() == {41, 42}
    finally:
        storage.flush_queue()


def test_the_reaper_runs_every_minute_and_when_a_worker_starts():
    from safecampus.core import tasks

    periodic = tasks.reap_dead_jobs.s()
    assert periodic.validate_datetime(dt.datetime(2026, 3, 2, 9, 7))
    assert periodic.validate_datetime(dt.datetime(2026, 3, 2, 23, 58))
    assert HUEY._startup["reap_dead_jobs_at_startup"] is tasks.reap_dead_jobs_at_startup


@pytest.mark.parametrize(
    ("status", "attempts", "shown"),
    [
        (RUNNING, 1, None),
        (RUNNING, 2, "第 2 次尝试（最多 3 次）"),
        (PENDING, 1, "第 2 次尝试（最多 3 次）"),
        (Job.Status.SUCCEEDED, 2, "第 2 次尝试（最多 3 次）"),
    ],
)
def test_the_job_page_says_which_attempt_it_is(owner, client_for, status, attempts, shown):
    job = _job(owner, status=status, attempts=attempts)
    client = client_for(owner)
    status_html = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    listing = client.get("/jobs/").content.decode()
    if shown is None:
        assert 'data-testid="job-attempt"' not in status_html and "次尝试" not in listing
    else:
        assert f"{shown}：上一次尝试未完成时，执行它的后台进程已中断。" in status_html
        assert f"· {shown.split('（')[0]}</td>" in listing


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_renews_the_lease_while_the_handler_runs():
    user = User.objects.create(username="worker-owner")
    with time_machine.travel(T0, tick=False) as clock:
        job = Job.objects.create(kind="orgs.school_export", title="t", created_by=user)
        lease = job_claim(job.pk)
        clock.shift(30 * S)
        lease.start(0.01)
        try:
            for _ in range(500):
                job.refresh_from_db()
                if job.heartbeat_at == T0 + 30 * S:
                    break
                lease._stop.wait(0.01)
        finally:
            lease.stop()
    assert job.heartbeat_at == T0 + 30 * S
    assert not lease._thread.is_alive()


def test_a_job_of_an_unknown_kind_fails_instead_of_running_for_ever(owner, clock):
    job = Job.objects.create(kind="gone.kind", title="t", created_by=owner)
    job = job_run(job.pk, heartbeat=True)
    assert (job.status, job.attempts, job.heartbeat_at) == (Job.Status.FAILED, 1, None)
    assert job.result == {"message": "任务因内部错误中止，未保存任何数据。"}


@pytest.mark.parametrize(("quiet", "warned"), [(30, False), (31, True)])
def test_the_job_page_warns_when_the_worker_stops_reporting(
    owner, clock, client_for, quiet, warned
):
    job = _running(owner, attempts=1, done=1, total=20)
    clock.shift(quiet * S)  # three heartbeats are 30 s
    body = client_for(owner).get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    stalled = "执行该任务的后台进程已有一段时间没有响应。如果它已中断，任务将在几分钟内自动重试。"
    assert (stalled in body) is warned
    assert 'hx-trigger="every 1s"' in body  # still polled: the retry shows up by itself
