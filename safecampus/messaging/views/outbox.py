"""Pages: the outbox (发送记录): the messages a person reads, filtered and paginated, newest
first; one message with its text, its history and its requests; sending a failed or uncertain
message again, or cancelling one, as the lifecycle table allows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.core.access import get_for, roles_on
from safecampus.core.capabilities import MESSAGING_KEEP

from .. import access, outbox, selectors
from ..choices import Action
from ..forms import MessageFilterForm
from ..lifecycle import MESSAGES
from ..models import Attempt, Message, MessageEvent

PAGE_SIZE = 30
ACTS = {Action.RESEND.value, Action.CANCEL.value}


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def message_list(request):
    robots = list(selectors.channels(request.user))
    form = MessageFilterForm(request.GET or None, channels=robots)
    qs = selectors.filtered_messages(request.user, form.filters())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/message_list.html",
        {"form": form, "page": page, "rows": list(page.object_list), "query": _query(request)},
    )


@login_required
def message_detail(request, pk: int):
    message = get_for(
        request.user, Message.objects.select_related("channel", "recipient", "bureau"), pk
    )
    events = list(
        MessageEvent.objects.filter(message=message).select_related("actor").order_by("at", "id")
    )
    attempts = list(Attempt.objects.filter(message=message).order_by("-at", "-id")[:50])
    allowed = MESSAGES.allowed(message, roles_on(request.user, message))
    return render(
        request,
        "messaging/message_detail.html",
        {
            "message": message,
            "events": events,
            "attempts": attempts,
            "may_resend": Action.RESEND in allowed,
            "may_cancel": Action.CANCEL in allowed,
        },
    )


@login_required
@require_POST
def message_act(request, pk: int, action: str):
    if action not in ACTS:
        raise Http404
    message = get_for(request.user, Message.objects.select_related("channel"), pk, access.EDIT)
    if not roles_on(request.user, message) & MESSAGING_KEEP:
        raise PermissionDenied(
            _("Only those who keep the robot, or the safety centre, may do this.")
        )
    try:
        outbox.message_act(actor=request.user, message=message, action=action)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("The message is queued to be sent again.")
            if action == Action.RESEND
            else _("The message is cancelled; it will not be sent."),
        )
    return redirect(message.get_absolute_url())
