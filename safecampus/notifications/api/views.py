"""The API of the notifications app (mounted under /api/v1/): a person's own daily digests.

- ``notifications``: the caller's digests, newest first, each with its notices (filter
  ``unread``); one digest; ``read`` (mark it read, as opening it on its page does);
  ``read-all``; ``unread-count``.

Anyone signed in has their own notifications, whatever their roles; another person's digest is
not found (404). Reading one through ``GET`` does not mark it read: ``read`` does.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.core.api import ID, Pagination, error, key

from .. import selectors, services
from ..models import Notification
from .filters import NotificationFilterSet
from .serializers import NotificationSerializer, ReadAllSerializer, UnreadCountSerializer

_NOT_FOUND = error("`not_found`: no such digest, or it is another person's.")
_FORBIDDEN = error(
    "`permission_denied`: a session request without its CSRF token (no role is needed)."
)


@extend_schema(tags=["notifications"])
class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's daily digests of notices."""

    permission_classes = [IsAuthenticated]
    pagination_class = Pagination
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; reads go through the selectors
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notifications_for(self.request.user)

    @extend_schema(
        responses={
            200: NotificationSerializer(many=True),
            400: error("`invalid`: `unread` is not true or false."),
            403: _FORBIDDEN,
        },
        summary="List the caller's notifications",
        description="The caller's daily digests, newest first, each with its notices. "
        "`unread=true`: only the unread ones. Any signed-in user, their own only.",
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @extend_schema(
        parameters=[ID],
        responses={200: NotificationSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
        summary="One of the caller's notifications",
        description="The digest with its notices. Unlike opening it on its page, reading it "
        "here does not mark it read (`read` does). Any signed-in user, their own only.",
    )
    def retrieve(self, request, pk=None):
        digest = selectors.notification_for(request.user, key(pk))
        return Response(NotificationSerializer(digest).data)

    @extend_schema(
        parameters=[ID],
        request=None,
        responses={200: NotificationSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
        summary="Mark a notification read",
        description="As the page's button (and opening the digest on its page); a digest "
        "already read keeps the time it was first read. Any signed-in user, their own only.",
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        digest = selectors.notification_for(request.user, key(pk))
        services.notification_read(user=request.user, notification=digest)
        return Response(
            NotificationSerializer(selectors.notification_for(request.user, digest.pk)).data
        )

    @extend_schema(
        request=None,
        responses={200: ReadAllSerializer, 403: _FORBIDDEN},
        summary="Mark all the caller's notifications read",
        description="As the list page's button. Any signed-in user, their own only.",
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = services.notifications_read_all(user=request.user)
        unread = selectors.unread_count(request.user)
        return Response(ReadAllSerializer({"marked": marked, "unread": unread}).data)

    @extend_schema(
        responses={200: UnreadCountSerializer, 403: _FORBIDDEN},
        summary="How many of the caller's notifications are unread",
        description="The number on the bell of every page. Any signed-in user.",
    )
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        count = selectors.unread_count(request.user)
        return Response(UnreadCountSerializer({"unread": count}).data)


router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="api-notification")

urlpatterns = [*router.urls]
