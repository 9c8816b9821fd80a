"""Forms of the register pages: report a hazard (on a phone too), and one form per action."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.catalog.choices import HazardLevel, VersionStatus
from safecampus.catalog.models import CatalogVersion, CheckItem, RiskArea
from safecampus.core.access import scope_for
from safecampus.core.forms import bootstrap
from safecampus.orgs.models import Department, School

from . import access
from .choices import Action, Decision, EvidencePhase, RemedyType, RiskColour, Source
from .evidence import ACCEPT

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

#: the usual LEC scales (Graham–Kinney): value → meaning
L_CHOICES = [
    ("", "—"),
    ("10", _("10 – to be expected")),
    ("6", _("6 – quite possible")),
    ("3", _("3 – unusual but possible")),
    ("1", _("1 – remotely possible")),
    ("0.5", _("0.5 – conceivable but very unlikely")),
    ("0.2", _("0.2 – practically impossible")),
    ("0.1", _("0.1 – virtually impossible")),
]
E_CHOICES = [
    ("", "—"),
    ("10", _("10 – continuous")),
    ("6", _("6 – daily, during working hours")),
    ("3", _("3 – weekly or occasionally")),
    ("2", _("2 – monthly")),
    ("1", _("1 – a few times a year")),
    ("0.5", _("0.5 – very rarely")),
]
C_CHOICES = [
    ("", "—"),
    ("100", _("100 – catastrophe, many deaths")),
    ("40", _("40 – disaster, several deaths")),
    ("15", _("15 – very serious, one death")),
    ("7", _("7 – serious injury")),
    ("3", _("3 – disabling injury")),
    ("1", _("1 – noticeable, first aid")),
]


def _decimal_or_none(value):
    return Decimal(value) if value not in (None, "") else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the camera opens directly on a phone."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ACCEPT, "capture": "environment"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


def _lec_fields(form: forms.Form) -> None:
    form.fields["lec_l"] = forms.TypedChoiceField(
        label=_("Likelihood (L)"),
        choices=L_CHOICES,
        required=False,
        coerce=Decimal,
        empty_value=None,
    )
    form.fields["lec_e"] = forms.TypedChoiceField(
        label=_("Exposure (E)"),
        choices=E_CHOICES,
        required=False,
        coerce=Decimal,
        empty_value=None,
    )
    form.fields["lec_c"] = forms.TypedChoiceField(
        label=_("Consequence (C)"),
        choices=C_CHOICES,
        required=False,
        coerce=Decimal,
        empty_value=None,
    )


def published_versions(user):
    """The newest published catalog version of each bureau the user sees."""
    latest = {}
    for v in (
        CatalogVersion.objects.visible_to(user)
        .filter(status=VersionStatus.PUBLISHED)
        .order_by("bureau_id", "-number")
    ):
        latest.setdefault(v.bureau_id, v)
    return list(latest.values())


class HazardReportForm(forms.Form):
    """A new hazard. Schools see only their own school; departments the schools of their bureau."""

    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.none())
    item = forms.ModelChoiceField(
        label=_("Check item"), queryset=CheckItem.objects.none(), required=False
    )
    area = forms.ModelChoiceField(
        label=_("Risk area"),
        queryset=RiskArea.objects.none(),
        required=False,
        help_text=_("Needed only when no check item fits."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    location = forms.CharField(label=_("Location in school"), max_length=200, required=False)
    files = MultipleFileField(
        label=_("Photos or documents"),
        help_text=_("Photos (JPEG, PNG, WebP, HEIC), PDF or Office files, at most 20 MB each."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    found_on = forms.DateField(label=_("Found on"), widget=DATE, initial=timezone.localdate)
    found_by = forms.CharField(label=_("Found by"), max_length=64, required=False)
    remedy_type = forms.ChoiceField(
        label=_("Remedy type"), choices=RemedyType.choices, initial=RemedyType.DEADLINE
    )
    level = forms.ChoiceField(label=_("Hazard level"), choices=HazardLevel.choices)
    risk_colour = forms.ChoiceField(
        label=_("Risk grade"),
        choices=[("", _("From L × E × C"))] + list(RiskColour.choices),
        required=False,
        help_text=_("Leave empty to grade by L × E × C."),
    )
    responsible_person = forms.CharField(label=_("Responsible person at school"), max_length=64)
    responsible_phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    measures = forms.CharField(
        label=_("Rectification measures"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    deadline = forms.DateField(label=_("Planned completion date"), widget=DATE, required=False)
    funds = forms.CharField(label=_("Funds"), max_length=200, required=False)
    contingency_plan = forms.CharField(
        label=_("Contingency plan"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    interim_measures = forms.CharField(
        label=_("Interim safety measures"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    interim_unit = forms.CharField(label=_("Unit responsible"), max_length=100, required=False)
    interim_person = forms.CharField(label=_("Person responsible"), max_length=64, required=False)
    interim_deadline = forms.DateField(label=_("In place by"), widget=DATE, required=False)
    responsible_department = forms.ModelChoiceField(
        label=_("Responsible department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Leave empty to take the check item's department."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        versions = published_versions(user)
        version_ids = [v.pk for v in versions]
        schools = School.objects.visible_to(user).filter(is_active=True)
        schools = schools.filter(access.report_school_q(scope))
        self.fields["school"].queryset = schools.order_by("name")
        own = access.own_school_id(scope)
        if own is not None:
            self.fields["school"].initial = own
            self.fields["school"].widget = forms.HiddenInput()
            self.is_school_user = True
        else:
            self.is_school_user = False
        items = (
            CheckItem.objects.filter(version_id__in=version_ids)
            .select_related("area")
            .order_by("version_id", "area__sort_order", "sort_order", "code")
        )
        self.fields["item"].queryset = items
        self.fields["item"].choices = _grouped_items(items)
        self.fields["area"].queryset = RiskArea.objects.filter(version_id__in=version_ids)
        self.fields["responsible_department"].queryset = Department.objects.visible_to(user)
        if self.is_school_user:
            del self.fields["responsible_department"]
            self.fields["source"].initial = Source.SELF_INSPECTION
        else:
            self.fields["source"].initial = Source.DEPARTMENT_INSPECTION
        _lec_fields(self)
        bootstrap(self)

    def clean(self):
        data = super().clean()
        if not data.get("item") and not data.get("area"):
            self.add_error("item", _("Choose a check item, or at least a risk area."))
        return data


def _grouped_items(items):
    """Choices grouped by risk area, so a long catalog stays easy to pick from on a phone."""
    groups: dict[str, list] = {}
    for item in items:
        label = f"{item.area.code} {item.area.name}"
        groups.setdefault(label, []).append((item.pk, f"{item.code} {item.text[:60]}"))
    return [("", "—")] + list(groups.items())


class ActionForm(forms.Form):
    """The input of one action; fields depend on the action."""

    version = forms.IntegerField(widget=forms.HiddenInput())
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    #: comment label per action, where "comment" is not the right word
    COMMENT_LABELS = {
        Action.SUBMIT: _("What was done"),
        Action.REJECT: _("Reason for rejection"),
        Action.WITHDRAW: _("Why this is not a hazard"),
        Action.MARK_HARD: _("Why it cannot be resolved soon"),
        Action.EXTEND: _("Reason for the change"),
        Action.TRANSFER: _("Reason for the transfer"),
        Action.EXPLAIN: _("Explanation"),
        Action.DECIDE: _("Decision of the leadership group"),
        Action.DISPUTE: _("Why the hazard is not your department's"),
    }

    #: the rule the action applies, shown above its fields (empty: none)
    rule = ""

    def _five_in_place(self, hazard) -> None:
        """Funds and contingency plan on the confirm form; for a hazard fixed by a deadline the
        five (五落实, 004 §二(三)) are required and the rule is shown with the school's person."""
        self.fields["funds"] = forms.CharField(
            label=_("Funds"), max_length=200, initial=hazard.funds, required=False
        )
        self.fields["contingency_plan"] = forms.CharField(
            label=_("Contingency plan"),
            widget=forms.Textarea(attrs={"rows": 2}),
            initial=hazard.contingency_plan,
            required=False,
        )
        if hazard.remedy_type != RemedyType.DEADLINE:
            return
        for name in ("funds", "measures", "deadline", "contingency_plan"):
            self.fields[name].required = True
        self.rule = _(
            "Five in place (五落实): a hazard fixed by a deadline is confirmed only with its "
            "funds, people, measures, deadline and contingency plan. Responsible person at "
            "school: %(person)s. Basis: the Chongyi sub-district notice on school safety risk "
            "prevention, part 2 (3)."
        ) % {"person": hazard.responsible_person or "—"}

    def __init__(self, *args, action: str, hazard, **kwargs):
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.action = action
        self.action_label = Action(action).label
        self.fields["version"].initial = hazard.version
        if action in self.COMMENT_LABELS:
            self.fields["comment"].label = self.COMMENT_LABELS[action]
        if action in (
            Action.REJECT,
            Action.WITHDRAW,
            Action.MARK_HARD,
            Action.EXTEND,
            Action.TRANSFER,
            Action.EXPLAIN,
            Action.DECIDE,
            Action.DISPUTE,
        ):
            self.fields["comment"].required = True
        departments = Department.objects.filter(bureau_id=hazard.bureau_id)
        if action == Action.CONFIRM:
            self.fields["level"] = forms.ChoiceField(
                label=_("Hazard level"), choices=HazardLevel.choices, initial=hazard.level
            )
            _lec_fields(self)
            for f in ("lec_l", "lec_e", "lec_c"):
                value = getattr(hazard, f)
                self.fields[f].initial = f"{value.normalize():f}" if value is not None else ""
            self.fields["deadline"] = forms.DateField(
                label=_("Deadline"), widget=DATE, initial=hazard.deadline, required=False
            )
            self.fields["measures"] = forms.CharField(
                label=_("Rectification measures"),
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=hazard.measures,
                required=False,
            )
            for name, label in (
                ("interim_measures", _("Interim safety measures")),
                ("interim_unit", _("Unit responsible")),
                ("interim_person", _("Person responsible")),
            ):
                self.fields[name] = forms.CharField(
                    label=label, initial=getattr(hazard, name), required=False
                )
            self.fields["interim_deadline"] = forms.DateField(
                label=_("In place by"),
                widget=DATE,
                initial=hazard.interim_deadline,
                required=False,
            )
            self._five_in_place(hazard)
        if action == Action.EDIT:
            self._edit_fields(hazard)
        if action == Action.EXTEND:
            self.fields["deadline"] = forms.DateField(
                label=_("New deadline"), widget=DATE, initial=hazard.deadline
            )
        if action == Action.TRANSFER:
            self.fields["responsible_department"] = forms.ModelChoiceField(
                label=_("New responsible department"),
                queryset=departments.exclude(pk=hazard.responsible_department_id),
            )
        if action == Action.DECIDE:
            self.fields["decisions"] = forms.MultipleChoiceField(
                label=_("Decisions"),
                choices=Decision.choices,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields["deadline"] = forms.DateField(
                label=_("New deadline"), widget=DATE, required=False
            )
            self.fields["responsible_department"] = forms.ModelChoiceField(
                label=_("New responsible department"), queryset=departments, required=False
            )
        if action in (Action.SUBMIT, Action.ADD_EVIDENCE):
            self.fields["files"] = MultipleFileField(
                label=_("Photos or documents"), required=action == Action.ADD_EVIDENCE
            )
        if action == Action.ADD_EVIDENCE:
            self.fields["phase"] = forms.ChoiceField(label=_("Kind"), choices=EvidencePhase.choices)
        bootstrap(self)

    def _edit_fields(self, hazard) -> None:
        text = {"widget": forms.Textarea(attrs={"rows": 2})}
        self.fields["description"] = forms.CharField(label=_("Description"), **text)
        self.fields["location"] = forms.CharField(label=_("Location in school"), required=False)
        self.fields["level"] = forms.ChoiceField(
            label=_("Hazard level"), choices=HazardLevel.choices
        )
        _lec_fields(self)
        self.fields["risk_colour"] = forms.ChoiceField(
            label=_("Risk grade"),
            choices=[("", _("From L × E × C"))] + list(RiskColour.choices),
            required=False,
        )
        self.fields["responsible_person"] = forms.CharField(label=_("Responsible person at school"))
        self.fields["responsible_phone"] = forms.CharField(label=_("Phone"), required=False)
        self.fields["measures"] = forms.CharField(
            label=_("Rectification measures"), required=False, **text
        )
        self.fields["funds"] = forms.CharField(label=_("Funds"), required=False)
        self.fields["contingency_plan"] = forms.CharField(
            label=_("Contingency plan"), required=False, **text
        )
        self.fields["interim_measures"] = forms.CharField(
            label=_("Interim safety measures"), required=False, **text
        )
        self.fields["interim_unit"] = forms.CharField(label=_("Unit responsible"), required=False)
        self.fields["interim_person"] = forms.CharField(
            label=_("Person responsible"), required=False
        )
        self.fields["interim_deadline"] = forms.DateField(
            label=_("In place by"), widget=DATE, required=False
        )
        for name, field in self.fields.items():
            if name in ("version", "comment"):
                continue
            value = getattr(hazard, name, None)
            if name.startswith("lec_"):
                value = f"{value.normalize():f}" if value is not None else ""
            field.initial = value
        self.fields["comment"].label = _("Reason for the correction")
        self.fields["comment"].required = True
        # the comment goes last, after the details it explains
        self.fields["comment"] = self.fields.pop("comment")

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("version", "comment", "files", "phase"):
            data.pop(key, None)
        return data
