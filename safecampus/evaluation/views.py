"""Evaluation pages: the campaigns in evaluation, a campaign's progress and confirmation list,
confirming one hazard, archiving, the archive page and the written summary."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.campaigns.models import Campaign
from safecampus.core.access import require
from safecampus.core.capabilities import EVALUATION_VIEW, REPORT_COMPILE, SUMMARY_CONFIRM
from safecampus.core.documents import DOCX_CONTENT_TYPE, content_disposition
from safecampus.core.forms import id_param
from safecampus.core.refusals import to_form
from safecampus.hazards.choices import Summary

from . import material, selectors, services
from .forms import ConfirmationForm, confirmation_form
from .models import ARCHIVE_READERS, CampaignArchive
from .snapshot import summarise

PAGE_SIZE = 50


def _campaign_for(user, pk: int) -> Campaign:
    return selectors.campaign_get(user=user, pk=pk)


@login_required
def campaign_list(request):
    require(request.user, EVALUATION_VIEW)
    campaigns = selectors.evaluation_campaigns(user=request.user)
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_evaluation(page.object_list)
    return render(request, "evaluation/campaign_list.html", {"page": page, "query": ""})


@login_required
def campaign_evaluation(request, pk: int):
    require(request.user, EVALUATION_VIEW)
    user = request.user
    campaign = _campaign_for(user, pk)
    today = timezone.localdate()
    overview = selectors.evaluation_overview(user=user, campaign=campaign, today=today)
    department = request.GET.get("department", "")
    department_id = id_param(department)
    state = request.GET.get("state", "")
    category = request.GET.get("category", "")
    rows = selectors.confirmation_rows(
        user=user, campaign=campaign, department_id=department_id, state=state, category=category
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_latest(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evaluation/campaign_evaluation.html",
        {
            "campaign": campaign,
            "page": page,
            "query": query.urlencode(),
            "department": department_id,
            "state": state,
            "category": category,
            "categories": Summary.choices,
            "today": today,
            **overview,
        },
    )


@login_required
@require_POST
def confirm_all(request, pk: int):
    require(request.user, SUMMARY_CONFIRM)
    campaign = _campaign_for(request.user, pk)
    department = request.POST.get("department", "")
    try:
        result = services.summary_confirm_all(
            actor=request.user,
            campaign_id=campaign.pk,
            department_id=id_param(department),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s hazard confirmed as the register gives it.",
                "%(n)s hazards confirmed as the register gives them.",
                result["confirmed"],
            )
            % {"n": result["confirmed"]},
        )
        if result["skipped"]:
            messages.warning(
                request,
                _(
                    "Give a completion date one by one for these hazards being resolved "
                    "(their deadline is missing or past): %(codes)s"
                )
                % {"codes": "、".join(result["skipped"])},
            )
    url = reverse("evaluation:campaign_evaluation", args=[campaign.pk])
    back = request.POST.get("query", "")
    return redirect(f"{url}?{back}" if back else url)


@login_required
@require_http_methods(["GET", "POST"])
def hazard_confirm(request, pk: int):
    """One hazard: its confirmations so far and the form to state its category."""
    require(request.user, EVALUATION_VIEW)
    user = request.user
    hazard = selectors.confirmable_get(user=user, pk=pk)
    history = list(selectors.confirmation_history(user=user, hazard=hazard))
    latest = history[0] if history else None
    role = selectors.confirm_role(user, hazard)
    status = 200
    if request.method == "POST":
        if role is None:
            raise PermissionDenied(_("Only the responsible department confirms this hazard."))
        form = confirmation_form(
            hazard, request.POST, as_derived=bool(request.POST.get("as_derived"))
        )
        if form.is_valid():
            try:
                services.summary_confirm(
                    actor=user,
                    hazard_id=hazard.pk,
                    category=form.cleaned_data["category"],
                    complete_by=form.cleaned_data["complete_by"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(
                    request, _("The category of %(code)s is confirmed.") % {"code": hazard.code}
                )
                url = reverse("evaluation:campaign_evaluation", args=[hazard.campaign_id])
                back = request.POST.get("query", "")
                return redirect(f"{url}?{back}" if back else url)
        status = 400
    else:
        form = ConfirmationForm(
            initial={
                "category": latest.category if latest else hazard.summary,
                "complete_by": (latest.complete_by if latest else None) or hazard.deadline,
            }
        )
    return render(
        request,
        "evaluation/hazard_confirm.html",
        {
            "hazard": hazard,
            "campaign": hazard.campaign,
            "derived_label": Summary(hazard.summary).label,
            "history": history,
            "form": form,
            "can_confirm": role is not None,
            "closed_reason": services.closed_reason(hazard.campaign, timezone.localdate()),
            "query": request.GET.get("query", request.POST.get("query", "")),
        },
        status=status,
    )


@login_required
@require_POST
def archive_start(request, pk: int):
    require(request.user, REPORT_COMPILE)
    campaign = _campaign_for(request.user, pk)
    reason = request.POST.get("override_reason", "")
    try:
        job = services.archive_start(actor=request.user, campaign=campaign, override_reason=reason)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("evaluation:campaign_evaluation", pk=campaign.pk)
    return redirect(job)


def _archive_for(user, pk: int) -> CampaignArchive:
    require(user, ARCHIVE_READERS)
    return selectors.archive_get(user=user, campaign_pk=pk)


@login_required
def archive_detail(request, pk: int):
    """The archive as it was frozen: nothing here reads the live register."""
    archive = _archive_for(request.user, pk)
    snapshot = archive.read_snapshot()
    tables = summarise(snapshot)
    category = request.GET.get("category", "")
    department = request.GET.get("department", "")
    hazards = selectors.archive_hazards(snapshot, category=category, department=department)
    page = Paginator(hazards, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evaluation/archive_detail.html",
        {
            "archive": archive,
            "campaign": archive.campaign,
            "snapshot": snapshot,
            "totals": snapshot["totals"],
            "tables": tables,
            "page": page,
            "query": query.urlencode(),
            "category": category,
            "department": department,
            "categories": Summary.choices,
        },
    )


@login_required
def archive_download(request, pk: int):
    """The snapshot itself (gzipped JSON), for safekeeping elsewhere."""
    archive = _archive_for(request.user, pk)
    return FileResponse(
        archive.snapshot.open("rb"),
        as_attachment=True,
        filename=selectors.archive_file_name(archive),
        content_type="application/gzip",
    )


@login_required
@require_POST
def summary_start(request, pk: int):
    archive = _archive_for(request.user, pk)
    return redirect(services.summary_start(actor=request.user, archive=archive))


# --- the written documents: the summary as a draft, each department's material ------------------


@login_required
@require_POST
def summary_draft_start(request, pk: int):
    """A draft of the written summary from the live data, before the campaign is archived."""
    require(request.user, ARCHIVE_READERS)
    campaign = _campaign_for(request.user, pk)
    try:
        job = services.summary_draft_start(actor=request.user, campaign=campaign)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("evaluation:campaign_evaluation", pk=campaign.pk)
    return redirect(job)


@login_required
def department_material(request, pk: int, department_pk: int):
    """A department's written material on the campaign's rectification (000 §四(二)3)."""
    require(request.user, SUMMARY_CONFIRM)
    campaign = _campaign_for(request.user, pk)
    department = material.department_get(user=request.user, campaign=campaign, pk=department_pk)
    m = material.material_collect(user=request.user, campaign=campaign, department=department)
    response = HttpResponse(material.material_document(m), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(material.material_file_name(m))
    return response
