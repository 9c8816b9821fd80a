"""Background jobs with a progress bar.

``job_start`` records a :class:`Job` and hands it to the Huey worker once the transaction commits.
The worker calls the handler registered for the job's kind with the job and a progress callback.
A handler refuses bad input by raising :class:`JobRefused` with every error it found; the job then
ends as failed with those errors, and whatever was already saved stays as it was.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from .capabilities import (
    ARCHIVE_READ,
    AUDIT_READ,
    CAMPAIGN_MANAGE,
    CATALOG_MANAGE,
    DASHBOARD_VIEW,
    FORM_FILL,
    HAZARD_VIEW,
    REPORT_COMPILE,
    SCHOOL_MANAGE,
)
from .models import Job

logger = logging.getLogger(__name__)

#: kind → dotted path of ``handler(*, job, progress) -> dict``
HANDLERS: dict[str, str] = {
    "orgs.school_import": "safecampus.orgs.excel.school_import_job",
    "orgs.school_export": "safecampus.orgs.excel.school_export_job",
    "audit.export": "safecampus.audit.excel.audit_export_job",
    "catalog.import": "safecampus.catalog.excel.catalog_import_job",
    "hazards.export": "safecampus.hazards.excel.hazard_export_job",
    "campaigns.form_import": "safecampus.campaigns.excel.form_import_job",
    "campaigns.forms_zip": "safecampus.campaigns.excel.forms_zip_job",
    "campaigns.launch": "safecampus.campaigns.views.campaign_launch_job",
    "evaluation.archive": "safecampus.evaluation.jobs.archive_job",
    "evaluation.summary_docx": "safecampus.evaluation.jobs.summary_docx_job",
    "reports.dashboard_snapshot": "safecampus.reports.snapshots.snapshot_job",
}


#: kind → roles that may run it and see its output
JOB_CAPABILITY: dict[str, frozenset[str]] = {
    "orgs.school_import": SCHOOL_MANAGE,
    "orgs.school_export": SCHOOL_MANAGE,
    "audit.export": AUDIT_READ,
    "catalog.import": CATALOG_MANAGE,
    "hazards.export": HAZARD_VIEW,
    "campaigns.form_import": FORM_FILL,
    "campaigns.forms_zip": CAMPAIGN_MANAGE,
    "campaigns.launch": CAMPAIGN_MANAGE,
    "evaluation.archive": REPORT_COMPILE,
    "evaluation.summary_docx": ARCHIVE_READ,
    "reports.dashboard_snapshot": DASHBOARD_VIEW,
}


class JobRefused(Exception):
    """The input is bad: nothing was saved. ``errors`` lists every problem for the user."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class Progress:
    """Writes ``done``/``total`` to the job row at most every half second."""

    def __init__(self, job: Job, interval: float = 0.5):
        self.job = job
        self.interval = interval
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        fields = {"done": done}
        if total is not None:
            fields["total"] = total
        Job.objects.filter(pk=self.job.pk).update(**fields)


def job_start(*, kind: str, title: str, user, params: dict | None = None, input_file=None) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, title=title, params=params or {}, created_by=user)
    if input_file is not None:
        job.input_file.save(input_file.name, input_file, save=False)
    job.save()
    transaction.on_commit(lambda: run_job_task(job.pk))
    return job


@db_task()
def run_job_task(job_id: int) -> None:
    job_run(job_id)


def job_run(job_id: int) -> Job:
    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.PENDING:
        return job
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    handler = import_string(HANDLERS[job.kind])
    try:
        result = handler(job=job, progress=Progress(job))
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
    job.finished_at = timezone.now()
    job.refresh_from_db(fields=["done", "total"])
    if job.status == Job.Status.SUCCEEDED:
        job.done = job.total = max(job.total, job.done)
    job.save(
        update_fields=[
            "status",
            "result",
            "errors",
            "finished_at",
            "done",
            "total",
            "output_file",
            "output_name",
        ]
    )
    return job
