"""The forms of the dispute register: its filters (the list, its export job and the API share one
parse), the registration form, and one form per action on a dispute. The forms only collect;
``dispute_services`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import dispute_labels as L
from .choices import DisputeAction
from .dispute_services import MAX_PARTY_COUNT
from .inputs import MAX_ID

#: the party lines the registration form offers (empty lines are left out)
PARTY_LINES = 4

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_CHECK = {"class": "form-check-input"}


class DisputeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    risk = forms.ChoiceField(label=_("Risk level"), required=False)
    subject = forms.ChoiceField(label=pgettext_lazy("dispute", "Subject"), required=False)
    school = forms.IntegerField(label=_("School"), required=False, min_value=1, max_value=MAX_ID)
    bureau = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    petition_risk = forms.BooleanField(label=_("Petition risk"), required=False)
    flagged = forms.BooleanField(label=_("Flagged for a sensitive period"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("All")),
            ("open", _("Open (not yet resolved)")),
            *L.choices(L.STATUS),
        ]
        self.fields["risk"].choices = [("", _("All")), *L.choices(L.RISK)]
        self.fields["subject"].choices = [("", _("All")), *L.choices(L.SUBJECT)]

    def filters(self):
        """The ``DisputeFilters`` of the valid inputs (an invalid one is left out)."""
        from .dispute_selectors import DisputeFilters

        self.is_valid()
        cd = dict(getattr(self, "cleaned_data", None) or {})
        for name in self.errors:
            cd.pop(name, None)
        return DisputeFilters(
            bureau_id=cd.get("bureau") or None,
            school_id=cd.get("school") or None,
            status=cd.get("status") or "",
            risk=cd.get("risk") or "",
            subject=cd.get("subject") or "",
            petition_risk=bool(cd.get("petition_risk")),
            flagged=bool(cd.get("flagged")),
            q=(cd.get("q") or "").strip(),
        )

    def params(self) -> dict:
        f = self.filters()
        return {
            "bureau": f.bureau_id,
            "school": f.school_id,
            "status": f.status,
            "risk": f.risk,
            "subject": f.subject,
            "petition_risk": f.petition_risk,
            "flagged": f.flagged,
            "q": f.q,
        }


class DisputeForm(forms.Form):
    """Registering a dispute: parties by role and number, never by name."""

    school = forms.TypedChoiceField(label=_("School"), coerce=int, widget=forms.Select(_SELECT))
    subject = forms.ChoiceField(
        label=pgettext_lazy("dispute", "Subject"),
        choices=L.choices(L.SUBJECT),
        widget=forms.Select(_SELECT),
    )
    title = forms.CharField(label=_("Title"), max_length=120, widget=forms.TextInput(_TEXT))
    summary = forms.CharField(
        label=_("What it is about"),
        max_length=4000,
        widget=forms.Textarea({**_TEXT, "rows": 3}),
        help_text=_("Describe the parties by their role, not by name."),
    )
    risk = forms.ChoiceField(
        label=_("Risk level"), choices=L.choices(L.RISK), widget=forms.Select(_SELECT)
    )
    petition_risk = forms.BooleanField(
        label=_("Risk of group or level-skipping petitions (群访、越级上访)"),
        required=False,
        widget=forms.CheckboxInput(_CHECK),
    )
    source = forms.ChoiceField(
        label=pgettext_lazy("dispute", "Source"),
        choices=L.choices(L.SOURCE),
        widget=forms.Select(_SELECT),
    )
    found_on = forms.DateField(
        label=_("Found on"), widget=forms.DateInput({**_TEXT, "type": "date"}, format="%Y-%m-%d")
    )
    incident = forms.IntegerField(
        label=_("Incident no. (if it arose from one)"),
        required=False,
        min_value=1,
        max_value=MAX_ID,
        widget=forms.NumberInput({**_TEXT, "inputmode": "numeric"}),
    )
    restricted = forms.BooleanField(
        label=_("Restricted case (minors' privacy)"),
        required=False,
        widget=forms.CheckboxInput(_CHECK),
    )
    private_details = forms.CharField(
        label=_("Names and private details (restricted cases only)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({**_TEXT, "rows": 2}),
    )

    def __init__(self, *args, schools, may_restrict: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = list(schools)
        if len(self.fields["school"].choices) == 1:
            self.fields["school"].initial = self.fields["school"].choices[0][0]
        for i in range(PARTY_LINES):
            self.fields[f"party_role_{i}"] = forms.ChoiceField(
                label=_("Party %(n)s") % {"n": i + 1},
                required=False,
                choices=[("", "—"), *L.choices(L.PARTY)],
                widget=forms.Select(_SELECT),
            )
            self.fields[f"party_count_{i}"] = forms.IntegerField(
                label=_("Number of people"),
                required=False,
                min_value=0,
                max_value=MAX_PARTY_COUNT,
                widget=forms.NumberInput({**_TEXT, "inputmode": "numeric"}),
            )
        if not may_restrict:
            del self.fields["restricted"]

    def party_rows(self):
        return [(self[f"party_role_{i}"], self[f"party_count_{i}"]) for i in range(PARTY_LINES)]

    def data_for_service(self) -> dict:
        cd = self.cleaned_data
        parties = []
        for i in range(PARTY_LINES):
            role = cd.get(f"party_role_{i}") or ""
            n = cd.get(f"party_count_{i}")
            if role or n:
                parties.append({"role": role, "count": n})
        return {
            "school": cd["school"],
            "subject": cd["subject"],
            "title": cd["title"],
            "summary": cd["summary"],
            "parties": parties,
            "risk": cd["risk"],
            "petition_risk": cd.get("petition_risk", False),
            "source": cd["source"],
            "found_on": cd["found_on"],
            "incident": cd.get("incident"),
            "restricted": cd.get("restricted", False),
            "private_details": cd.get("private_details", ""),
        }


#: which inputs each action shows (``version`` always)
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    DisputeAction.MEDIATE: ("kind", "value", "note"),
    DisputeAction.ESCALATE: ("to", "note"),
    DisputeAction.RESOLVE: ("outcome", "note"),
    DisputeAction.REOPEN: ("note",),
    DisputeAction.ASSESS: ("risk", "petition_risk", "note"),
    DisputeAction.COMMENT: ("note",),
    DisputeAction.RESTRICT: ("note",),
    DisputeAction.GRANT: ("user",),
    DisputeAction.REVOKE: ("user",),
}

NOTE_LABELS = {
    DisputeAction.MEDIATE: _("What happened at this step"),
    DisputeAction.ESCALATE: _("Why, and what is asked"),
    DisputeAction.REOPEN: _("Why it is reopened"),
    DisputeAction.ASSESS: _("Why the risk changed"),
    DisputeAction.COMMENT: _("Comment"),
    DisputeAction.RESTRICT: _("Why it is restricted"),
}


class DisputeActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_ID)
    kind = forms.ChoiceField(
        label=_("Mediation route"), choices=L.choices(L.ROUTE), widget=forms.Select(_SELECT)
    )
    value = forms.ChoiceField(
        label=_("Step outcome"), choices=L.choices(L.OUTCOME), widget=forms.Select(_SELECT)
    )
    to = forms.CharField(
        label=_("Escalated to"), required=False, max_length=100, widget=forms.TextInput(_TEXT)
    )
    outcome = forms.CharField(
        label=pgettext_lazy("dispute", "Outcome"),
        max_length=4000,
        widget=forms.Textarea({**_TEXT, "rows": 2}),
    )
    risk = forms.ChoiceField(
        label=_("Risk level"), choices=L.choices(L.RISK), widget=forms.Select(_SELECT)
    )
    petition_risk = forms.BooleanField(
        label=_("Risk of group or level-skipping petitions (群访、越级上访)"),
        required=False,
        widget=forms.CheckboxInput(_CHECK),
    )
    user = forms.TypedChoiceField(label=_("Person"), coerce=int, widget=forms.Select(_SELECT))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({**_TEXT, "rows": 2}),
    )

    def __init__(self, *args, action: str, dispute, people=(), **kwargs):
        self.action = action
        self.dispute = dispute
        kwargs.setdefault("prefix", action)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", dispute.version)
        if action == DisputeAction.ASSESS:
            kwargs["initial"].setdefault("risk", dispute.risk)
            kwargs["initial"].setdefault("petition_risk", dispute.petition_risk)
        super().__init__(*args, **kwargs)
        wanted = set(ACTION_FIELDS.get(action, ("note",))) | {"version"}
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "user" in self.fields:
            self.fields["user"].choices = [("", "—"), *people]
        if "note" in self.fields and action in NOTE_LABELS:
            self.fields["note"].label = NOTE_LABELS[action]

    @property
    def label(self) -> str:
        return L.label(L.ACTION, self.action)

    def data_for_service(self) -> dict:
        cd = self.cleaned_data
        return {k: v for k, v in cd.items() if k != "version"}
