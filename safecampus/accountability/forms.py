"""Forms of the consultation and accountability pages. Rules live in services; these only shape
input and offer choices from the user's scope."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from safecampus.core.forms import bootstrap
from safecampus.hazards.choices import Decision
from safecampus.hazards.models import Hazard
from safecampus.orgs.models import Department, School

from . import selectors
from .models import ConsultationKind, RecordBasis, RecordKind, RecordStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RecordFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    school = forms.ModelChoiceField(label=_("School"), queryset=None, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All"))] + RecordKind.choices
        self.fields["status"].choices = [("", _("All"))] + RecordStatus.choices
        self.fields["school"].queryset = School.objects.visible_to(user).order_by("name", "id")
        self.fields["department"].queryset = Department.objects.visible_to(user).order_by(
            "bureau_id", "sort_order", "id"
        )
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


class RecordForm(forms.Form):
    """Open an accountability record. Schools, departments, hazards and weekly reports come
    from the bureaus the user manages."""

    kind = forms.ChoiceField(label=_("Measure"), choices=RecordKind.choices)
    basis = forms.ChoiceField(label=_("Basis"), choices=RecordBasis.choices)
    school = forms.ModelChoiceField(label=_("School"), queryset=None, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))
    hazard_codes = forms.CharField(
        label=_("Hazard codes"),
        required=False,
        help_text=_("Codes of the hazards concerned, separated by spaces or commas."),
    )
    weekly_report = forms.ModelChoiceField(
        label=_("Late weekly report"), queryset=None, required=False
    )
    deadline = forms.DateField(
        label=_("Rectify by"),
        required=False,
        widget=DateInput(),
        help_text=_("Required for rectification by a deadline (限期整改)."),
    )

    def __init__(self, *args, user, bureau_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.bureaus = bureau_ids
        self.fields["school"].queryset = selectors.record_schools(user=user, bureau_ids=bureau_ids)
        self.fields["department"].queryset = selectors.record_departments(
            user=user, bureau_ids=bureau_ids
        )
        self.fields["weekly_report"].queryset = selectors.record_weekly_reports(
            user=user, bureau_ids=bureau_ids
        )
        self.fields["weekly_report"].label_from_instance = lambda r: (
            f"{r.department.name} {r.week_start:%Y-%m-%d}—{r.week_end:%Y-%m-%d}"
        )
        bootstrap(self)

    def clean_hazard_codes(self) -> list[Hazard]:
        codes = re.split(r"[\s,，、;；]+", self.cleaned_data["hazard_codes"])
        try:
            return selectors.hazards_by_code(user=self.user, bureau_ids=self.bureaus, codes=codes)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class RecordStepForm(forms.Form):
    """A follow-up or the closing of a record."""

    step = forms.ChoiceField(
        label=_("Step"),
        choices=[("follow_up", _("Record a follow-up")), ("close", _("Close the record"))],
        widget=forms.RadioSelect,
        initial="follow_up",
    )
    comment = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class CandidateChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.code


class ConsultationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ConsultationKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    attendees = forms.CharField(label=_("Attendees"), widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=None, required=False)
    hazards = CandidateChoiceField(label=_("Hazards discussed"), queryset=None)

    def __init__(self, *args, user, candidates, bureau_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hazards"].queryset = candidates
        self.fields["campaign"].queryset = selectors.consultation_campaigns(
            user=user, bureau_ids=bureau_ids
        )
        bootstrap(self)


class ItemDecisionForm(forms.Form):
    """The decision on one hazard of a consultation (prefix ``item-<id>``)."""

    decisions = forms.MultipleChoiceField(
        label=_("Decisions"),
        choices=Decision.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    department = forms.TypedChoiceField(
        label=_("Department named"), coerce=int, empty_value=None, required=False
    )
    deadline = forms.DateField(label=_("New deadline"), required=False, widget=DateInput())
    comment = forms.CharField(
        label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, departments, **kwargs):
        """``departments``: a list, read once for every form of the page."""
        super().__init__(*args, **kwargs)
        self._departments = {d.pk: d for d in departments}
        self.fields["department"].choices = [("", "---------")] + [
            (d.pk, d.name) for d in departments
        ]
        bootstrap(self)

    def clean_department(self):
        pk = self.cleaned_data.get("department")
        return self._departments.get(pk) if pk is not None else None
