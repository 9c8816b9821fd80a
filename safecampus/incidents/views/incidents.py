"""Pages of incidents: the list with its filters, the first report (made on a phone), one
incident with its timeliness, steps, 三同步, accident handling, timeline, files and access list,
and the forms of the actions the person may take now.

Every read goes through ``selectors`` (a restricted case's page through ``incident_get``, which
audits the read and the attempts of people not named on it); every write through ``services``.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safecampus.core.access import can, require, roles_on, scope_for
from safecampus.core.api import CappedPaginator, count_cap
from safecampus.core.capabilities import INCIDENT_REPORT, INCIDENT_VIEW, JOB_CAPABILITY
from safecampus.core.forms import id_param
from safecampus.core.refusals import Code, http_status, refusal_code, to_form
from safecampus.core.roles import Role
from safecampus.hazards.evidence import serve_evidence
from safecampus.orgs.models import Department, School

from .. import access, restriction, selectors, services, timeliness
from ..choices import (
    RESTRICTED_TYPES,
    SERIOUS,
    DisturbanceMeasure,
    IncidentAction,
    IncidentStatus,
    IncidentType,
    InsuranceResult,
    MediationKind,
    Responsibility,
    Severity,
    StepKind,
    SyncItem,
)
from ..forms import (
    MEDIATION_OUTCOMES,
    IncidentActionForm,
    IncidentFilterForm,
    IncidentReportForm,
)
from ..lifecycle import INCIDENTS
from ..models import ClusterAlert, Incident, IncidentEvidence

PAGE_SIZE = 25
#: the school and department filters are drop-downs up to this many choices
SELECT_LIMIT = 300
#: the most people offered when naming someone on a restricted case
PEOPLE_LIMIT = 500
#: the steps that have a Word document (built in ``views.documents``)
DOCUMENT_KINDS = (StepKind.INITIAL, StepKind.FOLLOW_UP, StepKind.FINAL)
SEVERITY_BADGE = {
    Severity.GENERAL: "text-bg-secondary",
    Severity.LARGER: "text-bg-warning",
    Severity.MAJOR: "text-bg-danger",
    Severity.EXTRAORDINARY: "text-bg-dark",
}


def _require_view(user) -> None:
    require(user, INCIDENT_VIEW, _("Your roles do not allow this."))


def first_report_lateness(incident) -> int:
    """How many minutes late the first report was (0 when on time): the later of the verbal
    report (the call, or the report filed here if earlier) and the written report."""
    return timeliness.first_minutes_late(incident)


# --- the list ------------------------------------------------------------------------------------


def _dress(request, form: IncidentFilterForm) -> None:
    user = request.user
    fields = form.fields
    schools = list(
        School.objects.visible_to(user)
        .order_by("name")
        .values_list("pk", "name")[: SELECT_LIMIT + 1]
    )
    if 1 < len(schools) <= SELECT_LIMIT:
        fields["school"].widget = forms.Select(choices=[("", _("All")), *schools])
    else:
        fields["school"].widget = forms.HiddenInput()
    depts = list(
        Department.objects.visible_to(user)
        .order_by("name")
        .values_list("pk", "name")[: SELECT_LIMIT + 1]
    )
    if 1 < len(depts) <= SELECT_LIMIT:
        fields["department"].widget = forms.Select(choices=[("", _("All")), *depts])
    else:
        fields["department"].widget = forms.HiddenInput()
    for field in fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")


@login_required
@require_GET
def incident_list(request):
    """The incidents the user sees (restricted ones only where named), newest first."""
    _require_view(request.user)
    now = timezone.now()
    form = IncidentFilterForm(request.GET or None)
    qs = selectors.incidents(request.user, form.filters())
    _dress(request, form)
    page = CappedPaginator(qs, PAGE_SIZE, cap=count_cap(request.GET)).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    missed = (
        selectors.missed_follow_ups(
            Incident.objects.visible_to(request.user).filter(pk__in=[r.pk for r in rows]),
            now=now,
        )
        if rows
        else {}
    )
    for r in rows:
        r.report_minutes = timeliness.minutes_between(r.known_at, r.reported_at)
        r.late_minutes = first_report_lateness(r) if r.first_late else 0
        r.missed = missed.get(r.pk, 0)
        r.severity_badge = SEVERITY_BADGE.get(r.severity, "text-bg-secondary")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/incident_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "filtered": any(v for k, v in query.items()),
            "can_report": can(request.user, INCIDENT_REPORT),
            "can_export": can(request.user, JOB_CAPABILITY["incidents.export"]),
        },
    )


# --- the first report ----------------------------------------------------------------------------


def _report_schools(user) -> list[tuple[int, str]]:
    q = access.report_schools_q(scope_for(user))
    if q is None:
        return []
    return list(School.objects.filter(q).order_by("name").values_list("pk", "name"))


def limits_line(limits) -> str:
    """The limits of a type and grade in one short line, such as "口头30分钟、书面60分钟内"."""
    parts = []
    if limits.verbal_minutes is not None:
        parts.append(_("verbal within %(n)s min") % {"n": limits.verbal_minutes})
    if limits.written_minutes is not None:
        parts.append(_("written within %(n)s min") % {"n": limits.written_minutes})
    if limits.daily_follow_up_by:
        parts.append(_("a follow-up every day by %(t)s") % {"t": limits.daily_follow_up_by})
    if limits.final_within_days is not None:
        parts.append(_("closing report within %(n)s days") % {"n": limits.final_within_days})
    return "；".join(parts) if parts else _("No reporting limit is set.")


def _limit_map(bureau_id: int | None) -> dict[str, str]:
    """ "type|grade" → the limits line, for the form's hint (one read of the bureau's limits)."""
    if bureau_id is None:
        return {}
    from .. import timeliness

    rows = services.limit_rows(bureau_id)
    return {
        f"{t}|{s}": limits_line(timeliness.resolve(rows, t, s))
        for t in IncidentType.values
        for s in Severity.values
    }


def _cluster_initial(request, schools) -> dict:
    pk = id_param(request.GET.get("cluster"))
    if pk is None:
        return {}
    alert = (
        ClusterAlert.objects.visible_to(request.user)
        .filter(pk=pk, incident__isnull=True, school_id__in=[s for s, _n in schools])
        .first()
    )
    if alert is None:
        return {}
    return {
        "cluster": alert.pk,
        "school": alert.school_id,
        "incident_type": IncidentType.INFECTIOUS,
        "title": _("Cluster of illness in %(class)s") % {"class": alert.class_name},
        "affected_students": alert.cases,
    }


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request):
    """The first report of an incident, made on a phone. A refusal shows the form again with
    the reasons (400); nothing is saved."""
    _require_view(request.user)
    require(request.user, INCIDENT_REPORT, _("Your roles do not allow reporting incidents."))
    schools = _report_schools(request.user)
    if not schools:
        raise PermissionDenied(_("Your roles do not allow reporting incidents."))
    bureau_id = School.objects.filter(pk=schools[0][0]).values_list("bureau_id", flat=True).first()
    may_restrict = bool(access.manage_bureaus(scope_for(request.user)))
    initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    initial.update(_cluster_initial(request, schools))
    form = IncidentReportForm(
        request.POST or None,
        request.FILES or None,
        schools=schools,
        may_restrict=may_restrict,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                incident = services.incident_report(
                    actor=request.user,
                    data=form.data_for_service(),
                    files=form.cleaned_data.get("files") or (),
                )
            except ValidationError as exc:
                status = http_status(refusal_code(exc))
                to_form(form, exc)
            else:
                if incident.first_late:
                    messages.warning(
                        request,
                        _("Incident reported. The first report was late by %(n)s minutes.")
                        % {"n": first_report_lateness(incident)},
                    )
                else:
                    messages.success(request, _("Incident reported. The first report was on time."))
                return redirect(incident)
    limit_map = _limit_map(bureau_id)
    chosen = (
        f"{form['incident_type'].value() or IncidentType.values[0]}|"
        f"{form['severity'].value() or Severity.values[0]}"
    )
    return render(
        request,
        "incidents/incident_form.html",
        {
            "form": form,
            "limit_map": limit_map,
            "limits_now": limit_map.get(chosen, ""),
            "restricted_types": sorted(RESTRICTED_TYPES),
            "cluster": initial.get("cluster"),
        },
        status=status,
    )


# --- one incident --------------------------------------------------------------------------------


def _labels(choices, value) -> str:
    return str(dict(choices.choices).get(value, value or ""))


def _events(events) -> list:
    """The events, each with its statuses, role and data in words (never the stored codes)."""
    statuses = dict(IncidentStatus.choices)
    roles = dict(Role.choices)
    for e in events:
        e.from_label = statuses.get(e.from_status, e.from_status)
        e.to_label = statuses.get(e.to_status, e.to_status)
        e.role_label = roles.get(e.actor_role, "")
        data = e.data or {}
        value = data.get("value")
        if isinstance(value, list):  # [before, after]
            value = value[-1]
        e.detail = ""
        if e.action == IncidentAction.SYNC:
            e.detail = _labels(SyncItem, data.get("item"))
        elif e.action == IncidentAction.RESPONSIBILITY:
            e.detail = _labels(Responsibility, value)
        elif e.action == IncidentAction.INSURANCE:
            e.detail = _labels(InsuranceResult, value)
        elif e.action == IncidentAction.MEDIATION:
            outcome = dict(MEDIATION_OUTCOMES).get(value, value or "")
            e.detail = f"{_labels(MediationKind, data.get('kind'))} · {outcome}"
        elif e.action == IncidentAction.DISTURBANCE:
            e.detail = _labels(DisturbanceMeasure, value)
        e.amount = data.get("amount")
    return events


def _people_on(ids) -> dict:
    User = get_user_model()
    ids = {int(i) for i in ids if i}
    if not ids:
        return {}
    return {u.pk: u for u in User.objects.filter(pk__in=ids)}


def _eligible_people(incident, named_ids) -> list[tuple[int, str]]:
    """The people who may be named on ``incident`` (active, with a role in its bureau), not yet
    named; for the centre's select."""
    from safecampus.accounts.models import RoleAssignment

    b = incident.bureau_id
    candidates = (
        RoleAssignment.objects.active()
        .filter(Q(bureau_id=b) | Q(school__bureau_id=b) | Q(department__bureau_id=b))
        .exclude(user_id__in=named_ids)
        .values_list("user_id", flat=True)
        .distinct()[: PEOPLE_LIMIT * 2]
    )
    ids = restriction.eligible_users(b, list(candidates))[:PEOPLE_LIMIT]
    people = _people_on(ids)
    return sorted(((u.pk, u.display_name) for u in people.values()), key=lambda p: (p[1], p[0]))


def _action_forms(request, incident, roles, named, bound=None) -> list[IncidentActionForm]:
    allowed = INCIDENTS.allowed(incident, roles)
    out = []
    for action in allowed:
        if action == IncidentAction.SYNC and not incident.is_serious:
            continue
        if bound is not None and bound.action == action:
            out.append(bound)
            continue
        people = ()
        if action == IncidentAction.GRANT:
            people = _eligible_people(incident, [a.user_id for a in named])
        elif action == IncidentAction.REVOKE:
            people = [(a.user_id, a.user.display_name) for a in named]
        out.append(IncidentActionForm(action=action, incident=incident, people=people))
    return out


def _sync_rows(incident) -> list[dict]:
    ticked = incident.sync or {}
    people = _people_on(v.get("by") for v in ticked.values())
    rows = []
    for value, label in SyncItem.choices:
        entry = ticked.get(value)
        at = None
        if entry and entry.get("at"):
            at = datetime.datetime.fromisoformat(entry["at"])
        by = people.get(entry.get("by")) if entry else None
        rows.append({"item": value, "label": label, "done": bool(entry), "at": at, "by": by})
    return rows


def _detail(request, incident, *, bound=None, status: int = 200):
    now = timezone.now()
    parts = selectors.timeline(incident)
    steps = parts["steps"]
    role_names = dict(Role.choices)
    for s in steps:
        s.role_label = role_names.get(s.actor_role, "")
    events = _events(parts["events"])
    roles = roles_on(request.user, incident)
    summary = selectors.timeliness_of(incident, steps, now=now)
    kinds = {s.kind for s in steps}
    handling = {
        a: [e for e in events if e.action == a]
        for a in (
            IncidentAction.RESPONSIBILITY,
            IncidentAction.INSURANCE,
            IncidentAction.MEDIATION,
            IncidentAction.DISTURBANCE,
        )
    }
    action_forms = _action_forms(request, incident, roles, parts["named"], bound)
    verbal_step = next((s for s in steps if s.kind == StepKind.VERBAL), None)
    first_verbal = min(t for t in (incident.verbal_at, incident.reported_at) if t is not None)
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "severity_badge": SEVERITY_BADGE.get(incident.severity, "text-bg-secondary"),
            "steps": steps,
            "events": events,
            "evidence": parts["evidence"],
            "named": parts["named"],
            "summary": summary,
            "verbal_step": verbal_step,
            "first_verbal": first_verbal,
            "verbal_late_minutes": timeliness.minutes_late(first_verbal, summary.first.verbal_due),
            "written_late_minutes": timeliness.minutes_late(
                incident.reported_at, summary.first.written_due
            ),
            "report_minutes": timeliness.minutes_between(incident.known_at, incident.reported_at),
            "serious": incident.severity in SERIOUS,
            "sync_rows": _sync_rows(incident) if incident.severity in SERIOUS else [],
            "handling": handling,
            "has_handling": any(handling.values()),
            "documents": [(k, StepKind(k).label) for k in DOCUMENT_KINDS if k in kinds],
            "action_forms": action_forms,
            "open_action": bound.action if bound is not None else "",
            "may_name": any(f.action == IncidentAction.GRANT for f in action_forms),
        },
        status=status,
    )


@login_required
@require_GET
def incident_detail(request, pk: int):
    _require_view(request.user)
    return _detail(request, selectors.incident_get(request.user, pk))


@login_required
@require_POST
def incident_act(request, pk: int, action: str):
    """Take one action on an incident. A refusal shows the page again with the person's input
    kept and the reason in words (409 stale or impossible now, 403 not allowed, 400 bad input)."""
    _require_view(request.user)
    incident = selectors.incident_get(request.user, pk)
    if action not in INCIDENTS.actions() or action == IncidentAction.REPORT:
        raise Http404
    named = selectors.timeline(incident)["named"] if incident.restricted else []
    people = ()
    if action == IncidentAction.GRANT:
        people = _eligible_people(incident, [a.user_id for a in named])
    elif action == IncidentAction.REVOKE:
        people = [(a.user_id, a.user.display_name) for a in named]
    form = IncidentActionForm(
        request.POST, request.FILES, action=action, incident=incident, people=people
    )
    status = 400
    if form.is_valid():
        try:
            services.incident_act(
                actor=request.user,
                incident_id=incident.pk,
                action=action,
                data=form.data_for_service(),
                files=form.cleaned_data.get("files") or (),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            status = http_status(refusal_code(exc))
            if refusal_code(exc) == Code.STALE:
                incident = selectors.incident_get(request.user, pk)
                data = request.POST.copy()
                data[form.add_prefix("version")] = str(incident.version)
                form = IncidentActionForm(data, action=action, incident=incident, people=people)
                form.is_valid()
                form.add_error(None, exc.messages)
            else:
                to_form(form, exc)
        else:
            if not Incident.objects.visible_to(request.user).filter(pk=incident.pk).exists():
                # the reader removed themself from a restricted case: it is no longer theirs
                messages.success(request, _("You are no longer named on this restricted case."))
                return redirect("incidents:incident_list")
            messages.success(request, _("%(action)s: done.") % {"action": form.label})
            return redirect("incidents:incident_detail", pk=incident.pk)
    if status in (403, 409) and form.non_field_errors():
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    return _detail(request, incident, bound=form, status=status)


@login_required
@require_GET
def incident_evidence(request, pk: int, evidence_pk: int):
    """A photo or document of an incident (``?thumb=1``: its thumbnail), after the incident's
    own read (audited for a restricted case)."""
    _require_view(request.user)
    incident = selectors.incident_get(request.user, pk, what="file")
    ev = IncidentEvidence.objects.filter(incident=incident, pk=evidence_pk).first()
    if ev is None:
        raise Http404
    if request.GET.get("thumb"):
        if not ev.thumbnail:
            raise Http404
        return serve_evidence(ev, thumbnail=True)
    return serve_evidence(ev)


urlpatterns: list = [
    path("", incident_list, name="incident_list"),
    path("new/", incident_new, name="incident_new"),
    path("<int:pk>/", incident_detail, name="incident_detail"),
    path("<int:pk>/act/<str:action>/", incident_act, name="incident_act"),
    path("<int:pk>/files/<int:evidence_pk>/", incident_evidence, name="incident_evidence"),
]
