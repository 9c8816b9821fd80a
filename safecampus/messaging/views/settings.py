"""Page: the bureau's message settings (消息推送设置), kept by the centre: the quiet hours, the
hour of the daily digest, the escalation ladder (days overdue before an overdue hazard goes to
the department's head, the centre, the leadership group, per level) and each department's head
(chosen among its officers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from safecampus.core.access import get_for
from safecampus.core.refusals import to_form
from safecampus.orgs.models import Bureau

from .. import selectors, services
from ..forms import SettingsForm
from ..services import SETTINGS_FIELDS


def _render(request, bureau, form, cfg, status=200):
    return render(
        request,
        "messaging/settings.html",
        {"bureau": bureau, "form": form, "cfg": cfg},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def bureau_settings(request, bureau_pk: int):
    bureau = get_for(request.user, Bureau, bureau_pk)
    if not selectors.keeps_bureau(request.user, bureau.pk):
        raise PermissionDenied(_("Only the safety centre keeps the bureau's message settings."))
    cfg = selectors.bureau_settings(bureau.pk)
    departments = selectors.department_officers(request.user, bureau.pk)
    if request.method == "POST":
        form = SettingsForm(request.POST, departments=departments)
        if form.is_valid():
            try:
                services.settings_and_heads_save(
                    actor=request.user,
                    bureau=bureau,
                    data=form.service_data(),
                    heads=form.heads(),
                    version=form.cleaned_data.get("version"),
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("The message settings are saved."))
                return redirect("messaging:settings", bureau_pk=bureau.pk)
        return _render(request, bureau, form, cfg, status=400)
    initial = {k: getattr(cfg, k) for k in SETTINGS_FIELDS}
    initial["version"] = cfg.version
    return _render(request, bureau, SettingsForm(initial=initial, departments=departments), cfg)
