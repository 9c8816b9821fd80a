"""Serializers of the zone case API: lean list rows, the detail with its events, and one small
input serializer per action. Inputs are only parsed here; every rule lives in ``services``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.core.access import roles_on
from safecampus.core.api import RequiredText
from safecampus.hazards.api.serializers import ErrorSerializer, FilesField, RefSerializer
from safecampus.orgs.choices import CoordSystem

from ..choices import CaseAction, CaseStatus, VenueType
from ..lifecycle import CASES
from ..models import ZoneCase, ZoneCaseEvent, ZoneCaseEvidence


def _enum_schema(choices) -> dict:
    lines = "\n".join(f"* `{value}` - {label}" for value, label in choices.choices)
    return {"type": "string", "enum": list(choices.values), "description": lines}


@extend_schema_field(_enum_schema(CaseStatus), component_name="ZoneCaseStatusEnum")
class CaseStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=CaseStatus.choices, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value) or None


@extend_schema_field(_enum_schema(VenueType), component_name="ZoneVenueTypeEnum")
class VenueTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=VenueType.choices, **kwargs)


@extend_schema_field(_enum_schema(CaseAction), component_name="ZoneCaseActionEnum")
class CaseActionField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=CaseAction.choices, **kwargs)


class VenueRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)


class CaseListSerializer(serializers.ModelSerializer):
    """A list row. Reads only the row and its ``select_related`` relations: no query per row."""

    school = RefSerializer(read_only=True)
    venue = VenueRefSerializer(read_only=True)
    venue_kind = VenueTypeField(read_only=True)
    department = RefSerializer(read_only=True, allow_null=True)
    status = CaseStatusField(read_only=True)

    class Meta:
        model = ZoneCase
        fields = [
            "id",
            "venue",
            "venue_kind",
            "school",
            "distance_m",
            "summary",
            "department",
            "deadline",
            "status",
            "opened_at",
            "closed_at",
            "version",
        ]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    action = CaseActionField(read_only=True)
    from_status = CaseStatusField(read_only=True, allow_null=True)
    to_status = CaseStatusField(read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ZoneCaseEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "actor_role", "at", "note"]
        read_only_fields = fields

    def get_actor(self, event) -> str | None:
        return event.actor.display_name if event.actor_id else None


class CaseEvidenceSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="Download the file here (`?thumb=1`: a photo's thumbnail), with the case's "
        "scope check."
    )

    class Meta:
        model = ZoneCaseEvidence
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "event",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, evidence) -> str:
        from django.urls import reverse

        return reverse("zone-case-evidence", args=[evidence.case_id, evidence.pk])


class CaseDetailSerializer(CaseListSerializer):
    """A case with its partner units, rules, events, evidence and the caller's actions now."""

    partners = RefSerializer(many=True, read_only=True)
    rule_codes = serializers.ListField(child=serializers.CharField(), read_only=True)
    events = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "partners",
            "rule_codes",
            "events",
            "evidence",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(CaseEventSerializer(many=True))
    def get_events(self, case):
        events = case.events.select_related("actor").order_by("at", "pk")
        return CaseEventSerializer(events, many=True).data

    @extend_schema_field(CaseEvidenceSerializer(many=True))
    def get_evidence(self, case):
        return CaseEvidenceSerializer(case.evidence.order_by("uploaded_at", "pk"), many=True).data

    def get_allowed_actions(self, case) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return CASES.allowed(case, roles_on(request.user, case))


# --- input --------------------------------------------------------------------------------------


class CaseActSerializer(serializers.Serializer):
    """What every action takes: the version the caller saw, and a note."""

    version = serializers.IntegerField(
        min_value=0, help_text=_("The case's version the caller saw (optimistic locking).")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class CaseNoteSerializer(CaseActSerializer):
    note = RequiredText(
        allow_blank=True,
        max_length=1000,
        help_text=_("What was done, or why: required (refused with `comment_required`)."),
    )


class CaseAssignSerializer(CaseActSerializer):
    deadline = serializers.DateField()
    partners = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text=_("The partner units concerned (ids of the bureau's); left out: unchanged."),
    )


class CaseExtendSerializer(CaseNoteSerializer):
    deadline = serializers.DateField()


class CaseRecordSerializer(CaseNoteSerializer):
    files = FilesField()


class CaseRelocationSerializer(CaseRecordSerializer):
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    longitude = serializers.CharField(required=False, allow_blank=True, max_length=20)
    latitude = serializers.CharField(required=False, allow_blank=True, max_length=20)
    coord_system = serializers.ChoiceField(
        choices=CoordSystem.choices,
        required=False,
        allow_blank=True,
        help_text=_("Required when coordinates are given."),
    )


class CaseEvidenceInputSerializer(CaseActSerializer):
    files = FilesField(required=True, allow_empty=False)


__all__ = [
    "CaseActSerializer",
    "CaseAssignSerializer",
    "CaseDetailSerializer",
    "CaseEvidenceInputSerializer",
    "CaseExtendSerializer",
    "CaseListSerializer",
    "CaseNoteSerializer",
    "CaseRecordSerializer",
    "CaseRelocationSerializer",
    "ErrorSerializer",
]
