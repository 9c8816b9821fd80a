"""Serializers of the venue register's API. Inputs are only parsed here; every rule (the point
and its system, types, lengths, versions, partner units) lives in ``zones.services``, whose
refusals carry the Chinese messages per field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.hazards.api.serializers import ErrorSerializer
from safecampus.orgs.choices import CoordSystem

from ..choices import HitLine, VenueSource, VenueStatus, VenueType
from ..forms import STATUS_ACTIONS
from ..models import Venue

#: the sources a venue registered through the API may give
HAND_SOURCES = frozenset({VenueSource.INSPECTION, VenueSource.PUBLIC_REPORT})

__all__ = ["ErrorSerializer"]


def _enum_schema(values, labels) -> dict:
    lines = "\n".join(f"* `{v}` - {labels.get(v, v)}" for v in values)
    return {"type": "string", "enum": list(values), "description": lines}


def _choice_field(choices, component: str, values=None):
    values = list(values or choices.values)
    labels = dict(choices.choices)

    @extend_schema_field(_enum_schema(values, labels), component_name=component)
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=[(v, labels[v]) for v in values], **kwargs)

    Field.__name__ = f"{component}Field"
    return Field


VenueTypeField = _choice_field(VenueType, "ZoneVenueType")
VenueStatusField = _choice_field(VenueStatus, "ZoneVenueStatus")
VenueSourceField = _choice_field(VenueSource, "ZoneVenueSource")
HitLineField = _choice_field(HitLine, "ZoneHitLine")


class VenueHitSerializer(serializers.Serializer):
    """A zone the venue lies in: the school, the rule, the line measured from, the metres."""

    school_id = serializers.IntegerField()
    school_name = serializers.CharField(source="school.name")
    rule_code = serializers.CharField(source="rule.code")
    rule_name = serializers.CharField(source="rule.name")
    rule_distance_m = serializers.IntegerField(source="rule.distance_m")
    line = HitLineField()
    gate_name = serializers.CharField()
    distance_m = serializers.SerializerMethodField()

    def get_distance_m(self, hit) -> float:
        return round(hit.distance_m, 1)


class VenueSerializer(serializers.ModelSerializer):
    """A venue in the register: its coordinates as entered with their system, and in WGS-84
    (the system every distance is measured in)."""

    kind = VenueTypeField()
    status = VenueStatusField()
    source = VenueSourceField()
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    latitude = serializers.DecimalField(max_digits=8, decimal_places=6)
    coord_system = serializers.ChoiceField(choices=CoordSystem.choices)
    wgs84 = serializers.SerializerMethodField()
    partners = serializers.SerializerMethodField()
    open_cases = serializers.SerializerMethodField()

    class Meta:
        model = Venue
        fields = [
            "id",
            "bureau",
            "kind",
            "name",
            "licence",
            "address",
            "longitude",
            "latitude",
            "coord_system",
            "wgs84",
            "status",
            "status_reason",
            "source",
            "partners",
            "note",
            "open_cases",
            "created_at",
            "updated_at",
            "checked_at",
            "version",
        ]
        read_only_fields = fields

    def get_wgs84(self, venue) -> list[float]:
        return [round(venue.wgs_lon, 7), round(venue.wgs_lat, 7)]

    def get_partners(self, venue) -> list[int]:
        cached = getattr(venue, "_prefetched_objects_cache", {}).get("partners")
        if cached is not None:
            return sorted(p.pk for p in cached)
        return sorted(venue.partners.values_list("pk", flat=True))

    def get_open_cases(self, venue) -> int:
        return getattr(venue, "open_cases", 0)


class VenueListSerializer(VenueSerializer):
    """A row of the list: the venue and, per school whose zone holds it, the nearest hit."""

    hits = serializers.SerializerMethodField()

    class Meta(VenueSerializer.Meta):
        fields = [*VenueSerializer.Meta.fields, "hits"]
        read_only_fields = fields

    @extend_schema_field(VenueHitSerializer(many=True))
    def get_hits(self, venue):
        return VenueHitSerializer(getattr(venue, "hit_rows", []), many=True).data


class VenueDetailSerializer(VenueListSerializer):
    """One venue with every zone it lies in (the schools the caller sees)."""


class VenueWriteSerializer(serializers.Serializer):
    """Register (every required field) or correct (any subset, with ``version``) a venue."""

    bureau = serializers.IntegerField(
        required=False,
        help_text=_("The bureau whose register takes the venue (default: the caller's)."),
    )
    kind = serializers.CharField(required=False, help_text=", ".join(VenueType.values))
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    licence = serializers.CharField(required=False, allow_blank=True, max_length=200)
    address = serializers.CharField(required=False, allow_blank=True, max_length=400)
    longitude = serializers.CharField(required=False, allow_blank=True, max_length=30)
    latitude = serializers.CharField(required=False, allow_blank=True, max_length=30)
    coord_system = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text=_("wgs84, gcj02 or bd09: required with the coordinates."),
    )
    partners = serializers.ListField(child=serializers.IntegerField(), required=False)
    source = serializers.CharField(
        required=False, help_text=", ".join([VenueSource.INSPECTION, VenueSource.PUBLIC_REPORT])
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=800)
    version = serializers.IntegerField(required=False)

    def validate_source(self, value: str) -> str:
        # a person registers what an inspection or a public report found: an imported venue
        # comes from the Excel import, a relocated one from a verified relocation
        if not self.partial and value not in HAND_SOURCES:
            raise serializers.ValidationError(
                _("A venue registered here comes from an inspection or a public report.")
            )
        return value


class VenueStatusSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a.value, a.label) for a in STATUS_ACTIONS])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    version = serializers.IntegerField(required=False)
