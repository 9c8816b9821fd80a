"""Pages of what each body owes and records (DOMAIN.md §7): its own occurrences on a phone
(``my``), one occurrence with its records, events and the forms its roles allow now, the
evidence served inside the scope, the drill import and a school's duty log for a term."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import can, get_for, require, scope_for
from safecampus.core.capabilities import DUTY_COMPLIANCE_VIEW, DUTY_RECORD, DUTY_VIEW
from safecampus.core.documents import DOCX_CONTENT_TYPE, content_disposition
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.jobs import job_start
from safecampus.core.refusals import to_form
from safecampus.core.roles import Role
from safecampus.hazards.evidence import serve_evidence
from safecampus.orgs.models import School

from .. import access, exports, imports, selectors, services
from ..choices import OccurrenceStatus
from ..lifecycle import (
    ACCEPT_EXCUSE,
    ASK_EXCUSE,
    CORRECT,
    NOT_CREDIBLE,
    OCCURRENCES,
    RECORD,
    RECORD_LATE,
    RECORD_PART,
    REFUSE_EXCUSE,
)
from ..models import DutyEvidence, Occurrence
from ..owner_forms import DecideForm, ExcuseForm, NotCredibleForm, RecordForm, RecordImportForm

RECORD_ACTIONS = frozenset({RECORD, RECORD_LATE, RECORD_PART})
#: the panels of ``my``, in the order a body works through them
PANELS = ("this_week", "this_month", "missed", "done")


def _schools(user) -> list:
    """The schools whose duties ``user`` records."""
    ids = access.recording_school_ids(scope_for(user))
    if not ids:
        return []
    return list(
        School.objects.filter(pk__in=ids, is_active=True).select_related("bureau").order_by("name")
    )


def _term_bounds(cal, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The term ``today`` lies in; in a vacation, the last term before it; with no terms, the
    school year."""
    term = cal.term_of(today) or next((t for t in reversed(cal.terms) if t.start <= today), None)
    if term is None:
        return selectors.school_year_bounds(today)
    return term.start, term.end


@login_required
def my(request):
    """A body's own duties: due this week, later this month, overdue, done recently."""
    user = request.user
    require(user, DUTY_RECORD)
    today = timezone.localdate()
    schools = _schools(user)
    school = None
    if schools:
        wanted = request.GET.get("school")
        school = next((s for s in schools if str(s.pk) == wanted), schools[0])
        services.ensure_for_school(school, today=today)
    qs = Occurrence.objects.restrict(user, access.RECORD)
    if school is not None:
        qs = qs.filter(Q(school=school) | Q(school__isnull=True))
    panels = selectors.owner_panels(qs, today)
    bureau = school.bureau if school is not None else None
    if bureau is None:
        first = qs.select_related("bureau").first()
        bureau = first.bureau if first is not None else None
    start, end = (
        _term_bounds(selectors.calendar_for(bureau), today)
        if bureau is not None
        else selectors.school_year_bounds(today)
    )
    done_this_term = (
        qs.filter(selectors.status_q("completed", today))
        .filter(window_end__gte=start, window_start__lte=end)
        .count()
    )
    return render(
        request,
        "duties/owner/my.html",
        {
            "today": today,
            "schools": schools,
            "school": school,
            "panels": [(key, PANEL_TITLES[key](), panels[key]) for key in PANELS],
            "counts": {
                "this_week": len(panels["this_week"]),
                "missed": len(panels["missed"]),
                "done_this_term": done_this_term,
            },
            "term_start": start,
            "term_end": end,
        },
    )


PANEL_TITLES = {
    "this_week": lambda: _("Due this week"),
    "this_month": lambda: _("Due later this month"),
    "missed": lambda: pgettext("duty panel", "Overdue"),
    "done": lambda: _("Done recently"),
}


# --- one occurrence -------------------------------------------------------------------------


def _occurrence(user, pk: int, action: str = "view") -> Occurrence:
    return get_for(
        user,
        Occurrence.objects.select_related(
            "duty", "bureau", "school", "department", "partner", "overseeing_department"
        ),
        pk,
        action,
    )


def _calendar_warnings(occ, records) -> dict[int, str]:
    """record id → why its date is suspect (not a school day, a holiday)."""
    cal = selectors.calendar_for(occ.bureau)
    out = {}
    for rec in records:
        day = timezone.localtime(rec.occurred_at).date()
        name = cal.holiday_name(day)
        if not cal.is_workday(day):
            out[rec.pk] = (
                _("%(day)s is a holiday (%(name)s).") % {"day": f"{day:%Y-%m-%d}", "name": name}
                if name
                else _("%(day)s is not a workday.") % {"day": f"{day:%Y-%m-%d}"}
            )
        elif not cal.is_school_day(day):
            out[rec.pk] = _("%(day)s is not a school day (vacation).") % {"day": f"{day:%Y-%m-%d}"}
    return out


def _detail(request, occ, *, status: int = 200, **forms):
    user = request.user
    today = timezone.localdate()
    scope = scope_for(user)
    record_roles = access.record_roles(scope, occ)
    oversee_roles = access.oversee_roles(scope, occ)
    # the owner's moves come from its owner roles, the overseer's from its oversight roles: a
    # centre or department overseeing a school's occurrence is not offered the school's forms
    owned = set(OCCURRENCES.allowed(occ, record_roles))
    overseen = set(OCCURRENCES.allowed(occ, oversee_roles))
    allowed = (owned & (RECORD_ACTIONS | {CORRECT, ASK_EXCUSE})) | (
        overseen & {ACCEPT_EXCUSE, REFUSE_EXCUSE, NOT_CREDIBLE}
    )
    records = list(occ.records.select_related("created_by", "supersedes").prefetch_related("files"))
    superseded = {r.supersedes_id for r in records if r.supersedes_id}
    for rec in records:
        rec.is_superseded = rec.pk in superseded
        # found not credible: it stays in the history but no longer counts
        rec.not_credible = bool(occ.reopened_at and rec.created_at <= occ.reopened_at)
    current = [r for r in records if not r.is_superseded]
    window_open = occ.window_start <= today <= occ.grace_end
    can_record = bool(allowed & RECORD_ACTIONS) and window_open
    can_correct = CORRECT in allowed and bool(current)
    reused, calendar = {}, {}
    if oversee_roles and records:
        reused = selectors.reused_photos(records, user=request.user)
        calendar = _calendar_warnings(occ, records)
    for rec in records:
        rec.reused = reused.get(rec.pk, [])
        rec.calendar_warning = calendar.get(rec.pk, "")
    events = list(occ.events.select_related("actor"))
    for event in events:
        event.action_label = OCCURRENCES.action_label(event.action)
        event.role_label = Role(event.role).label if event.role in Role.values else event.role
    record_form = forms.get("record_form")
    if record_form is None and (can_record or can_correct):
        initial = {"supersedes": current[-1].pk} if can_correct and not can_record else {}
        record_form = RecordForm(duty=occ.duty, initial=initial)
    context = {
        "occ": occ,
        "duty": occ.duty,
        "today": today,
        "records": records,
        "events": events,
        "window_open": window_open,
        # a refused form is shown with its errors even when no form would be offered now
        "record_form": record_form
        if (can_record or can_correct or "record_form" in forms)
        else None,
        "correcting": can_correct and not can_record,
        "excuse_form": forms.get("excuse_form")
        or (ExcuseForm() if ASK_EXCUSE in allowed and today <= occ.grace_end else None),
        "decide_form": forms.get("decide_form")
        or (DecideForm() if {ACCEPT_EXCUSE, REFUSE_EXCUSE} & allowed else None),
        "not_credible_form": forms.get("not_credible_form")
        or (NotCredibleForm() if NOT_CREDIBLE in allowed else None),
        "oversees": bool(oversee_roles),
        "records_duties": bool(record_roles),
        "oversees_duties": can(user, DUTY_COMPLIANCE_VIEW),
        "statuses": OccurrenceStatus,
    }
    return render(request, "duties/owner/occurrence_detail.html", context, status=status)


@login_required
def occurrence_detail(request, pk: int):
    require(request.user, DUTY_VIEW)
    return _detail(request, _occurrence(request.user, pk))


def _done(request, occ, message: str):
    messages.success(request, message)
    return redirect("duties:occurrence_detail", pk=occ.pk)


@login_required
@require_POST
def occurrence_record(request, pk: int):
    """Record the occurrence (or, with ``supersedes``, correct its record), with evidence."""
    require(request.user, DUTY_RECORD)
    occ = _occurrence(request.user, pk, access.RECORD)
    form = RecordForm(request.POST, request.FILES, duty=occ.duty)
    if form.is_valid():
        data, files = form.service_input()
        try:
            services.record(
                actor=request.user,
                occurrence_id=occ.pk,
                data=data,
                files=files,
                supersedes=form.cleaned_data.get("supersedes"),
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            return _done(request, occ, _("Recorded."))
    return _detail(request, _occurrence(request.user, pk), record_form=form, status=400)


@login_required
@require_POST
def occurrence_excuse(request, pk: int):
    """Ask to be excused, with a reason."""
    require(request.user, DUTY_RECORD)
    occ = _occurrence(request.user, pk, access.RECORD)
    form = ExcuseForm(request.POST)
    if form.is_valid():
        try:
            services.ask_excuse(
                actor=request.user, occurrence_id=occ.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            return _done(request, occ, _("The excuse is asked for."))
    return _detail(request, _occurrence(request.user, pk), excuse_form=form, status=400)


@login_required
@require_POST
def occurrence_decide(request, pk: int):
    """The overseer accepts (``decision=accept``) or refuses (``decision=refuse``) an excuse."""
    require(request.user, DUTY_VIEW)
    occ = _occurrence(request.user, pk, access.OVERSEE)
    form = DecideForm(request.POST)
    decision = request.POST.get("decision")
    if decision not in ("accept", "refuse"):
        form.is_valid()
        form.add_error(None, _("Accept or refuse the excuse."))
    elif form.is_valid():
        accept = decision == "accept"
        try:
            services.decide_excuse(
                actor=request.user,
                occurrence_id=occ.pk,
                accept=accept,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            return _done(
                request,
                occ,
                _("The excuse is accepted.") if accept else _("The excuse is refused."),
            )
    return _detail(request, _occurrence(request.user, pk), decide_form=form, status=400)


@login_required
@require_POST
def occurrence_not_credible(request, pk: int):
    """The overseer finds the record not credible: the occurrence is due again."""
    require(request.user, DUTY_VIEW)
    occ = _occurrence(request.user, pk, access.OVERSEE)
    form = NotCredibleForm(request.POST)
    if form.is_valid():
        try:
            services.mark_not_credible(
                actor=request.user,
                occurrence_id=occ.pk,
                reason=form.cleaned_data["reason"],
                open_accountability=form.cleaned_data["open_accountability"],
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            return _done(request, occ, _("Marked not credible; the period is due again."))
    return _detail(request, _occurrence(request.user, pk), not_credible_form=form, status=400)


# --- evidence -------------------------------------------------------------------------------


def _evidence(user, pk: int) -> DutyEvidence:
    """An evidence file whose occurrence ``user`` sees (404 otherwise, as if it did not
    exist)."""
    require(user, DUTY_VIEW)
    ev = (
        DutyEvidence.objects.filter(
            pk=pk, record__occurrence__in=Occurrence.objects.visible_to(user).values("pk")
        )
        .only("pk", "file", "thumbnail", "content_type", "original_name")
        .first()
    )
    if ev is None:
        raise Http404
    return ev


@login_required
def evidence(request, pk: int):
    return serve_evidence(_evidence(request.user, pk))


@login_required
def evidence_thumb(request, pk: int):
    ev = _evidence(request.user, pk)
    if not ev.thumbnail:
        raise Http404
    return serve_evidence(ev, thumbnail=True)


# --- the drill import -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def record_import(request):
    """Drill records from a workbook, all or nothing, in a background job."""
    require(request.user, DUTY_RECORD)
    if request.GET.get("template"):
        return FileResponse(
            imports.template_bytes(request.user),
            as_attachment=True,
            filename=imports.template_name(),
            content_type=XLSX_CONTENT_TYPE,
        )
    form = RecordImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = job_start(
            kind="duties.record_import",
            title=_("Import of drill records: %(name)s") % {"name": upload.name},
            user=request.user,
            params={"name": upload.name},
            input_file=upload,
        )
        return redirect(job)
    return render(
        request,
        "duties/owner/record_import.html",
        {"form": form, "columns": imports.columns()},
        status=400 if form.errors else 200,
    )


# --- the duty log ---------------------------------------------------------------------------


@login_required
def log_export(request):
    """A school's duty log for a term (``?school=&term=``, the current term by default), as
    Excel or (``format=docx``) as a Word document."""
    user = request.user
    log = exports.log_of(
        user=user,
        school_id=request.GET.get("school"),
        term=request.GET.get("term"),
        today=timezone.localdate(),
    )
    if request.GET.get("format") == "docx":
        response = HttpResponse(exports.log_docx(log), content_type=DOCX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition(log.file_name("docx"))
        return response
    return FileResponse(
        exports.log_xlsx(log, user=user),
        as_attachment=True,
        filename=log.file_name("xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )


urlpatterns = [
    path("my/", my, name="my"),
    path("occurrences/<int:pk>/", occurrence_detail, name="occurrence_detail"),
    path("occurrences/<int:pk>/record/", occurrence_record, name="occurrence_record"),
    path("occurrences/<int:pk>/excuse/", occurrence_excuse, name="occurrence_excuse"),
    path("occurrences/<int:pk>/decide/", occurrence_decide, name="occurrence_decide"),
    path(
        "occurrences/<int:pk>/not-credible/",
        occurrence_not_credible,
        name="occurrence_not_credible",
    ),
    path("evidence/<int:pk>/", evidence, name="evidence"),
    path("evidence/<int:pk>/thumb/", evidence_thumb, name="evidence_thumb"),
    path("records/import/", record_import, name="record_import"),
    path("log/export/", log_export, name="log_export"),
]
