"""Forms of the incident settings page: the bureau's settings (cluster thresholds, routing, the
officers named on restricted cases) and one reporting limit. They check types only; the rules
are the services' (``configuration.settings_save`` / ``limit_save``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from safecampus.core.capabilities import INCIDENT_RESTRICTED_OFFICERS

from .choices import ROUTING_CHOICES, ROUTING_DEFAULT, ROUTING_KEYS, IncidentType, Severity

NUMBERS = (
    "cluster_day_cases",
    "cluster_window_days",
    "cluster_window_cases",
    "cluster_minutes",
    "sensitive_lead_days",
)


def routing_field(key: str) -> str:
    """The form field of a routing key (an incident type, "dispute", or "*" the default)."""
    return "route_default" if key == ROUTING_DEFAULT else f"route_{key}"


def officer_candidates(bureau_id: int):
    """The active people holding a centre or leadership role in the bureau."""
    from safecampus.accounts.models import RoleAssignment

    held = (
        RoleAssignment.objects.active()
        .filter(role__in=INCIDENT_RESTRICTED_OFFICERS, bureau_id=bureau_id, user__is_active=True)
        .values("user_id")
    )
    return get_user_model().objects.filter(pk__in=held).order_by("username")


class _Styled:
    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class OfficerChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class SettingsForm(_Styled, forms.Form):
    cluster_day_cases = forms.IntegerField(
        label=_("cases in one class in one day"), min_value=2, max_value=50
    )
    cluster_window_days = forms.IntegerField(label=_("window (days)"), min_value=1, max_value=14)
    cluster_window_cases = forms.IntegerField(
        label=_("cases in one class in the window"), min_value=2, max_value=100
    )
    cluster_minutes = forms.IntegerField(
        label=_("report a cluster within (minutes)"), min_value=10, max_value=24 * 60
    )
    sensitive_lead_days = forms.IntegerField(
        label=_("flag disputes this many days before a sensitive period"),
        min_value=0,
        max_value=60,
    )
    restricted_officers = OfficerChoice(
        label=_("officers named on restricted cases"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "None chosen: every safety-centre officer of the bureau is named on each restricted "
            "case."
        ),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, bureau, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["restricted_officers"].queryset = officer_candidates(bureau.pk)
        choices = [("", _("The safety centre alone"))] + [(str(d.pk), d.name) for d in departments]
        for value, label in ROUTING_CHOICES:
            self.fields[routing_field(value)] = forms.ChoiceField(
                label=label, choices=choices, required=False
            )
        self._style()

    def routing_fields(self):
        return [self[routing_field(v)] for v, _label in ROUTING_CHOICES]

    def number_fields(self):
        return [self[n] for n in NUMBERS]

    def service_data(self) -> tuple[dict, int | None]:
        data = {n: self.cleaned_data[n] for n in NUMBERS}
        data["routing"] = {
            v: self.cleaned_data[routing_field(v)]
            for v, _label in ROUTING_CHOICES
            if self.cleaned_data.get(routing_field(v))
        }
        data["restricted_officers"] = [u.pk for u in self.cleaned_data["restricted_officers"]]
        return data, self.cleaned_data.get("version")


def settings_initial(obj) -> dict:
    initial = {n: getattr(obj, n) for n in NUMBERS}
    initial["version"] = obj.version
    initial["restricted_officers"] = list(obj.restricted_officers.values_list("pk", flat=True))
    for key, dept in (obj.routing or {}).items():
        if key in ROUTING_KEYS:
            initial[routing_field(key)] = str(dept)
    return initial


class LimitForm(_Styled, forms.Form):
    incident_type = forms.ChoiceField(
        label=_("incident type"),
        choices=[("", _("Any type"))] + list(IncidentType.choices),
        required=False,
    )
    severity = forms.ChoiceField(
        label=_("severity"), choices=[("", _("Any grade"))] + list(Severity.choices), required=False
    )
    verbal_minutes = forms.IntegerField(
        label=_("verbal report within (minutes)"), required=False, min_value=1
    )
    written_minutes = forms.IntegerField(
        label=_("written report within (minutes)"), required=False, min_value=1
    )
    daily_follow_up_by = forms.TimeField(
        label=_("daily follow-up by"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    final_within_days = forms.IntegerField(
        label=_("closing report within (days)"), required=False, min_value=1
    )
    source = forms.CharField(label=_("source"), max_length=200, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def limit_initial(row) -> dict:
    return {
        "incident_type": row.incident_type,
        "severity": row.severity,
        "verbal_minutes": row.verbal_minutes,
        "written_minutes": row.written_minutes,
        "daily_follow_up_by": row.daily_follow_up_by,
        "final_within_days": row.final_within_days,
        "source": row.source,
        "version": getattr(row, "version", None),
    }
