"""Serializers of a school's zone geometry and of the check of a point. Inputs are only parsed
here; every rule of a boundary or a point (closed ring, no self-crossing, near the gates, inside
China, not swapped, a system given) lives in ``zones.geometry`` and ``zones.services``, whose
refusals carry the Chinese messages per field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.catalog import citations
from safecampus.hazards.api.serializers import ErrorSerializer, RefSerializer
from safecampus.orgs.choices import CoordSystem

__all__ = ["ErrorSerializer"]

_SYSTEM_HELP = _("`wgs84` (a phone's GPS), `gcj02` (Amap, Tencent) or `bd09` (Baidu).")


class PointSerializer(serializers.ListField):
    """``[lon, lat]``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.FloatField())
        kwargs.setdefault("min_length", 2)
        kwargs.setdefault("max_length", 2)
        super().__init__(**kwargs)


class ZoneGateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    longitude = serializers.CharField(help_text=_("As entered, in `coord_system`."))
    latitude = serializers.CharField(help_text=_("As entered, in `coord_system`."))
    coord_system = serializers.CharField(help_text=_SYSTEM_HELP)
    wgs84 = PointSerializer(allow_null=True, help_text=_("[lon, lat] in WGS-84."))


class ZoneBoundarySerializer(serializers.Serializer):
    vertices = serializers.ListField(
        child=PointSerializer(), help_text=_("[[lon, lat], …] as entered; first repeated last.")
    )
    coord_system = serializers.CharField(help_text=_SYSTEM_HELP)
    wgs84 = serializers.ListField(child=PointSerializer(), help_text=_("The ring in WGS-84."))
    area_m2 = serializers.FloatField()
    source = serializers.CharField()
    version = serializers.IntegerField(help_text=_("Send it back with a change."))
    updated_at = serializers.DateTimeField()


class ZoneWaitingAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    longitude = serializers.CharField()
    latitude = serializers.CharField()
    coord_system = serializers.CharField(help_text=_SYSTEM_HELP)
    wgs84 = PointSerializer()
    nearest_gate = serializers.CharField(allow_blank=True)
    gate_distance_m = serializers.FloatField(allow_null=True)
    limit_m = serializers.IntegerField(
        allow_null=True, help_text=_("The strictest waiting-area distance of the school's rules.")
    )
    compliant = serializers.BooleanField(allow_null=True)
    clause = serializers.CharField(allow_blank=True, help_text=_("The rule's source, cited."))


class ZoneSchoolHitSerializer(serializers.Serializer):
    venue = RefSerializer()
    kind = serializers.CharField()
    status = serializers.CharField()
    rule = serializers.CharField(help_text=_("The rule's code."))
    line = serializers.CharField(help_text=_("`gate`, `boundary` or `gates_instead`."))
    gate = serializers.CharField(allow_blank=True)
    distance_m = serializers.FloatField()


class ZoneSchoolSerializer(serializers.Serializer):
    school = RefSerializer()
    stage = serializers.CharField()
    gates = ZoneGateSerializer(many=True)
    boundary = ZoneBoundarySerializer(allow_null=True)
    waiting_areas = ZoneWaitingAreaSerializer(many=True)
    hits = ZoneSchoolHitSerializer(many=True)
    may_edit = serializers.BooleanField()


class BoundaryInputSerializer(serializers.Serializer):
    vertices = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=3),
        help_text=_("[[lon, lat], …] in `coord_system`; the last must repeat the first."),
    )
    coord_system = serializers.CharField(allow_blank=True, help_text=_SYSTEM_HELP)
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("The boundary's `version` as read.")
    )


class BoundaryDeleteSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True)


class WaitingAreaInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    longitude = serializers.CharField(max_length=20)
    latitude = serializers.CharField(max_length=20)
    coord_system = serializers.CharField(allow_blank=True, help_text=_SYSTEM_HELP)


class ZoneCheckQuerySerializer(serializers.Serializer):
    lon = serializers.CharField(max_length=20, help_text=_("Longitude, in `system`."))
    lat = serializers.CharField(max_length=20, help_text=_("Latitude, in `system`."))
    system = serializers.ChoiceField(choices=CoordSystem.choices, help_text=_SYSTEM_HELP)
    metres = serializers.IntegerField(required=False, default=200, min_value=1, max_value=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].error_messages["required"] = _(
            "The coordinate system is missing: say whether the point comes from a phone's GPS "
            "(WGS-84), Amap or Tencent (GCJ-02) or Baidu (BD-09)."
        )
        self.fields["system"].error_messages["invalid_choice"] = _(
            "“{input}” is not a coordinate system: use WGS-84, GCJ-02 or BD-09."
        )


class ZoneCheckVenueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    wgs84 = PointSerializer()
    distance_m = serializers.FloatField()


class ZoneCheckSchoolSerializer(serializers.Serializer):
    school_id = serializers.IntegerField()
    name = serializers.CharField()
    gate_distance_m = serializers.FloatField(allow_null=True)
    boundary_distance_m = serializers.FloatField(allow_null=True)


class ZoneCheckSerializer(serializers.Serializer):
    wgs84 = PointSerializer(help_text=_("The point in WGS-84."))
    metres = serializers.IntegerField()
    venues = ZoneCheckVenueSerializer(many=True)
    schools = ZoneCheckSchoolSerializer(many=True)


def cited(clause: str) -> str:
    return citations.render(clause or "")
