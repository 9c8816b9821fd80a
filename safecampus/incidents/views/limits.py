"""Pages: the bureau's incident settings (报告时限设置).

- Everyone of the bureau who reaches incidents reads them (a school sees the limits it reports
  against): the reporting limits by type and grade (the shipped defaults, with their source, while
  the bureau has configured none), the cluster thresholds, where each type is routed and who is
  named on restricted cases; the last change's who and when (from the audit log, which keeps
  every change with before and after).
- The centre (``INCIDENT_MANAGE``) changes them: ``configuration.settings_save`` (with the
  version the page was drawn at: a stale form is refused), ``limit_save`` and ``limit_delete``.
  The first change of a limit copies the defaults into the bureau's own rows.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.audit.models import AuditEvent
from safecampus.core.access import can, get_for, require, scope_for
from safecampus.core.capabilities import INCIDENT_MANAGE, INCIDENT_VIEW
from safecampus.core.refusals import to_form
from safecampus.orgs.models import Bureau, Department

from .. import access, configuration, services
from ..choices import ROUTING_CHOICES, IncidentType, Severity
from ..defaults import EXPLANATION, LIMITS
from ..forms_settings import LimitForm, SettingsForm, limit_initial, settings_initial
from ..inputs import stale
from ..models import ReportingLimit

#: audit targets that are changes of these settings
TARGETS = ("incidents.incidentsettings", "incidents.reportinglimit")


def settings_bureaus(user) -> list[Bureau]:
    """The bureaus whose settings ``user`` reads (their bureau roles', else their schools')."""
    return list(Bureau.objects.visible_to(user).order_by("path"))


def _chosen(request, bureaus: list[Bureau]) -> Bureau:
    raw = request.GET.get("bureau") or request.POST.get("bureau") or ""
    if not raw:
        if not bureaus:
            raise Http404
        managed = access.manage_bureaus(scope_for(request.user))
        return next((b for b in bureaus if b.pk in managed), bureaus[0])
    for b in bureaus:
        if str(b.pk) == raw:
            return b
    raise Http404


def _manages(user, bureau: Bureau) -> bool:
    return can(user, INCIDENT_MANAGE) and bureau.pk in access.manage_bureaus(scope_for(user))


def settings_url(bureau_id: int) -> str:
    return reverse("incidents:settings") + "?" + urlencode({"bureau": bureau_id})


def last_change(bureau_id: int):
    """The last recorded change of the bureau's incident settings or limits (who and when)."""
    return (
        AuditEvent.objects.filter(bureau_id=bureau_id)
        .filter(target_type__in=TARGETS)
        .select_related("actor")
        .only("at", "actor_username", "actor__username", "actor__full_name")
        .order_by("-seq")
        .first()
    )


def _limit_rows(bureau_id: int) -> tuple[list, bool]:
    own = list(ReportingLimit.objects.filter(bureau_id=bureau_id))
    return (own, False) if own else (list(LIMITS), True)


def _decorate(rows) -> list[dict]:
    types = dict(IncidentType.choices)
    grades = dict(Severity.choices)
    out = []
    for r in rows:
        follow = r.daily_follow_up_by
        out.append(
            {
                "pk": getattr(r, "pk", None),
                "version": getattr(r, "version", None),
                "incident_type": r.incident_type,
                "severity": r.severity,
                "type_label": types.get(r.incident_type) or _("Any type"),
                "grade_label": grades.get(r.severity) or _("Any grade"),
                "verbal_minutes": r.verbal_minutes,
                "written_minutes": r.written_minutes,
                "daily_follow_up_by": follow.strftime("%H:%M")
                if hasattr(follow, "strftime")
                else (follow or None),
                "final_within_days": r.final_within_days,
                "source": r.source,
                "general": not r.incident_type and not r.severity,
                "query": urlencode({"incident_type": r.incident_type, "severity": r.severity}),
            }
        )
    return out


def _page(request, bureau, bureaus, *, form=None, status=200):
    obj = services.settings_for(bureau.pk)
    manages = _manages(request.user, bureau)
    departments = list(Department.objects.visible_to(request.user).filter(bureau_id=bureau.pk))
    if manages and form is None:
        form = SettingsForm(initial=settings_initial(obj), bureau=bureau, departments=departments)
    rows, defaults = _limit_rows(bureau.pk)
    names = {d.pk: d.name for d in departments}
    routing = [
        {"label": label, "department": names.get(_int((obj.routing or {}).get(value)))}
        for value, label in ROUTING_CHOICES
    ]
    officers = list(obj.restricted_officers.filter(is_active=True).order_by("username"))
    return render(
        request,
        "incidents/settings.html",
        {
            "bureau": bureau,
            "bureaus": bureaus if len(bureaus) > 1 else [],
            "settings_obj": obj,
            "manages": manages,
            "form": form if manages else None,
            "limits": _decorate(rows),
            "defaults": defaults,
            "explanation": EXPLANATION,
            "routing": routing,
            "officers": officers,
            "last_change": last_change(bureau.pk),
        },
        status=status,
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    require(request.user, INCIDENT_VIEW)
    bureaus = settings_bureaus(request.user)
    bureau = _chosen(request, bureaus)
    if request.method == "GET":
        return _page(request, bureau, bureaus)
    if not _manages(request.user, bureau):
        raise PermissionDenied(_("Your roles do not allow changing these settings."))
    departments = list(Department.objects.visible_to(request.user).filter(bureau_id=bureau.pk))
    form = SettingsForm(request.POST, bureau=bureau, departments=departments)
    if form.is_valid():
        data, version = form.service_data()
        try:
            configuration.settings_save(
                actor=request.user, bureau_id=bureau.pk, data=data, version=version
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("The incident settings are saved."))
            return redirect(settings_url(bureau.pk))
    return _page(request, bureau, bureaus, form=form, status=400)


def _managed_bureau(request) -> Bureau:
    require(request.user, INCIDENT_MANAGE)
    bureaus = settings_bureaus(request.user)
    bureau = _chosen(request, bureaus)
    if not _manages(request.user, bureau):
        raise PermissionDenied(_("Your roles do not allow changing these limits."))
    return bureau


def _limit_form_page(request, bureau, form, row=None, status=200):
    return render(
        request,
        "incidents/settings_limit_form.html",
        {"form": form, "bureau": bureau, "row": row, "explanation": EXPLANATION},
        status=status,
    )


def _save_limit(request, bureau, form, row=None):
    if not form.is_valid():
        return None
    try:
        if row is not None:
            stale(row, form.cleaned_data.get("version"))
        configuration.limit_save(
            actor=request.user,
            bureau_id=bureau.pk,
            data=form.service_data(),
            pk=row.pk if row is not None else None,
        )
    except ValidationError as exc:
        to_form(form, exc)
        return None
    messages.success(request, _("The reporting limit is saved."))
    return redirect(settings_url(bureau.pk))


@login_required
@require_http_methods(["GET", "POST"])
def limit_new(request):
    """Add a limit, or change one of the defaults (``?incident_type=&severity=`` prefill it)."""
    bureau = _managed_bureau(request)
    if request.method == "POST":
        form = LimitForm(request.POST)
        done = _save_limit(request, bureau, form)
        return done or _limit_form_page(request, bureau, form, status=400)
    key = (request.GET.get("incident_type", ""), request.GET.get("severity", ""))
    rows, _defaults = _limit_rows(bureau.pk)
    match = next((r for r in rows if (r.incident_type, r.severity) == key), None)
    initial = limit_initial(match) if match is not None else {"incident_type": key[0]}
    initial.pop("version", None)
    return _limit_form_page(request, bureau, LimitForm(initial=initial))


@login_required
@require_http_methods(["GET", "POST"])
def limit_edit(request, pk: int):
    row = get_for(request.user, ReportingLimit.objects.select_related("bureau"), pk, access.EDIT)
    bureau = row.bureau
    if request.method == "POST":
        form = LimitForm(request.POST)
        done = _save_limit(request, bureau, form, row=row)
        return done or _limit_form_page(request, bureau, form, row=row, status=400)
    return _limit_form_page(request, bureau, LimitForm(initial=limit_initial(row)), row=row)


@login_required
@require_POST
def limit_delete(request, pk: int):
    row = get_for(request.user, ReportingLimit.objects.select_related("bureau"), pk, access.EDIT)
    try:
        configuration.limit_delete(actor=request.user, bureau_id=row.bureau_id, pk=row.pk)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("The reporting limit is removed."))
    return redirect(settings_url(row.bureau_id))


urlpatterns = [
    path("settings/", settings_page, name="settings"),
    path("settings/limits/new/", limit_new, name="limit_new"),
    path("settings/limits/<int:pk>/", limit_edit, name="limit_edit"),
    path("settings/limits/<int:pk>/delete/", limit_delete, name="limit_delete"),
]
