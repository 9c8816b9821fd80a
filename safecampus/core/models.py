"""Infrastructure models shared by every app: background jobs with progress."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import Scope, ScopedQuerySet
from .capabilities import JOB_CAPABILITY


class JobQuerySet(ScopedQuerySet):
    #: a job is only seen (its owner downloads its output); nobody edits it
    actions = frozenset({"view"})

    def scope_filter(self, scope: Scope, *, action: str):
        # A job, its input and its output belong to the person who started it, and only while
        # they still hold a role that may run that kind of job (an auditor who became system
        # admin no longer downloads the audit log they exported).
        kinds = [kind for kind, roles in JOB_CAPABILITY.items() if scope.has(*roles)]
        return models.Q(created_by_id=scope.user_id, kind__in=kinds) if kinds else None


class Job(models.Model):
    """A piece of long work (import, export, report) run by the job worker, with progress."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    input_file = models.FileField(upload_to="jobs/in/%Y/%m/", blank=True)
    output_file = models.FileField(upload_to="jobs/out/%Y/%m/", blank=True)
    output_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: how many times a worker took the job up (the attempt now running, or the last one)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: when the job was last handed to the queue
    queued_at = models.DateTimeField(null=True, blank=True)
    #: renewed by the worker while the job runs; a lease older than JOB_LEASE_SECONDS means the
    #: worker died and the job is retried or given up (``jobs_reap``)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"]),
            models.Index(
                fields=["status"],
                condition=models.Q(status__in=["pending", "running"]),
                name="job_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:job_detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def attempt_number(self) -> int:
        """The attempt running or last run; for a job waiting to be retried, the next one."""
        if self.status == self.Status.PENDING and self.attempts:
            return self.attempts + 1
        return self.attempts

    @property
    def attempt_limit(self) -> int:
        return settings.JOB_MAX_ATTEMPTS

    @property
    def is_stalled(self) -> bool:
        """Running, but its worker has not renewed the lease for three heartbeats: the worker
        may have died, and then the job is retried once the lease runs out."""
        if self.status != self.Status.RUNNING or self.heartbeat_at is None:
            return False
        quiet = datetime.timedelta(seconds=3 * settings.JOB_HEARTBEAT_SECONDS)
        return timezone.now() - self.heartbeat_at > quiet


class AppendOnly:
    """Mixin for event and history models: a row is written once and never changed or deleted
    (corrections are new rows). Put it before ``models.Model`` in the bases."""

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only")
