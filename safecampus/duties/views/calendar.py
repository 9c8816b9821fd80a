"""Pages of the school calendar: a bureau's terms per school year, its public holidays and
make-up workdays, and per month the school days they leave (read by ``DUTY_VIEW``, kept by
``DUTY_MANAGE``; routed with the catalog's pages in ``views.catalog``)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safecampus.core.access import can, get_for, require, scope_for
from safecampus.core.capabilities import DUTY_MANAGE, DUTY_VIEW
from safecampus.core.forms import id_param
from safecampus.core.refusals import to_form
from safecampus.orgs.models import Bureau

from .. import access, calendar_services, selectors
from ..catalog_forms import DayForm, TermForm
from ..models import CalendarDay, SchoolTerm
from ..schoolcal import library_knows

ONE_DAY = datetime.timedelta(days=1)


def _may_manage(user, bureau_id: int) -> bool:
    return can(user, DUTY_MANAGE) and bureau_id in access.manage_bureaus(scope_for(user))


# --- the month grid --------------------------------------------------------------------


def _month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - ONE_DAY


def _runs(days: list[tuple[datetime.date, str]]) -> list[dict]:
    """Consecutive days of the same name as one run: {name, start, end, days}."""
    runs: list[dict] = []
    for day, name in days:
        last = runs[-1] if runs else None
        if last and last["name"] == name and last["end"] + ONE_DAY == day:
            last["end"], last["days"] = day, last["days"] + 1
        else:
            runs.append({"name": name, "start": day, "end": day, "days": 1})
    return runs


def school_year_months(cal, first_year: int) -> list[dict]:
    """September ``first_year`` to August of the next: school days, holidays and make-up
    workdays of each month."""
    months = []
    start = datetime.date(first_year, 9, 1)
    while start <= datetime.date(first_year + 1, 8, 1):
        end = _month_end(start)
        holidays, workdays = [], []
        day = start
        while day <= end:
            name = cal.holiday_name(day)
            if name:
                (workdays if cal.is_workday(day) else holidays).append((day, name))
            day += ONE_DAY
        months.append(
            {
                "start": start,
                "school_days": cal.school_days(start, end),
                "holidays": _runs(holidays),
                "workdays": [{"day": d, "name": n} for d, n in workdays],
            }
        )
        start = end + ONE_DAY
    return months


def _calendar_bureau(request):
    bureaus = Bureau.objects.filter(pk__in=access.calendar_bureaus(scope_for(request.user)))
    pk = id_param(request.GET.get("bureau"))
    if pk is not None:
        return get_for(request.user, bureaus, pk), bureaus
    return bureaus.order_by("path").first(), bureaus


@login_required
@require_GET
def calendar(request):
    require(request.user, DUTY_VIEW)
    bureau, bureaus = _calendar_bureau(request)
    if bureau is None:
        raise Http404
    today = timezone.localdate()
    cal = selectors.calendar_for(bureau)
    terms = list(SchoolTerm.objects.visible_to(request.user).filter(bureau=bureau))
    days = list(CalendarDay.objects.visible_to(request.user).filter(bureau=bureau))
    first_years = sorted({int(t.school_year[:4]) for t in cal.terms}) or [
        selectors.school_year_bounds(today)[0].year
    ]
    years = []
    for first in first_years:
        years.append(
            {
                "label": f"{first}-{first + 1}",
                "terms": [t for t in cal.terms if t.school_year == f"{first}-{first + 1}"],
                "months": school_year_months(cal, first),
            }
        )
    in_range = sorted({y for f in first_years for y in (f, f + 1)} | {today.year})
    override_years = {d.year for d in cal.overrides}
    unknown_years = [y for y in in_range if not library_knows(y) and y not in override_years]
    manage = _may_manage(request.user, bureau.pk)
    return render(
        request,
        "duties/catalog/calendar.html",
        {
            "bureau": bureau,
            "bureaus": list(bureaus.order_by("path")) if bureaus.count() > 1 else [],
            "terms": terms,
            "days": days,
            "inherited": not terms and bool(cal.terms),
            "years": years,
            "unknown_years": unknown_years,
            "can_manage": manage,
            "term_form": TermForm() if manage else None,
            "day_form": DayForm() if manage else None,
        },
    )


def _calendar_url(bureau_id: int) -> str:
    return f"{reverse('duties:calendar')}?bureau={bureau_id}"


def _managed_bureau(request, bureau_pk: int) -> Bureau:
    bureau = get_for(request.user, Bureau, bureau_pk)
    require(request.user, DUTY_MANAGE)
    if not _may_manage(request.user, bureau.pk):
        raise PermissionDenied(_("Only the safety centre keeps this bureau's calendar."))
    return bureau


def _term_page(request, form, bureau_id, term=None, status=200):
    return render(
        request,
        "duties/catalog/term_form.html",
        {"form": form, "term": term, "back": _calendar_url(bureau_id)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def term_new(request, bureau_pk: int):
    bureau = _managed_bureau(request, bureau_pk)
    form = TermForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                calendar_services.term_save(
                    actor=request.user, bureau_id=bureau.pk, data=form.cleaned_data
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("Term added."))
                return redirect(_calendar_url(bureau.pk))
        return _term_page(request, form, bureau.pk, status=400)
    return _term_page(request, form, bureau.pk)


@login_required
@require_http_methods(["GET", "POST"])
def term_edit(request, pk: int):
    term = get_for(request.user, SchoolTerm, pk, "edit")
    initial = {"school_year": term.school_year, "kind": term.kind, "start": term.start}
    form = TermForm(request.POST or None, initial={**initial, "end": term.end})
    if request.method == "POST":
        if form.is_valid():
            try:
                calendar_services.term_save(
                    actor=request.user, term_id=term.pk, data=form.cleaned_data
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("Term changed."))
                return redirect(_calendar_url(term.bureau_id))
        return _term_page(request, form, term.bureau_id, term, status=400)
    return _term_page(request, form, term.bureau_id, term)


@login_required
@require_POST
def term_delete(request, pk: int):
    term = get_for(request.user, SchoolTerm, pk, "edit")
    calendar_services.term_delete(actor=request.user, term_id=term.pk)
    messages.success(request, _("Term removed."))
    return redirect(_calendar_url(term.bureau_id))


@login_required
@require_http_methods(["GET", "POST"])
def day_new(request, bureau_pk: int):
    bureau = _managed_bureau(request, bureau_pk)
    form = DayForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                calendar_services.day_add(
                    actor=request.user, bureau_id=bureau.pk, **form.cleaned_data
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("Day added."))
                return redirect(_calendar_url(bureau.pk))
        status = 400
    return render(
        request,
        "duties/catalog/day_form.html",
        {"form": form, "back": _calendar_url(bureau.pk)},
        status=status,
    )


@login_required
@require_POST
def day_delete(request, pk: int):
    day = get_for(request.user, CalendarDay, pk, "edit")
    calendar_services.day_delete(actor=request.user, day_id=day.pk)
    messages.success(request, _("Day removed."))
    return redirect(_calendar_url(day.bureau_id))
