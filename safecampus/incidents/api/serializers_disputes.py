"""Serializers of the dispute API: lean list rows, the detail with its events and access list,
the registration input and one small input serializer per action. Inputs are only parsed here;
every rule lives in ``dispute_services``.

A restricted dispute's private details appear only in its detail (which only the people named
on it reach); list rows never carry them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.core.access import roles_on
from safecampus.hazards.api.serializers import RefSerializer
from safecampus.incidents.dispute_services import MAX_PARTY_COUNT
from safecampus.incidents.inputs import MAX_ID

from ..choices import (
    DisputeAction,
    DisputeSource,
    DisputeStatus,
    DisputeSubject,
    MediationKind,
    MediationOutcome,
    PartyRole,
    RiskLevel,
)
from ..lifecycle import DISPUTES
from ..models import Dispute, DisputeEvent


def _enum_schema(choices) -> dict:
    lines = "\n".join(f"* `{value}` - {label}" for value, label in choices.choices)
    return {"type": "string", "enum": list(choices.values), "description": lines}


def _enum_field(choices, component: str):
    @extend_schema_field(_enum_schema(choices), component_name=component)
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

        def to_representation(self, value):
            return super().to_representation(value) or None

    Field.__name__ = component.removesuffix("Enum") + "Field"
    return Field


DisputeStatusField = _enum_field(DisputeStatus, "DisputeStatusEnum")
DisputeSubjectField = _enum_field(DisputeSubject, "DisputeSubjectEnum")
RiskLevelField = _enum_field(RiskLevel, "DisputeRiskEnum")
DisputeSourceField = _enum_field(DisputeSource, "DisputeSourceEnum")
DisputeActionField = _enum_field(DisputeAction, "DisputeActionEnum")
PartyRoleField = _enum_field(PartyRole, "DisputePartyRoleEnum")
MediationKindField = _enum_field(MediationKind, "DisputeMediationKindEnum")
MediationOutcomeField = _enum_field(MediationOutcome, "DisputeMediationOutcomeEnum")


class PartySerializer(serializers.Serializer):
    role = PartyRoleField()
    count = serializers.IntegerField(max_value=MAX_PARTY_COUNT, min_value=1)


class FlagPeriodSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)


class DisputeListSerializer(serializers.ModelSerializer):
    """A list row. Reads only the row and its ``select_related`` relations: no query per row."""

    school = RefSerializer(read_only=True)
    department = RefSerializer(read_only=True, allow_null=True)
    subject = DisputeSubjectField(read_only=True)
    risk = RiskLevelField(read_only=True)
    source = DisputeSourceField(read_only=True)
    status = DisputeStatusField(read_only=True)
    parties = PartySerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "school",
            "department",
            "subject",
            "title",
            "parties",
            "risk",
            "petition_risk",
            "source",
            "found_on",
            "restricted",
            "status",
            "registered_at",
            "escalated_at",
            "resolved_at",
            "version",
        ]
        read_only_fields = fields


class FlaggedSerializer(DisputeListSerializer):
    period = FlagPeriodSerializer(read_only=True)

    class Meta(DisputeListSerializer.Meta):
        fields = [*DisputeListSerializer.Meta.fields, "period"]
        read_only_fields = fields


class DisputeEventSerializer(serializers.ModelSerializer):
    action = DisputeActionField(read_only=True)
    from_status = DisputeStatusField(read_only=True, allow_null=True)
    to_status = DisputeStatusField(read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = DisputeEvent
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "actor",
            "actor_role",
            "at",
            "note",
            "data",
        ]
        read_only_fields = fields

    def get_actor(self, event) -> str | None:
        return event.actor.display_name if event.actor_id else None


class DisputeNamedSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id", read_only=True)
    name = serializers.SerializerMethodField()
    granted_at = serializers.DateTimeField(read_only=True)

    def get_name(self, row) -> str:
        return row.user.display_name


class DisputeDetailSerializer(DisputeListSerializer):
    """A dispute with its summary, outcome, events, access list (restricted cases) and the
    caller's actions now. ``private_details`` is filled only on a restricted case."""

    #: the linked incident's id, only when the caller sees that incident (a restricted one is
    #: not even acknowledged to exist for those not named on it)
    incident = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    named = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(DisputeListSerializer.Meta):
        fields = [
            *DisputeListSerializer.Meta.fields,
            "summary",
            "private_details",
            "outcome",
            "incident",
            "events",
            "named",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_incident(self, dispute):
        from ..models import Incident

        request = self.context.get("request")
        if not dispute.incident_id or request is None:
            return None
        seen = Incident.objects.visible_to(request.user).filter(pk=dispute.incident_id).exists()
        return dispute.incident_id if seen else None

    @extend_schema_field(DisputeEventSerializer(many=True))
    def get_events(self, dispute):
        return DisputeEventSerializer(self.context["timeline"]["events"], many=True).data

    @extend_schema_field(DisputeNamedSerializer(many=True))
    def get_named(self, dispute):
        return DisputeNamedSerializer(self.context["timeline"]["named"], many=True).data

    def get_allowed_actions(self, dispute) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return DISPUTES.allowed(dispute, roles_on(request.user, dispute))


class RiskCountSerializer(serializers.Serializer):
    key = RiskLevelField(read_only=True)
    label = serializers.CharField(read_only=True)
    n = serializers.IntegerField(read_only=True)


class DisputeFiguresSerializer(serializers.Serializer):
    open = serializers.IntegerField(read_only=True)
    petition = serializers.IntegerField(read_only=True)
    escalated = serializers.IntegerField(read_only=True)
    resolved_month = serializers.IntegerField(read_only=True)
    restricted = serializers.IntegerField(
        read_only=True, help_text=_("Open restricted disputes, counted only.")
    )
    month_start = serializers.DateField(read_only=True)
    by_risk = RiskCountSerializer(many=True, read_only=True)


# --- input --------------------------------------------------------------------------------------


class DisputeCreateSerializer(serializers.Serializer):
    school = serializers.IntegerField(max_value=MAX_ID, min_value=1)
    subject = serializers.CharField(max_length=16)
    title = serializers.CharField(max_length=200, allow_blank=True)
    parties = serializers.ListField(
        child=serializers.DictField(),
        help_text=_("At least two parties, each `{role, count}`: roles, not names."),
    )
    summary = serializers.CharField(allow_blank=True, max_length=8000)
    private_details = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=8000,
        help_text=_("Names and private details: refused unless the case is restricted."),
    )
    risk = serializers.CharField(max_length=8)
    petition_risk = serializers.BooleanField(required=False, default=False)
    source = serializers.CharField(max_length=12)
    found_on = serializers.CharField(max_length=20, help_text=_("yyyy-mm-dd, not in the future."))
    incident = serializers.IntegerField(
        max_value=MAX_ID, required=False, allow_null=True, min_value=1
    )
    restricted = serializers.BooleanField(
        required=False, default=False, help_text=_("Honoured for the safety centre only.")
    )


class DisputeActSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        max_value=MAX_ID,
        min_value=0,
        help_text=_("The dispute's version the caller saw (optimistic locking)."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class DisputeMediateSerializer(DisputeActSerializer):
    kind = serializers.CharField(max_length=16, help_text=_("The mediation route."))
    value = serializers.CharField(max_length=16, help_text=_("The step's outcome."))


class DisputeEscalateSerializer(DisputeActSerializer):
    to = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class DisputeResolveSerializer(DisputeActSerializer):
    outcome = serializers.CharField(allow_blank=True, max_length=4000)


class DisputeAssessSerializer(DisputeActSerializer):
    risk = serializers.CharField(max_length=8)
    petition_risk = serializers.BooleanField(required=False, default=False)


class DisputeUserSerializer(DisputeActSerializer):
    user = serializers.IntegerField(max_value=MAX_ID, min_value=1)


__all__ = [
    "DisputeActSerializer",
    "DisputeAssessSerializer",
    "DisputeCreateSerializer",
    "DisputeDetailSerializer",
    "DisputeEscalateSerializer",
    "DisputeFiguresSerializer",
    "DisputeListSerializer",
    "DisputeMediateSerializer",
    "DisputeResolveSerializer",
    "DisputeUserSerializer",
    "FlaggedSerializer",
]
