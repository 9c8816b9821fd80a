"""Forms of the duty watch pages: thin, the rules live in ``services``."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from safecampus.core.excel import upload_problem

from . import selectors
from .choices import NOTE_KINDS, LogKind, PeriodKind, Post, RosterStatus


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "form-control")


class PeriodForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("duty watch", "Period name"), max_length=60)
    kind = forms.ChoiceField(label=pgettext_lazy("duty watch", "Kind"), choices=PeriodKind.choices)
    starts_on = forms.DateField(
        label=pgettext_lazy("duty watch", "First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ends_on = forms.DateField(
        label=pgettext_lazy("duty watch", "Last day"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=pgettext_lazy("duty watch", "Note"), max_length=200, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class GenerateForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    names = forms.MultipleChoiceField(
        label=gettext_lazy("Periods to create"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["names"].choices = [(p["name"], p["name"]) for p in proposals]
        _style(self)


class RosterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            (selectors.MISSING, pgettext_lazy("duty watch", "Not drawn up")),
            *RosterStatus.choices,
        ],
    )
    q = forms.CharField(label=gettext_lazy("School"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def filters(self) -> selectors.RosterFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.RosterFilters()
        d = self.cleaned_data
        return selectors.RosterFilters(status=d.get("status") or "", q=(d.get("q") or "").strip())


def _aware(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


class _DateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        return _aware(super().to_python(value))


class _PersonMixin:
    def _people(self, people):
        self.fields["person"].queryset = people
        self.fields["person"].empty_label = pgettext_lazy("duty watch", "— choose an account —")
        self.fields["person"].label_from_instance = lambda u: f"{u.display_name}（{u.username}）"


class ShiftForm(_PersonMixin, forms.Form):
    post = forms.ChoiceField(label=pgettext_lazy("duty watch", "Post"), choices=Post.choices)
    starts_at = _DateTimeField(label=gettext_lazy("Starts at"))
    ends_at = _DateTimeField(label=gettext_lazy("Ends at"))
    person = forms.ModelChoiceField(
        label=gettext_lazy("Account (optional)"), required=False, queryset=None
    )
    person_name = forms.CharField(
        label=pgettext_lazy("duty watch", "Name"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Taken from the account when left empty."),
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self._people(people)
        _style(self)


class SwapForm(_PersonMixin, forms.Form):
    person = forms.ModelChoiceField(
        label=gettext_lazy("Account (optional)"), required=False, queryset=None
    )
    person_name = forms.CharField(
        label=pgettext_lazy("duty watch", "Name"), max_length=40, required=False
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)
    reason = forms.CharField(
        label=pgettext_lazy("duty watch", "Reason"), max_length=200, required=False
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self._people(people)
        _style(self)


class LogForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("duty watch", "Kind"),
        choices=[(k.value, k.label) for k in (*NOTE_KINDS, LogKind.HANDOVER)],
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_shift = forms.TypedChoiceField(
        label=gettext_lazy("Next shift"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, next_shifts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_shift"].choices = [("", "—")] + [
            (s.pk, f"{s.person_name} {timezone.localtime(s.starts_at):%m-%d %H:%M}")
            for s in next_shifts
        ]
        _style(self)


class MissedFilterForm(forms.Form):
    period = forms.TypedChoiceField(
        label=pgettext_lazy("duty watch", "Period"), required=False, coerce=int, empty_value=None
    )
    school = forms.TypedChoiceField(
        label=gettext_lazy("School"), required=False, coerce=int, empty_value=None
    )
    day = forms.DateField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, periods=(), schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [("", gettext_lazy("All"))] + [
            (p.pk, p.name) for p in periods
        ]
        self.fields["school"].choices = [("", gettext_lazy("All"))] + [
            (s.pk, s.name) for s in schools
        ]
        _style(self)

    def filters(self) -> selectors.MissedFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.MissedFilters()
        d = self.cleaned_data
        return selectors.MissedFilters(
            period=d.get("period"), school=d.get("school"), day=d.get("day")
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            raise forms.ValidationError(gettext_lazy("The file is larger than 5 MB."))
        if problem := upload_problem(f):
            raise forms.ValidationError(problem)
        return f
