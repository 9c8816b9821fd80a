"""Forms of the campaign pages. Rules live in services; these only shape input."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.forms import bootstrap
from safecampus.orgs.choices import SchoolStage

from .blueprints import BLUEPRINTS
from .choices import WEEKDAYS, PhaseKind, SchoolSelection
from .selectors import published_versions


def _versions(bureau_ids):
    return published_versions(bureau_ids)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CampaignNewForm(forms.Form):
    """Step one: a template (or blank), the year, the catalog version and the schools. What a
    blank campaign needs besides is ``services.campaign_create``'s rule."""

    blueprint = forms.ChoiceField(label=_("Template"), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(
        label=pgettext_lazy("campaign", "Name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the template's name with the year."),
    )
    doc_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    catalog_version = forms.ModelChoiceField(label=_("Catalog version"), queryset=None)
    forms_due = forms.DateField(
        label=_("Forms due"),
        required=False,
        widget=DateInput(),
        help_text=_("Needed for a blank campaign; a template brings its own dates."),
    )

    def __init__(self, *args, bureau_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["blueprint"].choices = [("", _("Blank campaign"))] + [
            (b.key, b.label) for b in BLUEPRINTS.values()
        ]
        self.fields["catalog_version"].queryset = _versions(bureau_ids)
        self.fields["year"].initial = timezone.localdate().year
        bootstrap(self)


class CampaignEditForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("campaign", "Name"), max_length=200)
    doc_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    description = forms.CharField(
        label=pgettext_lazy("campaign", "Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    forms_due = forms.DateField(label=_("Forms due"), widget=DateInput())
    #: weekly reports (000 §四(二)); shown with the phases
    report_week_start = forms.TypedChoiceField(
        label=_("Report weeks start on"),
        choices=WEEKDAYS,
        coerce=int,
        initial=0,
        required=False,
        empty_value=None,
    )
    report_due_weekday = forms.TypedChoiceField(
        label=_("Weekly reports due on"),
        choices=WEEKDAYS,
        coerce=int,
        initial=4,
        required=False,
        empty_value=None,
        help_text=_("The weekday within the report week by which departments submit."),
    )
    catalog_version = forms.ModelChoiceField(label=_("Catalog version"), queryset=None)
    school_selection = forms.ChoiceField(
        label=_("Schools in scope"), choices=SchoolSelection.choices, widget=forms.RadioSelect
    )
    stages = forms.MultipleChoiceField(
        label=_("School types"),
        choices=SchoolStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    school_codes = forms.CharField(
        label=_("School identification codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For a list of schools: one 10-digit code per line (paste a column from Excel)."
        ),
    )

    def __init__(self, *args, bureau_ids=(), launched=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["catalog_version"].queryset = _versions(bureau_ids)
        if launched:
            # the forms were made from these; they no longer change
            for name in ("catalog_version", "school_selection", "stages", "school_codes"):
                del self.fields[name]
        bootstrap(self)

    def codes(self) -> list[str]:
        text = self.cleaned_data.get("school_codes") or ""
        return [c for c in text.replace(",", "\n").replace("，", "\n").split() if c]


class PhaseForm(forms.Form):
    name = forms.CharField(label=_("Phase"), max_length=64, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=PhaseKind.choices, initial=PhaseKind.OTHER)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())
    weekly_reports = forms.BooleanField(label=_("Weekly reports"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("Key deadline"), max_length=100, required=False)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


PhaseFormSet = formset_factory(PhaseForm, extra=2, max_num=12)
MilestoneFormSet = formset_factory(MilestoneForm, extra=2, max_num=12)


def filled(formset) -> list[dict]:
    return [
        f.cleaned_data
        for f in formset.forms
        if f.cleaned_data
        and any(v not in (None, "", False) for k, v in f.cleaned_data.items() if k != "kind")
    ]
