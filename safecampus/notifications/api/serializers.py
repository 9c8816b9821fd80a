"""Serializers of the notifications API."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Notice, Notification


class NoticeSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Notice
        fields = ["id", "kind", "kind_display", "text", "url", "created_at"]


class NotificationSerializer(serializers.ModelSerializer):
    """One day's digest with its notices."""

    is_read = serializers.SerializerMethodField()
    notices = NoticeSerializer(many=True, read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "date", "title", "created_at", "read_at", "is_read", "notices"]

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="The caller's unread digests.")


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="Digests marked read by this call.")
    unread = serializers.IntegerField(help_text="The caller's unread digests now.")
