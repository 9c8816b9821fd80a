"""Messages that leave the platform (DOMAIN.md §12): group robots (DingTalk, WeCom) kept by the
organisation they speak for, the outbox every outgoing message passes through, the ledger of
requests that keeps each robot under its rate limit across workers, and the settings and
preferences that decide what goes out and when."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import ScopedQuerySet

from . import access
from .choices import Action, ChannelAction, Outcome, Status, Topic, Transport


def _all_topics() -> list[str]:
    return [t.value for t in Topic if t != Topic.TEST]


def _alerts_only() -> list[str]:
    return [Topic.ALERT.value, Topic.ESCALATION.value]


# --- channels (group robots) --------------------------------------------------------------------


class ChannelQuerySet(ScopedQuerySet):
    actions = access.CHANNEL_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.channel_q(scope, action)

    def object_roles(self, scope, obj):
        return access.channel_roles(scope, obj)

    def live(self):
        return self.filter(active=True, removed_at__isnull=True)


class Channel(models.Model):
    """A group robot of a bureau, one of its departments or one of its schools, kept by the
    people who run that group. The webhook's token and the signing secret are never shown again
    once saved (the pages show ``masked_webhook``), nor written to logs or the audit log."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        "orgs.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    transport = models.CharField(_("service"), max_length=12, choices=Transport.choices)
    name = models.CharField(_("group name"), max_length=64)
    webhook = models.CharField(_("webhook address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    #: DingTalk's custom keywords: a message must contain one of them, so the first is added to
    #: a message that has none
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    topics = models.JSONField(_("topics carried"), default=_all_topics)
    #: the group's own quiet hours; empty: the bureau's
    quiet_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    #: the service's last word, shown on the channel's page
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    #: the service said the robot sent too much: nothing goes to it before this
    blocked_until = models.DateTimeField(null=True, blank=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["bureau_id", "department_id", "school_id", "id"]
        verbose_name = _("group robot")
        indexes = [
            models.Index(fields=["school", "active"], name="msg_chan_school"),
            models.Index(fields=["department", "active"], name="msg_chan_dept"),
            models.Index(fields=["bureau", "active"], name="msg_chan_bureau"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("messaging:channel_detail", args=[self.pk])

    @property
    def owner(self):
        return self.school or self.department or self.bureau

    @property
    def masked_webhook(self) -> str:
        """The address with its token hidden: enough to tell two robots apart."""
        from .transports import mask_webhook

        return mask_webhook(self.webhook)

    @property
    def signed(self) -> bool:
        return bool(self.secret)

    def carries(self, topic: str) -> bool:
        return topic == Topic.TEST or topic in (self.topics or [])


class ChannelEvent(models.Model):
    """Who changed a robot and when. ``data`` names the fields changed, never the secret's or
    the token's value."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=ChannelAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


# --- the outbox ---------------------------------------------------------------------------------


class MessageQuerySet(ScopedQuerySet):
    actions = access.MESSAGE_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.message_q(scope, action)

    def object_roles(self, scope, obj):
        return access.message_roles(scope, obj)

    def due(self, now: datetime.datetime):
        return self.filter(status=Status.PENDING, not_before__lte=now, next_attempt_at__lte=now)


class Message(models.Model):
    """One outgoing message to one robot or one person's e-mail. ``key`` is its identity: the
    same message is queued once however often its producer runs, and sent by one worker."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("e-mail address"), max_length=254, blank=True)
    transport = models.CharField(_("service"), max_length=12, choices=Transport.choices)
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    key = models.CharField(max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=200)
    #: Markdown lines in Chinese; split into parts within the service's byte limit when sent
    body = models.TextField(_("text"))
    url = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    #: quiet hours: not sent before
    not_before = models.DateTimeField(default=timezone.now)
    #: back-off after a failure
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=64, blank=True)
    parts_total = models.PositiveSmallIntegerField(default=0)
    parts_sent = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing message")
        indexes = [
            models.Index(fields=["status", "next_attempt_at", "not_before"], name="msg_due"),
            models.Index(fields=["channel", "status", "id"], name="msg_channel_status"),
            models.Index(fields=["bureau", "status", "-created_at"], name="msg_bureau_status"),
            models.Index(fields=["recipient", "-created_at"], name="msg_recipient"),
            models.Index(
                fields=["lease_until"],
                condition=Q(status=Status.SENDING),
                name="msg_sending_lease",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("messaging:message_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in (Status.PENDING, Status.SENDING)


class MessageEvent(models.Model):
    """One step of a message's history: the worker's moves and a person's (send again, cancel)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["message", "at"], name="msg_event_message")]

    def __str__(self) -> str:
        return f"{self.message_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Attempt(models.Model):
    """One request to a service. A robot's attempts of the last minute are what its rate limit
    counts (rows are reserved before the request, in the transaction that holds the robot's
    row, so two workers never reserve the same slot)."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="attempts"
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="requests")
    part = models.PositiveSmallIntegerField(default=1)
    #: one request carrying several merged messages has a row for each; one of them counts
    counted = models.BooleanField(default=True)
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RESERVED)
    worker = models.CharField(max_length=64, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    errcode = models.IntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["channel", "at"], name="msg_attempt_rate"),
            models.Index(fields=["message", "part"], name="msg_attempt_message"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}/{self.part} {self.outcome}"


# --- settings and preferences -------------------------------------------------------------------


class MessagingSettings(models.Model):
    """A bureau's quiet hours, the hour of the daily digest and the escalation ladder: an
    overdue hazard goes to its department's head after ``*_head_days`` days overdue, then to
    the centre, then to the leadership group, per hazard level."""

    bureau = models.OneToOneField("orgs.Bureau", on_delete=models.CASCADE, related_name="+")
    quiet_start = models.TimeField(_("quiet from"), default=datetime.time(22, 0))
    quiet_end = models.TimeField(_("quiet until"), default=datetime.time(7, 0))
    digest_time = models.TimeField(_("daily digest at"), default=datetime.time(7, 30))
    general_head_days = models.PositiveSmallIntegerField(
        _("general hazard: to the department head after (days overdue)"), default=3
    )
    general_centre_days = models.PositiveSmallIntegerField(
        _("general hazard: to the safety centre after (days overdue)"), default=7
    )
    general_leaders_days = models.PositiveSmallIntegerField(
        _("general hazard: to the leadership group after (days overdue)"), default=15
    )
    major_head_days = models.PositiveSmallIntegerField(
        _("major hazard: to the department head after (days overdue)"), default=1
    )
    major_centre_days = models.PositiveSmallIntegerField(
        _("major hazard: to the safety centre after (days overdue)"), default=3
    )
    major_leaders_days = models.PositiveSmallIntegerField(
        _("major hazard: to the leadership group after (days overdue)"), default=7
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = models.Manager()

    def __str__(self) -> str:
        return f"{self.bureau_id}"

    def ladder(self, level: str) -> tuple[int, int, int]:
        """(head, centre, leadership) days overdue for a hazard of ``level``."""
        if level == "major":
            return (self.major_head_days, self.major_centre_days, self.major_leaders_days)
        return (self.general_head_days, self.general_centre_days, self.general_leaders_days)


class DepartmentHead(models.Model):
    """The department officer who is its head (部门负责人) for escalations; without one, a
    department's escalation goes to all its officers."""

    department = models.OneToOneField("orgs.Department", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.department_id}: {self.user_id}"


class Preference(models.Model):
    """What one person receives by e-mail, and when (in-app notices are always kept)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_preference"
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    email_topics = models.JSONField(_("by e-mail"), default=_alerts_only)
    #: one e-mail a day with the day's notices
    email_digest = models.BooleanField(_("daily digest by e-mail"), default=False)
    #: own quiet hours for e-mail; empty: the bureau's
    quiet_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet until"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id}"

    def wants(self, topic: str) -> bool:
        if not self.email:
            return False
        if topic == Topic.DIGEST:
            return self.email_digest
        return topic == Topic.TEST or topic in (self.email_topics or [])


class GroupDigest(models.Model):
    """A bureau's group digest of one day was queued (``digests.group_digests``): the job that
    runs every few minutes does it once a day per bureau."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    queued_at = models.DateTimeField(default=timezone.now)
    #: how many robot messages were offered to the outbox
    messages = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date", "bureau_id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "date"], name="uniq_group_digest_day")
        ]

    def __str__(self) -> str:
        return f"{self.bureau_id} {self.date}"
