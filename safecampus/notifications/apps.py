from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "safecampus.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from safecampus.core.signals import job_failed

        job_failed.connect(_tell_job_failed, dispatch_uid="notifications.job_failed")


def _tell_job_failed(sender, *, job, **kwargs) -> None:
    """Tell the person who started a job that it was given up (``core.signals.job_failed``)."""
    from django.utils.translation import gettext as _

    from .models import NoticeKind
    from .services import notify

    notify(
        [job.created_by_id],
        kind=NoticeKind.JOB_FAILED,
        text=_("The job “%(title)s” was given up: its worker stopped on each attempt.")
        % {"title": job.title},
        url=job.get_absolute_url(),
        key=f"job_failed:{job.pk}",
    )
