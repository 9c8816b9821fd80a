"""Pages of the duty watch on duty: 我的值班 (the user's shifts today and ahead, check-in,
the duty log, handover, check-out; made for a phone), one shift's log, and the missed shifts
(未到岗) of the rosters the user reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.core.access import get_for, require
from safecampus.core.capabilities import WATCH_VIEW
from safecampus.orgs.models import School

from .. import selectors, services
from ..choices import LogKind, RosterStatus
from ..forms import LogForm, MissedFilterForm
from ..models import DutyLogEntry, Shift
from .common import flash_refusal, query_without_page

PAGE_SIZE = 50

_SHIFT = Shift.objects.select_related("roster__period", "roster__school", "roster__bureau")


@login_required
def my_shifts(request):
    """Today's and the coming shifts of the user, each with what may be done now."""
    require(request.user, WATCH_VIEW)
    now = timezone.now()
    today = timezone.localdate(now)
    rows = list(selectors.my_shifts(request.user, now=now)[:30])
    for s in rows:
        s.state = services.shift_state(s, now)
        s.is_today = timezone.localdate(s.starts_at) <= today
    return render(
        request,
        "watch/my_shifts.html",
        {
            "today_rows": [s for s in rows if s.is_today],
            "later_rows": [s for s in rows if not s.is_today],
            "now": now,
        },
    )


def _next_shifts(shift):
    return (
        Shift.objects.filter(roster_id=shift.roster_id, starts_at__gte=shift.starts_at)
        .exclude(pk=shift.pk)
        .order_by("starts_at", "pk")[:10]
    )


@login_required
def shift_detail(request, pk: int):
    """One shift with its duty log and, for the person on it (or the school's officer, the
    centre), the buttons and the form to record."""
    require(request.user, WATCH_VIEW)
    shift = get_for(request.user, _SHIFT, pk)
    now = timezone.now()
    may, on_behalf = services.may_log(request.user, shift)
    published = shift.roster.status == RosterStatus.PUBLISHED
    entries = list(
        DutyLogEntry.objects.visible_to(request.user)
        .filter(shift=shift)
        .select_related("recorded_by", "next_shift")
        .order_by("at", "pk")
    )
    return render(
        request,
        "watch/shift_detail.html",
        {
            "shift": shift,
            "state": services.shift_state(shift, now) if published else "",
            "entries": entries,
            "may_log": may and published,
            "on_behalf": on_behalf,
            "form": LogForm(next_shifts=_next_shifts(shift)),
        },
    )


@login_required
@require_POST
def shift_log(request, pk: int):
    """Record on a shift: ``kind`` check_in / check_out, or the log form."""
    require(request.user, WATCH_VIEW)
    shift = get_for(request.user, _SHIFT, pk)
    kind = request.POST.get("kind", "")
    next_shift = None
    note = ""
    if kind not in (LogKind.CHECK_IN, LogKind.CHECK_OUT):
        form = LogForm(request.POST, next_shifts=_next_shifts(shift))
        if not form.is_valid():
            for errors in form.errors.values():
                for e in errors:
                    messages.error(request, e)
            return redirect("watch:shift_detail", pk=shift.pk)
        kind = form.cleaned_data["kind"]
        note = form.cleaned_data.get("note") or ""
        if form.cleaned_data.get("next_shift"):
            next_shift = Shift.objects.filter(
                roster_id=shift.roster_id, pk=form.cleaned_data["next_shift"]
            ).first()
    try:
        services.log_record(
            actor=request.user, shift=shift, kind=kind, note=note, next_shift=next_shift
        )
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(
            request,
            {
                LogKind.CHECK_IN: _("Checked in."),
                LogKind.CHECK_OUT: _("Checked out."),
            }.get(kind, _("Recorded in the duty log.")),
        )
    target = request.POST.get("next", "")
    if target == "mine":
        return redirect("watch:my_shifts")
    return redirect("watch:shift_detail", pk=shift.pk)


@login_required
def missed_list(request):
    """未到岗: shifts with no check-in by their start plus the grace, filters period, school,
    date."""
    require(request.user, WATCH_VIEW)
    user = request.user
    now = timezone.now()
    form = MissedFilterForm(
        request.GET or None,
        periods=selectors.periods(user).order_by("-starts_on")[:50],
        schools=School.objects.visible_to(user).filter(is_active=True).order_by("name")[:500],
    )
    qs = selectors.missed(user, now=now, filters=form.filters())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "watch/missed_list.html",
        {
            "form": form,
            "page": page,
            "rows": list(page.object_list),
            "query": query_without_page(request),
            "grace": int(services.GRACE.total_seconds() // 60),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


urlpatterns = [
    path("mine/", my_shifts, name="my_shifts"),
    path("shifts/<int:pk>/", shift_detail, name="shift_detail"),
    path("shifts/<int:pk>/log/", shift_log, name="shift_log"),
    path("missed/", missed_list, name="missed_list"),
]
