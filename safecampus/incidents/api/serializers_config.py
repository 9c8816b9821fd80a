"""Serializers of the incident API's other endpoints: illness records and cluster alerts,
reporting limits and a bureau's incident settings, and the figures of the dashboards."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.hazards.api.serializers import RefSerializer
from safecampus.incidents.inputs import MAX_ID

from ..models import ClusterAlert, IllnessRecord
from .serializers_incidents import IncidentTypeField, SeverityField

# --- illness records and cluster alerts --------------------------------------------------------


class IllnessRecordSerializer(serializers.ModelSerializer):
    school = RefSerializer(read_only=True)

    class Meta:
        model = IllnessRecord
        fields = ["id", "school", "class_name", "day", "cases", "symptoms", "recorded_at"]
        read_only_fields = fields


class ClusterAlertSerializer(serializers.ModelSerializer):
    """A class that reached the cluster thresholds; open until reported as an incident."""

    school = RefSerializer(read_only=True)
    open = serializers.SerializerMethodField()
    late = serializers.SerializerMethodField()
    incident = serializers.SerializerMethodField()

    class Meta:
        model = ClusterAlert
        fields = [
            "id",
            "school",
            "class_name",
            "rule",
            "cases",
            "first_day",
            "last_day",
            "triggered_at",
            "due_at",
            "open",
            "late",
            "reported_at",
            "incident",
        ]
        read_only_fields = fields

    def get_open(self, alert) -> bool:
        return alert.incident_id is None

    def get_late(self, alert) -> bool:
        """Reported after its deadline, or still open past it."""
        return alert.is_late(self.context["now"])

    def get_incident(self, alert) -> int | None:
        """The incident that reported it, when the caller sees that incident."""
        return alert.incident_id if getattr(alert, "incident_visible", False) else None


class IllnessInputSerializer(serializers.Serializer):
    school = serializers.IntegerField(max_value=MAX_ID, min_value=1)
    class_name = serializers.CharField(max_length=40)
    day = serializers.DateField(help_text=_("Not in the future."))
    cases = serializers.IntegerField(min_value=1, max_value=1000)
    symptoms = serializers.CharField(max_length=200)


class IllnessResultSerializer(serializers.Serializer):
    record = IllnessRecordSerializer()
    cluster_alert = ClusterAlertSerializer(
        allow_null=True,
        help_text=_("The alert this record raised (report an incident before its `due_at`)."),
    )


# --- limits and settings -----------------------------------------------------------------------


class ReportingLimitSerializer(serializers.Serializer):
    """A reporting limit of a bureau. ``id`` is null (and ``default`` true) for the defaults a
    bureau that configured none reports against."""

    id = serializers.IntegerField(max_value=MAX_ID, allow_null=True)
    bureau = serializers.IntegerField(
        max_value=MAX_ID,
    )
    default = serializers.BooleanField()
    incident_type = serializers.CharField(allow_blank=True, help_text=_("Blank: any type."))
    severity = serializers.CharField(allow_blank=True, help_text=_("Blank: any grade."))
    verbal_minutes = serializers.IntegerField(max_value=MAX_ID, allow_null=True)
    written_minutes = serializers.IntegerField(max_value=MAX_ID, allow_null=True)
    daily_follow_up_by = serializers.TimeField(allow_null=True)
    final_within_days = serializers.IntegerField(max_value=MAX_ID, allow_null=True)
    source = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(
        max_value=MAX_ID,
    )


class ReportingLimitWriteSerializer(serializers.Serializer):
    bureau = serializers.IntegerField(
        max_value=MAX_ID,
        min_value=1,
        required=False,
        help_text=_("Default: the first bureau the caller keeps."),
    )
    incident_type = IncidentTypeField(required=False, allow_blank=True)
    severity = SeverityField(required=False, allow_blank=True)
    verbal_minutes = serializers.IntegerField(max_value=MAX_ID, required=False, allow_null=True)
    written_minutes = serializers.IntegerField(max_value=MAX_ID, required=False, allow_null=True)
    daily_follow_up_by = serializers.TimeField(required=False, allow_null=True)
    final_within_days = serializers.IntegerField(max_value=MAX_ID, required=False, allow_null=True)
    source = serializers.CharField(required=False, allow_blank=True, max_length=200)


class IncidentSettingsSerializer(serializers.Serializer):
    bureau = serializers.IntegerField(
        max_value=MAX_ID,
    )
    restricted_officers = RefSerializer(
        many=True, help_text=_("The people named on every restricted case of the bureau.")
    )
    routing = serializers.DictField(
        child=serializers.IntegerField(
            max_value=MAX_ID,
        ),
        help_text=_("Incident type → the id of the department it is routed to."),
    )
    cluster_day_cases = serializers.IntegerField(
        max_value=MAX_ID,
    )
    cluster_window_days = serializers.IntegerField(
        max_value=MAX_ID,
    )
    cluster_window_cases = serializers.IntegerField(
        max_value=MAX_ID,
    )
    cluster_minutes = serializers.IntegerField(
        max_value=MAX_ID,
    )
    sensitive_lead_days = serializers.IntegerField(
        max_value=MAX_ID,
    )
    version = serializers.IntegerField(
        max_value=MAX_ID,
    )
    updated_at = serializers.DateTimeField()
    may_edit = serializers.BooleanField()


class IncidentSettingsWriteSerializer(serializers.Serializer):
    restricted_officers = serializers.ListField(
        child=serializers.IntegerField(max_value=MAX_ID, min_value=1),
        required=False,
        max_length=100,
    )
    routing = serializers.DictField(
        child=serializers.IntegerField(max_value=MAX_ID, min_value=1, allow_null=True),
        required=False,
    )
    cluster_day_cases = serializers.IntegerField(max_value=MAX_ID, required=False)
    cluster_window_days = serializers.IntegerField(max_value=MAX_ID, required=False)
    cluster_window_cases = serializers.IntegerField(max_value=MAX_ID, required=False)
    cluster_minutes = serializers.IntegerField(max_value=MAX_ID, required=False)
    sensitive_lead_days = serializers.IntegerField(max_value=MAX_ID, required=False)
    version = serializers.IntegerField(
        max_value=MAX_ID, required=False, allow_null=True, min_value=0
    )


# --- figures -----------------------------------------------------------------------------------


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    n = serializers.IntegerField(
        max_value=MAX_ID,
    )
    url = serializers.CharField(
        allow_null=True, help_text=_("The incident list this number counts (null: no list).")
    )


class IncidentFiguresQuerySerializer(serializers.Serializer):
    bureau = serializers.IntegerField(max_value=MAX_ID, min_value=1, required=False)
    department = serializers.IntegerField(max_value=MAX_ID, min_value=1, required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


class IncidentFiguresSerializer(serializers.Serializer):
    total = FigureSerializer()
    open = FigureSerializer()
    serious = FigureSerializer()
    late = FigureSerializer()
    on_time = FigureSerializer()
    rate = serializers.FloatField(
        allow_null=True, help_text=_("First reports on time, per cent (null: none reported).")
    )
    restricted = serializers.IntegerField(
        max_value=MAX_ID, help_text=_("Restricted cases among them: a count only, never a link.")
    )
    missed_follow_ups = serializers.IntegerField(
        max_value=MAX_ID,
        help_text=_("Daily follow-ups missed by the open cases (restricted ones left out)."),
    )
    by_type = FigureSerializer(many=True)
    by_severity = FigureSerializer(many=True)
