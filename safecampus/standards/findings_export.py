"""The findings list's filters (``FindingFilterForm``, for the page and the API) and its Excel
workbook (``export_findings``): one place for both, so the API's export is the page's."""

from __future__ import annotations

import tempfile

from django import forms
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from safecampus.catalog import citations
from safecampus.catalog.choices import HazardLevel
from safecampus.core.excel import (
    Column,
    file_name,
    filters_label,
    form_filters,
    heading_for,
    scope_label,
    write_workbook,
)
from safecampus.core.forms import id_param
from safecampus.orgs.models import Department

from . import services
from .choices import FindingStatus, Pillar
from .models import Finding, Rule, RuleSet

ALL = "all"
WORKBOOK_NAME = gettext_lazy("Security standards findings")


class FindingFilterForm(forms.Form):
    """The list's filters, each on an indexed column (or the school's name and code)."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[*FindingStatus.choices, (ALL, gettext_lazy("All"))],
    )
    key = forms.ChoiceField(label=gettext_lazy("Requirement"), required=False)
    pillar = forms.ChoiceField(
        label=gettext_lazy("Pillar"),
        required=False,
        choices=[("", gettext_lazy("All")), *Pillar.choices],
    )
    school = forms.CharField(
        label=gettext_lazy("School (name or code)"), required=False, max_length=100
    )
    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
    rule_set = forms.ChoiceField(label=gettext_lazy("Rule set"), required=False)
    level = forms.ChoiceField(
        label=gettext_lazy("Level"),
        required=False,
        choices=[("", gettext_lazy("All")), *HazardLevel.choices],
    )
    no_hazard = forms.BooleanField(label=gettext_lazy("Not yet a hazard"), required=False)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.user = user
        rule_sets = list(
            RuleSet.objects.visible_to(user).order_by("code").values_list("code", "name")
        )
        self.rule_set_names = dict(rule_sets)
        self.fields["rule_set"].choices = [("", _("All")), *rule_sets]
        titles: dict[str, str] = {}
        for key, title in (
            Rule.objects.filter(version__rule_set__code__in=self.rule_set_names)
            .order_by("key", "-version_id")
            .values_list("key", "title")
        ):
            titles.setdefault(key, title)
        self.fields["key"].choices = [("", _("All")), *sorted(titles.items())]
        departments = list(Department.objects.visible_to(user).values_list("pk", "name"))
        self.department_names = {str(pk): name for pk, name in departments}
        self.fields["department"].choices = [
            ("", _("All")),
            ("centre", _("The bureau's safety centre (no department)")),
            *((str(pk), name) for pk, name in departments),
        ]
        for name, field in self.fields.items():
            css = "form-check-input" if name == "no_hazard" else "form-select form-select-sm"
            if name == "school":
                css = "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

    def apply(self, qs):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        status = data.get("status") or FindingStatus.OPEN
        if status != ALL:
            qs = qs.filter(status=status)
        if data.get("key"):
            qs = qs.filter(key=data["key"])
        if data.get("pillar"):
            qs = qs.filter(pillar=data["pillar"])
        if data.get("school"):
            term = data["school"].strip()
            qs = qs.filter(Q(school__name__icontains=term) | Q(school__code=term))
        if data.get("department") == "centre":
            qs = qs.filter(department__isnull=True)
        elif data.get("department"):
            qs = qs.filter(department_id=id_param(data["department"]))
        if data.get("rule_set"):
            qs = qs.filter(rule_set_code=data["rule_set"])
        if data.get("level"):
            qs = qs.filter(level=data["level"])
        if data.get("no_hazard"):
            qs = qs.filter(hazard__isnull=True)
        return qs

    def label(self) -> str:
        pairs = form_filters(self)
        if not (self.is_bound and self.cleaned_data.get("status")):
            pairs.insert(0, (str(self.fields["status"].label), str(FindingStatus.OPEN.label)))
        return filters_label(pairs)


def filter_form(user, params) -> FindingFilterForm:
    """The list's filter form of a query string (the page's and the API's parameters; the
    list's paging and the raise form's fields left out), unbound when there is none."""
    params = params.copy()
    for name in ("page", "ids", "all", "q", "csrfmiddlewaretoken", *services.INTERIM_FIELDS):
        params.pop(name, None)
    return FindingFilterForm(params or None, user=user)


def errors(form) -> list[str]:
    """The form's errors, each "field: message"."""
    return [f"{form.fields[k].label or k}：{m}" for k, msgs in form.errors.items() for m in msgs]


def findings(user, form):
    """The findings ``user`` sees, as ``form`` filters them."""
    return form.apply(Finding.objects.visible_to(user)).select_related(
        "school", "department", "hazard"
    )


# --- the workbook ---


def number(value: str):
    """A required or actual value as a number when it is one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        pass
    try:
        return float(value)
    except (TypeError, ValueError):
        return value or ""


def columns() -> list[Column]:
    return [
        Column(_("School"), 24),
        Column(_("School code"), 12),
        Column(_("Requirement"), 24),
        Column(_("Explanation"), 40),
        Column(pgettext("standards finding", "Required"), 8),
        Column(pgettext("standards finding", "Actual"), 8),
        Column(_("Clause"), 30),
        Column(_("Rule set"), 16),
        Column(_("Pillar"), 10),
        Column(_("Level"), 10),
        Column(_("Department"), 14),
        Column(pgettext("standards finding", "Found"), 16),
        Column(_("Status"), 10),
        Column(_("Hazard"), 16),
    ]


def rows(qs, names: dict):
    centre = _("The safety centre")
    for f in qs.iterator(chunk_size=2000):
        yield [
            f.school.name,
            f.school.code,
            f.title,
            f.explanation,
            number(f.required),
            number(f.actual),
            citations.render(f.clause),
            names.get(f.rule_set_code, f.rule_set_code),
            str(f.get_pillar_display()),
            str(f.get_level_display()),
            f.department.name if f.department_id else centre,
            timezone.localtime(f.opened_at).replace(tzinfo=None),
            str(f.get_status_display()),
            f.hazard.code if f.hazard_id else "",
        ]


def export_findings(user, form: FindingFilterForm):
    """The findings as ``form`` (valid, or unbound) filters them, to an Excel workbook, for the
    page and the API alike: ``(file, name)``, the file at its start, the name in Chinese after
    the reader's scope, the status shown and the day."""
    with translation.override("zh-hans"):
        qs = findings(user, form).order_by("-opened_at", "pk")
        title = str(WORKBOOK_NAME)
        tmp = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that sends it)
        write_workbook(
            tmp,
            title=title,
            columns=columns(),
            rows=rows(qs, form.rule_set_names),
            heading=heading_for(user, title, form.label()),
        )
        status = form.cleaned_data.get("status") if form.is_bound else ""
        status_text = (
            _("All") if status == ALL else FindingStatus(status or FindingStatus.OPEN).label
        )
        name = file_name(scope_label(user), title, status_text, timezone.localdate())
    tmp.seek(0)
    return tmp, name
