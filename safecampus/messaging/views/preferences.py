"""Page: 消息偏好, one's own e-mail address, the topics one receives by e-mail, the daily digest
by e-mail and one's own quiet hours (anyone logged in)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from safecampus.core.refusals import to_form

from .. import selectors, services
from ..forms import PreferenceForm
from ..models import Preference


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.preference_save(user=request.user, data=form.service_data())
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("Your message preferences are saved."))
                return redirect("messaging:preferences")
        return render(request, "messaging/preferences.html", {"form": form}, status=400)
    pref = selectors.preference(request.user) or Preference(user=request.user)
    form = PreferenceForm(
        initial={
            "email": pref.email or getattr(request.user, "email", ""),
            "email_topics": list(pref.email_topics or []),
            "email_digest": pref.email_digest,
            "quiet_start": pref.quiet_start,
            "quiet_end": pref.quiet_end,
        }
    )
    return render(request, "messaging/preferences.html", {"form": form, "saved": pref.pk})
