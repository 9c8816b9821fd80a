"""What the messaging app names: transports, topics, the outbox's statuses and what happened to a
message or a channel."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Transport(models.TextChoices):
    DINGTALK = "dingtalk", _("DingTalk group robot")
    WECOM = "wecom", _("WeCom group robot")
    EMAIL = "email", _("E-mail")


#: the robots (group channels); e-mail goes to one person
ROBOTS = frozenset({Transport.DINGTALK, Transport.WECOM})


class Topic(models.TextChoices):
    """What a message is about. A robot chooses the topics it carries; a person the topics they
    receive by e-mail. Alerts are never held back by quiet hours."""

    ALERT = "alert", _("Urgent alert")
    REMINDER = "reminder", _("Deadline reminder")
    ESCALATION = "escalation", _("Overdue escalation")
    DIGEST = "digest", _("Daily digest")
    TEST = "test", pgettext_lazy("message topic", "Test message")


#: topics that go out whatever the hour
URGENT_TOPICS = frozenset({Topic.ALERT, Topic.TEST})


class Status(models.TextChoices):
    PENDING = "pending", pgettext_lazy("outbox", "Waiting to be sent")
    SENDING = "sending", pgettext_lazy("outbox", "Being sent")
    SENT = "sent", pgettext_lazy("outbox", "Sent")
    #: the service refused it for good, or every attempt failed
    FAILED = "failed", pgettext_lazy("outbox", "Failed")
    #: its worker stopped while the service was answering: it may have arrived, so it is not
    #: sent again by itself (a person may send it again)
    UNCERTAIN = "uncertain", pgettext_lazy("outbox", "Outcome unknown")
    CANCELLED = "cancelled", pgettext_lazy("outbox", "Cancelled")


OPEN_STATUSES = frozenset({Status.PENDING, Status.SENDING})


class Action(models.TextChoices):
    """One event of a message's history."""

    QUEUE = "queue", _("Queued")
    CLAIM = "claim", _("Taken by a worker")
    DELIVER = "deliver", _("Delivered")
    PART = "part", _("Part delivered")
    RETRY = "retry", _("Will try again")
    FAIL = "fail", _("Failed")
    RELEASE = "release", _("Released by a stopped worker")
    LOSE = "lose", _("Worker stopped mid-send")
    RESEND = "resend", _("Send again")
    CANCEL = "cancel", _("Cancel")
    #: the case it speaks of became restricted: never sent, even mid-send (its remaining parts)
    WITHDRAW = "withdraw", _("Withdrawn: the case became restricted")


class Outcome(models.TextChoices):
    """One HTTP request (or SMTP conversation) to a service: the rate-limit ledger."""

    RESERVED = "reserved", _("Reserved")
    IN_FLIGHT = "in_flight", _("In flight")
    OK = "ok", _("Delivered")
    LIMITED = "limited", _("Rate limited by the service")
    ERROR = "error", _("Error, will retry")
    REFUSED = "refused", _("Refused by the service")


class ChannelAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("robot event", "Created")
    UPDATE = "update", _("Changed")
    SECRET = "secret", _("Secret replaced")
    PAUSE = "pause", _("Paused")
    RESUME = "resume", _("Resumed")
    TEST = "test", _("Test message sent")
    DELETE = "delete", _("Removed")
