"""Pages of the duty catalog (versions, their duties, Excel) and of the school calendar (terms,
public holidays and make-up workdays).

A draft is edited by ``DUTY_MANAGE`` of its bureau; a published version is read-only for
everyone. The catalog and the calendar are read by the bureau's officers, schools and partner
units (``DUTY_VIEW``).
"""

from __future__ import annotations

import datetime
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safecampus.core.access import can, get_for, require, scope_for
from safecampus.core.capabilities import DUTY_MANAGE, DUTY_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.forms import id_param
from safecampus.core.jobs import job_start
from safecampus.core.refusals import to_form
from safecampus.orgs.choices import PartnerKind, SchoolStage
from safecampus.orgs.models import Bureau

from .. import access, calendar_services, rules, selectors, services
from ..catalog_excel import catalog_export_file
from ..catalog_forms import CatalogImportForm, DayForm, DutyForm, TermForm
from ..choices import DutyCategory, VersionStatus
from ..models import CalendarDay, Duty, DutyCatalogVersion, SchoolTerm
from ..schoolcal import library_knows

ONE_DAY = datetime.timedelta(days=1)


def _may_manage(user, bureau_id: int) -> bool:
    return can(user, DUTY_MANAGE) and bureau_id in access.manage_bureaus(scope_for(user))


def _managed_bureaus(user):
    if not can(user, DUTY_MANAGE):
        return Bureau.objects.none()
    return Bureau.objects.filter(pk__in=access.manage_bureaus(scope_for(user))).order_by("path")


# --- words for a duty -----------------------------------------------------------------------


def applicability_text(duty: Duty) -> str:
    """Which schools owe the duty, in words."""
    if not duty.owed_by_schools:
        return _("No school")
    stages = dict(SchoolStage.choices)
    parts = ["、".join(str(stages.get(s, s)) for s in duty.stages) or _("Every school")]
    if duty.boarding_only:
        parts.append(_("boarding schools only"))
    if duty.needs_canteen:
        parts.append(_("schools with a canteen only"))
    if duty.needs_chem_lab:
        parts.append(_("schools with a chemistry lab only"))
    return "；".join(parts)


def owners_text(duty: Duty) -> str:
    """Who owes the duty, in words."""
    kinds = dict(PartnerKind.choices)
    parts = []
    if duty.owed_by_schools:
        parts.append(_("Each school it applies to"))
    parts += [d.name for d in duty.owed_by_departments.all()]
    if duty.partner_kinds:
        parts.append(
            _("Partner units: %(kinds)s")
            % {"kinds": "、".join(str(kinds.get(k, k)) for k in duty.partner_kinds)}
        )
    if duty.owed_by_centre:
        parts.append(_("The safety centre"))
    return "；".join(parts) or "—"


# --- versions -------------------------------------------------------------------------------


@login_required
@require_GET
def version_list(request):
    require(request.user, DUTY_VIEW)
    versions = list(
        DutyCatalogVersion.objects.visible_to(request.user)
        .select_related("bureau")
        .annotate(n_duties=Count("duties"))
        .order_by("bureau__path", "-number")
    )
    effective_ids = set()
    for _bureau, group in groupby(versions, key=lambda v: v.bureau_id):
        latest = next((v for v in group if v.status == VersionStatus.PUBLISHED), None)
        if latest is not None:
            effective_ids.add(latest.pk)
    managed = list(_managed_bureaus(request.user))
    drafts = {v.bureau_id: v for v in versions if v.is_draft}
    return render(
        request,
        "duties/catalog/version_list.html",
        {
            "versions": versions,
            "effective_ids": effective_ids,
            "managed": [(b, drafts.get(b.pk)) for b in managed],
            "import_form": CatalogImportForm(),
        },
    )


@login_required
@require_GET
def version_detail(request, pk: int):
    version = get_for(request.user, DutyCatalogVersion.objects.select_related("bureau"), pk)
    duties = list(
        Duty.objects.filter(version=version)
        .select_related("overseeing_department")
        .prefetch_related("owed_by_departments")
    )
    order = {value: i for i, value in enumerate(DutyCategory.values)}
    duties.sort(key=lambda d: (order.get(d.category, 99), d.sort_order, d.code))
    labels = dict(DutyCategory.choices)
    groups = [
        {
            "category": str(labels.get(category, category)),
            "duties": [
                {
                    "duty": d,
                    "applicability": applicability_text(d),
                    "owners": owners_text(d),
                    "rule_ok": _parses(d.frequency),
                }
                for d in items
            ],
        }
        for category, items in groupby(duties, key=lambda d: d.category)
    ]
    manage = _may_manage(request.user, version.bureau_id)
    effective = selectors.effective_version(version.bureau)
    return render(
        request,
        "duties/catalog/version_detail.html",
        {
            "version": version,
            "groups": groups,
            "count": len(duties),
            "is_effective": effective is not None and effective.pk == version.pk,
            "can_edit": manage and version.is_draft,
            "can_manage": manage,
            "import_form": CatalogImportForm(),
        },
    )


def _parses(text: str) -> bool:
    try:
        rules.parse(text)
    except rules.RuleError:
        return False
    return True


@login_required
@require_POST
def version_draft(request):
    require(request.user, DUTY_MANAGE)
    bureau_id = id_param(request.POST.get("bureau"))
    if bureau_id is None:
        managed = list(_managed_bureaus(request.user)[:2])
        if len(managed) != 1:
            raise Http404
        bureau_id = managed[0].pk
    bureau = get_for(request.user, Bureau, bureau_id)
    try:
        draft = services.version_start_draft(actor=request.user, bureau=bureau)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("duties:version_list")
    messages.success(request, _("Draft started from the latest version."))
    return redirect(draft)


@login_required
@require_POST
def version_publish(request, pk: int):
    version = get_for(request.user, DutyCatalogVersion, pk, "edit")
    try:
        services.version_publish(actor=request.user, version_id=version.pk)
    except ValidationError as exc:
        messages.error(request, _("The draft was not published:"))
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(
                "Version %(n)d published. It will never change; from now on duties fall due "
                "under it."
            )
            % {"n": version.number},
        )
    return redirect(version)


# --- duties ---------------------------------------------------------------------------------


def _frozen(request, version):
    messages.error(request, _("A published version is frozen; start a new draft."))
    return redirect(version)


def _duty_form(request, version, duty=None):
    if not version.is_draft:
        return _frozen(request, version)
    form = DutyForm(request.POST or None, instance=duty, version=version)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.save(commit=False)
            try:
                services.duty_save(
                    actor=request.user,
                    version_id=version.pk,
                    duty=data,
                    departments=form.cleaned_data["departments"],
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("Saved %(code)s %(name)s: %(rule)s.")
                    % {"code": data.code, "name": data.name, "rule": form.rule_description},
                )
                return redirect(version)
        status = 400
    return render(
        request,
        "duties/catalog/duty_form.html",
        {"form": form, "version": version, "duty": duty},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def duty_new(request, version_pk: int):
    version = get_for(request.user, DutyCatalogVersion, version_pk, "edit")
    return _duty_form(request, version)


@login_required
@require_http_methods(["GET", "POST"])
def duty_edit(request, pk: int):
    duty = get_for(request.user, Duty.objects.filter(version__isnull=False), pk, "edit")
    version = get_for(request.user, DutyCatalogVersion, duty.version_id, "edit")
    return _duty_form(request, version, duty)


@login_required
@require_POST
def duty_delete(request, pk: int):
    duty = get_for(request.user, Duty.objects.filter(version__isnull=False), pk, "edit")
    version = get_for(request.user, DutyCatalogVersion, duty.version_id, "edit")
    try:
        services.duty_delete(actor=request.user, duty_id=duty.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Removed %(code)s from the draft.") % {"code": duty.code})
    return redirect(version)


@login_required
@require_GET
def rule_check(request):
    """The rule's description, or why it does not parse (the duty form asks as one types)."""
    require(request.user, DUTY_MANAGE)
    text = request.GET.get("frequency", "")
    try:
        description, error = rules.parse(text).describe(), ""
    except rules.RuleError as exc:
        description, error = "", str(exc)
    return render(
        request,
        "duties/catalog/_rule_check.html",
        {"description": description, "error": error},
    )


# --- Excel ----------------------------------------------------------------------------------


@login_required
@require_GET
def catalog_export(request, pk: int):
    version = get_for(request.user, DutyCatalogVersion.objects.select_related("bureau"), pk)
    require(request.user, DUTY_VIEW)
    tmp, name = catalog_export_file(version)
    return FileResponse(tmp, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


@login_required
@require_POST
def catalog_import(request):
    require(request.user, DUTY_MANAGE)
    bureau_id = id_param(request.POST.get("bureau"))
    bureau = get_for(request.user, Bureau, bureau_id) if bureau_id is not None else None
    if bureau is None:
        managed = list(_managed_bureaus(request.user)[:2])
        if len(managed) != 1:
            raise Http404
        bureau = managed[0]
    if not _may_manage(request.user, bureau.pk):
        raise PermissionDenied(_("Only the safety centre keeps this bureau's duty catalog."))
    draft = DutyCatalogVersion.objects.filter(bureau=bureau, status=VersionStatus.DRAFT).first()
    back = redirect(draft) if draft is not None else redirect("duties:version_list")
    form = CatalogImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, error)
        return back
    job = job_start(
        kind="duties.catalog_import",
        title=(
            _("Import into duty catalog draft v%(n)d") % {"n": draft.number}
            if draft is not None
            else _("Import into a new duty catalog draft")
        ),
        user=request.user,
        params={
            "bureau_id": bureau.pk,
            "version_id": draft.pk if draft is not None else None,
            "name": form.cleaned_data["file"].name,
        },
        input_file=form.cleaned_data["file"],
    )
    return redirect(job)


# --- the school calendar --------------------------------------------------------------------


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


urlpatterns = [
    path("catalog/", version_list, name="version_list"),
    path("catalog/draft/", version_draft, name="version_draft"),
    path("catalog/import/", catalog_import, name="catalog_import"),
    path("catalog/rule/", rule_check, name="rule_check"),
    path("catalog/<int:pk>/", version_detail, name="version_detail"),
    path("catalog/<int:pk>/publish/", version_publish, name="version_publish"),
    path("catalog/<int:pk>/export/", catalog_export, name="catalog_export"),
    path("catalog/<int:version_pk>/duties/new/", duty_new, name="duty_new"),
    path("catalog/duties/<int:pk>/edit/", duty_edit, name="duty_edit"),
    path("catalog/duties/<int:pk>/delete/", duty_delete, name="duty_delete"),
    path("calendar/", calendar, name="calendar"),
    path("calendar/<int:bureau_pk>/terms/new/", term_new, name="term_new"),
    path("calendar/terms/<int:pk>/edit/", term_edit, name="term_edit"),
    path("calendar/terms/<int:pk>/delete/", term_delete, name="term_delete"),
    path("calendar/<int:bureau_pk>/days/new/", day_new, name="day_new"),
    path("calendar/days/<int:pk>/delete/", day_delete, name="day_delete"),
]
