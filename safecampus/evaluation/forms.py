"""Forms of the evaluation pages. Rules live in services; these only shape input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.campaigns.forms import DateInput
from safecampus.core.forms import bootstrap
from safecampus.hazards.choices import Summary


class ConfirmationForm(forms.Form):
    """One hazard's summary category as the department states it."""

    category = forms.ChoiceField(label=_("Summary category"), choices=Summary.choices)
    complete_by = forms.DateField(
        label=_("To be resolved by"),
        required=False,
        widget=DateInput(),
        help_text=_("Needed when it is being resolved; defaults to the hazard's deadline."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the category differs from the one the register gives."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


def confirmation_form(hazard, data, *, as_derived: bool) -> ConfirmationForm:
    """The confirmation of ``hazard``'s category as stated, checked by the page's form (the page
    and the API both): with ``as_derived``, the category the register gives and the hazard's
    deadline, ``data`` ignored."""
    if as_derived:
        data = {
            "category": hazard.summary or "",
            "complete_by": hazard.deadline.isoformat() if hazard.deadline else "",
            "note": "",
        }
    return ConfirmationForm(data)
