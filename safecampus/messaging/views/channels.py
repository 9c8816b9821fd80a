"""Pages: the group robots (钉钉群机器人, 企业微信群机器人) a person keeps: the list, a new robot,
its page (state, last error, events, recent messages, failures) with its buttons (test send,
pause, resume, replace the webhook or secret, edit, remove). Every write goes through
``messaging.services``; the webhook's token and the secret are never shown."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import get_for, require
from safecampus.core.capabilities import MESSAGING_KEEP
from safecampus.core.refusals import to_form

from .. import access, selectors, services
from ..choices import ChannelAction, Status
from ..forms import ChannelEditForm, ChannelFilterForm, ChannelForm, SecretForm
from ..models import Channel, Message

PAGE_SIZE = 50

LIVE = Channel.objects.filter(removed_at__isnull=True).select_related(
    "bureau", "department", "school"
)


def _channel(request, pk: int) -> Channel:
    return get_for(request.user, LIVE, pk, access.EDIT)


def _version(request) -> int | None:
    """The version the page was drawn at; unreadable: one no robot has (refused as stale)."""
    raw = request.POST.get("version")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return -1


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def channel_list(request):
    require(request.user, MESSAGING_KEEP)
    now = timezone.now()
    form = ChannelFilterForm(request.GET or None)
    qs = selectors.filtered_channels(request.user, form.filters(), now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.attach_figures(list(page.object_list), now)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "messaging/channel_list.html",
        {
            "form": form,
            "page": page,
            "channels": rows,
            "query": params.urlencode(),
            "may_create": bool(selectors.owners(request.user)),
            "filtered": bool(form.filters()),
        },
    )


@sensitive_post_parameters("webhook", "secret")
@login_required
@require_http_methods(["GET", "POST"])
def channel_create(request):
    require(request.user, MESSAGING_KEEP)
    owners = selectors.owners(request.user)
    if request.method == "POST":
        form = ChannelForm(request.POST, owners=owners)
        if form.is_valid():
            try:
                channel = services.channel_create(actor=request.user, **form.service_data())
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("The robot %(name)s is set up. Press 测试发送 to check that it works.")
                    % {"name": channel.name},
                )
                return redirect(channel.get_absolute_url())
        return render(request, "messaging/channel_form.html", {"form": form}, status=400)
    initial = {"owner": owners[0].value} if len(owners) == 1 else {}
    owner = request.GET.get("owner")
    if owner and any(o.value == owner for o in owners):
        initial["owner"] = owner
    form = ChannelForm(owners=owners, initial=initial)
    return render(request, "messaging/channel_form.html", {"form": form})


def _event_rows(events):
    labels = {
        f.name: f.verbose_name for f in Channel._meta.get_fields() if hasattr(f, "verbose_name")
    }
    out = []
    for e in events:
        data = e.data or {}
        fields = data.get("fields") if isinstance(data.get("fields"), list) else None
        if fields is None and e.action == ChannelAction.UPDATE:
            fields = list(data)
        e.fields_label = "、".join(str(labels.get(f, f)) for f in fields or [])
        out.append(e)
    return out


@login_required
def channel_detail(request, pk: int):
    channel = _channel(request, pk)
    now = timezone.now()
    channel.state = selectors.channel_state(channel, now)
    recent = list(
        Message.objects.visible_to(request.user)
        .filter(channel=channel)
        .defer("body")
        .order_by("-created_at", "-id")[:20]
    )
    failures = list(
        Message.objects.visible_to(request.user)
        .filter(channel=channel, status__in=[Status.FAILED, Status.UNCERTAIN])
        .defer("body")
        .order_by("-created_at", "-id")[:10]
    )
    counts = selectors.figures([channel.pk], now).get(channel.pk, {})
    channel.figures = {
        "pending": counts.get(Status.PENDING, 0),
        "failed": counts.get(Status.FAILED, 0),
        "uncertain": counts.get(Status.UNCERTAIN, 0),
    }
    return render(
        request,
        "messaging/channel_detail.html",
        {
            "channel": channel,
            "topic_labels": [
                label for value, label in _topics() if value in (channel.topics or [])
            ],
            "events": _event_rows(selectors.channel_events(channel)),
            "recent": recent,
            "failures": failures,
        },
    )


def _topics():
    from ..choices import Topic

    return [(t.value, t.label) for t in Topic if t != Topic.TEST]


def _initial(channel: Channel) -> dict:
    return {
        "name": channel.name,
        "keywords": channel.keywords,
        "topics": list(channel.topics or []),
        "quiet_start": channel.quiet_start,
        "quiet_end": channel.quiet_end,
        "version": channel.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request, pk: int):
    channel = _channel(request, pk)
    if request.method == "POST":
        form = ChannelEditForm(request.POST)
        if form.is_valid():
            try:
                services.channel_update(
                    actor=request.user,
                    channel=channel,
                    data=form.service_data(),
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("The robot's settings are saved."))
                return redirect(channel.get_absolute_url())
        return render(
            request, "messaging/channel_edit.html", {"form": form, "channel": channel}, status=400
        )
    form = ChannelEditForm(initial=_initial(channel))
    return render(request, "messaging/channel_edit.html", {"form": form, "channel": channel})


@sensitive_post_parameters("webhook", "secret")
@login_required
@require_http_methods(["GET", "POST"])
def channel_secret(request, pk: int):
    channel = _channel(request, pk)
    if request.method == "POST":
        form = SecretForm(request.POST)
        if form.is_valid():
            try:
                services.channel_secret_replace(
                    actor=request.user,
                    channel=channel,
                    webhook=form.cleaned_data.get("webhook") or "",
                    secret=form.secret_value(),
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("Replaced. Press 测试发送 to check that the robot answers."),
                )
                return redirect(channel.get_absolute_url())
        return render(
            request, "messaging/channel_secret.html", {"form": form, "channel": channel}, status=400
        )
    form = SecretForm(initial={"version": channel.version})
    return render(request, "messaging/channel_secret.html", {"form": form, "channel": channel})


@login_required
@require_POST
def channel_test(request, pk: int):
    channel = _channel(request, pk)
    try:
        delivered, said = services.channel_test_send(actor=request.user, channel=channel)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        (messages.success if delivered else messages.error)(request, said)
    return redirect(channel.get_absolute_url())


def _switch(request, pk: int, service, done: str):
    channel = _channel(request, pk)
    try:
        service(actor=request.user, channel=channel, version=_version(request))
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, done)
    return redirect(channel.get_absolute_url())


@login_required
@require_POST
def channel_pause(request, pk: int):
    return _switch(
        request,
        pk,
        services.channel_pause,
        _("The robot is paused: nothing is sent to the group until it is resumed."),
    )


@login_required
@require_POST
def channel_resume(request, pk: int):
    return _switch(
        request,
        pk,
        services.channel_resume,
        _("The robot is resumed: what waited for it goes out now."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_remove(request, pk: int):
    channel = _channel(request, pk)
    if request.method == "GET":
        counts = selectors.figures([channel.pk], timezone.now()).get(channel.pk, {})
        return render(
            request,
            "messaging/channel_remove.html",
            {"channel": channel, "waiting": counts.get(Status.PENDING, 0)},
        )
    try:
        services.channel_remove(actor=request.user, channel=channel, version=_version(request))
    except ValidationError as exc:
        _flash(request, exc)
        return redirect(channel.get_absolute_url())
    messages.success(
        request,
        _("The robot %(name)s is removed; nothing more goes to it.") % {"name": channel.name},
    )
    return redirect("messaging:channel_list")
