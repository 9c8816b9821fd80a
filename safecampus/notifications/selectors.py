"""Every read of the notification pages and the API, built on ``visible_to``: a person's own
digests only."""

from __future__ import annotations

from django.db.models import Prefetch

from safecampus.core.access import get_for

from .models import Notice, Notification


def notifications_for(user):
    """``user``'s digests, newest first, each with its notices in the order they came."""
    return Notification.objects.visible_to(user).prefetch_related(
        Prefetch("notices", queryset=Notice.objects.order_by("created_at", "id"))
    )


def notification_for(user, pk) -> Notification:
    """One of ``user``'s digests (404 for anyone else's)."""
    return get_for(user, notifications_for(user), pk)


def unread_count(user) -> int:
    """How many of ``user``'s digests are unread."""
    return Notification.objects.visible_to(user).unread().count()
