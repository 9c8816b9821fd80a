"""Page: 消息推送, the overview. The centre sees every robot of its bureau by owner with its
state and its figures (waiting, failed and uncertain of the last seven days, each a link to the
outbox filtered) and the bureau's e-mails; a department or a school its own robots; everyone a
link to their own preferences."""

from __future__ import annotations

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from safecampus.core.access import can
from safecampus.core.capabilities import MESSAGING_KEEP

from .. import selectors


@login_required
def overview(request):
    user = request.user
    now = timezone.now()
    keeps = can(user, MESSAGING_KEEP)
    rows = selectors.channel_rows(user, now) if keeps else []
    groups = [
        {"owner": owner, "channels": list(items)}
        for owner, items in groupby(rows, key=lambda c: c.owner)
    ]
    return render(
        request,
        "messaging/overview.html",
        {
            "keeps": keeps,
            "groups": groups,
            "count": len(rows),
            "emails": selectors.email_figures(user, now) if keeps else None,
            "bureaus": selectors.managed_bureaus(user),
            "may_create": keeps and bool(selectors.owners(user)),
            "days": selectors.RECENT_DAYS,
        },
    )
