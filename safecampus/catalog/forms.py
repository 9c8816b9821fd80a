from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.core.forms import bootstrap
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.excel import EXCEL_LABELS
from safecampus.orgs.models import Department

from .excel import parse_routes, routes_text
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

    routes = forms.CharField(
        label=_("Routing by stage or subject"),
        required=False,
        help_text=_(
            "Which department takes the item for which school stage or subject, in order, "
            "e.g. 普教一科：小学、初中；学前科：幼儿园 or 人事科：教师；普教一科：学生. "
            "Empty: the first responsible department takes it."
        ),
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
            self.initial["routes"] = routes_text(
                [
                    {"department": r.department.name, "stages": r.stages, "subject": r.subject}
                    for r in self.instance.routes.select_related("department")
                ],
                EXCEL_LABELS[SchoolStage],
            )
        self._departments = departments
        bootstrap(self)

    def clean_routes(self) -> list[tuple]:
        """The routes as ``[(department, stages, subject)]``, in the order written."""
        stages = {v: k for k, v in EXCEL_LABELS[SchoolStage].items()} | {
            str(label): value for value, label in SchoolStage.choices
        }
        routes, problems = parse_routes(self.cleaned_data.get("routes", ""), stages)
        by_name = {d.name: d for d in self._departments}
        for route in routes:
            if route["department"] not in by_name:
                problems.append(
                    _("No department named %(n)s in this bureau.") % {"n": route["department"]}
                )
        if problems:
            raise forms.ValidationError(problems)
        return [(by_name[r["department"]], r["stages"], r["subject"]) for r in routes]


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
