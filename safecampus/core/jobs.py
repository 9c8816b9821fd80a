"""Background jobs with a progress bar.

``job_start`` records a :class:`Job` and hands it to the Huey worker once the transaction commits.
The worker claims the job (a conditional ``UPDATE`` pending → running that counts the attempt, so
two workers never run the same attempt) and calls the handler registered for the job's kind with
the job and a progress callback. A handler refuses bad input by raising :class:`JobRefused` with
every error it found; the job then ends as failed with those errors, and whatever was already
saved stays as it was.

A worker can die in the middle of a job (killed, out of memory, the server restarted); the queue
message is gone with it. While a handler runs, the worker renews the job's lease
(``heartbeat_at``) every ``JOB_HEARTBEAT_SECONDS`` from a small thread and at each progress step.
:func:`jobs_reap`, run every minute and when a worker starts, finds running jobs whose lease ran
out (``JOB_LEASE_SECONDS``) and queues them again, up to ``JOB_MAX_ATTEMPTS`` attempts, then
fails them with a message to the person who started them; it also queues again a job that has
waited too long with no task in the queue. Every step is a conditional ``UPDATE`` on the job row,
so any number of web and job processes may run at once. Every handler is safe to run again: its
writes are one transaction (or, for form imports, one per workbook, and a workbook imported twice
comes out "unchanged"), and an export writes a new file.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from huey.contrib.djhuey import HUEY, db_task

from .models import Job

logger = logging.getLogger(__name__)

#: kind → dotted path of ``handler(*, job, progress) -> dict``
HANDLERS: dict[str, str] = {
    "orgs.school_import": "safecampus.orgs.excel.school_import_job",
    "orgs.school_export": "safecampus.orgs.excel.school_export_job",
    "audit.export": "safecampus.audit.excel.audit_export_job",
    "catalog.import": "safecampus.catalog.excel.catalog_import_job",
    "hazards.export": "safecampus.hazards.excel.hazard_export_job",
    "campaigns.form_import": "safecampus.inspections.excel.form_import_job",
    "campaigns.forms_zip": "safecampus.inspections.excel.forms_zip_job",
    "campaigns.launch": "safecampus.campaigns.views.campaign_launch_job",
    "evaluation.archive": "safecampus.evaluation.jobs.archive_job",
    "evaluation.summary_docx": "safecampus.evaluation.jobs.summary_docx_job",
    "reports.dashboard_snapshot": "safecampus.reports.snapshots.snapshot_job",
    "duties.catalog_import": "safecampus.duties.catalog_excel.catalog_import_job",
    "duties.record_import": "safecampus.duties.imports.record_import_job",
    "standards.preview": "safecampus.standards.views.rulesets.preview_job",
    "standards.facts_import": "safecampus.standards.imports.facts_import_job",
    "standards.compliance_export": "safecampus.standards.exports.compliance_export_job",
    "standards.evaluate": "safecampus.standards.jobs.evaluate_job",
    "zones.recheck": "safecampus.zones.jobs.recheck_job",
    "zones.venue_import": "safecampus.zones.imports.venue_import_job",
    "zones.case_export": "safecampus.zones.exports.case_export_job",
    "incidents.export": "safecampus.incidents.exports.incident_export_job",
    "incidents.dispute_export": "safecampus.incidents.dispute_exports.dispute_export_job",
    "watch.roster_import": "safecampus.watch.imports.roster_import_job",
}


class JobRefused(Exception):
    """The input is bad: nothing was saved. ``errors`` lists every problem for the user."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class LeaseLost(Exception):
    """The job was taken from this worker (its lease ran out and the job was retried or given
    up): the handler stops and nothing is written to the job row."""


class Lease:
    """A worker's hold on one attempt of a job, renewed while the handler runs."""

    def __init__(self, job_id: int, attempt: int):
        self.job_id = job_id
        self.attempt = attempt
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def rows(self):
        """The job row, while this attempt still holds it."""
        return Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING, attempts=self.attempt)

    def renew(self, **fields) -> bool:
        """Renew the lease (writing ``fields`` with it); False once the job is no longer ours."""
        if self.lost.is_set():
            return False
        if self.rows().update(heartbeat_at=timezone.now(), **fields):
            return True
        self.lost.set()
        return False

    def start(self, interval: float) -> None:
        """Renew every ``interval`` seconds from a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(
            target=self._beat, args=(interval,), name=f"job-{self.job_id}-lease", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _beat(self, interval: float) -> None:
        try:
            while not self._stop.wait(interval):
                try:
                    if not self.renew():
                        logger.warning("job %s: lease lost", self.job_id)
                        return
                except Exception:  # e.g. "database is locked": try again at the next beat
                    logger.warning("job %s: lease not renewed", self.job_id, exc_info=True)
        finally:
            connection.close()


class Progress:
    """Writes ``done``/``total`` to the job row at most every half second, renewing the lease."""

    def __init__(self, job: Job, interval: float = 0.5, *, lease: Lease | None = None):
        self.job = job
        self.interval = interval
        self.lease = lease
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        fields = {"done": done}
        if total is not None:
            fields["total"] = total
        if self.lease is None:
            Job.objects.filter(pk=self.job.pk).update(**fields)
        elif not self.lease.renew(**fields):
            raise LeaseLost


def job_start(*, kind: str, title: str, user, params: dict | None = None, input_file=None) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        kind=kind, title=title, params=params or {}, created_by=user, queued_at=timezone.now()
    )
    if input_file is not None:
        job.input_file.save(input_file.name, input_file, save=False)
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


@db_task()
def run_job_task(job_id: int) -> None:
    job_run(job_id, heartbeat=not HUEY.immediate)


def job_claim(job_id: int) -> Lease | None:
    """Take a pending job up: pending → running, one more attempt. None when the job is not
    pending (finished, or another worker took it first)."""
    attempts = (
        Job.objects.filter(pk=job_id, status=Job.Status.PENDING)
        .values_list("attempts", flat=True)
        .first()
    )
    if attempts is None:
        return None
    now = timezone.now()
    won = Job.objects.filter(pk=job_id, status=Job.Status.PENDING, attempts=attempts).update(
        status=Job.Status.RUNNING, attempts=attempts + 1, started_at=now, heartbeat_at=now
    )
    return Lease(job_id, attempts + 1) if won else None


def job_run(job_id: int, *, heartbeat: bool = False) -> Job:
    """Run a pending job's handler and record its outcome. With ``heartbeat`` (in the worker) a
    thread renews the lease while the handler runs."""
    lease = job_claim(job_id)
    job = Job.objects.get(pk=job_id)
    if lease is None:
        return job
    if heartbeat:
        lease.start(settings.JOB_HEARTBEAT_SECONDS)
    try:
        handler = import_string(HANDLERS[job.kind])
        result = handler(job=job, progress=Progress(job, lease=lease))
    except LeaseLost:
        logger.warning("job %s (%s): attempt %s was taken over", job.pk, job.kind, lease.attempt)
        job.refresh_from_db()
        return job
    except JobRefused as refusal:
        job.status = Job.Status.FAILED
        job.result = {"message": refusal.message}
        job.errors = refusal.errors
    except Exception:
        logger.exception("job %s (%s) crashed", job.pk, job.kind)
        job.status = Job.Status.FAILED
        job.result = {
            "message": _("The job stopped because of an internal error. Nothing was saved.")
        }
    else:
        job.status = Job.Status.SUCCEEDED
        job.result = result or {}
    finally:
        lease.stop()
    job.finished_at, job.heartbeat_at = timezone.now(), None
    job.refresh_from_db(fields=["done", "total"])
    if job.status == Job.Status.SUCCEEDED:
        job.done = job.total = max(job.total, job.done)
    kept = lease.rows().update(
        status=job.status,
        result=job.result,
        errors=job.errors,
        finished_at=job.finished_at,
        done=job.done,
        total=job.total,
        output_file=job.output_file.name or "",
        output_name=job.output_name,
        heartbeat_at=job.heartbeat_at,
    )
    if not kept:
        logger.warning("job %s (%s): attempt %s finished too late", job.pk, job.kind, lease.attempt)
        job.refresh_from_db()
    return job


# --- workers that died --------------------------------------------------------------------------


def _given_up_message(attempts: int) -> str:
    return _(
        "The job was started %(n)d times and each time the worker running it stopped (for "
        "example the server restarted or ran out of memory), so it was given up. Start it "
        "again; if it fails again, tell the system administrator."
    ) % {"n": attempts}


def _queued_job_ids() -> set[int] | None:
    """The jobs that have a task waiting in the queue; None when the queue cannot be read."""
    try:
        tasks = HUEY.pending()
    except Exception:
        logger.warning("the job queue could not be read", exc_info=True)
        return None
    return {t.args[0] for t in tasks if isinstance(t, run_job_task.task_class) and t.args}


def _enqueue(job_id: int) -> None:
    try:
        run_job_task(job_id)
    except Exception:  # the queue is down: the job stays pending and is queued at a later pass
        if HUEY.immediate:  # tests run the job inline: its crash is the test's business
            raise
        logger.exception("job %s could not be queued", job_id)


def _notify_given_up(job_id: int) -> None:
    """Tell whoever listens (the notifications app) that the job was given up."""
    from .signals import job_failed

    job = Job.objects.select_related("created_by").get(pk=job_id)
    job_failed.send(sender=Job, job=job)


def jobs_reap(*, now: datetime.datetime | None = None) -> dict:
    """Retry or give up the running jobs whose worker died (their lease ran out), and queue
    again the pending jobs that waited too long with no task in the queue. Safe to run in
    several processes at once: each change is a conditional ``UPDATE`` that one of them wins.
    Returns how many jobs were retried, given up and queued again."""
    now = now or timezone.now()
    lease_cutoff = now - datetime.timedelta(seconds=settings.JOB_LEASE_SECONDS)
    expired = Q(status=Job.Status.RUNNING) & (
        Q(heartbeat_at__lt=lease_cutoff) | Q(heartbeat_at__isnull=True)
    )
    retried = given_up = requeued = 0
    for pk, attempts in Job.objects.filter(expired).values_list("pk", "attempts"):
        mine = Job.objects.filter(expired, pk=pk, attempts=attempts)
        if attempts < settings.JOB_MAX_ATTEMPTS:
            if mine.update(status=Job.Status.PENDING, heartbeat_at=None, queued_at=now, done=0):
                logger.warning("job %s: worker died during attempt %s, retrying", pk, attempts)
                _enqueue(pk)
                retried += 1
            continue
        with transaction.atomic():
            if not mine.update(
                status=Job.Status.FAILED,
                heartbeat_at=None,
                finished_at=now,
                result={"message": _given_up_message(attempts)},
                errors=[],
            ):
                continue
            _notify_given_up(pk)
        logger.error("job %s: worker died during each of %s attempts, given up", pk, attempts)
        given_up += 1

    wait_cutoff = now - datetime.timedelta(seconds=settings.JOB_PENDING_SECONDS)
    waiting = Q(status=Job.Status.PENDING) & (
        Q(queued_at__lt=wait_cutoff) | Q(queued_at__isnull=True, created_at__lt=wait_cutoff)
    )
    stale = list(Job.objects.filter(waiting).values_list("pk", flat=True))
    if stale:
        queued = _queued_job_ids()
        for pk in stale:
            if queued is not None and pk in queued:
                continue  # still waiting for a free worker
            if Job.objects.filter(waiting, pk=pk).update(queued_at=now):
                logger.warning("job %s: waiting with no task in the queue, queued again", pk)
                _enqueue(pk)
                requeued += 1
    return {"retried": retried, "given_up": given_up, "requeued": requeued}
