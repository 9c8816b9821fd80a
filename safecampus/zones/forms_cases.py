"""The forms of a zone case's actions: one form per action the person may take now, each
posting to ``zones:case_act``. The forms only collect; ``services.act_on_case`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.hazards.forms import MultipleFileField
from safecampus.orgs.choices import CoordSystem
from safecampus.orgs.models import PartnerUnit

from .choices import CaseAction

#: which inputs each action shows (``version`` always)
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    CaseAction.ASSIGN: ("deadline", "partners", "note"),
    CaseAction.INSPECT: ("note", "files"),
    CaseAction.RECORD_CLOSURE: ("note", "files"),
    CaseAction.RECORD_RELOCATION: (
        "note",
        "address",
        "longitude",
        "latitude",
        "coord_system",
        "files",
    ),
    CaseAction.EXEMPT: ("note",),
    CaseAction.VERIFY: ("note",),
    CaseAction.REJECT: ("note",),
    CaseAction.EXTEND: ("deadline", "note"),
    CaseAction.COMMENT: ("note",),
    CaseAction.ADD_EVIDENCE: ("files", "note"),
}

#: what the note is called on each action's form
NOTE_LABELS = {
    CaseAction.EXEMPT: _("Reason for the exemption"),
    CaseAction.REJECT: _("Reason (the venue still operates)"),
    CaseAction.EXTEND: _("Reason for the new deadline"),
    CaseAction.COMMENT: _("Comment"),
}


class CaseActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner units"),
        required=False,
        queryset=PartnerUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    address = forms.CharField(
        label=_("New address"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    longitude = forms.CharField(
        label=_("New longitude"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    latitude = forms.CharField(
        label=_("New latitude"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    coord_system = forms.ChoiceField(
        label=_("Coordinate system"),
        required=False,
        choices=[("", "—")] + list(CoordSystem.choices),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    files = MultipleFileField(label=_("Photos"))

    def __init__(self, *args, action: str, case, **kwargs):
        self.action = action
        self.case = case
        kwargs.setdefault("prefix", action)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        wanted = set(ACTION_FIELDS.get(action, ("note",))) | {"version"}
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "partners" in self.fields:
            self.fields["partners"].queryset = PartnerUnit.objects.filter(
                bureau_id=case.bureau_id
            ).order_by("name")
            self.fields["partners"].initial = list(case.partner_id_set())
        if "files" in self.fields:
            self.fields["files"].widget.attrs.update(
                {"accept": "image/*", "capture": "environment", "class": "form-control"}
            )
        if "note" in self.fields and action in NOTE_LABELS:
            self.fields["note"].label = NOTE_LABELS[action]

    @property
    def label(self) -> str:
        return str(CaseAction(self.action).label)

    def data_for_service(self) -> dict:
        """What ``services.act_on_case`` takes as ``data``."""
        cd = self.cleaned_data
        data: dict = {"note": cd.get("note", "")}
        if "deadline" in self.fields:
            data["deadline"] = cd.get("deadline")
        if "partners" in self.fields:
            data["partners"] = [p.pk for p in cd.get("partners") or []]
        for name in ("address", "longitude", "latitude", "coord_system"):
            if name in self.fields:
                data[name] = (cd.get(name) or "").strip()
        return data


# --- the list's filters -------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    """The filters of the case list, its export job and the API: one parse for all three."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Venue type"), required=False)
    department = forms.IntegerField(label=_("Department"), required=False, min_value=1)
    school = forms.IntegerField(label=_("School"), required=False, min_value=1)
    bureau = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    stage = forms.ChoiceField(label=_("School type"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)

    def __init__(self, *args, **kwargs):
        from .choices import CaseStatus, VenueType

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("All")),
            # "open" is every case not yet closed (``selectors.cases``)
            ("open", _("Open (not yet closed)")),
            # "found": only the cases nobody has assigned yet
            ("found", CaseStatus.OPEN.label),
            *[(v, label) for v, label in CaseStatus.choices if v != CaseStatus.OPEN],
        ]
        self.fields["kind"].choices = [("", _("All")), *VenueType.choices]
        from safecampus.orgs.choices import SchoolStage

        self.fields["stage"].choices = [("", _("All")), *SchoolStage.choices]

    def filters(self):
        """The ``selectors.CaseFilters`` of the valid inputs (an invalid one is left out)."""
        from .selectors import CaseFilters

        self.is_valid()
        cd = dict(getattr(self, "cleaned_data", None) or {})
        for name in self.errors:
            cd.pop(name, None)
        return CaseFilters(
            bureau_id=cd.get("bureau") or None,
            stage=cd.get("stage") or "",
            school_id=cd.get("school") or None,
            department_id=cd.get("department") or None,
            status=cd.get("status") or "",
            kind=cd.get("kind") or "",
            overdue=bool(cd.get("overdue")),
            q=(cd.get("q") or "").strip(),
        )

    def params(self) -> dict:
        """The valid inputs as plain values (a job's parameters)."""
        f = self.filters()
        return {
            "bureau": f.bureau_id,
            "stage": f.stage,
            "school": f.school_id,
            "department": f.department_id,
            "status": f.status,
            "kind": f.kind,
            "overdue": f.overdue,
            "q": f.q,
        }
