"""Serializers of the incident API: lean list rows, the detail with its steps, events, files,
timeliness and access list, and one small input serializer per action. Inputs are only parsed
here; every rule (times in the future, a follow-up before the report, who may be named) lives in
``services``.

Privacy: ``private_details`` is shown only on a restricted case (whose readers are the people
named on it); the access list only on a restricted case.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.core.access import roles_on
from safecampus.core.api import RequiredText
from safecampus.hazards.api.serializers import FilesField, RefSerializer
from safecampus.incidents.inputs import MAX_ID

from .. import selectors
from ..choices import (
    DisturbanceMeasure,
    IncidentAction,
    IncidentStatus,
    IncidentType,
    InsuranceResult,
    MediationKind,
    MediationOutcome,
    Responsibility,
    Severity,
    StepKind,
    SyncItem,
)
from ..lifecycle import INCIDENTS
from ..models import Incident, IncidentEvent, IncidentEvidence, IncidentStep


def _enum_schema(choices) -> dict:
    lines = "\n".join(f"* `{value}` - {label}" for value, label in choices.choices)
    return {"type": "string", "enum": list(choices.values), "description": lines}


def _choice_field(choices, component: str):
    @extend_schema_field(_enum_schema(choices), component_name=component)
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    Field.__name__ = component.removesuffix("Enum") + "Field"
    return Field


IncidentTypeField = _choice_field(IncidentType, "IncidentTypeEnum")
SeverityField = _choice_field(Severity, "IncidentSeverityEnum")
IncidentStatusField = _choice_field(IncidentStatus, "IncidentStatusEnum")
StepKindField = _choice_field(StepKind, "IncidentStepKindEnum")
IncidentActionField = _choice_field(IncidentAction, "IncidentActionEnum")
SyncItemField = _choice_field(SyncItem, "IncidentSyncItemEnum")
ResponsibilityField = _choice_field(Responsibility, "IncidentResponsibilityEnum")
InsuranceField = _choice_field(InsuranceResult, "IncidentInsuranceEnum")
MediationKindField = _choice_field(MediationKind, "IncidentMediationKindEnum")
MediationOutcomeField = _choice_field(MediationOutcome, "IncidentMediationOutcomeEnum")
DisturbanceField = _choice_field(DisturbanceMeasure, "IncidentDisturbanceEnum")


class IncidentListSerializer(serializers.ModelSerializer):
    """A list row. Reads only the row and its ``select_related`` relations: no query per row."""

    school = RefSerializer(read_only=True)
    department = RefSerializer(read_only=True, allow_null=True)
    incident_type = IncidentTypeField(read_only=True)
    severity = SeverityField(read_only=True)
    status = IncidentStatusField(read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "school",
            "department",
            "incident_type",
            "severity",
            "title",
            "place",
            "occurred_at",
            "reported_at",
            "status",
            "restricted",
            "first_late",
            "follow_ups",
            "acknowledged_at",
            "escalated_at",
            "closed_at",
            "version",
        ]
        read_only_fields = fields


class IncidentStepSerializer(serializers.ModelSerializer):
    kind = StepKindField(read_only=True)
    actor = serializers.SerializerMethodField()
    minutes_late = serializers.IntegerField(read_only=True)

    class Meta:
        model = IncidentStep
        fields = [
            "id",
            "kind",
            "at",
            "recorded_at",
            "due_at",
            "late",
            "minutes_late",
            "text",
            "recipient",
            "data",
            "actor",
            "actor_role",
        ]
        read_only_fields = fields

    def get_actor(self, step) -> str | None:
        return step.actor.display_name if step.actor_id else None


class IncidentEventSerializer(serializers.ModelSerializer):
    action = IncidentActionField(read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = IncidentEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "actor_role", "at", "note"]
        read_only_fields = fields

    def get_actor(self, event) -> str | None:
        return event.actor.display_name if event.actor_id else None


class IncidentEvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = IncidentEvidence
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "event", "url"]
        read_only_fields = fields

    def get_url(self, evidence) -> str:
        """``GET`` it for the file (``?thumbnail=1``: a photo's thumbnail)."""
        return reverse("incident-file", args=[evidence.incident_id, evidence.pk])


class NamedSerializer(serializers.Serializer):
    """A person on a restricted case's access list."""

    user = serializers.IntegerField(max_value=MAX_ID, source="user_id")
    name = serializers.CharField(source="user.display_name")
    granted_at = serializers.DateTimeField()


class WindowSerializer(serializers.Serializer):
    due = serializers.DateTimeField()
    filed_at = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(
        choices=[("done", "done"), ("missed", "missed"), ("pending", "pending")],
        help_text=_("`pending`: its deadline is still to come."),
    )


class TimelinessSerializer(serializers.Serializer):
    """The incident's reporting timeliness against the limits snapshotted when it was reported."""

    verbal_due = serializers.DateTimeField(allow_null=True, source="first.verbal_due")
    verbal_late = serializers.BooleanField(source="first.verbal_late")
    written_due = serializers.DateTimeField(allow_null=True, source="first.written_due")
    written_late = serializers.BooleanField(source="first.written_late")
    first_late = serializers.BooleanField(source="first.late")
    windows = WindowSerializer(many=True, help_text=_("The daily follow-ups owed, one a day."))
    missed = serializers.IntegerField(
        max_value=MAX_ID,
    )
    final_due = serializers.DateTimeField(allow_null=True)
    final_late = serializers.BooleanField()
    late_count = serializers.IntegerField(
        max_value=MAX_ID,
    )


class IncidentDetailSerializer(IncidentListSerializer):
    """An incident with what happened, the counts, accident handling, its reports (steps),
    events, files, timeliness, the access list (restricted cases) and the caller's actions.

    Reads the steps, events, files and access list once each (``selectors.timeline``)."""

    reported_by = serializers.SerializerMethodField()
    private_details = serializers.SerializerMethodField()
    timeliness = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    access = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(IncidentListSerializer.Meta):
        fields = [
            *IncidentListSerializer.Meta.fields,
            "known_at",
            "description",
            "measures",
            "affected_students",
            "affected_staff",
            "injured",
            "deaths",
            "private_details",
            "reported_by",
            "verbal_at",
            "limits",
            "sync",
            "responsibility",
            "insurance",
            "mediation",
            "cluster",
            "timeliness",
            "steps",
            "events",
            "evidence",
            "access",
            "allowed_actions",
        ]
        read_only_fields = fields

    def _timeline(self, incident) -> dict:
        cache = self.context.setdefault("_timeline", {})
        if incident.pk not in cache:
            cache[incident.pk] = selectors.timeline(incident)
        return cache[incident.pk]

    def get_reported_by(self, incident) -> str:
        return incident.reported_by.display_name

    def get_private_details(self, incident) -> str | None:
        """Names and private details: only on a restricted case (only its named readers see
        it); null otherwise."""
        return incident.private_details if incident.restricted else None

    @extend_schema_field(TimelinessSerializer)
    def get_timeliness(self, incident):
        summary = selectors.timeliness_of(
            incident, self._timeline(incident)["steps"], now=self.context.get("now")
        )
        return TimelinessSerializer(summary).data

    @extend_schema_field(IncidentStepSerializer(many=True))
    def get_steps(self, incident):
        return IncidentStepSerializer(self._timeline(incident)["steps"], many=True).data

    @extend_schema_field(IncidentEventSerializer(many=True))
    def get_events(self, incident):
        return IncidentEventSerializer(self._timeline(incident)["events"], many=True).data

    @extend_schema_field(IncidentEvidenceSerializer(many=True))
    def get_evidence(self, incident):
        return IncidentEvidenceSerializer(self._timeline(incident)["evidence"], many=True).data

    @extend_schema_field(NamedSerializer(many=True))
    def get_access(self, incident):
        """The people named on a restricted case (empty for any other)."""
        return NamedSerializer(self._timeline(incident)["named"], many=True).data

    def get_allowed_actions(self, incident) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return INCIDENTS.allowed(incident, roles_on(request.user, incident))


# --- input --------------------------------------------------------------------------------------


class IncidentQuerySerializer(serializers.Serializer):
    """The list's filters (``selectors.IncidentFilters``); a bad value is refused (400)."""

    status = IncidentStatusField(required=False)
    type = IncidentTypeField(required=False)
    severity = SeverityField(required=False)
    school = serializers.IntegerField(max_value=MAX_ID, min_value=1, required=False)
    department = serializers.IntegerField(max_value=MAX_ID, min_value=1, required=False)
    bureau = serializers.IntegerField(max_value=MAX_ID, min_value=1, required=False)
    timeliness = serializers.ChoiceField(
        choices=[("late", "late"), ("on_time", "on_time")],
        required=False,
        help_text=_("`late`: the first report was late; `on_time`: it was not."),
    )
    serious = serializers.BooleanField(
        required=False, help_text=_("Only grades III to I (larger, major, extraordinary).")
    )
    since = serializers.DateField(required=False, help_text=_("Occurred on or after."))
    until = serializers.DateField(required=False, help_text=_("Occurred on or before."))
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("Title, place or school.")
    )

    def filters(self) -> selectors.IncidentFilters:
        d = self.validated_data
        return selectors.IncidentFilters(
            bureau_id=d.get("bureau"),
            school_id=d.get("school"),
            department_id=d.get("department"),
            status=d.get("status", ""),
            incident_type=d.get("type", ""),
            severity=d.get("severity", ""),
            timeliness=d.get("timeliness", ""),
            serious=bool(d.get("serious")),
            since=d.get("since"),
            until=d.get("until"),
            q=(d.get("q") or "").strip(),
        )


class _Counts(serializers.Serializer):
    affected_students = serializers.IntegerField(max_value=MAX_ID, min_value=0, required=False)
    affected_staff = serializers.IntegerField(max_value=MAX_ID, min_value=0, required=False)
    injured = serializers.IntegerField(max_value=MAX_ID, min_value=0, required=False)
    deaths = serializers.IntegerField(max_value=MAX_ID, min_value=0, required=False)


class IncidentReportSerializer(_Counts):
    """A first report (快报): JSON, or multipart with ``files`` repeated."""

    school = serializers.IntegerField(
        max_value=MAX_ID, min_value=1, help_text=_("A school the caller reports for.")
    )
    incident_type = IncidentTypeField()
    severity = SeverityField()
    title = serializers.CharField(max_length=120)
    occurred_at = serializers.DateTimeField(help_text=_("Not in the future (`in_future`)."))
    known_at = serializers.DateTimeField(
        required=False, help_text=_("When the school learned of it; default: `occurred_at`.")
    )
    place = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000)
    measures = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    private_details = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text=_("Names and private details: only on a restricted case."),
    )
    restricted = serializers.BooleanField(
        required=False, help_text=_("Restrict from the start (the safety centre only).")
    )
    verbal_at = serializers.DateTimeField(
        required=False, help_text=_("When the verbal report (phone) was made, if it was.")
    )
    verbal_to = serializers.CharField(max_length=100, required=False, allow_blank=True)
    cluster = serializers.IntegerField(
        max_value=MAX_ID,
        min_value=1,
        required=False,
        help_text=_("The cluster alert this report answers."),
    )
    files = FilesField()


class IncidentActSerializer(serializers.Serializer):
    """What every action takes: the version the caller saw (optional), and a note."""

    version = serializers.IntegerField(
        max_value=MAX_ID,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("The incident's version the caller saw (optimistic locking); optional."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class IncidentNoteSerializer(IncidentActSerializer):
    note = RequiredText(
        max_length=4000,
        allow_blank=True,
        help_text=_("Required (refused with `comment_required`)."),
    )


class IncidentReportStepSerializer(IncidentNoteSerializer, _Counts):
    """A follow-up (续报) or the closing report (终报): the counts and grade as they stand now."""

    as_of = serializers.DateTimeField(
        required=False, help_text=_("The time the report describes: not before the first report.")
    )
    severity = SeverityField(required=False)
    measures = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    files = FilesField()


class IncidentVerbalSerializer(IncidentActSerializer):
    verbal_at = serializers.DateTimeField()
    verbal_to = serializers.CharField(max_length=100)


class IncidentSyncSerializer(IncidentNoteSerializer):
    item = SyncItemField()


class IncidentResponsibilitySerializer(IncidentNoteSerializer):
    value = ResponsibilityField()
    files = FilesField()


class IncidentInsuranceSerializer(IncidentActSerializer):
    value = InsuranceField()
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, help_text=_("Yuan.")
    )
    files = FilesField()


class IncidentMediationSerializer(IncidentNoteSerializer):
    kind = MediationKindField()
    value = MediationOutcomeField()
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, help_text=_("Yuan.")
    )
    files = FilesField()


class IncidentDisturbanceSerializer(IncidentNoteSerializer):
    value = DisturbanceField()
    files = FilesField()


class IncidentPersonSerializer(IncidentActSerializer):
    user = serializers.IntegerField(
        max_value=MAX_ID,
        min_value=1,
        help_text=_("The person's user id (an active person of this bureau)."),
    )


class IncidentEvidenceInputSerializer(IncidentActSerializer):
    files = FilesField(required=True, allow_empty=False)


__all__ = [
    "IncidentActSerializer",
    "IncidentDetailSerializer",
    "IncidentDisturbanceSerializer",
    "IncidentEvidenceInputSerializer",
    "IncidentInsuranceSerializer",
    "IncidentListSerializer",
    "IncidentMediationSerializer",
    "IncidentNoteSerializer",
    "IncidentPersonSerializer",
    "IncidentQuerySerializer",
    "IncidentReportSerializer",
    "IncidentReportStepSerializer",
    "IncidentResponsibilitySerializer",
    "IncidentSyncSerializer",
    "IncidentVerbalSerializer",
]
