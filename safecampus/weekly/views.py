"""Weekly report pages: the list of campaigns and a department's reports due, the centre's
weeks × departments matrix, one week's page, a department's report (figures and narrative),
the district report, and their Word and Excel copies."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import require, roles_on, scope_for
from safecampus.core.capabilities import REPORT_COMPILE, WEEKLY_REPORT_FILE, WEEKLY_REPORT_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.forms import id_param
from safecampus.core.refusals import to_form

from . import access, selectors, services
from .documents import (
    DOCX_CONTENT_TYPE,
    district_document,
    docx_bytes,
    figure_tables,
    report_document,
    xlsx_bytes,
)
from .forms import CompileForm, NarrativeForm
from .lifecycle import WEEKLY_REPORT
from .models import WeeklyReport
from .weeks import current_week, report_weeks

PAGE_SIZE = 30


def _campaign(user, pk: int):
    return selectors.campaign_get(user=user, pk=pk)


def _week(campaign, start: str):
    return selectors.week_get(campaign, start)


def _can_compile(user, campaign) -> bool:
    return access.may_compile(scope_for(user), campaign)


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(name)}"
    return response


# --- lists --------------------------------------------------------------------------------------


@login_required
def weekly_index(request):
    require(request.user, WEEKLY_REPORT_VIEW)
    page = Paginator(selectors.weekly_campaigns(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for campaign in page:
        weeks = report_weeks(campaign)
        rows.append((campaign, weeks[0] if weeks else None, weeks[-1] if weeks else None))
    return render(
        request,
        "weekly/weekly_index.html",
        {"page": page, "rows": rows, "due": selectors.due_reports(user=request.user)},
    )


@login_required
def campaign_weeks(request, pk: int):
    require(request.user, WEEKLY_REPORT_VIEW)
    campaign = _campaign(request.user, pk)
    matrix = selectors.campaign_matrix(user=request.user, campaign=campaign)
    return render(
        request,
        "weekly/campaign_weeks.html",
        {
            "campaign": campaign,
            "matrix": matrix,
            "current": current_week(campaign, matrix["today"]),
            "columns": list(zip(matrix["departments"], matrix["per_department"], strict=True)),
        },
    )


def _week_page(request, campaign, week, *, compile_form=None, status=200):
    user = request.user
    scope = scope_for(user)
    cells = selectors.week_reports(user=user, campaign=campaign, week=week)
    can_compile = _can_compile(user, campaign)
    return render(
        request,
        "weekly/week_detail.html",
        {
            "campaign": campaign,
            "week": week,
            "cells": cells,
            "own": [c for c in cells if access.files_for(scope, c[0].pk)],
            "districts": selectors.district_reports(user=user, campaign=campaign, week=week),
            "can_compile": can_compile,
            "compile_form": compile_form or (CompileForm() if can_compile else None),
        },
        status=status,
    )


@login_required
def week_detail(request, pk: int, start: str):
    require(request.user, WEEKLY_REPORT_VIEW)
    campaign = _campaign(request.user, pk)
    return _week_page(request, campaign, _week(campaign, start))


# --- a department's report ----------------------------------------------------------------------


@login_required
@require_POST
def report_open(request, pk: int, start: str):
    require(request.user, WEEKLY_REPORT_FILE)
    campaign = _campaign(request.user, pk)
    week = _week(campaign, start)
    department = selectors.own_department_get(
        user=request.user, pk=id_param(request.POST.get("department"))
    )
    try:
        report = services.weekly_report_open(
            actor=request.user, campaign=campaign, department=department, week_start=week.start
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("weekly:week_detail", campaign.pk, week.start.isoformat())
    return redirect("weekly:report_detail", report.pk)


def _report(user, pk: int) -> WeeklyReport:
    return selectors.report_get(user=user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, pk: int):
    require(request.user, WEEKLY_REPORT_VIEW)
    report = _report(request.user, pk)
    actions = WEEKLY_REPORT.allowed(report, roles_on(request.user, report))
    can_edit = bool(actions)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("The report is submitted; it no longer changes."))
        form = NarrativeForm(request.POST)
        submit = request.POST.get("action") == "submit"
        if form.is_valid():
            service = services.weekly_report_submit if submit else services.weekly_report_save
            try:
                service(actor=request.user, report_id=report.pk, data=form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    to_form(form, exc)
                else:
                    form.add_error(None, "；".join(exc.messages))
            else:
                messages.success(request, _("Report submitted.") if submit else _("Draft saved."))
                return redirect("weekly:report_detail", report.pk)
        status = 400
    else:
        form = NarrativeForm(
            initial={
                "progress": report.progress,
                "problems": report.problems,
                "next_plan": report.next_plan,
            }
        )
    figures = selectors.figures_of(report)
    return render(
        request,
        "weekly/report_detail.html",
        {
            "report": report,
            "figures": figures,
            "tables": figure_tables(figures),
            "form": form if can_edit else None,
            "actions": actions,
            "events": report.events.select_related("actor").order_by("at", "id"),
        },
        status=status,
    )


@login_required
def report_export(request, pk: int, fmt: str):
    require(request.user, WEEKLY_REPORT_VIEW)
    report = _report(request.user, pk)
    doc = report_document(report, selectors.figures_of(report))
    if fmt == "docx":
        return _download(docx_bytes(doc), f"{doc.filename}.docx", DOCX_CONTENT_TYPE)
    return _download(xlsx_bytes(doc), f"{doc.filename}.xlsx", XLSX_CONTENT_TYPE)


# --- the district report ------------------------------------------------------------------------


@login_required
@require_POST
def district_compile(request, pk: int, start: str):
    require(request.user, REPORT_COMPILE)
    campaign = _campaign(request.user, pk)
    week = _week(campaign, start)
    if not _can_compile(request.user, campaign):
        raise PermissionDenied(_("Only the safety centre compiles the district report."))
    form = CompileForm(request.POST)
    if form.is_valid():
        try:
            district = services.district_report_compile(
                actor=request.user,
                campaign=campaign,
                week_start=week.start,
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(
                request, _("District report compiled (version %(n)s).") % {"n": district.version}
            )
            return redirect("weekly:district_detail", district.pk)
    return _week_page(request, campaign, week, compile_form=form, status=400)


def _district(user, pk: int):
    return selectors.district_get(user=user, pk=pk)


@login_required
def district_detail(request, pk: int):
    require(request.user, WEEKLY_REPORT_VIEW)
    district = _district(request.user, pk)
    tables = selectors.district_tables(district.figures)
    # by school and by risk area as the documents have them; the totals and the departments
    # are the page's own tables (the register beside each department's report)
    tables["tables"] = (
        figure_tables(district.figures)[1:3]
        if tables["register"]
        else figure_tables(district.figures)
    )
    return render(
        request,
        "weekly/district_detail.html",
        {
            "district": district,
            **tables,
            "missing": district.figures.get("missing") or [],
            # a department officer reads its own report only; the bureau's readers all of them
            "link_reports": access.reads_whole_bureau(scope_for(request.user), district.bureau_id),
            "versions": selectors.district_versions(user=request.user, district=district),
        },
    )


@login_required
def district_export(request, pk: int, fmt: str):
    require(request.user, WEEKLY_REPORT_VIEW)
    doc = district_document(_district(request.user, pk))
    if fmt == "docx":
        return _download(docx_bytes(doc), f"{doc.filename}.docx", DOCX_CONTENT_TYPE)
    return _download(xlsx_bytes(doc), f"{doc.filename}.xlsx", XLSX_CONTENT_TYPE)
