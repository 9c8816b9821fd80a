"""The dashboard's filter form: campaign, period (found on), bureau, school type and (for a
department officer) department, with choices from the user's scope only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import scope_for
from safecampus.hazards.filtersets import CURRENT_CAMPAIGNS
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Bureau, Department

from . import access
from .selectors import Filters

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DashboardFilterForm(forms.Form):
    campaign = forms.ChoiceField(
        label=_("Campaign"),
        required=False,
        help_text=_(
            "Current campaigns: those launched and not closed yet. All: every hazard, "
            "whichever campaign found it, or none."
        ),
    )
    found_from = forms.DateField(label=_("Found from"), required=False, widget=DATE)
    found_to = forms.DateField(label=_("Found to"), required=False, widget=DATE)
    bureau = forms.TypedChoiceField(label=_("Bureau"), required=False, coerce=int)
    stage = forms.ChoiceField(
        label=_("School type"), required=False, choices=[("", _("All"))] + SchoolStage.choices
    )
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int)

    def __init__(self, *args, user, campaigns: list, **kwargs):
        """``campaigns``: the campaigns the user sees (``selectors.visible_campaigns``)."""
        super().__init__(*args, **kwargs)
        self.campaigns = {c.pk: c for c in campaigns}
        self.fields["campaign"].choices = [
            ("", _("All hazards (any campaign or none)")),
            (CURRENT_CAMPAIGNS, _("Current campaigns (launched, not closed)")),
        ] + [(str(c.pk), f"{c.name}（{c.year}）") for c in campaigns]
        scope = scope_for(user)
        ids = access.dashboard_department_ids(scope)
        self.departments = (
            {
                d.pk: d
                for d in Department.objects.visible_to(user)
                .filter(pk__in=ids)
                .order_by("sort_order", "name", "id")
            }
            if ids
            else {}
        )
        #: a department officer's dashboard is always one of their departments'
        self.department_only = access.department_dashboard_only(scope) and bool(self.departments)
        self.fields["department"].choices = ([] if self.department_only else [("", _("All"))]) + [
            (d.pk, d.name) for d in self.departments.values()
        ]
        bureaus = list(Bureau.objects.visible_to(user).values_list("pk", "name"))
        self.fields["bureau"].choices = [("", _("All"))] + bureaus
        #: the bureau filter is shown only to users of more than one bureau
        self.many_bureaus = len(bureaus) > 1
        for name, field in self.fields.items():
            css = (
                "form-select form-select-sm"
                if name in ("campaign", "bureau", "stage", "department")
                else ""
            )
            field.widget.attrs["class"] = css or "form-control form-control-sm"
            field.widget.attrs.setdefault("id", f"id_{name}")

    def clean(self):
        data = super().clean()
        start, end = data.get("found_from"), data.get("found_to")
        if start and end and start > end:
            self.add_error("found_to", _("The end of the period is before its start."))
        return data

    def filters(self) -> Filters:
        """The valid filters (a field with an error is left out)."""
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        chosen = data.get("campaign") or ""
        campaign = self.campaigns.get(int(chosen)) if chosen.isdigit() else None
        department = data.get("department") or None
        if department not in self.departments:
            department = None
        if department is None and self.department_only:
            department = next(iter(self.departments))
        return Filters(
            campaign=campaign,
            current=chosen == CURRENT_CAMPAIGNS,
            department_id=department,
            found_from=data.get("found_from"),
            found_to=data.get("found_to"),
            bureau_id=data.get("bureau") or None,
            stage=data.get("stage") or "",
        )
