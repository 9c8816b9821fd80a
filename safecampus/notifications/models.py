"""In-app notifications (DOMAIN.md §12, first slice). Things a person should hear about are
recorded as :class:`Notice` rows as they happen; once a day each person's pending notices are
folded into one :class:`Notification` (the daily digest), so nobody gets a message per item."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import ScopedQuerySet


class NoticeKind(models.TextChoices):
    REPORT_DUE = "report_due", _("Weekly report due tomorrow")
    REPORT_OVERDUE = "report_overdue", _("Weekly report overdue")
    FORM_RETURNED = "form_returned", _("Form returned")
    SPOT_CHECK_ASSIGNED = "spot_check", _("Spot check assigned")
    ACCOUNTABILITY_OPENED = "accountability", _("Accountability record opened")
    JOB_FAILED = "job_failed", _("Job given up")
    DUTY_DUE = "duty_due", _("Recurring duty due")
    INCIDENT = "incident", _("Incident reported")
    CLUSTER = "cluster", _("Illness cluster")
    DISPUTE = "dispute", _("Dispute at risk")
    FORM_DUE = "form_due", _("Self-inspection form due")
    HAZARD_DUE = "hazard_due", _("Hazard deadline near")
    HAZARD_MAJOR = "hazard_major", _("Major hazard reported")
    ESCALATION = "escalation", _("Overdue hazard escalated")


class NotificationQuerySet(ScopedQuerySet):
    """A person sees only their own digests, whatever their roles (none needed); reading one
    marks it read, which is no other action."""

    actions = frozenset({"view"})

    def restrict(self, user, action: str = "view"):
        self.check_action(action)
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient_id=user.pk)

    def scope_filter(self, scope, *, action: str):
        return Q(recipient_id=scope.user_id) if scope.user_id else None

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One person's digest for one day (Asia/Shanghai date)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("notification")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "date"], name="uniq_daily_digest")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="ntf_recipient_unread")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notifications:notification_detail", args=[self.pk])


class Notice(models.Model):
    """One thing to tell one person; delivered in the next daily digest."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(max_length=300, blank=True)
    #: a reminder's identity, e.g. "report_due:<campaign>:<department>:<week>": the same reminder
    #: is recorded once per person however often the job runs
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    digest = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="uniq_notice_key"
            )
        ]
        indexes = [models.Index(fields=["digest", "recipient"], name="ntc_pending")]

    def __str__(self) -> str:
        return self.text
