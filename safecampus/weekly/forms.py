"""Forms of the weekly report pages. Rules live in services; these only shape input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.core.forms import bootstrap


class NarrativeForm(forms.Form):
    progress = forms.CharField(
        label=_("Progress this week"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    problems = forms.CharField(
        label=_("Problems"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_plan = forms.CharField(
        label=_("Plan for next week"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class CompileForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The centre's summary of the week, at the head of the district report."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)
