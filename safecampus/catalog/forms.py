from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.core.forms import bootstrap
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Department

from .models import CheckItem, RiskArea
from .services import ITEM_FIELDS


class CheckItemForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(
        label=_("Stages (none = all)"),
        choices=SchoolStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    responsible = forms.ModelMultipleChoiceField(
        label=_("Responsible departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cooperating = forms.ModelMultipleChoiceField(
        label=_("Cooperating departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CheckItem
        fields = ["area", *ITEM_FIELDS]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "guidance": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = RiskArea.objects.filter(version=version)
        departments = Department.objects.filter(bureau_id=version.bureau_id)
        self.fields["responsible"].queryset = departments
        self.fields["cooperating"].queryset = departments
        if self.instance.pk:
            self.initial["responsible"] = list(self.instance.responsible_departments.all())
            self.initial["cooperating"] = list(self.instance.cooperating_departments.all())
        bootstrap(self)


class RiskAreaForm(forms.ModelForm):
    class Meta:
        model = RiskArea
        fields = ["code", "name", "source", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class CatalogImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def clean_file(self):
        from django.core.exceptions import ValidationError

        from safecampus.core.excel import upload_problem

        f = self.cleaned_data["file"]
        if problem := upload_problem(f):
            raise ValidationError(problem)
        return f
