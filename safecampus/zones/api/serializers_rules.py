"""Serializers of the zone rules, settings, re-check, figures and map API. Inputs are only parsed
here; every rule of a zone rule (kinds, venue types, stages, distance, the line measured from,
the department of the bureau) lives in ``zones.services``, whose refusals carry the Chinese
messages per field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.hazards.api.serializers import ErrorSerializer
from safecampus.orgs.choices import SchoolStage

from ..choices import MeasureFrom, RuleKind, VenueType
from ..models import ZoneRule
from .serializers_venues import VenueTypeField, _choice_field

__all__ = ["ErrorSerializer"]

RuleKindField = _choice_field(RuleKind, "ZoneRuleKind")
MeasureFromField = _choice_field(MeasureFrom, "ZoneMeasureFrom")
StageField = _choice_field(SchoolStage, "ZoneSchoolStage")


def _values(choices) -> str:
    return ", ".join(f"`{v}`" for v in choices.values)


class JobRefSerializer(serializers.Serializer):
    """The background job ``zones.recheck`` that checks the bureau's venues again."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField(help_text=_("pending, running, succeeded or failed."))
    url = serializers.CharField(help_text=_("The job's progress page."))


class ZoneRuleSerializer(serializers.ModelSerializer):
    """A zone rule: what it keeps out, for which stages, how far, measured from which line."""

    kind = RuleKindField()
    measure_from = MeasureFromField()
    venue_types = serializers.ListField(child=VenueTypeField())
    stages = serializers.ListField(child=StageField())
    national = serializers.SerializerMethodField()
    measured = serializers.SerializerMethodField()

    class Meta:
        model = ZoneRule
        fields = [
            "id",
            "bureau",
            "national",
            "code",
            "name",
            "kind",
            "venue_types",
            "stages",
            "distance_m",
            "measure_from",
            "measured",
            "clause",
            "days",
            "is_active",
            "pack",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_national(self, rule) -> bool:
        return rule.bureau_id is None

    def get_measured(self, rule) -> str:
        from ..views.rules import measured_in_words

        return measured_in_words(rule)


class ZoneRuleChangeSerializer(ZoneRuleSerializer):
    """A rule after a change, with the re-check job the change started."""

    job = serializers.SerializerMethodField()

    class Meta(ZoneRuleSerializer.Meta):
        fields = [*ZoneRuleSerializer.Meta.fields, "job"]
        read_only_fields = fields

    @extend_schema_field(JobRefSerializer)
    def get_job(self, rule):
        return self.context.get("job")


class ZoneRuleWriteSerializer(serializers.Serializer):
    """Create (every field but ``version``) or change (any subset, with ``version``) a rule."""

    bureau = serializers.IntegerField(
        required=False,
        help_text=_("The bureau whose own rule this is (default: the caller's). Create only."),
    )
    code = serializers.CharField(required=False, allow_blank=True, max_length=64)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    kind = serializers.CharField(required=False, allow_blank=True, help_text=_values(RuleKind))
    venue_types = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        help_text=_values(VenueType),
    )
    stages = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        help_text=_values(SchoolStage),
    )
    distance_m = serializers.IntegerField(required=False, help_text=_("1 to 2,000 metres."))
    measure_from = serializers.CharField(
        required=False, allow_blank=True, help_text=_values(MeasureFrom)
    )
    clause = serializers.CharField(required=False, allow_blank=True, max_length=400)
    days = serializers.IntegerField(required=False, help_text=_("Days to rectify, 1 to 365."))
    version = serializers.IntegerField(required=False)


class ZoneRuleActiveSerializer(serializers.Serializer):
    active = serializers.BooleanField(help_text=_("true: the rule applies; false: it does not."))
    version = serializers.IntegerField(required=False)


class ZoneSettingsSerializer(serializers.Serializer):
    bureau = serializers.IntegerField()
    bureau_name = serializers.CharField()
    department = serializers.IntegerField(
        allow_null=True,
        help_text=_("The department that takes zone cases; null: the legal affairs section."),
    )
    department_name = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    may_edit = serializers.BooleanField()


class ZoneSettingsWriteSerializer(serializers.Serializer):
    department = serializers.IntegerField(
        allow_null=True,
        help_text=_("A department of this bureau; null: the legal affairs section (default)."),
    )


class ZoneRecheckSerializer(serializers.Serializer):
    bureau = serializers.IntegerField(
        required=False, help_text=_("The bureau to check (default: the caller's).")
    )


class ZoneFigureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="open, overdue, submitted, closed")
    n = serializers.IntegerField()
    url = serializers.CharField(help_text=_("The list of these cases."))
    danger = serializers.BooleanField()


class ZoneKindFigureSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    n = serializers.IntegerField(help_text=_("Venues with an open case."))
    url = serializers.CharField()


class ZoneCountLinkSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    url = serializers.CharField()


class ZoneFiguresSerializer(serializers.Serializer):
    figures = ZoneFigureSerializer(many=True)
    by_kind = ZoneKindFigureSerializer(many=True)
    no_boundary = ZoneCountLinkSerializer(
        allow_null=True, help_text=_("Schools with no boundary (bureau roles only).")
    )
    today = serializers.DateField()


class ZoneFiguresQuerySerializer(serializers.Serializer):
    bureau = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    department = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    stage = serializers.ChoiceField(choices=SchoolStage.choices, required=False)


class ZoneMapSerializer(serializers.Serializer):
    schools = serializers.ListField(
        child=serializers.ListField(),
        help_text=_("[id, name, [[lon, lat], …gates], ring or null, reach_m]"),
    )
    venues = serializers.ListField(
        child=serializers.ListField(),
        help_text=_("[id, name, type, status, lon, lat, open cases]"),
    )
    system = serializers.CharField(help_text=_("The system of every coordinate (the tiles')."))
