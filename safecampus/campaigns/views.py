"""Campaign pages: the list, making and editing a campaign, its progress page, the forms of a
campaign, filling in and reviewing one form, the Excel round trip and on-site inspections."""

from __future__ import annotations

import io
import re
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import scope_for
from safecampus.core.capabilities import (
    CAMPAIGN_MANAGE,
    CAMPAIGN_VIEW,
    EVALUATION_VIEW,
    FORM_FILL,
    FORM_REVIEW,
    SITE_INSPECT,
    WEEKLY_REPORT_VIEW,
)
from safecampus.core.db import in_write_transaction
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.forms import id_param
from safecampus.core.jobs import job_start
from safecampus.core.roles import Role
from safecampus.hazards.evidence import serve_evidence
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Department, School

from . import services
from .blueprints import BLUEPRINTS
from .choices import Answer, CampaignStatus, FormStatus, PhaseKind, ReviewDecision
from .excel import export_name, form_workbook_bytes
from .forms import (
    CampaignEditForm,
    CampaignNewForm,
    ImportForm,
    MilestoneFormSet,
    PhaseFormSet,
    ReviewForm,
    filled,
)
from .models import (
    Campaign,
    FormAnswer,
    FormEvidence,
    FormReview,
    InspectionForm,
    SiteInspection,
)

PAGE_SIZE = 50
#: above this many schools, launching runs as a background job with a progress bar
LAUNCH_INLINE_LIMIT = 500


def _require(user, roles) -> None:
    if not scope_for(user).has(*roles):
        raise PermissionDenied(_("Your roles do not allow this."))


def _refusal_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _manage_bureaus(user):
    return scope_for(user).bureau_ids(*CAMPAIGN_MANAGE)


# --- campaigns ----------------------------------------------------------------------------------


@login_required
def campaign_list(request):
    _require(request.user, CAMPAIGN_VIEW)
    user = request.user
    scope = scope_for(user)
    done = [FormStatus.SUBMITTED, FormStatus.ACCEPTED]
    campaigns = (
        Campaign.objects.visible_to(user)
        .annotate(
            form_total=Count("forms"),
            form_done=Count("forms", filter=Q(forms__status__in=done)),
        )
        .order_by("-year", "-id")
    )
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    my_forms = []
    if scope.school_ids:
        my_forms = list(
            InspectionForm.objects.filter(school_id__in=scope.school_ids)
            .visible_to(user)
            .select_related("campaign", "school")
            .order_by("-campaign__year", "-campaign_id")[:50]
        )
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "page": page,
            "my_forms": my_forms,
            "can_manage": bool(_manage_bureaus(user)),
            "can_review": scope.has(*FORM_REVIEW),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    bureaus = _manage_bureaus(request.user)
    if not bureaus:
        raise PermissionDenied(_("Only the safety centre runs campaigns."))
    form = CampaignNewForm(request.POST or None, bureau_ids=bureaus)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        version = d["catalog_version"]
        try:
            if d["blueprint"]:
                campaign = services.campaign_from_blueprint(
                    actor=request.user,
                    bureau=version.bureau,
                    key=d["blueprint"],
                    year=d["year"],
                    catalog_version=version,
                    name=d["name"],
                    doc_number=d["doc_number"],
                )
            else:
                campaign = services.campaign_save(
                    actor=request.user,
                    bureau=version.bureau,
                    data={
                        "name": d["name"],
                        "doc_number": d["doc_number"],
                        "year": d["year"],
                        "forms_due": d["forms_due"],
                        "catalog_version": version,
                    },
                    phases=[],
                )
        except ValidationError as exc:
            form.add_error(None, _refusal_text(exc))
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
    campaign = get_object_or_404(Campaign.objects.editable_by(request.user), pk=pk)
    if campaign.status == CampaignStatus.CLOSED:
        messages.error(request, _("The campaign is closed; it no longer changes."))
        return redirect(campaign)
    launched = not campaign.is_draft
    bureaus = _manage_bureaus(request.user)
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
                form.add_error(None, _refusal_text(exc))
            else:
                messages.success(request, _("Campaign saved."))
                return redirect(campaign)
    else:
        initial = {
            "name": campaign.name,
            "doc_number": campaign.doc_number,
            "description": campaign.description,
            "forms_due": campaign.forms_due,
            "report_week_start": campaign.report_week_start,
            "report_due_weekday": campaign.report_due_weekday,
            "catalog_version": campaign.catalog_version_id,
            "school_selection": campaign.school_selection,
            "stages": campaign.stages,
            "school_codes": "\n".join(campaign.schools.values_list("code", flat=True)),
        }
        form = CampaignEditForm(initial=initial, bureau_ids=bureaus, launched=launched)
        phases = PhaseFormSet(
            prefix="phase",
            initial=[
                {
                    "name": p.name,
                    "kind": p.kind,
                    "starts_on": p.starts_on,
                    "ends_on": p.ends_on,
                    "weekly_reports": p.weekly_reports,
                }
                for p in campaign.phases.all()
            ],
        )
        milestones = MilestoneFormSet(
            prefix="milestone",
            initial=[{"name": m.name, "due_on": m.due_on} for m in campaign.milestones.all()],
        )
    in_scope = services.schools_in_scope(campaign).count()
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
    _require(request.user, CAMPAIGN_VIEW)
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user).select_related("catalog_version"), pk=pk
    )
    scope = scope_for(request.user)
    forms = InspectionForm.objects.visible_to(request.user).filter(campaign=campaign)
    if scope.school_ids and not scope.bureau_ids(*CAMPAIGN_VIEW):
        # a school's staff go straight to their own form
        own = forms.first()
        if own is not None:
            return redirect(own)
    today = timezone.localdate()
    progress = services.campaign_progress(campaign, forms)
    stage_labels = dict(SchoolStage.choices)
    by_stage = [
        (stage_labels.get(stage, stage), counts, sum(counts.values()))
        for stage, counts in sorted(progress["by_stage"].items())
    ]
    can_manage = campaign.bureau_id in _manage_bureaus(request.user)
    phases = list(campaign.phases.all())
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
            "can_import": scope.has(*FORM_FILL) and not campaign.is_draft,
            "can_inspect": scope.has(*SITE_INSPECT) and not campaign.is_draft,
            "in_scope": services.schools_in_scope(campaign).count() if campaign.is_draft else None,
            "inspections": SiteInspection.objects.visible_to(request.user)
            .filter(campaign=campaign)
            .select_related("school", "department")[:20],
            "import_form": ImportForm(),
            "today": today,
            "supervision_links": _supervision_links(scope, campaign, phases),
        },
    )


def _supervision_links(scope, campaign, phases) -> list[tuple[str, str, str]]:
    """Links from a launched campaign to its weekly reports and its summary evaluation."""
    if campaign.is_draft:
        return []
    links = []
    if scope.has(*WEEKLY_REPORT_VIEW) and any(p.weekly_reports for p in phases):
        url = reverse("weekly:campaign_weeks", args=[campaign.pk])
        links.append((_("Weekly reports"), url, "calendar-week"))
    if scope.has(*EVALUATION_VIEW) and any(p.kind == PhaseKind.EVALUATION for p in phases):
        url = reverse("evaluation:campaign_evaluation", args=[campaign.pk])
        links.append((_("Summary evaluation"), url, "clipboard-data"))
    return links


@login_required
@require_POST
def campaign_launch(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.editable_by(request.user), pk=pk)
    count = services.schools_in_scope(campaign).count()
    if count > LAUNCH_INLINE_LIMIT:
        job = job_start(
            kind="campaigns.launch",
            title=_("Launch %(name)s") % {"name": campaign.name},
            user=request.user,
            params={"campaign": campaign.pk},
        )
        return redirect(job)
    try:
        made = services.campaign_launch(actor=request.user, campaign_id=campaign.pk)
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("%(n)s forms were sent to the schools.") % {"n": made})
    return redirect(campaign)


def campaign_launch_job(*, job, progress) -> dict:
    made = services.campaign_launch(
        actor=job.created_by, campaign_id=job.params["campaign"], progress=progress
    )
    return {"rows": made}


@login_required
@require_POST
def campaign_close(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.editable_by(request.user), pk=pk)
    try:
        services.campaign_close(actor=request.user, campaign_id=campaign.pk)
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("The campaign is closed."))
    return redirect(campaign)


@login_required
@require_POST
def campaign_forms_zip(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.editable_by(request.user), pk=pk)
    job = job_start(
        kind="campaigns.forms_zip",
        title=_("All forms of %(name)s") % {"name": campaign.name},
        user=request.user,
        params={"campaign": campaign.pk},
    )
    return redirect(job)


def _start_import(request, *, campaign: Campaign, form_id: int | None = None):
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        # files that were chosen but refused (over the limits) say why; no file: what to choose
        problems = form.errors.get("files") if request.FILES.getlist("files") else None
        for problem in problems or [_("Choose one or more .xlsx workbooks, or a zip of them.")]:
            messages.error(request, problem)
        return None
    files = form.cleaned_data["files"]
    if len(files) == 1:
        upload, name = files[0], files[0].name
    else:
        # several workbooks travel to the job as one zip
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for f in files:
                archive.writestr(f.name, f.read())
        name = f"{len(files)} workbooks.zip"
        upload = ContentFile(buf.getvalue(), name="workbooks.zip")
    return job_start(
        kind="campaigns.form_import",
        title=_("Import forms: %(name)s") % {"name": name},
        user=request.user,
        params={
            "campaign": campaign.pk,
            "form": form_id,
            "name": name,
            "submit": form.cleaned_data["submit"],
        },
        input_file=upload,
    )


@login_required
@require_POST
def campaign_import(request, pk: int):
    _require(request.user, FORM_FILL)
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)
    job = _start_import(request, campaign=campaign)
    return redirect(job) if job else redirect(campaign)


# --- forms of a campaign ------------------------------------------------------------------------


@login_required
def form_list(request, pk: int):
    _require(request.user, CAMPAIGN_VIEW)
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)
    forms = (
        InspectionForm.objects.visible_to(request.user)
        .filter(campaign=campaign)
        .select_related("school", "campaign")  # the status badge reads the forms deadline
        .order_by("school__name", "id")
    )
    status = request.GET.get("status", "")
    if status in FormStatus.values:
        forms = forms.filter(status=status)
    stage = request.GET.get("stage", "")
    if stage in SchoolStage.values:
        forms = forms.filter(school__stage=stage)
    late = request.GET.get("late") == "1"
    if late:
        forms = forms.late(timezone.localdate())
    awaiting = request.GET.get("awaiting") == "1"
    if awaiting:
        forms = forms.filter(services.awaiting_review_q(request.user))
    q = (request.GET.get("q") or "").strip()
    if q:
        forms = forms.filter(Q(school__name__icontains=q) | Q(school__code=q))
    page = Paginator(forms, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "campaigns/form_list.html",
        {
            "campaign": campaign,
            "page": page,
            "query": query.urlencode(),
            "status": status,
            "stage": stage,
            "late": late,
            "awaiting": awaiting,
            "q": q,
            "statuses": FormStatus.choices,
            "stages": SchoolStage.choices,
            "can_review": scope_for(request.user).has(*FORM_REVIEW),
            "today": timezone.localdate(),
        },
    )


@login_required
def review_queue(request):
    """Submitted forms awaiting my department's review, across campaigns."""
    _require(request.user, FORM_REVIEW)
    forms = (
        InspectionForm.objects.visible_to(request.user)
        .filter(services.awaiting_review_q(request.user))
        .select_related("school", "campaign")
        .order_by("submitted_at", "id")
    )
    page = Paginator(forms, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "campaigns/review_queue.html", {"page": page, "today": timezone.localdate()}
    )


# --- one form -----------------------------------------------------------------------------------


def _form_for(user, pk: int) -> InspectionForm:
    _require(user, CAMPAIGN_VIEW)
    return get_object_or_404(
        InspectionForm.objects.visible_to(user).select_related(
            "campaign", "school", "campaign__catalog_version"
        ),
        pk=pk,
    )


def _answers(form: InspectionForm, **filters) -> list[FormAnswer]:
    return list(
        form.answers.filter(**filters)
        .select_related("item", "item__area", "department", "hazard")
        .prefetch_related(Prefetch("evidence", queryset=FormEvidence.objects.order_by("id")))
        .order_by("sort_order", "id")
    )


def _groups(answers: list[FormAnswer]) -> list[tuple]:
    groups: list[tuple] = []
    for a in answers:
        if not groups or groups[-1][0] != a.item.area_id:
            groups.append((a.item.area_id, a.item.area, []))
        groups[-1][2].append(a)
    return groups


def _form_page(request, form: InspectionForm, *, errors=None, status: int = 200, posted=None):
    user = request.user
    answers = _answers(form)
    errors = errors or {}
    for a in answers:
        a.errors = errors.get(str(a.pk), {})
        if posted and str(a.pk) in posted:
            for field, value in posted[str(a.pk)].items():
                setattr(a, "client_seq" if field == "seq" else field, value)
    can_fill = (
        form.is_editable
        and form.campaign.status != CampaignStatus.CLOSED
        and InspectionForm.objects.editable_by(user).filter(pk=form.pk).exists()
    )
    review_depts = (
        services.reviewable_departments(user, form) if scope_for(user).has(*FORM_REVIEW) else set()
    )
    reviews = list(
        FormReview.objects.filter(form=form)
        .select_related("department", "by")
        .order_by("round", "at")
    )
    done_now = {r.department_id for r in reviews if r.round == form.round}
    pending = sorted(review_depts - done_now)
    return render(
        request,
        "campaigns/form_detail.html",
        {
            "form": form,
            "campaign": form.campaign,
            "groups": _groups(answers),
            "answers": answers,
            "can_fill": can_fill,
            "review_departments": Department.objects.filter(pk__in=pending),
            "can_review": form.status == FormStatus.SUBMITTED and bool(pending),
            "reviews": reviews,
            "events": form.events.select_related("actor").order_by("at", "id"),
            "answer_choices": Answer.choices,
            "import_form": ImportForm(),
            "review_form": ReviewForm(),
            "has_errors": bool(errors),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def form_detail(request, pk: int):
    return _form_page(request, _form_for(request.user, pk))


def _posted_rows(request, answer_ids) -> dict[str, dict]:
    """The answer fields posted for each answer id, with ``seq``, the page's sequence number of
    the card's last change (see ``services.form_save``)."""
    rows = {}
    for aid in answer_ids:
        prefix = f"a{aid}-"
        row = {
            field: request.POST.get(prefix + field)
            for field in (*services.ANSWER_FIELDS, "seq")
            if prefix + field in request.POST
        }
        if set(row) - {"seq"}:
            rows[str(aid)] = row
    return rows


def _autosaved_card(request, rows: dict[str, dict]) -> str | None:
    """The answer id of the card an HTMX autosave is for, or None for a whole-page save.
    HTMX posts the whole enclosing form along with a card's fields, so the card is the one it
    targets (``#a<id>``, or its ``#a<id>-saved`` mark); a lone row is taken as the card."""
    if not request.headers.get("HX-Request"):
        return None
    target = re.fullmatch(r"a(\d+)(?:-saved)?", request.headers.get("HX-Target", ""))
    if target and target[1] in rows:
        return target[1]
    return next(iter(rows)) if len(rows) == 1 else None


def _save_rows(request, form, rows) -> tuple[InspectionForm, int, set]:
    """``services.form_save`` in one short write transaction (retried on SQLite's lock);
    returns the form, how many answers changed and the ids of rows that arrived stale."""
    stale: set = set()

    def save():
        stale.clear()  # a retried attempt starts again
        return services.form_save(actor=request.user, form_id=form.pk, rows=rows, stale=stale)

    form, changed = in_write_transaction(save)
    return form, changed, stale


@login_required
@require_POST
def form_save(request, pk: int):
    """Save every answer sent (the whole page, or one item's card through HTMX).

    A card's autosave is always answered with the card as it now stands, saying plainly whether
    the change was kept: "Saved", "Not saved" with the reason (the change stays on the card), or
    the newer answer already saved when this request arrived late."""
    form = _form_for(request.user, pk)
    ids = list(form.answers.values_list("pk", flat=True))
    rows = _posted_rows(request, ids)
    single = _autosaved_card(request, rows)
    if single:
        rows = {single: rows[single]}
    try:
        form, changed, stale = _save_rows(request, form, rows)
    except ValidationError as exc:
        errors = getattr(exc, "rows", None) or {}
        if single:
            return _card(
                request,
                form,
                int(single),
                errors=errors,
                posted=rows,
                refusal="" if errors else _refusal_text(exc),
            )
        messages.error(request, _refusal_text(exc))
        return _form_page(request, form, errors=errors, status=400, posted=rows)
    if single:
        return _card(request, form, int(single), saved=True, superseded=bool(stale))
    if stale:
        messages.warning(
            request,
            ngettext(
                "%(n)s item had a newer answer saved meanwhile; it was kept.",
                "%(n)s items had a newer answer saved meanwhile; they were kept.",
                len(stale),
            )
            % {"n": len(stale)},
        )
    if changed:
        messages.success(request, _("Saved."))
    return redirect(form)


def _card(
    request,
    form,
    answer_id: int,
    *,
    errors=None,
    posted=None,
    saved=False,
    refusal="",
    superseded=False,
):
    answer = next(iter(_answers(form, pk=answer_id)), None)  # this card only, not the form
    if answer is None:
        raise Http404
    answer.errors = (errors or {}).get(str(answer_id), {})
    for field, value in ((posted or {}).get(str(answer_id)) or {}).items():
        # a refused change stays on the card, with the sequence number it was sent with
        setattr(answer, "client_seq" if field == "seq" else field, value)
    form.refresh_from_db()
    return render(
        request,
        "campaigns/_answer_card.html",
        {
            "a": answer,
            "form": form,
            "can_fill": True,
            "answer_choices": Answer.choices,
            "saved": saved,
            "superseded": superseded,
            "autosave_failed": bool(answer.errors or refusal),
            "refusal": refusal,
            "today": timezone.localdate(),
            "oob_progress": True,
        },
        # HTMX swaps only 2xx answers: the card itself says it was not saved, and why
    )


@login_required
@require_POST
def form_submit(request, pk: int):
    form = _form_for(request.user, pk)
    ids = list(form.answers.values_list("pk", flat=True))
    rows = _posted_rows(request, ids)

    def save_and_submit():
        # One write transaction (one turn at SQLite's lock): the page's unsaved input is saved
        # first and stays saved when the submission itself is refused (its savepoint rolls back).
        # On a form already submitted, the same content again saves nothing and the submission
        # below answers "already submitted" (a double-click); other content is refused as locked.
        if rows:
            services.form_save(actor=request.user, form_id=form.pk, rows=rows)
        try:
            with transaction.atomic():
                return services.form_submit(actor=request.user, form_id=form.pk), None
        except ValidationError as exc:
            return None, exc

    try:
        result, refused = in_write_transaction(save_and_submit)
        if refused is not None:
            raise refused
    except ValidationError as exc:
        if getattr(exc, "code", "") == "already_submitted":
            messages.info(request, _("Already submitted: the form was received, nothing changed."))
            return redirect(form)
        errors = getattr(exc, "rows", None) or {}
        messages.error(
            request,
            _("The form was not submitted: %(n)s items need attention.") % {"n": len(errors)}
            if errors
            else _refusal_text(exc),
        )
        form.refresh_from_db()
        return _form_page(request, form, errors=errors, status=400, posted=rows)
    n = len(result["created"])
    text = _("Form submitted.")
    if n:
        text += " " + ngettext(
            "%(n)s hazard was entered in the register: %(codes)s.",
            "%(n)s hazards were entered in the register: %(codes)s.",
            n,
        ) % {"n": n, "codes": "、".join(result["created"])}
    if result["form"].late:
        text += " " + _("The submission is after the deadline and is marked late.")
    messages.success(request, text)
    return redirect(form)


@login_required
@require_POST
def form_review(request, pk: int):
    form = _form_for(request.user, pk)
    review = ReviewForm(request.POST)
    if not review.is_valid():
        messages.error(request, _("Choose accept or return."))
        return redirect(form)
    d = review.cleaned_data
    try:
        services.form_review(
            actor=request.user,
            form_id=form.pk,
            decision=d["decision"],
            reason=d["reason"],
            department_id=d.get("department"),
        )
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
        form.refresh_from_db()
        return _form_page(request, form, status=400)
    messages.success(
        request,
        _("Accepted.")
        if d["decision"] == ReviewDecision.ACCEPT
        else _("Returned to the school for revision."),
    )
    return redirect(form)


@login_required
def form_export(request, pk: int):
    form = _form_for(request.user, pk)
    response = HttpResponse(form_workbook_bytes(form), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{escape_uri_path(export_name(form))}"
    )
    return response


@login_required
@require_POST
def form_import(request, pk: int):
    form = _form_for(request.user, pk)
    if not InspectionForm.objects.editable_by(request.user).filter(pk=form.pk).exists():
        raise PermissionDenied(_("Only the school (or the safety centre) fills in this form."))
    job = _start_import(request, campaign=form.campaign, form_id=form.pk)
    return redirect(job) if job else redirect(form)


@login_required
@require_POST
def answer_evidence(request, pk: int):
    answer = get_object_or_404(FormAnswer.objects.visible_to(request.user), pk=pk)
    files = request.FILES.getlist(f"a{pk}-files")
    try:
        services.answer_attach(actor=request.user, answer_id=answer.pk, files=files)
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
    except FormAnswer.DoesNotExist as exc:
        raise PermissionDenied(
            _("Only the school (or the safety centre) fills in this form.")
        ) from exc
    if request.headers.get("HX-Request"):
        return _card(request, answer.form, answer.pk, saved=True)
    return redirect(answer.form.get_absolute_url() + f"#a{answer.pk}")


@login_required
def evidence_file(request, pk: int, thumb: bool = False):
    ev = get_object_or_404(
        FormEvidence.objects.filter(
            answer__in=FormAnswer.objects.visible_to(request.user).values("pk")
        ),
        pk=pk,
    )
    return serve_evidence(ev, thumbnail=bool(thumb and ev.thumbnail))


# --- on-site inspections ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def site_inspection_new(request, pk: int):
    """Record an on-site inspection of one school in a campaign, against its form's items."""
    _require(request.user, SITE_INSPECT)
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)
    scope = scope_for(request.user)
    schools = School.objects.visible_to(request.user).filter(
        pk__in=InspectionForm.objects.filter(campaign=campaign).values("school_id")
    )
    school = None
    if sid := (request.POST.get("school") or request.GET.get("school")):
        school = schools.filter(pk=sid).first() if id_param(sid) else None
        if school is None:
            raise Http404
    depts = Department.objects.filter(bureau_id=campaign.bureau_id)
    if campaign.bureau_id not in scope.bureau_ids(Role.SAFETY_CENTRE):
        depts = depts.filter(pk__in=scope.department_ids)
    items = []
    if school is not None:
        items = list(
            campaign.catalog_version.items.filter(school_facing=True)
            .select_related("area")
            .order_by("area__sort_order", "sort_order", "code")
        )
        items = [i for i in items if i.applies_to(school)]
    errors, posted = {}, {}
    if request.method == "POST" and school is not None:
        findings = []
        for item in items:
            prefix = f"i{item.pk}-"
            row = {f: request.POST.get(prefix + f, "") for f in services.ANSWER_FIELDS}
            posted[str(item.pk)] = row
            if row.get("answer"):
                findings.append({"item": item.pk, **row})
        try:
            inspection = services.site_inspection_record(
                actor=request.user,
                school=school,
                campaign=campaign,
                data={
                    "inspectors": request.POST.get("inspectors", "").strip(),
                    "summary": request.POST.get("summary", "").strip(),
                    "inspected_on": services.parse_date_text(request.POST.get("inspected_on", ""))
                    or timezone.localdate(),
                    "department": request.POST.get("department") or None,
                },
                findings=findings,
            )
        except ValidationError as exc:
            errors = getattr(exc, "rows", None) or {}
            messages.error(request, _refusal_text(exc))
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect(inspection)
    for item in items:
        item.errors = errors.get(str(item.pk), {})
        item.posted = posted.get(str(item.pk), {})
    return render(
        request,
        "campaigns/site_inspection_form.html",
        {
            "campaign": campaign,
            "school": school,
            "schools": schools.order_by("name")[:500],
            "departments": depts,
            "items": items,
            "answer_choices": Answer.choices,
            "post": request.POST,
            "today": timezone.localdate(),
        },
        status=400 if errors or (request.method == "POST" and school is not None) else 200,
    )


@login_required
def site_inspection_detail(request, pk: int):
    _require(request.user, CAMPAIGN_VIEW)
    inspection = get_object_or_404(
        SiteInspection.objects.visible_to(request.user).select_related(
            "school", "campaign", "department", "created_by"
        ),
        pk=pk,
    )
    findings = inspection.findings.select_related("item", "item__area", "hazard")
    return render(
        request,
        "campaigns/site_inspection_detail.html",
        {"inspection": inspection, "findings": findings},
    )
