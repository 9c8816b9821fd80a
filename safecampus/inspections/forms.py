"""The forms of the self-inspection pages: a department's review and the workbook upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.hazards.forms import MultipleFileField, MultipleFileInput

from .choices import ReviewDecision


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=ReviewDecision.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason / comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    department = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    files = MultipleFileField(
        required=True,
        widget=MultipleFileInput(attrs={"accept": ".xlsx,.zip"}),
        label=_("Filled workbooks (.xlsx) or a zip of them"),
        help_text=_("Each workbook is imported on its own: one with errors saves nothing."),
    )
    submit = forms.BooleanField(
        label=_("Submit each form that is complete after import"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["class"] = "form-control"

    def clean_files(self):
        from django.core.exceptions import ValidationError

        from safecampus.core.archives import ArchiveRefused

        from .excel import check_import_upload

        files = self.cleaned_data["files"]
        problems = []
        for f in files:
            try:
                check_import_upload(f, f.name)
            except ArchiveRefused as refusal:
                problems.append(refusal.message)
        if problems:
            raise ValidationError(problems)
        return files
