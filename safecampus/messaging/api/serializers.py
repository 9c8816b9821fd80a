"""Serializers of the messaging API: rows out, and one input serializer per action.

A robot's webhook and signing secret are write-only: no serializer here has a field that reads
them; answers carry ``masked_webhook`` and ``signed`` only."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import ROBOTS, Topic, Transport
from ..models import (
    Attempt,
    Channel,
    ChannelEvent,
    Message,
    MessageEvent,
    MessagingSettings,
    Preference,
)

TOPICS = [(t.value, t.label) for t in Topic if t != Topic.TEST]
ROBOT_TRANSPORTS = [(t.value, t.label) for t in Transport if t in ROBOTS]
#: an id or a version: a whole number the database can hold (a larger one is a 400, not a 500)
ID = {"min_value": 1, "max_value": 2**63 - 1}
VERSION = {"min_value": 0, "max_value": 2**31 - 1}
LEVELS = [("bureau", _("Bureau")), ("department", _("Department")), ("school", _("School"))]


def level_of(channel) -> str:
    return "school" if channel.school_id else "department" if channel.department_id else "bureau"


class RobotQueueSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    failed = serializers.IntegerField()
    uncertain = serializers.IntegerField()


class RobotSerializer(serializers.ModelSerializer):
    level = serializers.SerializerMethodField()
    owner_name = serializers.SerializerMethodField()
    masked_webhook = serializers.CharField(read_only=True)
    signed = serializers.BooleanField(read_only=True)
    failing = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = [
            "id",
            "bureau",
            "department",
            "school",
            "level",
            "owner_name",
            "transport",
            "name",
            "masked_webhook",
            "signed",
            "keywords",
            "topics",
            "quiet_start",
            "quiet_end",
            "active",
            "failing",
            "created_at",
            "removed_at",
            "version",
            "last_ok_at",
            "last_error",
            "last_error_at",
            "blocked_until",
            "messages",
        ]

    def get_level(self, obj) -> str:
        return level_of(obj)

    def get_owner_name(self, obj) -> str:
        return str(obj.owner)

    def get_failing(self, obj) -> bool:
        return obj.pk in self.context.get("failing", ())

    def get_messages(self, obj) -> RobotQueueSerializer:
        f = self.context.get("figures", {}).get(obj.pk, {})
        return {k: f.get(k, 0) for k in ("pending", "failed", "uncertain")}


class RobotEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChannelEvent
        fields = ["action", "actor", "at", "data"]


class RobotDetailSerializer(RobotSerializer):
    events = RobotEventSerializer(many=True, read_only=True)

    class Meta(RobotSerializer.Meta):
        fields = [*RobotSerializer.Meta.fields, "events"]


class RobotCreateSerializer(serializers.Serializer):
    transport = serializers.ChoiceField(choices=ROBOT_TRANSPORTS)
    name = serializers.CharField(max_length=64)
    webhook = serializers.CharField(
        max_length=500, write_only=True, help_text="The robot's webhook address (never shown)."
    )
    secret = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="DingTalk's signing secret (加签, never shown); a WeCom robot has none.",
    )
    keywords = serializers.CharField(max_length=200, required=False, allow_blank=True)
    topics = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="Topics the group receives: " + ", ".join(t for t, _l in TOPICS) + ".",
    )
    quiet_start = serializers.TimeField(required=False, allow_null=True)
    quiet_end = serializers.TimeField(required=False, allow_null=True)
    bureau = serializers.IntegerField(
        required=False,
        help_text="A bureau's own robot: the bureau (default: the caller's).",
        **ID,
    )
    department = serializers.IntegerField(required=False, allow_null=True, **ID)
    school = serializers.IntegerField(required=False, allow_null=True, **ID)


class RobotUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False)
    keywords = serializers.CharField(max_length=200, required=False, allow_blank=True)
    topics = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    quiet_start = serializers.TimeField(required=False, allow_null=True)
    quiet_end = serializers.TimeField(required=False, allow_null=True)
    version = serializers.IntegerField(
        required=False,
        help_text="The version read; another change since then is `stale`.",
        **VERSION,
    )


class RobotVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        help_text="The version read; another change since then is `stale`.",
        **VERSION,
    )


class RobotSecretSerializer(RobotVersionSerializer):
    webhook = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="A new webhook address; empty or absent keeps the old one.",
    )
    secret = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="A new signing secret; absent keeps the old one, empty removes it.",
    )


class RobotTestSendSerializer(serializers.Serializer):
    delivered = serializers.BooleanField()
    detail = serializers.CharField(help_text="What the service answered, in Chinese.")


# --- the outbox -----------------------------------------------------------------------------------


class OutboxMessageSerializer(serializers.ModelSerializer):
    channel_name = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "bureau",
            "channel",
            "channel_name",
            "recipient",
            "transport",
            "topic",
            "title",
            "url",
            "status",
            "created_at",
            "not_before",
            "next_attempt_at",
            "attempts",
            "parts_total",
            "parts_sent",
            "sent_at",
            "last_error",
            "version",
        ]

    def get_channel_name(self, obj) -> str | None:
        return obj.channel.name if obj.channel_id else None


class OutboxEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = MessageEvent
        fields = ["action", "from_status", "to_status", "actor", "at", "detail"]


class OutboxAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["part", "at", "outcome", "http_status", "errcode", "detail"]


class OutboxMessageDetailSerializer(OutboxMessageSerializer):
    address = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    events = OutboxEventSerializer(many=True, read_only=True)
    attempts_made = OutboxAttemptSerializer(many=True, read_only=True, source="requests")
    allowed_actions = serializers.SerializerMethodField()

    class Meta(OutboxMessageSerializer.Meta):
        fields = [
            *OutboxMessageSerializer.Meta.fields,
            "address",
            "body",
            "events",
            "attempts_made",
            "allowed_actions",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        return self.context.get("allowed_actions", [])


# --- settings, heads, preferences -----------------------------------------------------------------

LADDER = (
    "general_head_days",
    "general_centre_days",
    "general_leaders_days",
    "major_head_days",
    "major_centre_days",
    "major_leaders_days",
)


class MessageSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = MessagingSettings
        fields = [
            "bureau",
            "quiet_start",
            "quiet_end",
            "digest_time",
            *LADDER,
            "updated_by",
            "updated_at",
            "version",
        ]


class MessageSettingsWriteSerializer(serializers.Serializer):
    quiet_start = serializers.TimeField()
    quiet_end = serializers.TimeField()
    digest_time = serializers.TimeField()
    general_head_days = serializers.IntegerField(min_value=0, max_value=365)
    general_centre_days = serializers.IntegerField(min_value=0, max_value=365)
    general_leaders_days = serializers.IntegerField(min_value=0, max_value=365)
    major_head_days = serializers.IntegerField(min_value=0, max_value=365)
    major_centre_days = serializers.IntegerField(min_value=0, max_value=365)
    major_leaders_days = serializers.IntegerField(min_value=0, max_value=365)
    version = serializers.IntegerField(
        required=False,
        help_text="The version read; another change since then is `stale`.",
        **VERSION,
    )


class DepartmentHeadSerializer(serializers.Serializer):
    department = serializers.IntegerField(**ID)
    department_name = serializers.CharField(read_only=True)
    user = serializers.IntegerField(allow_null=True, help_text="null: no head named.", **ID)
    user_name = serializers.CharField(read_only=True, allow_null=True)


class DepartmentHeadsWriteSerializer(serializers.Serializer):
    heads = DepartmentHeadSerializer(many=True)


class MessagePreferenceSerializer(serializers.ModelSerializer):
    email_topics = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Preference
        fields = ["email", "email_topics", "email_digest", "quiet_start", "quiet_end", "updated_at"]


class MessagePreferenceWriteSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    email_topics = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="Topics received by e-mail: " + ", ".join(t for t, _l in TOPICS) + ".",
    )
    email_digest = serializers.BooleanField(required=False)
    quiet_start = serializers.TimeField(required=False, allow_null=True)
    quiet_end = serializers.TimeField(required=False, allow_null=True)


# --- figures --------------------------------------------------------------------------------------


class MessagingFigureSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    url = serializers.CharField(help_text="The page that lists exactly what is counted.")


class MessagingRobotFiguresSerializer(serializers.Serializer):
    working = MessagingFigureSerializer()
    failing = MessagingFigureSerializer()
    paused = MessagingFigureSerializer()


class MessagingMessageFiguresSerializer(serializers.Serializer):
    waiting = MessagingFigureSerializer()
    failed = MessagingFigureSerializer()
    uncertain = MessagingFigureSerializer()


class MessagingFailingRobotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    transport = serializers.ChoiceField(choices=ROBOT_TRANSPORTS)
    last_error = serializers.CharField()
    last_error_at = serializers.DateTimeField(allow_null=True)
    blocked_until = serializers.DateTimeField(allow_null=True)


class MessagingFiguresSerializer(serializers.Serializer):
    robots = MessagingRobotFiguresSerializer()
    failing_robots = MessagingFailingRobotSerializer(many=True)
    messages = MessagingMessageFiguresSerializer()
    since = serializers.DateField(help_text="Failed and uncertain messages counted from this day.")
