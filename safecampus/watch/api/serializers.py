"""Serializers of the duty watch API: rows out, and one input serializer per action."""

from __future__ import annotations

from rest_framework import serializers

from ..choices import LogKind, PeriodKind, Post
from ..models import DutyLogEntry, Roster, RosterEvent, Shift, WatchPeriod


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchPeriod
        fields = ["id", "bureau", "name", "kind", "starts_on", "ends_on", "note"]


class PeriodInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    kind = serializers.ChoiceField(choices=PeriodKind.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    bureau = serializers.IntegerField(
        required=False, help_text="On create: the bureau (default: the first the caller keeps)."
    )


class RosterCreateSerializer(serializers.Serializer):
    period = serializers.IntegerField()
    school = serializers.IntegerField(
        required=False, allow_null=True, help_text="Empty: the bureau's own roster."
    )


class ShiftSerializer(serializers.ModelSerializer):
    missed = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = [
            "id",
            "roster",
            "post",
            "person",
            "person_name",
            "phone",
            "starts_at",
            "ends_at",
            "checked_in_at",
            "checked_out_at",
            "missed",
        ]

    def get_missed(self, obj) -> bool:
        from ..services import GRACE

        now = self.context.get("now")
        return bool(now and obj.roster.status == "published" and obj.is_missed(now, GRACE))


class RosterSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    period_name = serializers.CharField(source="period.name", read_only=True)

    class Meta:
        model = Roster
        fields = [
            "id",
            "bureau",
            "school",
            "period",
            "period_name",
            "title",
            "status",
            "version",
            "published_at",
        ]


class RosterEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RosterEvent
        fields = ["action", "from_status", "to_status", "actor", "actor_role", "at", "data"]


class RosterDetailSerializer(RosterSerializer):
    shifts = ShiftSerializer(many=True, read_only=True)
    events = RosterEventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(RosterSerializer.Meta):
        fields = [*RosterSerializer.Meta.fields, "shifts", "events", "allowed_actions"]

    def get_allowed_actions(self, obj) -> list[str]:
        return self.context.get("allowed_actions", [])


class ShiftInputSerializer(serializers.Serializer):
    post = serializers.ChoiceField(choices=Post.choices)
    person = serializers.IntegerField(
        required=False, allow_null=True, help_text="An account of the roster's school (bureau)."
    )
    person_name = serializers.CharField(required=False, allow_blank=True, max_length=40)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class ShiftCreateSerializer(ShiftInputSerializer):
    roster = serializers.IntegerField()


class SwapSerializer(serializers.Serializer):
    person = serializers.IntegerField(required=False, allow_null=True)
    person_name = serializers.CharField(required=False, allow_blank=True, max_length=40)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class LogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = DutyLogEntry
        fields = ["id", "shift", "kind", "at", "note", "next_shift", "recorded_by", "on_behalf"]


class LogEntryInputSerializer(serializers.Serializer):
    shift = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LogKind.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    next_shift = serializers.IntegerField(required=False, allow_null=True)
    at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it happened; default now."
    )
