"""The campaign pages: the list, planning, launching, closing and the campaign's progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import can, require
from safecampus.core.capabilities import (
    CAMPAIGN_VIEW,
    EVALUATION_VIEW,
    FORM_FILL,
    FORM_REVIEW,
    SITE_INSPECT,
    WEEKLY_REPORT_VIEW,
)
from safecampus.core.refusals import to_form
from safecampus.inspections import selectors as form_selectors
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.forms import ImportForm

from . import selectors, services
from .blueprints import BLUEPRINTS
from .choices import CampaignStatus, PhaseKind
from .forms import CampaignEditForm, CampaignNewForm, MilestoneFormSet, PhaseFormSet, filled

PAGE_SIZE = 50


def _refusal_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- campaigns ----------------------------------------------------------------------------------


@login_required
def campaign_list(request):
    require(request.user, CAMPAIGN_VIEW)
    user = request.user
    page = Paginator(selectors.campaign_list(user), PAGE_SIZE).get_page(request.GET.get("page"))
    my_forms = form_selectors.own_forms(user)
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "page": page,
            "my_forms": my_forms,
            "can_manage": bool(selectors.manage_bureau_ids(user)),
            "can_review": can(user, FORM_REVIEW),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    bureaus = selectors.manage_bureau_ids(request.user)
    if not bureaus:
        raise PermissionDenied(_("Only the safety centre runs campaigns."))
    form = CampaignNewForm(request.POST or None, bureau_ids=bureaus)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                catalog_version=d["catalog_version"],
                blueprint=d["blueprint"],
                year=d["year"],
                name=d["name"],
                doc_number=d["doc_number"],
                forms_due=d["forms_due"],
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(
                request, _("Draft saved. Check the schools and dates, then launch it.")
            )
            return redirect("campaigns:campaign_edit", campaign.pk)
    return render(
        request,
        "campaigns/campaign_new.html",
        {"form": form, "blueprints": BLUEPRINTS.values()},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk: int):
    campaign = selectors.campaign_to_run(request.user, pk)
    if campaign.status == CampaignStatus.CLOSED:
        messages.error(request, _("The campaign is closed; it no longer changes."))
        return redirect(campaign)
    launched = not campaign.is_draft
    bureaus = selectors.manage_bureau_ids(request.user)
    if request.method == "POST":
        form = CampaignEditForm(request.POST, bureau_ids=bureaus, launched=launched)
        phases = PhaseFormSet(request.POST, prefix="phase")
        milestones = MilestoneFormSet(request.POST, prefix="milestone")
        if form.is_valid() and phases.is_valid() and milestones.is_valid():
            try:
                services.campaign_save(
                    actor=request.user,
                    bureau=campaign.bureau,
                    campaign=campaign,
                    data=form.cleaned_data,
                    phases=filled(phases),
                    milestones=filled(milestones),
                    school_codes=form.codes() if not launched else (),
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("Campaign saved."))
                return redirect(campaign)
    else:
        plan = selectors.campaign_plan(campaign)
        initial = {**plan["data"], "school_codes": "\n".join(plan["school_codes"])}
        form = CampaignEditForm(initial=initial, bureau_ids=bureaus, launched=launched)
        phases = PhaseFormSet(prefix="phase", initial=plan["phases"])
        milestones = MilestoneFormSet(prefix="milestone", initial=plan["milestones"])
    in_scope = selectors.schools_in_scope_count(campaign)
    return render(
        request,
        "campaigns/campaign_edit.html",
        {
            "campaign": campaign,
            "form": form,
            "phases": phases,
            "milestones": milestones,
            "launched": launched,
            "in_scope": in_scope,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def campaign_detail(request, pk: int):
    require(request.user, CAMPAIGN_VIEW)
    campaign = selectors.campaign_for(request.user, pk, related=["catalog_version"])
    user = request.user
    forms = selectors.campaign_forms(user, campaign)
    if selectors.school_only(user):
        # a school's staff go straight to their own form
        own = selectors.first_form(forms)
        if own is not None:
            return redirect(own)
    today = timezone.localdate()
    progress = services.campaign_progress(campaign, forms)
    by_stage = [(s["label"], s["counts"], s["total"]) for s in services.progress_by_stage(progress)]
    can_manage = campaign.bureau_id in selectors.manage_bureau_ids(user)
    phases = selectors.phases(campaign)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "phases": phases,
            "current_phase": campaign.current_phase(today),
            "next_deadline": campaign.next_deadline(today),
            "key_dates": campaign.key_dates(),
            "progress": progress,
            "statuses": FormStatus.choices,
            "by_stage": by_stage,
            "can_manage": can_manage,
            "can_import": can(user, FORM_FILL) and not campaign.is_draft,
            "can_inspect": can(user, SITE_INSPECT) and not campaign.is_draft,
            "in_scope": selectors.schools_in_scope_count(campaign) if campaign.is_draft else None,
            # launching a draft whose forms deadline has passed makes every school late at once
            "past_deadline_warning": services.past_deadline_warning(campaign)
            if campaign.is_draft and services.launch_deadline_passed(campaign, today)
            else None,
            "inspections": form_selectors.campaign_site_inspections(user, campaign)[:20],
            "import_form": ImportForm(),
            "today": today,
            "supervision_links": _supervision_links(user, campaign, phases),
        },
    )


def _supervision_links(user, campaign, phases) -> list[tuple[str, str, str]]:
    """Links from a launched campaign to its weekly reports and its summary evaluation."""
    if campaign.is_draft:
        return []
    links = []
    if can(user, WEEKLY_REPORT_VIEW) and any(p.weekly_reports for p in phases):
        url = reverse("weekly:campaign_weeks", args=[campaign.pk])
        links.append((_("Weekly reports"), url, "calendar-week"))
    if can(user, EVALUATION_VIEW) and any(p.kind == PhaseKind.EVALUATION for p in phases):
        url = reverse("evaluation:campaign_evaluation", args=[campaign.pk])
        links.append((_("Summary evaluation"), url, "clipboard-data"))
    return links


@login_required
@require_POST
def campaign_launch(request, pk: int):
    campaign = selectors.campaign_to_run(request.user, pk)
    confirmed = request.POST.get("confirm_past_deadline") == "1"
    try:
        made, job = services.campaign_launch_request(
            actor=request.user, campaign=campaign, confirm_past_deadline=confirmed
        )
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
        return redirect(campaign)
    if job is not None:
        return redirect(job)
    messages.success(request, _("%(n)s forms were sent to the schools.") % {"n": made})
    return redirect(campaign)


def campaign_launch_job(*, job, progress) -> dict:
    made = services.campaign_launch(
        actor=job.created_by,
        campaign_id=job.params["campaign"],
        progress=progress,
        confirm_past_deadline=job.params.get("confirm_past_deadline", False),
    )
    return {"rows": made}


@login_required
@require_POST
def campaign_close(request, pk: int):
    campaign = selectors.campaign_to_run(request.user, pk)
    try:
        services.campaign_close(actor=request.user, campaign_id=campaign.pk)
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("The campaign is closed."))
    return redirect(campaign)
