"""The dashboard's filter form: campaign, period (found on), bureau and school type, with choices
from the user's scope only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Bureau

from .selectors import Filters

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DashboardFilterForm(forms.Form):
    campaign = forms.TypedChoiceField(label=_("Campaign"), required=False, coerce=int)
    found_from = forms.DateField(label=_("Found from"), required=False, widget=DATE)
    found_to = forms.DateField(label=_("Found to"), required=False, widget=DATE)
    bureau = forms.TypedChoiceField(label=_("Bureau"), required=False, coerce=int)
    stage = forms.ChoiceField(
        label=_("School type"), required=False, choices=[("", _("All"))] + SchoolStage.choices
    )

    def __init__(self, *args, user, campaigns: list, **kwargs):
        """``campaigns``: the campaigns the user sees (``selectors.visible_campaigns``)."""
        super().__init__(*args, **kwargs)
        self.campaigns = {c.pk: c for c in campaigns}
        self.fields["campaign"].choices = [("", _("Current campaign"))] + [
            (c.pk, f"{c.name}（{c.year}）") for c in campaigns
        ]
        bureaus = list(Bureau.objects.visible_to(user).values_list("pk", "name"))
        self.fields["bureau"].choices = [("", _("All"))] + bureaus
        #: the bureau filter is shown only to users of more than one bureau
        self.many_bureaus = len(bureaus) > 1
        for name, field in self.fields.items():
            css = "form-select form-select-sm" if name in ("campaign", "bureau", "stage") else ""
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
        return Filters(
            campaign=self.campaigns.get(data.get("campaign")) if data.get("campaign") else None,
            found_from=data.get("found_from"),
            found_to=data.get("found_to"),
            bureau_id=data.get("bureau") or None,
            stage=data.get("stage") or "",
        )
