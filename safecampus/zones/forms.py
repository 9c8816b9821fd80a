"""Forms of the student safety zone's venue register (the pages; the services check again)."""

from __future__ import annotations

import contextlib

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from safecampus.core.excel import upload_problem
from safecampus.core.forms import bootstrap
from safecampus.orgs.choices import CoordSystem
from safecampus.orgs.models import PartnerUnit

from . import detection
from .choices import VenueAction, VenueSource, VenueStatus, VenueType

#: sources a person chooses when registering by hand (an import and a relocation set theirs)
HAND_SOURCES = [
    (VenueSource.INSPECTION.value, VenueSource.INSPECTION.label),
    (VenueSource.PUBLIC_REPORT.value, VenueSource.PUBLIC_REPORT.label),
]
#: the register's own buttons
STATUS_ACTIONS = (
    VenueAction.RECTIFY,
    VenueAction.CLOSE,
    VenueAction.RELOCATE,
    VenueAction.EXEMPT,
    VenueAction.REOPEN,
)


def _blank(choices, label=None) -> list:
    """``choices`` after an empty first choice: "all" on a filter, "choose…" on an entry form."""
    return [("", label if label is not None else gettext_lazy("All")), *choices]


class VenueFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"), required=False, choices=_blank(VenueType.choices)
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=_blank(VenueStatus.choices)
    )
    in_zone = forms.ChoiceField(
        label=gettext_lazy("In a school's zone"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("yes", gettext_lazy("Yes")),
            ("no", gettext_lazy("No")),
        ],
    )
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} form-control-sm".strip()
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"

    def in_zone_value(self) -> bool | None:
        value = self.cleaned_data.get("in_zone") if self.is_valid() else ""
        return {"yes": True, "no": False}.get(value or "")


class VenueForm(forms.Form):
    """Register or correct a venue. The coordinate system has no default: it must be chosen."""

    bureau = forms.TypedChoiceField(label=gettext_lazy("Bureau"), coerce=int, choices=())
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        choices=_blank(VenueType.choices, pgettext_lazy("safety zone", "— choose the type —")),
    )
    name = forms.CharField(label=pgettext_lazy("safety zone", "Name"), max_length=100)
    licence = forms.CharField(label=gettext_lazy("Licence number"), max_length=64, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    longitude = forms.CharField(
        label=gettext_lazy("Longitude"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "121.400000"}),
    )
    latitude = forms.CharField(
        label=gettext_lazy("Latitude"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "31.100000"}),
    )
    coord_system = forms.ChoiceField(
        label=gettext_lazy("Coordinate system"),
        choices=_blank(CoordSystem.choices, gettext_lazy("— choose the coordinate system —")),
        help_text=gettext_lazy(
            "Where the coordinates come from: a phone's GPS (WGS-84), Amap or Tencent (GCJ-02), "
            "Baidu (BD-09). Mixing them shifts a point by hundreds of metres."
        ),
    )
    partners = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Partner units concerned"),
        queryset=PartnerUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    source = forms.ChoiceField(label=pgettext_lazy("safety zone", "Source"), choices=HAND_SOURCES)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, bureaus=(), venue=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.venue = venue
        if venue is not None:
            del self.fields["bureau"]
            del self.fields["source"]
            bureau_id = venue.bureau_id
        else:
            bureaus = list(bureaus)
            self.fields["bureau"].choices = [(b.pk, b.name) for b in bureaus]
            bureau_id = bureaus[0].pk if bureaus else None
            if len(bureaus) == 1:
                self.fields["bureau"].widget = forms.HiddenInput()
                self.fields["bureau"].initial = bureau_id
            if self.is_bound and self.data.get("bureau"):
                with contextlib.suppress(TypeError, ValueError):
                    bureau_id = int(self.data.get("bureau"))
        chain = detection.chain_ids(bureau_id) if bureau_id else []
        self.fields["partners"].queryset = PartnerUnit.objects.filter(bureau_id__in=chain).order_by(
            "kind", "name"
        )
        bootstrap(self)

    def clean_longitude(self):
        return self.cleaned_data["longitude"].strip()

    def clean_latitude(self):
        return self.cleaned_data["latitude"].strip()

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            k: d.get(k, "")
            for k in (
                "kind",
                "name",
                "licence",
                "address",
                "note",
                "longitude",
                "latitude",
                "coord_system",
            )
        }


class VenueStatusForm(forms.Form):
    action = forms.ChoiceField(choices=[(a.value, a.label) for a in STATUS_ACTIONS])
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=200, required=False, strip=True
    )
    version = forms.IntegerField(required=False)


class VenueImportForm(forms.Form):
    #: offered only to someone who keeps several bureaus' registers
    bureau = forms.TypedChoiceField(label=gettext_lazy("Bureau"), coerce=int, choices=())
    file = forms.FileField(
        label=gettext_lazy("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def __init__(self, *args, bureaus=(), **kwargs):
        super().__init__(*args, **kwargs)
        bureaus = list(bureaus)
        if len(bureaus) > 1:
            self.fields["bureau"].choices = [(b.pk, b.name) for b in bureaus]
            self.fields["bureau"].widget.attrs["class"] = "form-select"
        else:
            del self.fields["bureau"]

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if problem := upload_problem(f):
            raise forms.ValidationError(problem)
        return f
