"""The fixed vocabularies of recurring duties (DOMAIN.md §7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class DutyCategory(models.TextChoices):
    DRILL = "drill", _("Drill")
    MEETING = "meeting", _("Meeting")
    TRAINING = "training", _("Training")
    CHECK = "check", _("Check")
    AGREEMENT = "agreement", _("Agreement")
    EDUCATION = "education", _("Education activity")
    REPORT = "report", _("Report")
    INSURANCE = "insurance", _("Insurance")
    DUTY = "duty", pgettext_lazy("duty category", "Duty watch")
    TASK = "task", _("Work plan task")
    OTHER = "other", _("Other")


class Owner(models.TextChoices):
    """Who owes a duty: each school it applies to, a named department, a kind of partner unit,
    or the bureau's centre."""

    SCHOOL = "school", _("Each school")
    DEPARTMENT = "department", _("A bureau department")
    PARTNER = "partner", _("Partner units")
    CENTRE = "centre", _("The safety centre")


class Evidence(models.TextChoices):
    """The kinds of evidence a duty may require."""

    PHOTO = "photo", _("Photos")
    SIGNIN = "signin", _("Sign-in sheet")
    MINUTES = "minutes", _("Minutes")
    DOCUMENT = "document", _("Document")


class Figure(models.TextChoices):
    """Figures a record may be asked for."""

    PARTICIPANTS = "participants", _("Participants")
    EVACUATION_SECONDS = "evacuation_seconds", _("Evacuation time (seconds)")
    SIGNED = "signed", _("Signed")
    TOTAL = "total", _("To be signed")
    FOUND = "found", _("Problems found")


class OccurrenceStatus(models.TextChoices):
    DUE = "due", pgettext_lazy("duty status", "Due")
    EXCUSE_REQUESTED = "excuse_requested", _("Excuse requested")
    DONE = "done", _("Done")
    DONE_LATE = "done_late", _("Done late")
    EXCUSED = "excused", _("Excused")
    MISSED = "missed", _("Missed")


class TermKind(models.TextChoices):
    AUTUMN = "autumn", _("Autumn term")
    SPRING = "spring", _("Spring term")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Make-up workday (调休)")
