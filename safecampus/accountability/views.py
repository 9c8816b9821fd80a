"""Consultation and accountability pages: lists, creating, the detail pages with their timeline,
follow-ups and closing, and applying a consultation's decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import can, get_for, require, roles_on, scope_for
from safecampus.core.capabilities import (
    ACCOUNTABILITY_MANAGE,
    CONSULTATION_MANAGE,
    CONSULTATION_VIEW,
    SUPERVISION_VIEW,
)
from safecampus.core.refusals import to_form
from safecampus.hazards.models import Hazard
from safecampus.orgs.models import Department

from . import access, services
from .forms import (
    ConsultationForm,
    ItemDecisionForm,
    RecordFilterForm,
    RecordForm,
    RecordStepForm,
)
from .lifecycle import CONSULTATIONS, RECORDS
from .models import (
    AccountabilityRecord,
    Consultation,
    ConsultationItem,
    ConsultationStatus,
)

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
    records = AccountabilityRecord.objects.visible_to(request.user).select_related(
        "school", "department"
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            records = records.filter(kind=data["kind"])
        if data["status"]:
            records = records.filter(status=data["status"])
        if data["school"]:
            records = records.filter(school=data["school"])
        if data["department"]:
            records = records.filter(department=data["department"])
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
            org = data["school"] or data["department"]
            try:
                record = services.record_open(
                    actor=request.user,
                    bureau_id=org.bureau_id if org is not None else min(bureau_ids),
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
            "hazards": Hazard.objects.visible_to(request.user)
            .filter(pk__in=record.hazards.values("pk"))
            .select_related("school")
            .order_by("code"),
            "step_form": step_form,
            "can_act": bool(RECORDS.allowed(record, roles_on(request.user, record))),
        },
        status=status,
    )


@login_required
def record_detail(request, pk: int):
    require(request.user, SUPERVISION_VIEW)
    record = get_for(
        request.user,
        AccountabilityRecord.objects.select_related(
            "school", "department", "opened_by", "weekly_report__department", "bureau"
        ),
        pk,
    )
    return _record_page(request, record, RecordStepForm())


@login_required
@require_POST
def record_step(request, pk: int):
    require(request.user, ACCOUNTABILITY_MANAGE)
    record = get_for(request.user, AccountabilityRecord, pk)
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
    consultations = (
        Consultation.objects.visible_to(request.user)
        .select_related("campaign")
        .annotate(
            n_items=Count(
                "items", filter=Q(items__hazard__in=Hazard.objects.visible_to(request.user))
            )
        )
        .order_by("-held_on", "-id")
    )
    status = request.GET.get("status", "")
    if status in ConsultationStatus.values:
        consultations = consultations.filter(status=status)
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


def _candidates(user, bureau_ids):
    """Hazards of the user's bureaus to discuss, not already on a planned consultation."""
    planned = ConsultationItem.objects.filter(
        consultation__status=ConsultationStatus.PLANNED
    ).values("hazard_id")
    return (
        Hazard.objects.visible_to(user)
        .filter(services.consultation_candidates_q(), bureau_id__in=bureau_ids)
        .exclude(pk__in=planned)
        .select_related("school", "responsible_department")
        .order_by("code", "id")
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request):
    require(request.user, CONSULTATION_MANAGE)
    bureau_ids = access.consultation_bureaus(scope_for(request.user))
    candidates = _candidates(request.user, bureau_ids)
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
    consultation = get_for(
        request.user,
        Consultation.objects.select_related("campaign", "created_by", "decided_by"),
        pk,
    )
    can_apply = access.APPLY in CONSULTATIONS.allowed(
        consultation, roles_on(request.user, consultation)
    )
    # a department officer reads only the items on hazards it may see
    items = list(
        consultation.items.filter(
            hazard__in=Hazard.objects.visible_to(request.user)
        ).select_related("hazard__school", "hazard__responsible_department", "department")
    )
    if request.method == "POST" and not can_apply:
        raise PermissionDenied(_("The decisions cannot be applied here."))
    departments = list(
        Department.objects.visible_to(request.user).filter(bureau_id=consultation.bureau_id)
    )
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
