"""Pages of the duty catalog (versions, their duties, Excel), and the URLs of the school
calendar's pages (``views.calendar``).

A draft is edited by ``DUTY_MANAGE`` of its bureau; a published version is read-only for
everyone. The catalog and the calendar are read by the bureau's officers, schools and partner
units (``DUTY_VIEW``).
"""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
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

from .. import access, rules, selectors, services
from ..catalog_excel import export_version
from ..catalog_forms import CatalogImportForm, DutyForm
from ..choices import DutyCategory, VersionStatus
from ..models import Duty, DutyCatalogVersion
from .calendar import calendar, day_delete, day_new, term_delete, term_edit, term_new


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
    tmp, name = export_version(request.user, pk)
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
