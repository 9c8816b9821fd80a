"""The forms of the incident pages: the list's filters, the first report (on a phone), and one
form per action on an incident. The forms only collect and parse; the services decide
(``services.incident_report``, ``services.incident_act``) and their refusals come back onto the
forms through ``core.refusals.to_form``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.forms import bootstrap
from safecampus.hazards.forms import MultipleFileField

from .choices import (
    DisturbanceMeasure,
    IncidentAction,
    IncidentStatus,
    IncidentType,
    InsuranceResult,
    MediationKind,
    MediationOutcome,
    Responsibility,
    Severity,
    SyncItem,
)
from .inputs import MAX_ID
from .services import COUNT_FIELDS

DATETIME = "%Y-%m-%dT%H:%M"


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME)


def _count_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )


# --- the list's filters -------------------------------------------------------------------------


class IncidentFilterForm(forms.Form):
    """The filters of the incident list: one parse into ``selectors.IncidentFilters``."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    incident_type = forms.ChoiceField(label=_("Type"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    school = forms.IntegerField(label=_("School"), required=False, min_value=1, max_value=MAX_ID)
    department = forms.IntegerField(
        label=_("Department"), required=False, min_value=1, max_value=MAX_ID
    )
    timeliness = forms.ChoiceField(label=_("First report"), required=False)
    serious = forms.BooleanField(label=_("Serious (grade III and above)"), required=False)
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *IncidentStatus.choices]
        self.fields["incident_type"].choices = [("", _("All")), *IncidentType.choices]
        self.fields["severity"].choices = [("", _("All")), *Severity.choices]
        self.fields["timeliness"].choices = [
            ("", _("All")),
            ("on_time", _("On time")),
            ("late", _("Late")),
        ]

    def filters(self):
        """The ``selectors.IncidentFilters`` of the valid inputs (an invalid one is left out)."""
        from .selectors import IncidentFilters

        self.is_valid()
        cd = dict(getattr(self, "cleaned_data", None) or {})
        for name in self.errors:
            cd.pop(name, None)
        return IncidentFilters(
            school_id=cd.get("school") or None,
            department_id=cd.get("department") or None,
            status=cd.get("status") or "",
            incident_type=cd.get("incident_type") or "",
            severity=cd.get("severity") or "",
            timeliness=cd.get("timeliness") or "",
            serious=bool(cd.get("serious")),
            since=cd.get("since"),
            until=cd.get("until"),
            q=(cd.get("q") or "").strip(),
        )


# --- the first report ---------------------------------------------------------------------------


class IncidentReportForm(forms.Form):
    """A school's first report of an incident. ``schools`` are the (pk, name) pairs the user may
    report for; ``may_restrict`` shows the centre's "restricted case" box."""

    school = forms.TypedChoiceField(label=_("School"), coerce=int)
    incident_type = forms.ChoiceField(label=_("Type"), choices=IncidentType.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"), widget=_datetime_widget(), input_formats=[DATETIME]
    )
    known_at = forms.DateTimeField(
        label=_("Known at (知悉时间)"),
        required=False,
        widget=_datetime_widget(),
        input_formats=[DATETIME],
        help_text=_(
            "When the school learned of it, if later than it happened. The reporting limits run "
            "from this time."
        ),
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    measures = forms.CharField(
        label=pgettext_lazy("incident", "What was done"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    affected_students = _count_field(_("Students affected"))
    affected_staff = _count_field(_("Staff affected"))
    injured = _count_field(_("Injured"))
    deaths = _count_field(_("Deaths"))
    verbal_at = forms.DateTimeField(
        label=_("Reported by phone at"),
        required=False,
        widget=_datetime_widget(),
        input_formats=[DATETIME],
        help_text=_("If the verbal report (phone) was already made."),
    )
    verbal_to = forms.CharField(label=_("Reported by phone to"), required=False, max_length=100)
    files = MultipleFileField(label=_("Photos and files"))
    restricted = forms.BooleanField(
        label=_("Restricted case"),
        required=False,
        help_text=_("Only the people named on the case will see it."),
    )
    private_details = forms.CharField(
        label=_("Names and private details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_(
            "Only for a restricted case (bullying, abuse, or restricted by the centre). "
            "Elsewhere give counts, never names."
        ),
    )
    cluster = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )

    def __init__(self, *args, schools, may_restrict: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = list(schools)
        if len(schools) == 1:
            self.fields["school"].widget = forms.HiddenInput()
            self.fields["school"].initial = schools[0][0]
        if not may_restrict:
            del self.fields["restricted"]
        self.fields["files"].widget.attrs.update({"capture": "environment"})
        bootstrap(self)

    def data_for_service(self) -> dict:
        """What ``services.incident_report`` takes as ``data``."""
        cd = self.cleaned_data
        data = {k: v for k, v in cd.items() if k != "files"}
        for name in COUNT_FIELDS:
            data[name] = cd.get(name) or 0
        data["restricted"] = bool(cd.get("restricted"))
        data["cluster"] = cd.get("cluster") or None
        return data


# --- acting on an incident ----------------------------------------------------------------------

_COUNTS = tuple(COUNT_FIELDS)

#: which inputs each action shows (``version`` always)
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    IncidentAction.VERBAL: ("verbal_at", "verbal_to"),
    IncidentAction.FOLLOW_UP: ("note", "as_of", "severity", *_COUNTS, "measures", "files"),
    IncidentAction.CLOSE: ("note", "as_of", "severity", *_COUNTS, "measures", "files"),
    IncidentAction.ACKNOWLEDGE: ("note",),
    IncidentAction.ESCALATE: ("note",),
    IncidentAction.SYNC: ("item", "note"),
    IncidentAction.RESPONSIBILITY: ("value", "note"),
    IncidentAction.INSURANCE: ("value", "amount", "note"),
    IncidentAction.MEDIATION: ("kind", "value", "amount", "note"),
    IncidentAction.DISTURBANCE: ("value", "note"),
    IncidentAction.COMMENT: ("note",),
    IncidentAction.RESTRICT: ("note",),
    IncidentAction.GRANT: ("user",),
    IncidentAction.REVOKE: ("user",),
    IncidentAction.ADD_EVIDENCE: ("files", "note"),
}

#: "Started" alone reads as a time in Chinese; a mediation that has started says so
MEDIATION_OUTCOMES = [
    (v, pgettext_lazy("mediation", "Started") if v == MediationOutcome.STARTED else label)
    for v, label in MediationOutcome.choices
]

#: the choices of "value" on each action that has one
VALUE_CHOICES = {
    IncidentAction.RESPONSIBILITY: list(Responsibility.choices),
    IncidentAction.INSURANCE: list(InsuranceResult.choices),
    IncidentAction.MEDIATION: MEDIATION_OUTCOMES,
    IncidentAction.DISTURBANCE: list(DisturbanceMeasure.choices),
}

VALUE_LABELS = {
    IncidentAction.RESPONSIBILITY: _("Determination"),
    IncidentAction.INSURANCE: _("Claim result"),
    IncidentAction.MEDIATION: _("Outcome"),
    IncidentAction.DISTURBANCE: _("Measure"),
}

NOTE_LABELS = {
    IncidentAction.FOLLOW_UP: _("The situation now"),
    IncidentAction.CLOSE: _("How it ended"),
    IncidentAction.RESTRICT: _("Reason for restricting the case"),
    IncidentAction.RESPONSIBILITY: _("Basis of the determination"),
    IncidentAction.SYNC: pgettext_lazy("incident", "What was done"),
    IncidentAction.COMMENT: _("Comment"),
}

#: the actions whose note the service requires
NOTE_REQUIRED = frozenset(
    {
        IncidentAction.FOLLOW_UP,
        IncidentAction.CLOSE,
        IncidentAction.SYNC,
        IncidentAction.RESPONSIBILITY,
        IncidentAction.MEDIATION,
        IncidentAction.DISTURBANCE,
        IncidentAction.COMMENT,
        IncidentAction.RESTRICT,
    }
)


class IncidentActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_ID)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    as_of = forms.DateTimeField(
        label=_("Situation as of"),
        required=False,
        widget=_datetime_widget(),
        input_formats=[DATETIME],
    )
    severity = forms.ChoiceField(label=_("Severity (if it changed)"), required=False)
    affected_students = _count_field(_("Students affected"))
    affected_staff = _count_field(_("Staff affected"))
    injured = _count_field(_("Injured"))
    deaths = _count_field(_("Deaths"))
    measures = forms.CharField(
        label=pgettext_lazy("incident", "What was done"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    verbal_at = forms.DateTimeField(
        label=_("Reported by phone at"),
        required=False,
        widget=_datetime_widget(),
        input_formats=[DATETIME],
    )
    verbal_to = forms.CharField(label=_("Reported by phone to"), required=False, max_length=100)
    item = forms.ChoiceField(label=_("三同步 item"), required=False)
    kind = forms.ChoiceField(label=_("Kind of mediation"), required=False)
    value = forms.ChoiceField(label=_("Result"), required=False)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    user = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    files = MultipleFileField(label=_("Photos and files"))

    def __init__(self, *args, action: str, incident, people=(), **kwargs):
        self.action = action
        self.incident = incident
        kwargs.setdefault("prefix", action)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", incident.version)
        super().__init__(*args, **kwargs)
        wanted = set(ACTION_FIELDS.get(action, ("note",))) | {"version"}
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        f = self.fields
        if "severity" in f:
            f["severity"].choices = [("", "—"), *Severity.choices]
        if "item" in f:
            done = set(incident.sync or {})
            f["item"].choices = [(v, lbl) for v, lbl in SyncItem.choices if v not in done]
        if "kind" in f:
            f["kind"].choices = list(MediationKind.choices)
        if "value" in f:
            f["value"].choices = list(VALUE_CHOICES[action])
            f["value"].label = VALUE_LABELS[action]
        if "user" in f:
            f["user"].choices = [("", "—"), *people]
        if "note" in f:
            if action in NOTE_LABELS:
                f["note"].label = NOTE_LABELS[action]
            f["note"].required = action in NOTE_REQUIRED
        bootstrap(self)

    @property
    def label(self) -> str:
        return str(IncidentAction(self.action).label)

    def data_for_service(self) -> dict:
        """What ``services.incident_act`` takes as ``data``."""
        cd = self.cleaned_data
        data: dict = {}
        for name in self.fields:
            if name in ("version", "files"):
                continue
            value = cd.get(name)
            if value is None or value == "":
                continue
            data[name] = value
        return data
