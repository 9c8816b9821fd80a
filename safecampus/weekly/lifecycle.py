"""The lifecycle of a weekly report: a department saves its draft as often as it likes, then
submits it once; a submitted report no longer changes. Opening a report creates the draft (no
move: there is no status before it)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from safecampus.core.lifecycle import Lifecycle, Move
from safecampus.core.roles import Role

from .models import ReportAction, ReportStatus

DRAFT, SUBMITTED = ReportStatus.DRAFT.value, ReportStatus.SUBMITTED.value


def _label(action: str) -> str:
    return {"save": _("Save draft"), "submit": _("Submit")}.get(action, action)


WEEKLY_REPORT = Lifecycle(
    [
        Move(
            ReportAction.SAVE.value, frozenset({DRAFT}), None, frozenset({Role.DEPARTMENT_OFFICER})
        ),
        Move(
            ReportAction.SUBMIT.value,
            frozenset({DRAFT}),
            SUBMITTED,
            frozenset({Role.DEPARTMENT_OFFICER}),
        ),
    ],
    statuses=ReportStatus.values,
    action_label=_label,
    stamp_field="submitted_at",
    role_order=[Role.DEPARTMENT_OFFICER],
)
