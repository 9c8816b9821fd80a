"""Forms of the spot check pages. They read input only; the services decide and refuse."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.campaigns.models import Campaign
from safecampus.hazards.forms import MultipleFileField
from safecampus.orgs.models import Bureau

from . import selectors
from .models import Claim, Result
from .services import MAX_SEED


def _dress(form: forms.Form) -> None:
    for f in form.fields.values():
        w = f.widget
        if isinstance(w, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.HiddenInput):
            continue
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select")
        else:
            w.attrs.setdefault("class", "form-control")


class SpotCheckOrderForm(forms.Form):
    bureau = forms.ModelChoiceField(label=_("Bureau"), queryset=Bureau.objects.none())
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("All hazards of the bureau"),
        help_text=_("Draw only from the hazards found in one campaign."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    percent = forms.DecimalField(
        label=_("Proportion (%)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal("10"),
        help_text=_("The share of each stratum drawn, rounded up."),
    )
    claims = forms.MultipleChoiceField(
        label=_("Claims to check"),
        choices=Claim.choices,
        initial=[Claim.RESOLVED, Claim.IN_PROGRESS],
        widget=forms.CheckboxSelectMultiple,
    )
    by_colour = forms.BooleanField(
        label=_("Stratify by risk colour too"),
        required=False,
        help_text=_("Hazards are always stratified by responsible department."),
    )
    minimum_per_stratum = forms.IntegerField(
        label=_("Minimum per stratum"), min_value=0, max_value=10000, initial=1
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        help_text=_("Leave empty for a random seed (recommended)."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, bureau_ids, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].queryset = selectors.order_bureau_choices(bureau_ids)
        if len(bureau_ids) == 1:
            self.fields["bureau"].initial = next(iter(bureau_ids))
            self.fields["bureau"].widget = forms.HiddenInput()
        self.fields["campaign"].queryset = selectors.order_campaigns(
            user=user, bureau_ids=bureau_ids
        )
        _dress(self)

    @property
    def proportion(self) -> Decimal:
        return self.cleaned_data["percent"] / Decimal(100)


class RecordForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[
            (Result.CONFIRMED, Result.CONFIRMED.label),
            (Result.NOT_AS_CLAIMED, Result.NOT_AS_CLAIMED.label),
        ],
        widget=forms.RadioSelect,
    )
    finding = forms.CharField(
        label=_("Findings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the hazard is not as claimed: what was found on site."),
    )
    checked_on = forms.DateField(
        label=_("Checked on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    files = MultipleFileField(
        label=_("Photos taken on site"),
        help_text=_(
            "At least one. Photos (JPEG, PNG, WebP, HEIC), PDF or Office files, at most 20 MB each."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"checked_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        _dress(self)


class AssignForm(forms.Form):
    """Assign one person to the hazards ticked, or to every hazard of a stratum."""

    inspector = forms.TypedChoiceField(label=_("Inspector"), coerce=int)
    items = forms.TypedMultipleChoiceField(label=_("Hazards"), coerce=int, required=False)
    stratum = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, candidates, item_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].choices = [("", "—")] + [(c.user.pk, c.label) for c in candidates]
        self.fields["items"].choices = [(pk, pk) for pk in item_ids]
        _dress(self)
