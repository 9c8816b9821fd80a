"""Pages of security standards: compliance (``STANDARDS_COMPLIANCE_VIEW``).

- ``compliance``: per requirement (complying, failing, facts missing, not applicable, the rate),
  per school type, and the "4个100%"; bureau-wide figures read ``StandardsTally``. A department
  sees the open findings that go to it, per requirement;
- ``compliance_standings``: the cards, most failing first, filtered by school type, "has
  failures" and a part of the "4个100%" missed;
- ``compliance_schools``: the schools (or ``rows=findings``: the open findings) behind a failing
  figure, from the open findings the user sees;
- ``compliance_xlsx``: the workbook (``standards.exports``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safecampus.core.access import require
from safecampus.core.capabilities import STANDARDS_COMPLIANCE_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE, attachment
from safecampus.core.forms import id_param
from safecampus.orgs.choices import SchoolStage

from .. import exports, selectors
from ..choices import Four100

PAGE_SIZE = 50


def _params(request) -> tuple[dict, list[str]]:
    """The page's filters, checked; (filters, messages of the refused ones)."""
    get = request.GET
    errors = []
    out: dict = {}
    stage = get.get("stage", "")
    if stage and stage not in SchoolStage.values:
        errors.append(_("Unknown school type: %(value)s") % {"value": stage})
        stage = ""
    out["stage"] = stage
    four = get.get("four", "")
    if four and four not in Four100.values:
        errors.append(_("Unknown part of the 4个100%%: %(value)s") % {"value": four})
        four = ""
    out["four"] = four
    for name in ("bureau", "department"):
        raw = (get.get(name) or "").strip()
        out[name] = id_param(raw)
        if raw and out[name] is None:
            errors.append(_("Not a valid number: %(value)s") % {"value": raw[:30]})
    key = get.get("key", "")
    if len(key) > 48:
        errors.append(_("Unknown requirement."))
        key = ""
    out["key"] = key
    out["failing"] = get.get("failing") == "1"
    out["nohazard"] = get.get("nohazard") == "1"
    out["rows"] = "findings" if get.get("rows") == "findings" else "schools"
    return out, errors


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def compliance(request):
    require(request.user, STANDARDS_COMPLIANCE_VIEW)
    p, errors = _params(request)
    stage = p["stage"] or None
    req = selectors.requirement_rows(request.user, stage=stage)
    return render(
        request,
        "standards/compliance/compliance.html",
        {
            "errors": errors,
            "p": p,
            "stages": SchoolStage.choices,
            "whole": req["whole"],
            "rows": req["rows"],
            "rule_sets": selectors.rule_set_names(req["bureaus"]),
            "by_stage": selectors.stage_rows(request.user),
            "four100": selectors.four100_figures(request.user, stage=stage),
            "standings_url": selectors.standings_url(stage=stage),
            "query": _query(request),
            "now": timezone.localtime(),
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def compliance_standings(request):
    require(request.user, STANDARDS_COMPLIANCE_VIEW)
    p, errors = _params(request)
    qs = selectors.standings(
        request.user,
        stage=p["stage"] or None,
        failing=p["failing"],
        four=p["four"] or None,
        bureau_id=p["bureau"],
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "s": s,
            "four": [
                (str(Four100(part).label), getattr(s, field))
                for part, field in selectors.FOUR100_FIELDS.items()
            ],
        }
        for s in page
    ]
    return render(
        request,
        "standards/compliance/standings.html",
        {
            "errors": errors,
            "p": p,
            "stages": SchoolStage.choices,
            "four_parts": Four100.choices,
            "four_label": str(Four100(p["four"]).label) if p["four"] else "",
            "page": page,
            "rows": rows,
            "query": _query(request),
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def compliance_schools(request):
    require(request.user, STANDARDS_COMPLIANCE_VIEW)
    p, errors = _params(request)
    filters = {
        "key": p["key"] or None,
        "stage": p["stage"] or None,
        "bureau_id": p["bureau"],
        "department_id": p["department"],
        "no_hazard": p["nohazard"],
    }
    if p["rows"] == "findings":
        qs = (
            selectors.open_findings(request.user, **filters)
            .select_related("school", "hazard", "department")
            .order_by("school__name", "key", "pk")
        )
    else:
        qs = selectors.failing_schools(request.user, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    title = ""
    if p["key"]:
        info = selectors.requirement_info(selectors.card_bureaus(request.user), [p["key"]])
        title = info.get(p["key"], {}).get("title", p["key"])
    return render(
        request,
        "standards/compliance/schools.html",
        {
            "errors": errors,
            "p": p,
            "title": title,
            "stage_label": dict(SchoolStage.choices).get(p["stage"], ""),
            "page": page,
            "query": _query(request),
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def compliance_xlsx(request):
    require(request.user, STANDARDS_COMPLIANCE_VIEW)
    p, errors = _params(request)
    if errors:
        return compliance(request)
    job, content, name = exports.export_compliance(user=request.user, stage=p["stage"] or None)
    if job is not None:
        return redirect(job)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(name)
    return response


urlpatterns: list = [
    path("compliance/", compliance, name="compliance"),
    path("compliance/schools/", compliance_schools, name="compliance_schools"),
    path("compliance/standings/", compliance_standings, name="compliance_standings"),
    path("compliance/export.xlsx", compliance_xlsx, name="compliance_xlsx"),
]
