from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from safecampus.core.excel import upload_problem
from safecampus.core.forms import bootstrap

from .choices import CoordSystem
from .models import Bureau, Department, LeadershipMember, PartnerUnit, Region, School
from .services import SCHOOL_FIELDS, parse_gates


class SchoolForm(forms.ModelForm):
    """Create and edit a school; gates are entered as "经度,纬度; 经度,纬度" with one system."""

    gates_text = forms.CharField(
        label=_("Gate coordinates"),
        required=False,
        help_text=_("longitude,latitude of each gate; separate gates with ';'"),
        widget=forms.TextInput(attrs={"placeholder": "121.381234,31.112345; 121.382,31.113"}),
    )
    coord_system = forms.ChoiceField(
        label=_("Coordinate system"), choices=[("", "—")] + CoordSystem.choices, required=False
    )

    class Meta:
        model = School
        fields = SCHOOL_FIELDS

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        bureaus = Bureau.objects.restrict(user, "manage_schools")
        self.fields["bureau"].queryset = bureaus
        if bureaus.count() == 1 and not self.instance.pk:
            self.fields["bureau"].initial = bureaus.first()
        self.fields["region"].queryset = Region.objects.visible_to(user).filter(level="county")
        bootstrap(self)
        for name, field in self.fields.items():
            widget = field.widget
            if name in ("students", "boarders", "staff", "gate_count"):
                widget.attrs["min"] = 0
        if self.instance.pk:
            gates = list(self.instance.gates.all())
            self.initial["gates_text"] = "; ".join(f"{g.longitude},{g.latitude}" for g in gates)
            self.initial["coord_system"] = gates[0].coord_system if gates else ""

    def clean(self):
        data = super().clean()
        raw = data.get("gates_text") or ""
        gates, problems = parse_gates(raw, data.get("coord_system") or "")
        for problem in problems:
            self.add_error("gates_text", problem)
        if raw.strip() and not data.get("coord_system"):
            self.add_error(
                "coord_system", _("Say which coordinate system the gate coordinates use.")
            )
        data["gates"] = gates
        if (data.get("boarders") or 0) > (data.get("students") or 0):
            self.add_error("boarders", _("Cannot exceed the number of students."))
        if data.get("boarders") and not data.get("boarding"):
            self.add_error("boarders", _("Only a boarding school has boarders."))
        return data


class SchoolImportForm(forms.Form):
    bureau = forms.ModelChoiceField(label=_("Import into bureau"), queryset=Bureau.objects.none())
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Bureau.objects.restrict(user, "manage_schools")
        self.fields["bureau"].queryset = qs
        if qs.count() == 1:
            self.fields["bureau"].initial = qs.first()

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 20 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 20 MB."))
        if problem := upload_problem(f):
            raise ValidationError(problem)
        return f


class _Styled:
    def _style(self):
        bootstrap(self)


class DepartmentForm(_Styled, forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "kind", "head", "phone", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class BureauDocumentForm(_Styled, forms.ModelForm):
    """What the bureau's documents carry: the issuing body (发文机关) and the number prefix."""

    class Meta:
        model = Bureau
        fields = ["issuing_body", "doc_number_prefix"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class PartnerUnitForm(_Styled, forms.ModelForm):
    school_codes = forms.CharField(
        label=_("Schools covered"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("School identification codes, one per line or separated by spaces."),
    )

    class Meta:
        model = PartnerUnit
        fields = ["name", "kind", "contact", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["school_codes"] = "\n".join(
                self.instance.schools.order_by("code").values_list("code", flat=True)
            )
        self._style()

    def codes(self) -> list[str]:
        return self.cleaned_data.get("school_codes", "").replace(",", " ").split()


class LeadershipMemberForm(_Styled, forms.ModelForm):
    class Meta:
        model = LeadershipMember
        fields = ["position", "name", "title", "department"]
        labels = {"department": _("Department")}

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(bureau_id=group.bureau_id)
        self._style()
