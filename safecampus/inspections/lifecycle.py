"""The lifecycle of a self-inspection form: every move, who may make it, in one table.

A school (or the centre on its behalf) fills the form in: the first saved answer starts it, later
saves keep it in progress (or returned). Submitting locks it and turns its non-compliant items
into hazards; each department taking some of its items then accepts its part or returns the
whole form with a reason. When the last department has accepted, the system completes it.

Generating a form (a campaign's launch) is its creation, not a move. Refusals that depend on the
campaign (closed) or on the form's content (incomplete) stay with the services, with their own
codes; the table decides the statuses and the roles.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from safecampus.core.capabilities import FORM_FILL, FORM_REVIEW
from safecampus.core.lifecycle import Lifecycle, Move

from .choices import FormAction, FormStatus

#: a form's actions (the event kinds of its moves, except ``save``, whose event is ``save`` or
#: ``import``)
SAVE = "save"
SUBMIT = FormAction.SUBMIT.value
ACCEPT = FormAction.ACCEPT.value
RETURN = FormAction.RETURN.value
COMPLETE = FormAction.COMPLETE.value

_LABELS = {
    SAVE: _("Save"),
    SUBMIT: _("Submit"),
    ACCEPT: _("Accept"),
    RETURN: _("Return for revision"),
    COMPLETE: _("Accepted by every department"),
}

FORM = Lifecycle(
    [
        # filling in: the first change starts the form; a returned form stays returned
        Move(
            SAVE,
            frozenset({FormStatus.NOT_STARTED, FormStatus.IN_PROGRESS, FormStatus.RETURNED}),
            {FormStatus.NOT_STARTED: FormStatus.IN_PROGRESS},
            FORM_FILL,
        ),
        # submitting (again, after a return) locks the form for review
        Move(
            SUBMIT,
            frozenset({FormStatus.NOT_STARTED, FormStatus.IN_PROGRESS, FormStatus.RETURNED}),
            FormStatus.SUBMITTED,
            FORM_FILL,
        ),
        # a department accepts its items; the form waits for the others
        Move(ACCEPT, frozenset({FormStatus.SUBMITTED}), None, FORM_REVIEW),
        # a department returns the whole form to the school
        Move(RETURN, frozenset({FormStatus.SUBMITTED}), FormStatus.RETURNED, FORM_REVIEW),
        # the last department's acceptance completes it
        Move(
            COMPLETE,
            frozenset({FormStatus.SUBMITTED}),
            FormStatus.ACCEPTED,
            FORM_REVIEW,
            internal=True,
        ),
    ],
    statuses=FormStatus.values,
    action_label=lambda action: str(_LABELS.get(action, action)),
)
