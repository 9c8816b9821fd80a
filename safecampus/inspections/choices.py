"""Code lists of self-inspection forms (排查表) and on-site inspections, DOMAIN.md §4."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
