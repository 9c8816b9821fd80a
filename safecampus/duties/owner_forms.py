"""Forms of the owner's pages: recording an occurrence (its figures and one file input per kind
of evidence the duty requires), asking for an excuse, deciding it, "not credible", and the drill
import. They only parse; the services decide (and their refusals land on these forms)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.excel import upload_problem
from safecampus.hazards.evidence import ACCEPT
from safecampus.hazards.forms import MultipleFileField, MultipleFileInput

from .choices import Evidence, Figure

DATETIME_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select")
        else:
            w.attrs.setdefault("class", "form-control")


class RecordForm(forms.Form):
    """A record of ``duty``: when, scenario, summary, the duty's figures, and its evidence."""

    occurred_at = forms.DateTimeField(
        label=_("Held at"),
        required=False,
        input_formats=DATETIME_INPUT,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    scenario = forms.CharField(label=_("Scenario"), max_length=200, required=False)
    summary = forms.CharField(
        label=pgettext_lazy("duty record", "What was done"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, duty, **kwargs):
        super().__init__(*args, **kwargs)
        self.duty = duty
        for figure in duty.figures:
            self.fields[figure] = forms.IntegerField(
                label=Figure(figure).label,
                required=False,
                min_value=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        for kind in duty.evidence:
            attrs = {"accept": ACCEPT}
            if kind == Evidence.PHOTO:
                attrs = {"accept": "image/*,.heic,.heif", "capture": "environment"}
            self.fields[f"files_{kind}"] = MultipleFileField(
                label=Evidence(kind).label, widget=MultipleFileInput(attrs=attrs)
            )
        _style(self)

    @property
    def figure_fields(self):
        return [self[f] for f in self.duty.figures]

    @property
    def file_fields(self):
        return [self[f"files_{k}"] for k in self.duty.evidence]

    def service_input(self) -> tuple[dict, dict]:
        """(data, files) for ``services.record``."""
        d = self.cleaned_data
        data = {
            "occurred_at": d.get("occurred_at"),
            "scenario": d.get("scenario", ""),
            "summary": d.get("summary", ""),
        }
        for figure in self.duty.figures:
            data[figure] = d.get(figure)
        files = {k: d.get(f"files_{k}") or [] for k in self.duty.evidence}
        return data, files


class ExcuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class DecideForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class NotCredibleForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the record is not credible"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    open_accountability = forms.BooleanField(
        label=_("Open an accountability record (criticism) against the owner"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class RecordImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if problem := upload_problem(f):
            raise forms.ValidationError(problem)
        return f
