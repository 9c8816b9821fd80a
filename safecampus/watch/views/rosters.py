"""Pages of the duty watch: one roster (shifts by day, the leader highlighted; add, change and
remove shifts while it is a draft; publish; revise; swap on a published roster; its history),
its Excel export and its Excel import (a background job, ``imports.roster_import_job``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.core.access import EDIT, VIEW, get_for, require, roles_on
from safecampus.core.capabilities import WATCH_SCHOOL_EDIT, WATCH_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.jobs import job_start
from safecampus.core.refusals import to_form

from .. import exports, imports, selectors, services
from ..choices import Post, RosterAction, RosterStatus
from ..forms import ImportForm, ShiftForm, SwapForm
from ..lifecycle import ROSTERS
from ..models import Roster, Shift
from .common import flash_refusal

_ROSTER = Roster.objects.select_related("period", "school", "bureau", "published_by")


def _roster(request, pk, action: str = VIEW):
    """The roster for a page: 404 outside the user's scope, 403 when it may only be read."""
    require(request.user, WATCH_VIEW if action == VIEW else WATCH_SCHOOL_EDIT)
    return get_for(request.user, _ROSTER, pk, action)


@login_required
def roster_detail(request, pk: int):
    roster = _roster(request, pk)
    now = timezone.now()
    roles = roles_on(request.user, roster)
    allowed = ROSTERS.allowed(roster, roles)
    shifts = list(roster.shifts.select_related("person").order_by("starts_at", "pk"))
    for s in shifts:
        s.state = services.shift_state(s, now) if roster.status == RosterStatus.PUBLISHED else ""
        s.may_swap = RosterAction.SWAP in allowed and s.ends_at > now and s.checked_in_at is None
    leaders = [s for s in shifts if s.post == Post.LEADER]
    events = list(roster.events.select_related("actor").order_by("-at", "-pk")[:50])
    return render(
        request,
        "watch/roster_detail.html",
        {
            "roster": roster,
            "days": selectors.shifts_by_day(roster, shifts),
            "shift_count": len(shifts),
            "may_edit": RosterAction.ADD_SHIFT in allowed,
            "may_publish": RosterAction.PUBLISH in allowed,
            "may_revise": RosterAction.REVISE in allowed,
            "uncovered": services.uncovered_days(roster, leaders, now=now)
            if roster.status == RosterStatus.DRAFT
            else [],
            "under_way": services.under_way(roster.period, now),
            "events": events,
            "day_text": services.day_text,
        },
    )


def _edit_context(request, roster, form, shift=None, status=200):
    return render(
        request,
        "watch/shift_form.html",
        {"roster": roster, "form": form, "shift": shift},
        status=400 if form.errors else status,
    )


@login_required
def shift_create(request, pk: int):
    roster = _roster(request, pk, EDIT)
    people = services.eligible_people(roster)
    form = ShiftForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_add(actor=request.user, roster=roster, data=form.cleaned_data)
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("The shift was added."))
            if "another" in request.POST:
                return redirect("watch:shift_create", pk=roster.pk)
            return redirect(roster)
    return _edit_context(request, roster, form)


def _shift(request, roster, shift_pk):
    return get_for(
        request.user, Shift.objects.filter(roster=roster).select_related("person"), shift_pk
    )


@login_required
def shift_edit(request, pk: int, shift_pk: int):
    roster = _roster(request, pk, EDIT)
    shift = _shift(request, roster, shift_pk)
    shift.roster = roster
    initial = {
        "post": shift.post,
        "starts_at": timezone.localtime(shift.starts_at),
        "ends_at": timezone.localtime(shift.ends_at),
        "person": shift.person_id,
        "person_name": shift.person_name,
        "phone": shift.phone,
    }
    form = ShiftForm(request.POST or None, initial=initial, people=services.eligible_people(roster))
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_change(actor=request.user, shift=shift, data=form.cleaned_data)
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("The shift was changed."))
            return redirect(roster)
    return _edit_context(request, roster, form, shift)


@login_required
@require_POST
def shift_delete(request, pk: int, shift_pk: int):
    roster = _roster(request, pk, EDIT)
    shift = _shift(request, roster, shift_pk)
    shift.roster = roster
    try:
        services.shift_remove(actor=request.user, shift=shift)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("The shift was removed."))
    return redirect(roster)


@login_required
def shift_swap(request, pk: int, shift_pk: int):
    roster = _roster(request, pk, EDIT)
    shift = _shift(request, roster, shift_pk)
    shift.roster = roster
    form = SwapForm(request.POST or None, people=services.eligible_people(roster))
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_swap(actor=request.user, shift=shift, data=form.cleaned_data)
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("The swap was recorded."))
            return redirect(roster)
    return render(
        request,
        "watch/shift_swap.html",
        {"roster": roster, "shift": shift, "form": form},
        status=400 if form.errors else 200,
    )


def _move(service, done_message):
    @login_required
    @require_POST
    def view(request, pk: int):
        roster = _roster(request, pk, EDIT)
        try:
            service(actor=request.user, roster=roster)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, done_message())
        return redirect(roster)

    return view


roster_publish = _move(services.roster_publish, lambda: _("The roster was published."))
roster_revise = _move(
    services.roster_revise, lambda: _("The roster is a draft again; publish it when it is ready.")
)


@login_required
def roster_export(request, pk: int):
    workbook, name = exports.roster_export(request.user, pk)
    return FileResponse(workbook, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


@login_required
def roster_template(request, pk: int):
    roster = _roster(request, pk)
    return FileResponse(
        imports.template_bytes(request.user, roster),
        as_attachment=True,
        filename=imports.template_name(roster),
        content_type=XLSX_CONTENT_TYPE,
    )


@login_required
def roster_import(request, pk: int):
    roster = _roster(request, pk, EDIT)
    if roster.status != RosterStatus.DRAFT:
        messages.error(request, _("Only a draft roster takes imported shifts; revise it first."))
        return redirect(roster)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = job_start(
            kind=imports.JOB_KIND,
            title=_("Import of shifts into %(roster)s: %(name)s")
            % {"roster": roster.title, "name": upload.name},
            user=request.user,
            params={"roster": roster.pk, "name": upload.name},
            input_file=upload,
        )
        return redirect(job)
    return render(
        request,
        "watch/roster_import.html",
        {
            "roster": roster,
            "form": form,
            "template_url": reverse("watch:roster_template", args=[roster.pk]),
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("rosters/<int:pk>/", roster_detail, name="roster_detail"),
    path("rosters/<int:pk>/shifts/new/", shift_create, name="shift_create"),
    path("rosters/<int:pk>/shifts/<int:shift_pk>/edit/", shift_edit, name="shift_edit"),
    path("rosters/<int:pk>/shifts/<int:shift_pk>/delete/", shift_delete, name="shift_delete"),
    path("rosters/<int:pk>/shifts/<int:shift_pk>/swap/", shift_swap, name="shift_swap"),
    path("rosters/<int:pk>/publish/", roster_publish, name="roster_publish"),
    path("rosters/<int:pk>/revise/", roster_revise, name="roster_revise"),
    path("rosters/<int:pk>/export/", roster_export, name="roster_export"),
    path("rosters/<int:pk>/template/", roster_template, name="roster_template"),
    path("rosters/<int:pk>/import/", roster_import, name="roster_import"),
]
