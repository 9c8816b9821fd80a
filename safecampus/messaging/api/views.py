"""The API of the messaging app (mounted under /api/v1/), scoped exactly as the pages:

- ``message-robots``: the group robots the caller keeps (a school's staff their school's, a
  department's officers their department's, the centre every robot of its bureau): list
  (filters ``level``, ``school``, ``department``, ``transport``, ``active``, ``failing``),
  create, retrieve with the robot's history, change (``PATCH``: name, keywords, topics, quiet
  hours, with ``version``), remove (``DELETE``), ``test`` (send a test message now and say what
  the service answered), ``pause``, ``resume``, ``secret`` (replace the webhook and/or the
  signing secret). The webhook and the secret are write-only: answers carry ``masked_webhook``
  and ``signed``, never the token or the secret.
- ``outbox``: the outgoing messages the caller reads (filters ``status``, ``transport``,
  ``topic``, ``robot``, ``created_from``, ``created_to``; newest first), one with its history and
  its requests, ``resend`` and ``cancel`` (through the lifecycle table: ``invalid_transition``
  409 when the status does not allow it).
- ``message-settings/{bureau_id}/``: the bureau's quiet hours, digest hour and escalation
  ladder, and ``.../heads/``: the departments' heads (the centre).
- ``message-preferences/me/``: one's own e-mail preferences.
- ``message-figures/``: the robots working, failing and paused, the messages waiting, failed and
  uncertain (7 days), each with the page that lists them.

Every write goes through ``messaging.services`` or ``outbox.message_act``. A refusal is
``{"code", "message", "errors"}`` with the status of ``core.refusals.HTTP_STATUS``
(``webhook_invalid``, ``invalid``, ``scope`` 400; ``stale``, ``invalid_transition`` 409;
``not_allowed`` 403); nothing is changed.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from safecampus.core.access import EDIT, get_for, roles_on, scope_for
from safecampus.core.api import Pagination, capability_permission, error, key, who
from safecampus.core.capabilities import MESSAGING_KEEP, MESSAGING_MANAGE
from safecampus.core.refusals import Code, refuse
from safecampus.orgs.models import Bureau, Department, School

from .. import access, figures, services
from ..choices import Action
from ..lifecycle import MESSAGES
from ..models import Attempt, Channel, DepartmentHead, Message, MessagingSettings, Preference
from ..outbox import channel_figures, message_act
from .filters import ChannelFilterSet, MessageFilterSet
from .serializers import (
    DepartmentHeadSerializer,
    DepartmentHeadsWriteSerializer,
    MessagePreferenceSerializer,
    MessagePreferenceWriteSerializer,
    MessageSettingsSerializer,
    MessageSettingsWriteSerializer,
    MessagingFiguresSerializer,
    OutboxMessageDetailSerializer,
    OutboxMessageSerializer,
    RobotCreateSerializer,
    RobotDetailSerializer,
    RobotSecretSerializer,
    RobotSerializer,
    RobotTestSendSerializer,
    RobotUpdateSerializer,
    RobotVersionSerializer,
)

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The record's id.")
_BUREAU_ID = OpenApiParameter(
    "bureau_id", int, OpenApiParameter.PATH, description="The bureau's id."
)
_FORBIDDEN_KEEP = error(
    f"`permission_denied`: the caller holds none of {who(MESSAGING_KEEP)}, or does not keep "
    "this robot's organisation."
)
_FORBIDDEN_MANAGE = error(
    f"`permission_denied`: the caller holds none of {who(MESSAGING_MANAGE)} on this bureau."
)
_NOT_FOUND = error("`not_found`: no such record, or it is outside the caller's scope.")
_STALE = error(
    "`stale`: the robot changed since `version` (reload); `invalid_transition`: the robot was "
    "removed, or is already paused (resumed)."
)
_ROBOT_INVALID = error(
    "`webhook_invalid`: the address is not the service's webhook (another host or path, no "
    "token); `invalid`: a missing name, an unknown service or topic, a signing secret for a "
    "WeCom robot, one end of the quiet hours only; `scope`: the school or department is not "
    "one the caller reads, or not of the bureau. Messages in Chinese; nothing is saved."
)


class _Base(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, capability_permission(MESSAGING_KEEP)]
    pagination_class = Pagination


# --- robots ---------------------------------------------------------------------------------------


def _channels(user):
    return Channel.objects.visible_to(user).select_related("bureau", "department", "school")


def _robot_context(channels, now) -> dict:
    ids = [c.pk for c in channels]
    return {
        "figures": channel_figures(ids),
        "failing": {c.pk for c in channels if figures.is_failing(c, now)},
    }


def _default_owner(user) -> dict:
    """A robot's organisation when the input names none: the caller's bureau (the centre),
    else its school, else its department."""
    scope = scope_for(user)
    if bureaus := sorted(access.manage_bureaus(scope)):
        return {"bureau": bureaus[0]}
    if schools := access.own_schools(scope):
        return {"school": schools[0]}
    if departments := access.own_departments(scope):
        return {"department": departments[0]}
    raise DjangoPermissionDenied(_("You may not set up a robot for this organisation."))


@extend_schema(tags=["messaging"])
class ChannelViewSet(_Base):
    """Group robots (DingTalk, WeCom) of the bureau, its departments and its schools."""

    serializer_class = RobotSerializer
    queryset = Channel.objects.none()  # for the schema; reads go through the scope
    filter_backends = [DjangoFilterBackend]
    filterset_class = ChannelFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Channel.objects.none()
        return _channels(self.request.user).filter(removed_at__isnull=True)

    def _robot(self, pk, act: str = "view") -> Channel:
        return get_for(self.request.user, _channels(self.request.user), key(pk), act)

    def _detail(self, channel: Channel, status_code: int = 200) -> Response:
        channel = self._robot(channel.pk)
        prefetch_related_objects([channel], "events")
        context = _robot_context([channel], timezone.now())
        return Response(RobotDetailSerializer(channel, context=context).data, status=status_code)

    @extend_schema(
        responses={
            200: RobotSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_KEEP,
        },
        summary="List the robots the caller keeps",
        description="Robots not removed, of the bureau, its departments and schools as the "
        "caller keeps them, each with its messages waiting, failed and uncertain. "
        f"Roles: {who(MESSAGING_KEEP)}.",
    )
    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        context = _robot_context(page, timezone.now())
        return self.get_paginated_response(RobotSerializer(page, many=True, context=context).data)

    @extend_schema(
        parameters=[_ID],
        responses={200: RobotDetailSerializer, 403: _FORBIDDEN_KEEP, 404: _NOT_FOUND},
        summary="One robot with its history",
        description=f"Roles: {who(MESSAGING_KEEP)}, on the robots they keep.",
    )
    def retrieve(self, request, pk=None):
        return self._detail(self._robot(pk))

    @extend_schema(
        request=RobotCreateSerializer,
        responses={201: RobotDetailSerializer, 400: _ROBOT_INVALID, 403: _FORBIDDEN_KEEP},
        summary="Set up a robot",
        description="For `school`, `department` or (neither) the `bureau` (default: the "
        "caller's bureau for the centre, else its school, else its department). The webhook "
        "and secret are never shown again. "
        f"Roles: {who(MESSAGING_KEEP)}, for the organisations they keep.",
    )
    def create(self, request):
        serializer = RobotCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        school_id, department_id = d.pop("school", None), d.pop("department", None)
        bureau_id = d.pop("bureau", None)
        school = department = None
        if school_id:
            school = School.objects.visible_to(request.user).filter(pk=school_id).first()
            if school is None:
                raise refuse({"school": [_("Unknown school.")]}, Code.SCOPE)
            bureau_id = school.bureau_id
        elif department_id:
            department = (
                Department.objects.visible_to(request.user).filter(pk=department_id).first()
            )
            if department is None:
                raise refuse({"department": [_("Unknown department.")]}, Code.SCOPE)
            bureau_id = department.bureau_id
        elif bureau_id is None:
            owner = _default_owner(request.user)
            if "school" in owner:
                school = School.objects.visible_to(request.user).filter(pk=owner["school"]).first()
                bureau_id = school.bureau_id if school else None
            elif "department" in owner:
                department = (
                    Department.objects.visible_to(request.user)
                    .filter(pk=owner["department"])
                    .first()
                )
                bureau_id = department.bureau_id if department else None
            else:
                bureau_id = owner["bureau"]
            if bureau_id is None:
                raise DjangoPermissionDenied(_("You may not set up a robot for this organisation."))
        channel = services.channel_create(
            actor=request.user, bureau=bureau_id, department=department, school=school, **d
        )
        return self._detail(channel, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_ID],
        request=RobotUpdateSerializer,
        responses={
            200: RobotDetailSerializer,
            400: _ROBOT_INVALID,
            403: _FORBIDDEN_KEEP,
            404: _NOT_FOUND,
            409: _STALE,
        },
        summary="Change a robot's name, keywords, topics or quiet hours",
        description="Any subset of the fields, with `version` (optional). The webhook and the "
        f"secret are replaced through `secret/`. Roles: {who(MESSAGING_KEEP)}.",
    )
    def partial_update(self, request, pk=None):
        channel = self._robot(pk, EDIT)
        serializer = RobotUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        version = d.pop("version", None)
        services.channel_update(actor=request.user, channel=channel, data=d, version=version)
        return self._detail(channel)

    @extend_schema(
        parameters=[
            _ID,
            OpenApiParameter("version", int, required=False, description="The version read."),
        ],
        responses={
            204: OpenApiResponse(description="Removed; what waited for it is cancelled."),
            400: error("`invalid`: `version` is not a number."),
            403: _FORBIDDEN_KEEP,
            404: _NOT_FOUND,
            409: _STALE,
        },
        summary="Remove a robot",
        description="The robot stops; its waiting messages are cancelled with the reason. "
        f"Roles: {who(MESSAGING_KEEP)}.",
    )
    def destroy(self, request, pk=None):
        channel = self._robot(pk, EDIT)
        raw = request.query_params.get("version")
        if raw not in (None, "") and not (raw.isascii() and raw.isdigit() and len(raw) < 10):
            raise refuse({"version": [_("Give the version as a whole number.")]})
        services.channel_remove(
            actor=request.user, channel=channel, version=int(raw) if raw else None
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[_ID],
        request=None,
        responses={
            200: RobotTestSendSerializer,
            403: _FORBIDDEN_KEEP,
            404: _NOT_FOUND,
            409: error("`invalid_transition`: the robot was removed."),
        },
        summary="Send a test message now",
        description="Through the outbox (it counts against the robot's limit); `delivered` "
        "says whether the service took it and `detail` what it answered, in Chinese (a wrong "
        f"signing secret, a wrong keyword, a paused robot…). Roles: {who(MESSAGING_KEEP)}.",
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        channel = self._robot(pk, EDIT)
        delivered, detail = services.channel_test_send(actor=request.user, channel=channel)
        return Response(RobotTestSendSerializer({"delivered": delivered, "detail": detail}).data)

    def _switch(self, request, pk, service):
        channel = self._robot(pk, EDIT)
        serializer = RobotVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service(
            actor=request.user,
            channel=channel,
            version=serializer.validated_data.get("version"),
        )
        return self._detail(channel)

    @extend_schema(
        parameters=[_ID],
        request=RobotVersionSerializer,
        responses={
            200: RobotDetailSerializer,
            400: error("`invalid`: `version` is not a number."),
            403: _FORBIDDEN_KEEP,
            404: _NOT_FOUND,
            409: _STALE,
        },
        summary="Pause a robot",
        description="Nothing is sent to it until it is resumed; its messages wait. "
        f"Roles: {who(MESSAGING_KEEP)}.",
    )
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._switch(request, pk, services.channel_pause)

    @extend_schema(
        parameters=[_ID],
        request=RobotVersionSerializer,
        responses={
            200: RobotDetailSerializer,
            400: error("`invalid`: `version` is not a number."),
            403: _FORBIDDEN_KEEP,
            404: _NOT_FOUND,
            409: _STALE,
        },
        summary="Resume a paused robot",
        description=f"Roles: {who(MESSAGING_KEEP)}.",
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._switch(request, pk, services.channel_resume)

    @extend_schema(
        parameters=[_ID],
        request=RobotSecretSerializer,
        responses={
            200: RobotDetailSerializer,
            400: _ROBOT_INVALID,
            403: _FORBIDDEN_KEEP,
            404: _NOT_FOUND,
            409: _STALE,
        },
        summary="Replace a robot's webhook and/or signing secret",
        description="`webhook` (empty or absent: kept), `secret` (absent: kept; empty: "
        "removed). Neither is ever shown or logged; the robot's history names the fields only. "
        f"Roles: {who(MESSAGING_KEEP)}.",
    )
    @action(detail=True, methods=["post"])
    def secret(self, request, pk=None):
        channel = self._robot(pk, EDIT)
        serializer = RobotSecretSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        if not d.get("webhook") and "secret" not in d:
            raise refuse({"webhook": [_("Give a new webhook address or a new signing secret.")]})
        services.channel_secret_replace(
            actor=request.user,
            channel=channel,
            webhook=d.get("webhook") or "",
            secret=d.get("secret"),
            version=d.get("version"),
        )
        return self._detail(channel)


# --- the outbox -----------------------------------------------------------------------------------


def _messages(user):
    return Message.objects.visible_to(user).select_related("channel")


_MESSAGE_ACT_ERRORS = {
    403: error(
        "`not_allowed`: the caller reads the message (an e-mail to them, say) but does not keep "
        "its robot (nor is the bureau's centre)."
    ),
    404: _NOT_FOUND,
    409: error(
        "`invalid_transition`: the lifecycle does not allow this in the message's status (only "
        "a failed or uncertain message is sent again; a sent or cancelled one is not cancelled)."
    ),
}


@extend_schema(tags=["messaging"])
class MessageViewSet(_Base):
    """The outbox: every outgoing message to a robot or a person's e-mail. Read by any
    signed-in user, as the page: the scope gives the robots' messages to those who keep them,
    the bureau's to its centre and a person's own e-mails to that person; sent again or
    cancelled only by those who keep the robot (or the centre)."""

    permission_classes = [IsAuthenticated]

    serializer_class = OutboxMessageSerializer
    queryset = Message.objects.none()  # for the schema
    filter_backends = [DjangoFilterBackend]
    filterset_class = MessageFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return _messages(self.request.user).order_by("-created_at", "-id")

    def _detail(self, message: Message) -> Response:
        message = get_for(
            self.request.user,
            Message.objects.select_related("channel").prefetch_related(
                "events", Prefetch("requests", queryset=Attempt.objects.order_by("at", "id"))
            ),
            message.pk,
        )
        roles = roles_on(self.request.user, message)
        context = {"allowed_actions": MESSAGES.allowed(message, roles)}
        return Response(OutboxMessageDetailSerializer(message, context=context).data)

    @extend_schema(
        responses={
            200: OutboxMessageSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
        },
        summary="List outgoing messages",
        description="Newest first: the messages to the robots the caller keeps, (the centre) "
        "every message of its bureau, e-mails included, and the e-mails sent to the caller. "
        "Roles: any signed-in user (the scope filters: someone who keeps no robot reads their "
        "own e-mails).",
    )
    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(OutboxMessageSerializer(page, many=True).data)

    @extend_schema(
        parameters=[_ID],
        responses={200: OutboxMessageDetailSerializer, 404: _NOT_FOUND},
        summary="One outgoing message with its history and requests",
        description="With the text, every step of its history, every request made to the "
        "service (the answer's status, error code and reason) and the actions the caller may "
        "take. Roles: any signed-in user who reads the message (see the list).",
    )
    def retrieve(self, request, pk=None):
        return self._detail(get_for(request.user, _messages(request.user), key(pk)))

    def _act(self, request, pk, act: str) -> Response:
        message = get_for(request.user, _messages(request.user), key(pk), EDIT)
        message_act(actor=request.user, message=message, action=act)
        return self._detail(message)

    @extend_schema(
        parameters=[_ID],
        request=None,
        responses={200: OutboxMessageDetailSerializer, **_MESSAGE_ACT_ERRORS},
        summary="Send a failed or uncertain message again",
        description=f"Roles: {who(MESSAGING_KEEP)}, who keep its robot (or the centre).",
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        return self._act(request, pk, Action.RESEND)

    @extend_schema(
        parameters=[_ID],
        request=None,
        responses={200: OutboxMessageDetailSerializer, **_MESSAGE_ACT_ERRORS},
        summary="Cancel a message not sent",
        description="A waiting, failed or uncertain message. "
        f"Roles: {who(MESSAGING_KEEP)}, who keep its robot (or the centre).",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(request, pk, Action.CANCEL)


# --- the bureau's settings and heads ------------------------------------------------------------


class _CentreView(APIView):
    permission_classes = [IsAuthenticated, capability_permission(MESSAGING_MANAGE)]

    def _bureau(self, bureau_id) -> Bureau:
        bureau = get_for(self.request.user, Bureau, key(bureau_id))
        if bureau.pk not in access.manage_bureaus(scope_for(self.request.user)):
            raise DjangoPermissionDenied(
                _("Only the safety centre keeps the bureau's message settings.")
            )
        return bureau


class SettingsView(_CentreView):
    """A bureau's quiet hours, daily digest hour and escalation ladder."""

    def _body(self, bureau) -> dict:
        cfg = MessagingSettings.objects.filter(bureau_id=bureau.pk).first()
        if cfg is None:  # not yet saved: the defaults, without writing on a read
            cfg = MessagingSettings(bureau_id=bureau.pk, version=0)
        return MessageSettingsSerializer(cfg).data

    @extend_schema(
        tags=["messaging"],
        parameters=[_BUREAU_ID],
        responses={200: MessageSettingsSerializer, 403: _FORBIDDEN_MANAGE, 404: _NOT_FOUND},
        summary="A bureau's message settings",
        description="Quiet hours (nothing but alerts goes out), the daily digest's hour, and "
        "the escalation ladder: days overdue before an overdue hazard goes to its department's "
        "head, then the centre, then the leadership group, for general and major hazards "
        f"(`version` 0: never saved, the defaults). Roles: {who(MESSAGING_MANAGE)}.",
    )
    def get(self, request, bureau_id=None):
        return Response(self._body(self._bureau(bureau_id)))

    @extend_schema(
        tags=["messaging"],
        parameters=[_BUREAU_ID],
        request=MessageSettingsWriteSerializer,
        responses={
            200: MessageSettingsSerializer,
            400: error(
                "`invalid`: a time not like 22:00, days outside 0–365, a ladder going down "
                "(the head, then the centre, then the leadership group: days may not "
                "decrease). Messages in Chinese; nothing is saved."
            ),
            403: _FORBIDDEN_MANAGE,
            404: _NOT_FOUND,
            409: error("`stale`: the settings changed since `version` (reload)."),
        },
        summary="Change a bureau's message settings",
        description="Every field, with `version` (optional). Recorded in the audit log with "
        f"before and after. Roles: {who(MESSAGING_MANAGE)}.",
    )
    def put(self, request, bureau_id=None):
        bureau = self._bureau(bureau_id)
        serializer = MessageSettingsWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        version = d.pop("version", None)
        services.settings_save(actor=request.user, bureau=bureau, data=d, version=version)
        return Response(self._body(bureau))


class HeadsView(_CentreView):
    """The department officer who is each department's head for escalations."""

    def _body(self, bureau) -> list[dict]:
        departments = list(
            Department.objects.visible_to(self.request.user)
            .filter(bureau_id=bureau.pk)
            .order_by("name", "pk")
        )
        heads = {
            h.department_id: h.user
            for h in DepartmentHead.objects.filter(
                department_id__in=[d.pk for d in departments]
            ).select_related("user")
        }
        return DepartmentHeadSerializer(
            [
                {
                    "department": d.pk,
                    "department_name": d.name,
                    "user": getattr(heads.get(d.pk), "pk", None),
                    "user_name": heads[d.pk].display_name if d.pk in heads else None,
                }
                for d in departments
            ],
            many=True,
        ).data

    @extend_schema(
        tags=["messaging"],
        parameters=[_BUREAU_ID],
        responses={
            200: DepartmentHeadSerializer(many=True),
            403: _FORBIDDEN_MANAGE,
            404: _NOT_FOUND,
        },
        summary="The departments' heads",
        description="Each department of the bureau with its head (`user` null: none named; its "
        f"escalations go to all its officers). Roles: {who(MESSAGING_MANAGE)}.",
    )
    def get(self, request, bureau_id=None):
        return Response(self._body(self._bureau(bureau_id)))

    @extend_schema(
        tags=["messaging"],
        parameters=[_BUREAU_ID],
        request=DepartmentHeadsWriteSerializer,
        responses={
            200: DepartmentHeadSerializer(many=True),
            400: error(
                "`invalid`: the head is not an officer of the department; `scope`: a "
                "department not of this bureau. Nothing is saved."
            ),
            403: _FORBIDDEN_MANAGE,
            404: _NOT_FOUND,
        },
        summary="Name the departments' heads",
        description="The departments listed get the head given (`user` null clears it); the "
        f"others keep theirs. Roles: {who(MESSAGING_MANAGE)}.",
    )
    def put(self, request, bureau_id=None):
        bureau = self._bureau(bureau_id)
        serializer = DepartmentHeadsWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data["heads"]
        wanted = {r["department"] for r in rows}
        departments = {
            d.pk: d
            for d in Department.objects.visible_to(request.user).filter(
                bureau_id=bureau.pk, pk__in=wanted
            )
        }
        if missing := sorted(wanted - set(departments)):
            raise refuse(
                {"heads": [_("Not a department of this bureau: %(ids)s") % {"ids": missing}]},
                Code.SCOPE,
            )
        users = {
            u.pk: u
            for u in get_user_model().objects.filter(
                pk__in=[r["user"] for r in rows if r["user"] is not None]
            )
        }
        with transaction.atomic():  # one refusal leaves every head as it was
            for r in rows:
                user = users.get(r["user"]) if r["user"] is not None else None
                if r["user"] is not None and user is None:
                    raise refuse({"heads": [_("The head must be an officer of this department.")]})
                services.department_head_set(
                    actor=request.user, department=departments[r["department"]], user=user
                )
        return Response(self._body(bureau))


# --- one's preferences ----------------------------------------------------------------------------


class PreferenceView(APIView):
    """One's own e-mail preferences (in-app notices are always kept)."""

    permission_classes = [IsAuthenticated]

    def _body(self, user) -> dict:
        pref = Preference.objects.filter(user=user).first() or Preference(user=user)
        return MessagePreferenceSerializer(pref).data

    @extend_schema(
        tags=["messaging"],
        responses={200: MessagePreferenceSerializer},
        summary="My message preferences",
        description="The e-mail address, the topics received by e-mail, the daily digest by "
        "e-mail and one's own quiet hours (null: the bureau's). Roles: every signed-in user.",
    )
    def get(self, request):
        return Response(self._body(request.user))

    @extend_schema(
        tags=["messaging"],
        request=MessagePreferenceWriteSerializer,
        responses={
            200: MessagePreferenceSerializer,
            400: error(
                "`invalid`: an address that is not an e-mail address, an unknown topic, one "
                "end of the quiet hours only. Nothing is saved."
            ),
        },
        summary="Change my message preferences",
        description="Every field (absent quiet hours: the bureau's). Roles: every signed-in user.",
    )
    def put(self, request):
        serializer = MessagePreferenceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.preference_save(user=request.user, data=dict(serializer.validated_data))
        return Response(self._body(request.user))


# --- figures --------------------------------------------------------------------------------------


class FiguresView(APIView):
    """The robots working, failing and paused; the messages waiting, failed and uncertain."""

    permission_classes = [IsAuthenticated, capability_permission(MESSAGING_KEEP)]

    @extend_schema(
        tags=["messaging"],
        parameters=[
            OpenApiParameter(
                "bureau",
                int,
                required=False,
                description="Only this bureau's (one the caller reads).",
            )
        ],
        responses={
            200: MessagingFiguresSerializer,
            400: error("`invalid`: the bureau is not an id."),
            403: _FORBIDDEN_KEEP,
            404: error("`not_found`: the bureau is outside the caller's scope."),
        },
        summary="The messaging figures",
        description="Of the robots and messages the caller reads: robots working, failing "
        "(the service refused or blocked them last) and paused, the failing ones named with "
        "their last error; messages waiting, and failed or of unknown outcome in the last 7 "
        "days; each with the page listing exactly what it counts. "
        f"Roles: {who(MESSAGING_KEEP)}.",
    )
    def get(self, request):
        raw = request.query_params.get("bureau")
        bureau_id = None
        if raw not in (None, ""):
            if not (raw.isascii() and raw.isdigit() and len(raw) < 18):
                raise refuse({"bureau": [_("Give the bureau's id.")]})
            bureau_id = get_for(request.user, Bureau, int(raw)).pk
        f = figures.figures(request.user, now=timezone.now(), bureau_id=bureau_id)
        return Response(MessagingFiguresSerializer(figures.linked(f, bureau_id=bureau_id)).data)


router = SimpleRouter()
router.register("message-robots", ChannelViewSet, basename="message-robot")
router.register("outbox", MessageViewSet, basename="outbox")

urlpatterns = [
    *router.urls,
    path("message-settings/<str:bureau_id>/", SettingsView.as_view(), name="message-settings"),
    path(
        "message-settings/<str:bureau_id>/heads/",
        HeadsView.as_view(),
        name="message-settings-heads",
    ),
    path("message-preferences/me/", PreferenceView.as_view(), name="message-preferences"),
    path("message-figures/", FiguresView.as_view(), name="message-figures"),
]
