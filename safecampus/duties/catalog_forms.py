"""Forms of the duty catalog and the school calendar pages (``views.catalog``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.core.forms import bootstrap
from safecampus.orgs.choices import PartnerKind, SchoolStage
from safecampus.orgs.models import Department

from . import rules
from .choices import DayKind, Evidence, Figure, TermKind
from .models import Duty

DUTY_FIELDS = [
    "code",
    "name",
    "category",
    "done_when",
    "frequency",
    "window_days",
    "grace_days",
    "in_vacation",
    "stages",
    "boarding_only",
    "needs_canteen",
    "needs_chem_lab",
    "owed_by_schools",
    "owed_by_centre",
    "partner_kinds",
    "overseeing_department",
    "evidence",
    "figures",
    "responsible_text",
    "source",
    "sort_order",
]


def _checkboxes(label, choices):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class DutyForm(forms.ModelForm):
    stages = _checkboxes(_("Stages (none = every stage)"), SchoolStage.choices)
    partner_kinds = _checkboxes(_("Owed by partner units of kinds"), PartnerKind.choices)
    evidence = _checkboxes(_("Evidence required"), Evidence.choices)
    figures = _checkboxes(_("Figures required"), Figure.choices)
    departments = forms.ModelMultipleChoiceField(
        label=_("Owed by departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = [
        *DUTY_FIELDS[: DUTY_FIELDS.index("owed_by_centre") + 1],
        "departments",
        *DUTY_FIELDS[DUTY_FIELDS.index("owed_by_centre") + 1 :],
    ]

    class Meta:
        model = Duty
        fields = DUTY_FIELDS
        widgets = {"done_when": forms.Textarea(attrs={"rows": 2})}
        labels = {"sort_order": _("Position in the list")}
        help_texts = {
            "frequency": _(
                "daily, schooldays, weekly, monthly, quarterly, half-yearly, termly, yearly, "
                "4/year, on 05-12, on last-mon-03, before-term"
            ),
            "window_days": _("Days either side of a fixed date; before a term: days before it."),
            "grace_days": _("Days after the window in which a record still counts, as late."),
            "source": _("The document and its section the duty comes from"),
        }

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # the model's constraints are checked on the form: give it its version
            self.instance.version = version
            self.instance.bureau_id = version.bureau_id
        departments = Department.objects.filter(bureau_id=version.bureau_id)
        self.fields["departments"].queryset = departments
        self.fields["overseeing_department"].queryset = departments
        self.fields["frequency"].widget.attrs["data-testid"] = "frequency"
        if self.instance.pk:
            self.initial["departments"] = list(self.instance.owed_by_departments.all())
        #: the rule's description once it parses
        self.rule_description = ""
        bootstrap(self)

    def clean_frequency(self) -> str:
        text = (self.cleaned_data.get("frequency") or "").strip()
        try:
            rule = rules.parse(text)
        except rules.RuleError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.rule_description = rule.describe()
        return text


class TermForm(forms.Form):
    school_year = forms.CharField(
        label=_("School year"), max_length=9, help_text=_("e.g. 2026-2027")
    )
    kind = forms.ChoiceField(label=_("Term"), choices=TermKind.choices)
    start = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class DayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices)
    name = forms.CharField(label=_("name"), max_length=40, help_text=_("e.g. 春节 or 春节调休上班"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class CatalogImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def clean_file(self):
        from safecampus.core.excel import upload_problem

        f = self.cleaned_data["file"]
        if problem := upload_problem(f):
            raise forms.ValidationError(problem)
        return f
