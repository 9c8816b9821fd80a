"""A person's notifications: the daily digests with their notices, opening and marking read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.core.access import get_for

from . import selectors, services
from .models import Notification

PAGE_SIZE = 20


@login_required
def notification_list(request):
    digests = selectors.notifications_for(request.user)
    page = Paginator(digests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page, "query": ""})


@login_required
def notification_detail(request, pk: int):
    """Opening a digest marks it read."""
    digest = get_for(request.user, Notification, pk)
    services.notification_read(user=request.user, notification=digest)
    return render(
        request,
        "notifications/notification_detail.html",
        {"digest": digest, "notices": digest.notices.order_by("created_at", "id")},
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    digest = get_for(request.user, Notification, pk)
    services.notification_read(user=request.user, notification=digest)
    return redirect("notifications:notification_list")


@login_required
@require_POST
def notifications_read_all(request):
    n = services.notifications_read_all(user=request.user)
    if n:
        messages.success(request, _("All notifications marked read."))
    return redirect("notifications:notification_list")
