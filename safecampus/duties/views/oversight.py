"""Pages of recurring duties: oversight (see duties/urls.py).

- ``compliance``: the figures of the occurrences the user oversees (``DUTY_COMPLIANCE_VIEW``),
  each a link to the occurrence list of exactly its rows; a chart of the rate per month;
- ``matrix``: schools × months for one duty;
- ``occurrence_list``: the occurrences of the filters (``DUTY_VIEW``: a school sees its own);
- ``excuse_list``: the excuses waiting for the user's decision (``DUTY_OVERSEE``);
- ``compliance_export``: the figures as an Excel workbook.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from safecampus.core.access import can, require
from safecampus.core.capabilities import DUTY_COMPLIANCE_VIEW, DUTY_OVERSEE, DUTY_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE, attachment

from .. import access, compliance
from ..choices import OccurrenceStatus
from ..lifecycle import ASK_EXCUSE
from ..models import DutyRecord, Occurrence, OccurrenceEvent

PAGE_SIZE = 50
#: how often the compliance summary is refreshed (``duties.tasks``), as the page says
REFRESH_MINUTES = 30


def _live(request) -> bool:
    """``?live=1``: count now rather than read the summary, for a scope where that is cheap."""
    return compliance.live_wanted(request.user, request.GET.get("live"))


def _with_live(query) -> str:
    query = query.copy()
    query["live"] = "1"
    return query.urlencode()


def _filters(request, today):
    """(form, filters, status): 400 with the form's messages on bad filters."""
    params = request.GET.copy()
    params.pop("page", None)
    form = compliance.ComplianceFilterForm(params or None, user=request.user)
    if form.is_bound and not form.is_valid():
        defaults = compliance.ComplianceFilterForm(None, user=request.user)
        return form, defaults.filters(today), 400
    return form, form.filters(today), 200


def _errors(form) -> list[str]:
    return [
        f"{form.fields[k].label or k}：{m}" if k != "__all__" else m
        for k, msgs in form.errors.items()
        for m in msgs
    ]


@login_required
@require_GET
def compliance_view(request):
    require(request.user, DUTY_COMPLIANCE_VIEW)
    today = timezone.localdate()
    form, filters, status = _filters(request, today)
    live = _live(request)
    data = compliance.compliance(
        user=request.user, filters=filters, today=today, names=form.duty_names, live=live
    )
    query = request.GET.copy()
    query.pop("live", None)
    return render(
        request,
        "duties/oversight/compliance.html",
        {
            "form": form,
            "errors": _errors(form) if status != 200 else [],
            "filters": filters,
            "d": data,
            "query": query.urlencode(),
            "live_query": _with_live(query),
            "can_count_live": data["source"] == "summary" and access.live_count_cheap(request.user),
            "refresh_minutes": REFRESH_MINUTES,
            "now": timezone.localtime(),
            "can_oversee": can(request.user, DUTY_OVERSEE),
        },
        status=status,
    )


@login_required
@require_GET
def matrix(request):
    require(request.user, DUTY_COMPLIANCE_VIEW)
    today = timezone.localdate()
    form, filters, status = _filters(request, today)
    data = (
        compliance.matrix(
            user=request.user, filters=filters, today=today, page_number=request.GET.get("page")
        )
        if filters.code
        else None
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "duties/oversight/matrix.html",
        {
            "form": form,
            "errors": _errors(form) if status != 200 else [],
            "filters": filters,
            "duty_name": form.duty_names.get(filters.code, ""),
            "m": data,
            "page": data["page"] if data else None,
            "query": query.urlencode(),
        },
        status=status,
    )


def _latest_record():
    return (
        DutyRecord.objects.filter(occurrence_id=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("occurred_at")[:1]
    )


@login_required
@require_GET
def occurrence_list(request):
    require(request.user, DUTY_VIEW)
    today = timezone.localdate()
    form, filters, status = _filters(request, today)
    qs = (
        filters.apply(Occurrence.objects.visible_to(request.user), today)
        .select_related("duty", "school", "department", "partner", "bureau")
        .annotate(record_at=Subquery(_latest_record()))
        .order_by("-window_end", "code", "owner_key", "pk")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for o in page.object_list:
        o.shown_status = o.effective_status(today)
        o.shown_label = compliance.STATUS_LABELS[o.shown_status]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "duties/oversight/occurrence_list.html",
        {
            "form": form,
            "errors": _errors(form) if status != 200 else [],
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "status_label": _status_label(filters.status),
            "compliance_url": _compliance_url(request, filters),
        },
        status=status,
    )


def _compliance_url(request, filters) -> str | None:
    if not can(request.user, DUTY_COMPLIANCE_VIEW):
        return None
    return reverse("duties:compliance") + "?" + urlencode(filters.params)


STATUS_LABELS = {
    "owed": pgettext_lazy("duty oversight", "Owed"),
    "done": pgettext_lazy("duty oversight", "Done on time"),
    "late": pgettext_lazy("duty oversight", "Done late"),
    "missed": pgettext_lazy("duty oversight", "Missed"),
    "open": pgettext_lazy("duty oversight", "Open"),
    "excused": pgettext_lazy("duty oversight", "Excused"),
    "completed": pgettext_lazy("duty oversight", "Done (on time or late)"),
    "excuse_requested": pgettext_lazy("duty oversight", "Excuse requested"),
}


def _status_label(key: str) -> str:
    return str(STATUS_LABELS[key]) if key else ""


@login_required
@require_GET
def excuse_list(request):
    require(request.user, DUTY_OVERSEE)
    asked = OccurrenceEvent.objects.filter(
        occurrence_id=OuterRef("pk"), action=ASK_EXCUSE
    ).order_by("-at", "-pk")
    qs = (
        Occurrence.objects.restrict(request.user, access.OVERSEE)
        .filter(status=OccurrenceStatus.EXCUSE_REQUESTED)
        .select_related("duty", "school", "department", "partner", "bureau")
        .annotate(
            reason=Subquery(asked.values("comment")[:1]),
            asked_at=Subquery(asked.values("at")[:1]),
        )
        .order_by("grace_end", "code", "pk")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "duties/oversight/excuse_list.html", {"page": page, "query": ""})


@login_required
@require_GET
def compliance_export(request):
    require(request.user, DUTY_COMPLIANCE_VIEW)
    today = timezone.localdate()
    form, filters, status = _filters(request, today)
    if status != 200:
        return compliance_view(request)
    content, name = compliance.export_workbook(
        user=request.user, form=form, filters=filters, today=today, live=_live(request)
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(name)
    return response


urlpatterns: list = [
    path("compliance/", compliance_view, name="compliance"),
    path("compliance/matrix/", matrix, name="matrix"),
    path("compliance/export.xlsx", compliance_export, name="compliance_export"),
    path("occurrences/", occurrence_list, name="occurrence_list"),
    path("excuses/", excuse_list, name="excuse_list"),
]
