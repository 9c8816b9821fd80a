"""Pages of the dispute register (矛盾纠纷台账): the list with its filters, flagged disputes and
export; registering a dispute; a dispute with its parties, mediation steps, timeline, access list
and the forms of the actions the person may take now."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safecampus.core.access import can, require, roles_on, scope_for
from safecampus.core.api import CappedPaginator, count_cap
from safecampus.core.capabilities import DISPUTE_RECORD, INCIDENT_VIEW, JOB_CAPABILITY
from safecampus.core.refusals import Code, http_status, refusal_code, to_form
from safecampus.core.roles import SCHOOL_ROLES, Role
from safecampus.orgs.models import School

from .. import access, dispute_exports, dispute_selectors, dispute_services
from .. import dispute_labels as L
from ..choices import DisputeAction
from ..forms_disputes import DisputeActionForm, DisputeFilterForm, DisputeForm
from ..lifecycle import DISPUTES
from ..models import Dispute, DisputeAccess, Incident

PAGE_SIZE = 50
SELECT_LIMIT = 300
#: the duty of the monthly screening (duties/defaults.py "内部矛盾纠纷排查")
SCREENING_DUTY = "DISPUTE"
EXPORT_JOB = "incidents.dispute_export"


def _require_view(user) -> None:
    require(user, INCIDENT_VIEW, _("Your roles do not allow this."))


def _report_schools(user):
    q = access.report_schools_q(scope_for(user))
    if q is None:
        return School.objects.none()
    return School.objects.filter(q)


def _dress(request, form: DisputeFilterForm) -> None:
    fields = form.fields
    schools = list(
        School.objects.visible_to(request.user)
        .order_by("name")
        .values_list("pk", "name")[: SELECT_LIMIT + 1]
    )
    if 1 < len(schools) <= SELECT_LIMIT:
        fields["school"].widget = forms.Select(choices=[("", _("All")), *schools])
    else:
        fields["school"].widget = forms.HiddenInput()
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


def _screening(user, today):
    """This month's screening duty of a school user's school(s), with its state, or []."""
    if not can(user, SCHOOL_ROLES):
        return []
    from safecampus.duties.choices import OccurrenceStatus
    from safecampus.duties.models import Occurrence

    rows = list(
        Occurrence.objects.visible_to(user)
        .filter(
            code=SCREENING_DUTY,
            school__isnull=False,
            period_start__lte=today,
            period_end__gte=today,
        )
        .select_related("school")
        .order_by("school__name", "pk")[:5]
    )
    labels = dict(OccurrenceStatus.choices)
    for occ in rows:
        state = occ.effective_status(today)
        occ.state = state
        occ.state_label = labels.get(state, state)
    return rows


@login_required
@require_GET
def dispute_list(request):
    """The disputes in the user's scope, newest first; flagged ones marked with their period."""
    _require_view(request.user)
    form = DisputeFilterForm(request.GET or None)
    today = timezone.localdate()
    qs = dispute_selectors.disputes(request.user, form.filters(), today=today)
    _dress(request, form)
    page = CappedPaginator(qs, PAGE_SIZE, cap=count_cap(request.GET)).get_page(
        request.GET.get("page")
    )
    dispute_selectors.mark_flagged(page.object_list, today)
    for d in page.object_list:
        L.dress(d)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/dispute_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_export": can(request.user, JOB_CAPABILITY[EXPORT_JOB]),
            "can_register": can(request.user, DISPUTE_RECORD),
            "screening": _screening(request.user, today),
        },
    )


@login_required
@require_POST
def dispute_export(request):
    """The disputes as filtered, to an Excel 台账, written by a job the page then follows."""
    return redirect(dispute_exports.start_export(request.user, request.POST))


@login_required
@require_http_methods(["GET", "POST"])
def dispute_new(request):
    """Register a dispute for a school the user may report for."""
    _require_view(request.user)
    require(request.user, DISPUTE_RECORD, _("Your roles do not allow registering disputes."))
    schools = list(_report_schools(request.user).order_by("name").values_list("pk", "name"))
    if not schools:
        raise Http404
    may_restrict = bool(access.manage_bureaus(scope_for(request.user)))
    kwargs = {"schools": schools, "may_restrict": may_restrict}
    status = 200
    if request.method == "POST":
        form = DisputeForm(request.POST, **kwargs)
        status = 400
        if form.is_valid():
            try:
                dispute = dispute_services.dispute_register(
                    actor=request.user, data=form.data_for_service()
                )
            except ValidationError as exc:
                status = http_status(refusal_code(exc))
                _to_dispute_form(form, exc)
            else:
                messages.success(request, _("The dispute is registered."))
                return redirect("incidents:dispute_detail", pk=dispute.pk)
    else:
        form = DisputeForm(
            initial={"found_on": timezone.localdate(), "source": "screening"}, **kwargs
        )
    return render(request, "incidents/dispute_form.html", {"form": form}, status=status)


def _to_dispute_form(form, exc) -> None:
    """A refusal on the registration form: the parties' problems above the party lines."""
    if hasattr(exc, "error_dict") and "parties" in exc.error_dict:
        form.party_errors = exc.message_dict["parties"]
    to_form(form, exc)


def _people(dispute) -> list[tuple[int, str]]:
    """Who may be named on (or removed from) a restricted dispute: the named, and the active
    people holding a role in its bureau, its departments or its school."""
    from django.db.models import Q

    from safecampus.accounts.models import RoleAssignment

    rows = (
        RoleAssignment.objects.active()
        .filter(user__is_active=True)
        .filter(
            Q(bureau_id=dispute.bureau_id)
            | Q(department__bureau_id=dispute.bureau_id)
            | Q(school_id=dispute.school_id)
        )
        .select_related("user")
        .order_by("user__username")[:SELECT_LIMIT]
    )
    seen: dict[int, str] = {}
    for a in rows:
        seen.setdefault(a.user_id, f"{a.user.display_name}（{a.user.username}）")
    return list(seen.items())


def _action_forms(request, dispute, bound=None) -> list[DisputeActionForm]:
    allowed = DISPUTES.allowed(dispute, roles_on(request.user, dispute))
    people = None
    out = []
    for action in allowed:
        if bound is not None and bound.action == action:
            out.append(bound)
            continue
        kwargs = {}
        if action == DisputeAction.GRANT:
            people = people if people is not None else _people(dispute)
            kwargs["people"] = people
        elif action == DisputeAction.REVOKE:
            kwargs["people"] = _named_people(dispute)
        out.append(DisputeActionForm(action=action, dispute=dispute, **kwargs))
    return out


def _named_people(dispute) -> list[tuple[int, str]]:
    return [
        (a.user_id, f"{a.user.display_name}（{a.user.username}）")
        for a in DisputeAccess.objects.filter(dispute=dispute)
        .select_related("user")
        .order_by("granted_at", "pk")
    ]


def _events(events) -> list:
    roles = dict(Role.choices)
    for e in events:
        e.action_label = L.label(L.ACTION, e.action)
        e.from_label = L.label(L.STATUS, e.from_status)
        e.to_label = L.label(L.STATUS, e.to_status)
        e.role_label = roles.get(e.actor_role, "")
        data = e.data or {}
        mediated = e.action == DisputeAction.MEDIATE
        e.kind_label = L.label(L.ROUTE, data.get("kind")) if mediated else ""
        e.value_label = L.label(L.OUTCOME, data.get("value")) if mediated else ""
    return events


def _detail(request, dispute, *, bound=None, status: int = 200):
    tl = dispute_selectors.timeline(dispute)
    _events(tl["events"])
    incident_url = ""
    if dispute.incident_id and (
        Incident.objects.visible_to(request.user).filter(pk=dispute.incident_id).exists()
    ):
        incident_url = dispute.incident.get_absolute_url()
    dispute_selectors.mark_flagged([dispute], timezone.localdate())
    L.dress(dispute)
    return render(
        request,
        "incidents/dispute_detail.html",
        {
            "dispute": dispute,
            "events": tl["events"],
            "mediation": tl["mediation"],
            "named": tl["named"],
            "incident_url": incident_url,
            "action_forms": _action_forms(request, dispute, bound),
            "open_action": bound.action if bound is not None else "",
        },
        status=status,
    )


@login_required
@require_GET
def dispute_detail(request, pk: int):
    _require_view(request.user)
    return _detail(request, dispute_selectors.dispute_get(request.user, pk))


@login_required
@require_POST
def dispute_act(request, pk: int, action: str):
    """Take one action on a dispute. A refusal shows the page again with the input kept and the
    reason in words (409 stale or impossible now, 403 not allowed, 400 bad input)."""
    _require_view(request.user)
    dispute = dispute_selectors.dispute_get(request.user, pk, what="act")
    if action not in DISPUTES.actions():
        raise Http404
    people = _people(dispute) if action == DisputeAction.GRANT else _named_people(dispute)
    form = DisputeActionForm(request.POST, action=action, dispute=dispute, people=people)
    status = 400
    if form.is_valid():
        try:
            dispute_services.dispute_act(
                actor=request.user,
                dispute_id=dispute.pk,
                action=action,
                data=form.data_for_service(),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            status = http_status(refusal_code(exc))
            if refusal_code(exc) == Code.STALE:
                dispute = dispute_selectors.dispute_get(request.user, pk, what="act")
                data = request.POST.copy()
                data[form.add_prefix("version")] = str(dispute.version)
                form = DisputeActionForm(data, action=action, dispute=dispute, people=people)
                form.is_valid()
                form.add_error(None, exc.messages)
            else:
                to_form(form, exc)
        else:
            if not Dispute.objects.visible_to(request.user).filter(pk=dispute.pk).exists():
                # the reader removed themself from a restricted case: it is no longer theirs
                messages.success(request, _("You are no longer named on this restricted case."))
                return redirect("incidents:dispute_list")
            messages.success(request, _("%(action)s: done.") % {"action": form.label})
            return redirect("incidents:dispute_detail", pk=dispute.pk)
    if status in (403, 409) and form.non_field_errors():
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    return _detail(request, dispute, bound=form, status=status)


urlpatterns: list = [
    path("disputes/", dispute_list, name="dispute_list"),
    path("disputes/new/", dispute_new, name="dispute_new"),
    path("disputes/export/", dispute_export, name="dispute_export"),
    path("disputes/<int:pk>/", dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/act/<str:action>/", dispute_act, name="dispute_act"),
]
