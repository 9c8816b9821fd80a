"""Pages of the duty watch: the periods (holidays, sensitive periods) and the rosters of one
period (the bureau's own and one row per school: 未编制 / 草稿 / 已发布)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.core.access import EDIT, get_for, require, scope_for
from safecampus.core.capabilities import WATCH_MANAGE, WATCH_VIEW
from safecampus.core.refusals import to_form
from safecampus.orgs.models import Bureau, School

from .. import access, selectors, services
from ..choices import RosterStatus
from ..forms import GenerateForm, PeriodForm, RosterFilterForm
from ..models import Roster, WatchPeriod
from .common import flash_refusal, query_without_page

PAGE_SIZE = 50


@login_required
def period_list(request):
    require(request.user, WATCH_VIEW)
    scope = scope_for(request.user)
    today = timezone.localdate()
    rows = list(selectors.periods(request.user).order_by("-starts_on", "pk")[:200])
    return render(
        request,
        "watch/period_list.html",
        {
            "rows": rows,
            "today": today,
            "may_manage": bool(access.manage_bureaus(scope)),
        },
    )


def _managed_bureau(user) -> Bureau:
    ids = access.manage_bureaus(scope_for(user))
    bureau = Bureau.objects.filter(pk__in=ids).order_by("path", "pk").first()
    if bureau is None:
        raise PermissionDenied(_("Only the safety centre keeps the duty periods."))
    return bureau


@login_required
def period_create(request):
    require(request.user, WATCH_MANAGE)
    bureau = _managed_bureau(request.user)
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = services.period_save(actor=request.user, bureau=bureau, data=form.cleaned_data)
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("The period was saved."))
            return redirect(period)
    return render(
        request,
        "watch/period_form.html",
        {"form": form, "period": None},
        status=400 if form.errors else 200,
    )


@login_required
def period_edit(request, pk: int):
    require(request.user, WATCH_MANAGE)
    period = get_for(request.user, WatchPeriod, pk, EDIT)
    initial = {f: getattr(period, f) for f in ("name", "kind", "starts_on", "ends_on", "note")}
    form = PeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_save(actor=request.user, period=period, data=form.cleaned_data)
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("The period was saved."))
            return redirect(period)
    return render(
        request,
        "watch/period_form.html",
        {"form": form, "period": period},
        status=400 if form.errors else 200,
    )


@login_required
def period_generate(request):
    """从国家假日安排生成: the year's holidays proposed from the national calendar."""
    require(request.user, WATCH_MANAGE)
    bureau = _managed_bureau(request.user)
    year = request.POST.get("year") or request.GET.get("year") or str(timezone.localdate().year + 1)
    proposals, refusal = [], None
    try:
        proposals = services.holiday_proposals(year=int(year))
    except (ValueError, TypeError):
        refusal = _("Give a year such as 2027.")
    except ValidationError as exc:
        refusal = exc.messages[0]
    have = set(WatchPeriod.objects.filter(bureau=bureau).values_list("name", flat=True))
    proposals = [p for p in proposals if p["name"] not in have]
    form = GenerateForm(request.POST or None, initial={"year": year}, proposals=proposals)
    if request.method == "POST" and form.is_valid() and proposals:
        made = services.periods_generate(
            actor=request.user,
            bureau=bureau,
            year=form.cleaned_data["year"],
            names=form.cleaned_data["names"],
        )
        messages.success(request, _("%(n)d periods created.") % {"n": len(made)})
        return redirect("watch:period_list")
    return render(
        request,
        "watch/period_generate.html",
        {"form": form, "proposals": proposals, "refusal": refusal, "year": year},
        status=400 if refusal and request.method == "POST" else 200,
    )


@login_required
def period_detail(request, pk: int):
    """The rosters of a period: the bureau's own, then one row per school the user sees."""
    require(request.user, WATCH_VIEW)
    user = request.user
    period = get_for(user, WatchPeriod.objects.select_related("bureau"), pk)
    form = RosterFilterForm(request.GET or None)
    qs = selectors.school_rows(user, period, form.filters())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(user)
    rows = list(page.object_list)
    for row in rows:
        row.roster_label = RosterStatus(row.roster_status).label if row.roster_status else ""
        row.may_draw_up = access.may_act_for(
            scope, Roster(bureau_id=period.bureau_id, school_id=row.pk, period=period)
        )
    return render(
        request,
        "watch/period_detail.html",
        {
            "period": period,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "bureau_roster": selectors.bureau_roster(user, period),
            "may_create_bureau": period.bureau_id in access.manage_bureaus(scope),
            "shows_bureau": period.bureau_id in access.reading_bureaus(scope),
            "may_manage": period.bureau_id in access.manage_bureaus(scope),
        },
    )


@login_required
@require_POST
def roster_create(request, pk: int):
    """编制值班表: the school's (``school`` posted) or the bureau's roster of the period."""
    require(request.user, WATCH_VIEW)
    period = get_for(request.user, WatchPeriod, pk)
    school = None
    if request.POST.get("school"):
        school = get_for(request.user, School, request.POST["school"])
    try:
        roster = services.roster_create(actor=request.user, period=period, school=school)
    except ValidationError as exc:
        flash_refusal(request, exc)
        return redirect(period)
    return redirect(roster)


urlpatterns = [
    path("", period_list, name="period_list"),
    path("periods/new/", period_create, name="period_create"),
    path("periods/generate/", period_generate, name="period_generate"),
    path("periods/<int:pk>/", period_detail, name="period_detail"),
    path("periods/<int:pk>/edit/", period_edit, name="period_edit"),
    path("periods/<int:pk>/rosters/new/", roster_create, name="roster_create"),
]
