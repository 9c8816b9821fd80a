"""Pages of the student safety zone: cases (a venue inside a school's zone, tracked to
rectification): the list with its filters and export, a case with its finding, timeline,
evidence and the forms of the actions the person may take now."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safecampus.core.access import VIEW, get_for, require, roles_on, scope_for
from safecampus.core.api import CappedPaginator, count_cap
from safecampus.core.capabilities import JOB_CAPABILITY, ZONE_VIEW
from safecampus.core.refusals import Code, http_status, refusal_code, to_form
from safecampus.core.roles import Role
from safecampus.hazards.evidence import serve_evidence
from safecampus.orgs.models import Department, School

from .. import access, exports, selectors, services
from ..choices import CaseStatus, HitLine
from ..forms_cases import CaseActionForm, CaseFilterForm
from ..lifecycle import CASES
from ..models import ZoneCase, ZoneHit, ZoneRule

PAGE_SIZE = 50
#: the school and department filters are drop-downs up to this many choices
SELECT_LIMIT = 300
#: the actions a person takes (the check's own moves are not posted)
MANUAL_ACTIONS = frozenset(m.action for m in CASES.moves if not m.internal)


def _require_view(user) -> None:
    require(user, ZONE_VIEW, _("Your roles do not allow this."))


def _dress(request, form: CaseFilterForm) -> None:
    user = request.user
    fields = form.fields
    schools = list(
        School.objects.visible_to(user)
        .order_by("name")
        .values_list("pk", "name")[: SELECT_LIMIT + 1]
    )
    if 1 < len(schools) <= SELECT_LIMIT:
        fields["school"].widget = forms.Select(choices=[("", _("All"))] + schools)
    else:
        fields["school"].widget = forms.HiddenInput()
    depts = list(
        Department.objects.visible_to(user)
        .order_by("name")
        .values_list("pk", "name")[: SELECT_LIMIT + 1]
    )
    if 1 < len(depts) <= SELECT_LIMIT:
        fields["department"].widget = forms.Select(choices=[("", _("All"))] + depts)
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
def case_list(request):
    """The cases in the user's scope, newest first, with the list's filters."""
    _require_view(request.user)
    form = CaseFilterForm(request.GET or None)
    filters = form.filters()
    today = timezone.localdate()
    qs = selectors.cases(request.user, filters, today=today)
    _dress(request, form)
    page = CappedPaginator(qs, PAGE_SIZE, cap=count_cap(request.GET)).get_page(
        request.GET.get("page")
    )
    for case in page.object_list:
        case.overdue = case.is_overdue(today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "zones/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_export": _can_export(request.user),
        },
    )


def _can_export(user) -> bool:
    from safecampus.core.access import can

    return can(user, JOB_CAPABILITY["zones.case_export"])


@login_required
@require_POST
def case_export(request):
    """The cases as filtered, to an Excel 清单, written by a job the page then follows."""
    return redirect(exports.start_export(request.user, request.POST))


def _action_forms(request, case, bound: CaseActionForm | None = None) -> list[CaseActionForm]:
    allowed = CASES.allowed(case, roles_on(request.user, case))
    out = []
    for action in allowed:
        if bound is not None and bound.action == action:
            out.append(bound)
        else:
            out.append(CaseActionForm(action=action, case=case))
    return out


def _events(case) -> list:
    """The case's events, each with its statuses and role as labels (never the stored codes)."""
    statuses = dict(CaseStatus.choices)
    roles = dict(Role.choices)
    events = list(case.events.select_related("actor").order_by("at", "pk"))
    for e in events:
        e.from_label = statuses.get(e.from_status, e.from_status)
        e.to_label = statuses.get(e.to_status, e.to_status)
        e.role_label = roles.get(e.actor_role, "")
    return events


def _school_url(user, case) -> str:
    """The school's zone page when ``user`` may read that school's geometry, else ''."""
    scope = scope_for(user)
    q = None if scope.is_empty else access.school_geometry_q(scope, VIEW)
    if q is None or not School.objects.filter(q, pk=case.school_id).exists():
        return ""
    return reverse("zones:geometry_detail", kwargs={"school_pk": case.school_id})


def _detail(request, case, *, bound=None, status: int = 200):
    rules = list(ZoneRule.objects.for_bureau(case.bureau).filter(code__in=case.rule_codes or []))
    return render(
        request,
        "zones/case_detail.html",
        {
            "case": case,
            "overdue": case.is_overdue(timezone.localdate()),
            "rules": rules,
            # a rule measured from the boundary of a school without one: said on the page
            "gates_instead": ZoneHit.objects.filter(
                venue_id=case.venue_id, school_id=case.school_id, line=HitLine.GATES_INSTEAD
            ).exists(),
            "partners": case.partners.order_by("name"),
            "events": _events(case),
            "school_url": _school_url(request.user, case),
            "evidence": case.evidence.order_by("uploaded_at", "pk"),
            "action_forms": _action_forms(request, case, bound),
            "open_action": bound.action if bound is not None else "",
        },
        status=status,
    )


def _case(request, pk: int) -> ZoneCase:
    return get_for(
        request.user, ZoneCase.objects.select_related("venue", "school", "department"), pk
    )


@login_required
@require_GET
def case_detail(request, pk: int):
    _require_view(request.user)
    return _detail(request, _case(request, pk))


@login_required
@require_POST
def case_act(request, pk: int, action: str):
    """Take one action on a case. A refusal shows the page again with the person's input kept
    and the reason in words (409 stale or impossible now, 403 not allowed, 400 bad input)."""
    _require_view(request.user)
    case = _case(request, pk)
    if action not in MANUAL_ACTIONS:
        raise Http404
    form = CaseActionForm(request.POST, request.FILES, action=action, case=case)
    status = 400
    if form.is_valid():
        try:
            services.act_on_case(
                actor=request.user,
                case_id=case.pk,
                action=action,
                data=form.data_for_service(),
                files=form.cleaned_data.get("files") or (),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            status = http_status(refusal_code(exc))
            if refusal_code(exc) == Code.STALE:
                case = _case(request, pk)
                data = request.POST.copy()
                data[form.add_prefix("version")] = str(case.version)
                form = CaseActionForm(data, action=action, case=case)
                form.is_valid()
                form.add_error(None, exc.messages)
            else:
                to_form(form, exc)
        else:
            messages.success(request, _("%(action)s: done.") % {"action": form.label})
            return redirect("zones:case_detail", pk=case.pk)
    if status in (403, 409) and form.non_field_errors():
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    return _detail(request, case, bound=form, status=status)


@login_required
@require_GET
def case_evidence(request, pk: int, evidence_pk: int):
    """A photo or document of a case (``?thumb=1``: its thumbnail), only within the scope."""
    ev = selectors.case_evidence(request.user, pk, evidence_pk)
    if request.GET.get("thumb"):
        if not ev.thumbnail:
            raise Http404
        return serve_evidence(ev, thumbnail=True)
    return serve_evidence(ev)


def case_url(case) -> str:
    return reverse("zones:case_detail", args=[case.pk])


urlpatterns: list = [
    path("cases/", case_list, name="case_list"),
    path("cases/export/", case_export, name="case_export"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/act/<str:action>/", case_act, name="case_act"),
    path("cases/<int:pk>/evidence/<int:evidence_pk>/", case_evidence, name="case_evidence"),
]
