"""The pages of self-inspection forms: the forms of a campaign, the review queue, filling in and
reviewing one form, the Excel round trip (a job), evidence, and on-site inspections. They read
through ``selectors`` and change data through ``services`` only."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.campaigns.choices import CampaignStatus
from safecampus.core.access import can, require, roles_on
from safecampus.core.capabilities import CAMPAIGN_VIEW, FORM_FILL, FORM_REVIEW, SITE_INSPECT
from safecampus.core.db import in_write_transaction
from safecampus.core.excel import XLSX_CONTENT_TYPE, attachment
from safecampus.core.forms import id_param
from safecampus.core.refusals import Code
from safecampus.hazards.evidence import serve_evidence
from safecampus.orgs.choices import SchoolStage

from . import selectors, services
from .choices import Answer, FormStatus, ReviewDecision
from .excel import export_name, form_import_start, form_workbook_bytes, forms_zip_start
from .forms import ImportForm, ReviewForm
from .lifecycle import ACCEPT, FORM, RETURN, SAVE
from .models import FormAnswer

PAGE_SIZE = 50
REVIEW_ACTIONS = frozenset({ACCEPT, RETURN})


def _refusal_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- forms of a campaign ------------------------------------------------------------------------


@login_required
@require_POST
def campaign_forms_zip(request, pk: int):
    campaign = selectors.campaign_to_run(request.user, pk)
    return redirect(forms_zip_start(actor=request.user, campaign=campaign))


def _start_import(request, *, campaign, form_id: int | None = None):
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        # files that were chosen but refused (over the limits) say why; no file: what to choose
        problems = form.errors.get("files") if request.FILES.getlist("files") else None
        for problem in problems or [_("Choose one or more .xlsx workbooks, or a zip of them.")]:
            messages.error(request, problem)
        return None
    return form_import_start(
        actor=request.user,
        campaign=campaign,
        files=form.cleaned_data["files"],
        submit=form.cleaned_data["submit"],
        form_id=form_id,
    )


@login_required
@require_POST
def campaign_import(request, pk: int):
    require(request.user, FORM_FILL)
    campaign = selectors.campaign_for(request.user, pk)
    job = _start_import(request, campaign=campaign)
    return redirect(job) if job else redirect(campaign)


@login_required
def form_list(request, pk: int):
    require(request.user, CAMPAIGN_VIEW)
    campaign = selectors.campaign_for(request.user, pk)
    status = request.GET.get("status", "")
    status = status if status in FormStatus.values else ""
    stage = request.GET.get("stage", "")
    stage = stage if stage in SchoolStage.values else ""
    late = request.GET.get("late") == "1"
    awaiting = request.GET.get("awaiting") == "1"
    q = (request.GET.get("q") or "").strip()
    forms = selectors.form_list(
        request.user, campaign, status=status, stage=stage, late=late, awaiting=awaiting, q=q
    )
    page = Paginator(forms, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inspections/form_list.html",
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
            "can_review": can(request.user, FORM_REVIEW),
            "today": timezone.localdate(),
        },
    )


@login_required
def review_queue(request):
    """Submitted forms awaiting my department's review, across campaigns."""
    require(request.user, FORM_REVIEW)
    forms = selectors.review_queue(request.user)
    page = Paginator(forms, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "inspections/review_queue.html", {"page": page, "today": timezone.localdate()}
    )


# --- one form -----------------------------------------------------------------------------------


def _form_for(user, pk: int):
    require(user, CAMPAIGN_VIEW)
    return selectors.form_for(user, pk)


def _groups(answers: list) -> list[tuple]:
    """The form's sections: (area id, area, its answers, how many are still unanswered)."""
    groups: list[list] = []
    for a in answers:
        if not groups or groups[-1][0] != a.item.area_id:
            groups.append([a.item.area_id, a.item.area, [], 0])
        groups[-1][2].append(a)
        groups[-1][3] += not a.answer
    return [tuple(g) for g in groups]


def _form_page(request, form, *, errors=None, status: int = 200, posted=None, check=False):
    user = request.user
    answers = selectors.answers(form)
    errors = errors or (_check_errors(request, form, answers) if check else {})
    for a in answers:
        a.errors = errors.get(str(a.pk), {})
        if posted and str(a.pk) in posted:
            for field, value in posted[str(a.pk)].items():
                setattr(a, "client_seq" if field == "seq" else field, value)
    actions = FORM.allowed(form, roles_on(user, form))  # the buttons: what the table allows
    can_fill = (
        SAVE in actions
        and form.campaign.status != CampaignStatus.CLOSED
        and selectors.may_fill(user, form)
    )
    reviews = selectors.reviews(form)
    pending = services.pending_review_departments(user, form, reviews)
    return render(
        request,
        "inspections/form_detail.html",
        {
            "form": form,
            "campaign": form.campaign,
            "groups": _groups(answers),
            "answers": answers,
            "can_fill": can_fill,
            "review_departments": selectors.departments(pending),
            "can_review": bool(pending) and bool(REVIEW_ACTIONS & set(actions)),
            "reviews": reviews,
            "events": selectors.events(form),
            "answer_choices": Answer.choices,
            "import_form": ImportForm(),
            "review_form": ReviewForm(),
            "has_errors": bool(errors),
            "faulty": [a for a in answers if a.errors],
            "today": timezone.localdate(),
        },
        status=status,
    )


#: the forms whose submission was refused in this session; their pages show the completeness
#: check's marks (recomputed on every view, so a fixed item loses its mark) until submitted
CHECKED = "inspections.checked_forms"


def _remember_check(request, form, on: bool) -> None:
    checked = set(request.session.get(CHECKED, []))
    if (form.pk in checked) != on:
        checked ^= {form.pk}
        request.session[CHECKED] = sorted(checked)


def _check_errors(request, form, answers) -> dict:
    """The completeness check's marks for a form whose submission was refused here."""
    if form.pk not in request.session.get(CHECKED, ()) or not form.is_editable:
        return {}
    return services.completeness_errors(answers)


@login_required
def form_detail(request, pk: int):
    return _form_page(request, _form_for(request.user, pk), check=True)


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


def _save_rows(request, form, rows) -> tuple:
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
    ids = selectors.answer_ids(form)
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
    answer = next(iter(selectors.answers(form, pk=answer_id)), None)  # this card only, not the form
    if answer is None:
        raise Http404
    answer.errors = (errors or {}).get(str(answer_id), {})
    for field, value in ((posted or {}).get(str(answer_id)) or {}).items():
        # a refused change stays on the card, with the sequence number it was sent with
        setattr(answer, "client_seq" if field == "seq" else field, value)
    selectors.refresh(form)
    return render(
        request,
        "inspections/_answer_card.html",
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
    ids = selectors.answer_ids(form)
    rows = _posted_rows(request, ids)

    def save_and_submit():
        # One write transaction (one turn at SQLite's lock): the page's unsaved input is saved
        # first and stays saved when the submission itself is refused.
        return services.form_save_and_submit(actor=request.user, form_id=form.pk, rows=rows)

    try:
        result, refused = in_write_transaction(save_and_submit)
        if refused is not None:
            raise refused
    except ValidationError as exc:
        if getattr(exc, "code", "") == "already_submitted":
            messages.info(request, _("Already submitted: the form was received, nothing changed."))
            return redirect(form)
        errors = getattr(exc, "rows", None) or {}
        if getattr(exc, "code", "") == Code.INCOMPLETE:
            _remember_check(request, form, True)
        messages.error(
            request,
            _("The form was not submitted: %(n)s items need attention.") % {"n": len(errors)}
            if errors
            else _refusal_text(exc),
        )
        selectors.refresh(form)
        return _form_page(request, form, errors=errors, status=400, posted=rows)
    _remember_check(request, form, False)
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
def form_mark_section(request, pk: int):
    """ "All compliant" for one section: the page's unsaved input is saved first (the button
    posts the whole page), then every still-unanswered item of the section is marked compliant
    (``services.form_mark_section``). Back to the section, where each item can be changed."""
    form = _form_for(request.user, pk)
    area_id = id_param(request.POST.get("area"))
    if area_id is None:
        raise Http404
    if not selectors.may_fill(request.user, form):
        raise PermissionDenied(_("Only the school (or the safety centre) fills in this form."))
    rows = _posted_rows(request, selectors.answer_ids(form))

    def save_and_mark():
        if rows:
            services.form_save(actor=request.user, form_id=form.pk, rows=rows)
        return services.form_mark_section(actor=request.user, form_id=form.pk, area_id=area_id)

    try:
        _form, codes = in_write_transaction(save_and_mark)
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
        selectors.refresh(form)
        return _form_page(request, form, errors=getattr(exc, "rows", None), status=400)
    if codes:
        messages.success(
            request,
            ngettext(
                "%(n)s item marked compliant: %(codes)s. Each can still be changed below.",
                "%(n)s items marked compliant: %(codes)s. Each can still be changed below.",
                len(codes),
            )
            % {"n": len(codes), "codes": "、".join(codes)},
        )
    else:
        messages.info(request, _("Every item of this section was already answered."))
    return redirect(form.get_absolute_url() + f"#area-{area_id}")


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
        selectors.refresh(form)
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
    response["Content-Disposition"] = attachment(export_name(form))
    return response


@login_required
@require_POST
def form_import(request, pk: int):
    form = _form_for(request.user, pk)
    if not selectors.may_fill(request.user, form):
        raise PermissionDenied(_("Only the school (or the safety centre) fills in this form."))
    job = _start_import(request, campaign=form.campaign, form_id=form.pk)
    return redirect(job) if job else redirect(form)


@login_required
@require_POST
def answer_evidence(request, pk: int):
    answer = selectors.answer_for(request.user, pk)
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
    ev = selectors.evidence_for(request.user, pk)
    return serve_evidence(ev, thumbnail=bool(thumb and ev.thumbnail))


# --- on-site inspections ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def site_inspection_new(request, pk: int):
    """Record an on-site inspection of one school in a campaign, against its form's items."""
    require(request.user, SITE_INSPECT)
    campaign = selectors.campaign_for(request.user, pk)
    schools = selectors.inspectable_schools(request.user, campaign)
    school = None
    if sid := (request.POST.get("school") or request.GET.get("school")):
        if not id_param(sid):
            raise Http404
        school = selectors.inspectable_school(schools, sid)
    depts = selectors.inspecting_departments(request.user, campaign)
    items = selectors.inspection_items(campaign, school) if school is not None else []
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
        "inspections/site_inspection_form.html",
        {
            "campaign": campaign,
            "school": school,
            "schools": selectors.school_choices(schools),
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
    require(request.user, CAMPAIGN_VIEW)
    inspection = selectors.site_inspection_for(request.user, pk)
    findings = selectors.findings(inspection)
    return render(
        request,
        "inspections/site_inspection_detail.html",
        {"inspection": inspection, "findings": findings},
    )
