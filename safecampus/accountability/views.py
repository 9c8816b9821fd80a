"""Consultation and accountability pages: lists, creating, the detail pages with their timeline,
follow-ups and closing, and applying a consultation's decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import can, require, roles_on, scope_for
from safecampus.core.capabilities import (
    ACCOUNTABILITY_MANAGE,
    CONSULTATION_MANAGE,
    CONSULTATION_VIEW,
    SUPERVISION_VIEW,
)
from safecampus.core.refusals import to_form

from . import access, selectors, services
from .forms import (
    ConsultationForm,
    ItemDecisionForm,
    RecordFilterForm,
    RecordForm,
    RecordStepForm,
)
from .lifecycle import CONSULTATIONS, RECORDS
from .models import ConsultationStatus

PAGE_SIZE = 50
#: consultations concern the bureau and its departments, not the schools
#: at most this many candidate hazards are offered on the new-consultation page
CANDIDATE_LIMIT = 300


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- accountability records ---------------------------------------------------------------------


@login_required
def record_list(request):
    require(request.user, SUPERVISION_VIEW)
    form = RecordFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    records = selectors.record_list(user=request.user, **filters)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accountability/record_list.html",
        {
            "form": form,
            "page": page,
            "query": _query(request),
            "can_manage": can(request.user, ACCOUNTABILITY_MANAGE),
            "show_consultations": can(request.user, CONSULTATION_VIEW),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request):
    require(request.user, ACCOUNTABILITY_MANAGE)
    bureau_ids = access.manage_bureaus(scope_for(request.user))
    form = RecordForm(request.POST or None, user=request.user, bureau_ids=bureau_ids)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.record_open(
                    actor=request.user,
                    bureau_id=services.record_bureau(
                        school=data["school"], department=data["department"], bureau_ids=bureau_ids
                    ),
                    kind=data["kind"],
                    basis=data["basis"],
                    reason=data["reason"],
                    school=data["school"],
                    department=data["department"],
                    hazards=data["hazard_codes"],
                    weekly_report=data["weekly_report"],
                    deadline=data["deadline"],
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("Accountability record opened."))
                return redirect(record)
    return render(request, "accountability/record_form.html", {"form": form}, status=status)


def _record_page(request, record, step_form, *, status=200):
    events = record.events.select_related("actor")
    return render(
        request,
        "accountability/record_detail.html",
        {
            "record": record,
            "events": events,
            "hazards": selectors.record_hazards(user=request.user, record=record),
            "step_form": step_form,
            "can_act": bool(RECORDS.allowed(record, roles_on(request.user, record))),
        },
        status=status,
    )


@login_required
def record_detail(request, pk: int):
    require(request.user, SUPERVISION_VIEW)
    record = selectors.record_get(user=request.user, pk=pk)
    return _record_page(request, record, RecordStepForm())


@login_required
@require_POST
def record_step(request, pk: int):
    require(request.user, ACCOUNTABILITY_MANAGE)
    record = selectors.record_get(user=request.user, pk=pk)
    form = RecordStepForm(request.POST)
    if form.is_valid():
        step = (
            services.record_close
            if form.cleaned_data["step"] == "close"
            else services.record_follow_up
        )
        try:
            step(actor=request.user, record_id=record.pk, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return redirect(record)
    record.refresh_from_db()
    return _record_page(request, record, form, status=400)


# --- consultations ------------------------------------------------------------------------------


@login_required
def consultation_list(request):
    require(request.user, CONSULTATION_VIEW)
    status = request.GET.get("status", "")
    consultations = selectors.consultation_list(
        user=request.user, status=status if status in ConsultationStatus.values else ""
    )
    page = Paginator(consultations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accountability/consultation_list.html",
        {
            "page": page,
            "query": _query(request),
            "status": status,
            "statuses": ConsultationStatus.choices,
            "can_manage": can(request.user, CONSULTATION_MANAGE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request):
    require(request.user, CONSULTATION_MANAGE)
    bureau_ids = access.consultation_bureaus(scope_for(request.user))
    candidates = selectors.consultation_candidates(user=request.user, bureau_ids=bureau_ids)
    form = ConsultationForm(
        request.POST or None,
        user=request.user,
        candidates=candidates,
        bureau_ids=bureau_ids,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            hazards = data.pop("hazards")
            try:
                consultation = services.consultation_create(
                    actor=request.user, data=data, hazards=hazards
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("Consultation recorded; enter the decisions."))
                return redirect(consultation)
    shown = list(candidates[:CANDIDATE_LIMIT])
    chosen = {str(v) for v in (form["hazards"].value() or [])}
    return render(
        request,
        "accountability/consultation_form.html",
        {
            "form": form,
            "candidates": [(h, services.item_reason(h), str(h.pk) in chosen) for h in shown],
            "truncated": len(shown) == CANDIDATE_LIMIT,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultation_detail(request, pk: int):
    require(request.user, CONSULTATION_VIEW)
    consultation = selectors.consultation_get(user=request.user, pk=pk)
    can_apply = access.APPLY in CONSULTATIONS.allowed(
        consultation, roles_on(request.user, consultation)
    )
    # a department officer reads only the items on hazards it may see
    items = selectors.consultation_items(user=request.user, consultation=consultation)
    if request.method == "POST" and not can_apply:
        raise PermissionDenied(_("The decisions cannot be applied here."))
    departments = selectors.consultation_departments(user=request.user, consultation=consultation)
    forms_by_item = {}
    if can_apply:
        for item in items:
            forms_by_item[item.pk] = ItemDecisionForm(
                request.POST or None,
                prefix=f"item-{item.pk}",
                departments=departments,
                initial={"deadline": item.hazard.deadline},
            )
    status = 200
    errors: dict[int, list[str]] = {}
    if request.method == "POST":
        status = 400
        if all(f.is_valid() for f in forms_by_item.values()):
            try:
                services.consultation_apply(
                    actor=request.user,
                    consultation_id=consultation.pk,
                    decisions={pk: f.cleaned_data for pk, f in forms_by_item.items()},
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for key, errs in exc.error_dict.items():
                        item_id = int(key.removeprefix("item_")) if key.startswith("item_") else 0
                        errors.setdefault(item_id, []).extend(m for e in errs for m in e.messages)
                else:
                    errors[0] = exc.messages
            else:
                messages.success(request, _("The decisions are applied to the hazards."))
                return redirect(consultation)
    return render(
        request,
        "accountability/consultation_detail.html",
        {
            "consultation": consultation,
            "rows": [(item, forms_by_item.get(item.pk), errors.get(item.pk, [])) for item in items],
            "general_errors": errors.get(0, []),
            "can_apply": can_apply,
        },
        status=status,
    )
