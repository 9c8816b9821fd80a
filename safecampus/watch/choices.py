"""Code lists of the duty watch (值班值守, DOMAIN.md §10); the roster's lifecycle is in
``lifecycle``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class PeriodKind(models.TextChoices):
    HOLIDAY = "holiday", pgettext_lazy("duty watch", "Holiday")
    SENSITIVE = "sensitive", pgettext_lazy("duty watch", "Sensitive period")
    OTHER = "other", pgettext_lazy("duty watch", "Other")


class RosterStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("duty watch", "Draft")
    PUBLISHED = "published", pgettext_lazy("duty watch", "Published")


class RosterAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("duty watch", "Create the roster")
    ADD_SHIFT = "add_shift", pgettext_lazy("duty watch", "Add a shift")
    CHANGE_SHIFT = "change_shift", pgettext_lazy("duty watch", "Change a shift")
    REMOVE_SHIFT = "remove_shift", pgettext_lazy("duty watch", "Remove a shift")
    IMPORT = "import", pgettext_lazy("duty watch", "Import shifts")
    PUBLISH = "publish", pgettext_lazy("duty watch", "Publish")
    REVISE = "revise", pgettext_lazy("duty watch", "Revise")
    SWAP = "swap", pgettext_lazy("duty watch", "Swap")


class Post(models.TextChoices):
    LEADER = "leader", pgettext_lazy("duty watch", "Leader on duty")
    OFFICER = "officer", pgettext_lazy("duty watch", "Officer on duty")
    GUARD = "guard", pgettext_lazy("duty watch", "Security and other")


class LogKind(models.TextChoices):
    CHECK_IN = "check_in", pgettext_lazy("duty watch", "Check-in")
    HANDOVER = "handover", pgettext_lazy("duty watch", "Handover")
    EVENT = "event", pgettext_lazy("duty watch", "Event")
    CALL = "call", pgettext_lazy("duty watch", "Call")
    PATROL = "patrol", pgettext_lazy("duty watch", "Patrol")
    CHECK_OUT = "check_out", pgettext_lazy("duty watch", "Check-out")


#: what a person records during a shift (check-in and check-out have their own buttons)
NOTE_KINDS = (LogKind.EVENT, LogKind.CALL, LogKind.PATROL)
