from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, Exists, OuterRef, Value
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.models import RoleAssignment
from safecampus.core.access import can, require, roles_on, scope_for
from safecampus.core.capabilities import (
    HAZARD_VIEW,
    ORG_MANAGE,
    ORG_VIEW,
    SCHOOL_MANAGE,
    SCHOOL_VIEW,
    SUPERVISION_VIEW,
)
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.filters import filters_from_request
from safecampus.core.jobs import job_start
from safecampus.core.refusals import to_form

from . import access, selectors, services
from .excel import export_name, export_schools
from .filtersets import SchoolFilterSet
from .forms import (
    BureauDocumentForm,
    DepartmentForm,
    LeadershipMemberForm,
    PartnerUnitForm,
    SchoolForm,
    SchoolImportForm,
)
from .models import PartnerUnit, School


def _supervised(user):
    """True for a school under 挂牌督办 (an open record the user may see)."""
    from safecampus.accountability.models import AccountabilityRecord

    if not can(user, SUPERVISION_VIEW):
        return Value(False, output_field=BooleanField())
    return Exists(
        AccountabilityRecord.objects.visible_to(user).supervising().filter(school=OuterRef("pk"))
    )


def _supervision_records(user, school) -> list:
    """The open 挂牌督办 records against ``school`` the user may see."""
    from safecampus.accountability.models import AccountabilityRecord

    if not can(user, SUPERVISION_VIEW):
        return []
    return list(
        AccountabilityRecord.objects.visible_to(user)
        .supervising()
        .filter(school=school)
        .order_by("-opened_at")
    )


@login_required
def school_list(request):
    require(request.user, SCHOOL_VIEW)
    filterset = SchoolFilterSet(
        request.GET or None,
        queryset=School.objects.visible_to(request.user)
        .select_related("bureau")
        .annotate(supervised=_supervised(request.user)),
    )
    for field in filterset.form.fields.values():
        field.widget.attrs.setdefault(
            "class",
            "form-select form-select-sm"
            if isinstance(field.widget, forms.Select)
            else "form-control form-control-sm",
        )
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(qs.order_by("name", "id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "can_manage": can(request.user, SCHOOL_MANAGE),
    }
    if request.headers.get("HX-Request"):
        return render(request, "orgs/_school_table.html", ctx)
    return render(request, "orgs/school_list.html", ctx)


@login_required
def school_detail(request, pk: int):
    school = selectors.school_get(user=request.user, pk=pk)
    people = (
        RoleAssignment.objects.active().filter(school=school).select_related("user")
        if can(request.user, SCHOOL_VIEW)
        else []
    )
    can_edit = School.objects.editable_by(request.user).filter(pk=school.pk).exists()
    return render(
        request,
        "orgs/school_detail.html",
        {
            "school": school,
            "supervised": _supervision_records(request.user, school),
            "gates": school.gates.all(),
            "people": people,
            "partners": school.partner_units.all(),
            "can_edit": can_edit,
            "can_see_hazards": can(request.user, HAZARD_VIEW),
            "can_see_dashboard": _dashboard_allowed(request.user, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_create(request):
    require(request.user, SCHOOL_MANAGE)
    form = SchoolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        gates = data.pop("gates")
        try:
            school = services.school_create(actor=request.user, data=data, gates=gates)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("School %(name)s created.") % {"name": school.name})
            return redirect(school)
    return render(request, "orgs/school_form.html", {"form": form, "school": None})


@login_required
@require_http_methods(["GET", "POST"])
def school_edit(request, pk: int):
    school = selectors.school_get(user=request.user, pk=pk, for_edit=True)
    form = SchoolForm(request.POST or None, instance=school, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        gates = data.pop("gates")
        try:
            school = services.school_update(
                actor=request.user, school=school, data=data, gates=gates
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(school)
    return render(request, "orgs/school_form.html", {"form": form, "school": school})


@login_required
def school_export(request):
    job, tmp, _rows = export_schools(user=request.user, filters=filters_from_request(request))
    if job is not None:
        return redirect(job)
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=export_name(request.user),
        content_type=XLSX_CONTENT_TYPE,
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_import(request):
    require(request.user, SCHOOL_MANAGE)
    form = SchoolImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        job = job_start(
            kind="orgs.school_import",
            title=_("Import of the school list: %(name)s")
            % {"name": form.cleaned_data["file"].name},
            user=request.user,
            params={
                "bureau_id": form.cleaned_data["bureau"].pk,
                "name": form.cleaned_data["file"].name,
            },
            input_file=form.cleaned_data["file"],
        )
        return redirect(job)
    return render(request, "orgs/school_import.html", {"form": form})


@login_required
def structure(request):
    """The bureau tree, its departments and its leadership group."""
    require(request.user, ORG_VIEW)
    bureaus = selectors.structure_bureaus(user=request.user)
    groups = {b.pk: list(selectors.leadership_groups(user=request.user, bureau=b)) for b in bureaus}
    return render(
        request,
        "orgs/structure.html",
        {
            "bureaus": [(b, groups.get(b.pk, [])) for b in bureaus],
            "manage_ids": {b.pk for b in bureaus if ORG_MANAGE & roles_on(request.user, b)},
        },
    )


# --- departments, partner units, leadership group -----------------------------------------------


def _save_form(request, form, save, *, template, ctx, success):
    """Validate, call the service, map its refusals onto the form, redirect on success."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(success)
    return render(request, template, {"form": form, **ctx})


@login_required
@require_http_methods(["GET", "POST"])
def bureau_documents_edit(request, bureau_pk: int):
    """The issuing body and document number prefix the bureau's documents carry."""
    bureau = selectors.bureau_for_config(user=request.user, pk=bureau_pk)
    form = BureauDocumentForm(request.POST or None, instance=bureau)
    return _save_form(
        request,
        form,
        lambda f: services.bureau_documents_save(
            actor=request.user, bureau=bureau, data=f.cleaned_data
        ),
        template="orgs/config_form.html",
        ctx={"title": _("Documents issued"), "bureau": bureau},
        success=bureau.get_absolute_url(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request, bureau_pk: int, pk: int | None = None):
    bureau = selectors.bureau_for_config(user=request.user, pk=bureau_pk)
    department = (
        selectors.department_for_edit(user=request.user, bureau=bureau, pk=pk) if pk else None
    )
    form = DepartmentForm(request.POST or None, instance=department)
    return _save_form(
        request,
        form,
        lambda f: services.department_save(
            actor=request.user, bureau=bureau, data=f.cleaned_data, department=department
        ),
        template="orgs/config_form.html",
        ctx={"title": _("Department"), "bureau": bureau},
        success=bureau.get_absolute_url(),
    )


@login_required
def partner_list(request):
    require(request.user, ORG_VIEW)
    partners = (
        PartnerUnit.objects.visible_to(request.user)
        .select_related("bureau")
        .annotate(n_schools=Count("coverages"))
        .order_by("bureau", "kind", "name")
    )
    can_manage = access.holds_any_bureau(scope_for(request.user), ORG_MANAGE)
    return render(
        request, "orgs/partner_list.html", {"partners": partners, "can_manage": can_manage}
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit(request, bureau_pk: int, pk: int | None = None):
    bureau = selectors.bureau_for_config(user=request.user, pk=bureau_pk)
    partner = selectors.partner_for_edit(user=request.user, bureau=bureau, pk=pk) if pk else None
    form = PartnerUnitForm(request.POST or None, instance=partner)
    return _save_form(
        request,
        form,
        lambda f: services.partner_save(
            actor=request.user,
            bureau=bureau,
            data=f.cleaned_data,
            school_codes=f.codes(),
            partner=partner,
        ),
        template="orgs/config_form.html",
        ctx={"title": _("Partner unit"), "bureau": bureau},
        success=reverse("orgs:partner_list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def leadership_member_add(request, group_pk: int):
    group = selectors.leadership_group_get(user=request.user, pk=group_pk)
    bureau = selectors.bureau_for_config(user=request.user, pk=group.bureau_id)
    form = LeadershipMemberForm(request.POST or None, group=group)
    return _save_form(
        request,
        form,
        lambda f: services.leadership_member_add(
            actor=request.user, group=group, data=f.cleaned_data
        ),
        template="orgs/config_form.html",
        ctx={"title": group.name, "bureau": bureau},
        success=bureau.get_absolute_url(),
    )


@login_required
@require_POST
def leadership_member_remove(request, pk: int):
    member = selectors.leadership_member_get(user=request.user, pk=pk)
    bureau = selectors.bureau_for_config(user=request.user, pk=member.group.bureau_id)
    services.leadership_member_remove(actor=request.user, member=member)
    messages.success(request, _("Member removed."))
    return redirect(bureau.get_absolute_url())


def _dashboard_allowed(user, school) -> bool:
    """Whether the school's dashboard (reports app) opens for ``user``."""
    from safecampus.reports.school import may_view

    return may_view(user, school)
