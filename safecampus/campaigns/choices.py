"""Code lists of campaigns (专项行动) and self-inspection forms (排查表), DOMAIN.md §4."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LAUNCHED = "launched", _("Launched")
    CLOSED = "closed", pgettext_lazy("campaign", "Closed")


class SchoolSelection(models.TextChoices):
    ALL = "all", _("All schools of the bureau")
    STAGES = "stages", _("Schools of the chosen types")
    LIST = "list", _("A list of schools")


class PhaseKind(models.TextChoices):
    INSPECTION = "inspection", _("Concentrated inspection")
    RECTIFICATION = "rectification", _("Special rectification")
    EVALUATION = "evaluation", _("Summary and evaluation")
    OTHER = "other", _("Other")


class FormStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")


#: a school may change the answers while its form is in one of these
EDITABLE_FORM_STATUSES = frozenset(
    {FormStatus.NOT_STARTED, FormStatus.IN_PROGRESS, FormStatus.RETURNED}
)


class Answer(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ReviewDecision(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return for revision")


class FormAction(models.TextChoices):
    """Events in a form's history."""

    GENERATE = "generate", _("Generated")
    SAVE = "save", _("Answers saved")
    IMPORT = "import", _("Imported from Excel")
    SUBMIT = "submit", _("Submitted")
    ACCEPT = "accept", _("Accepted by a department")
    RETURN = "return", _("Returned for revision")
    COMPLETE = "complete", _("Accepted by every department")


#: weekday numbers as ``datetime.date.weekday()`` gives them
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
