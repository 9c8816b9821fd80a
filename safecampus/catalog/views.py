from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import scope_for
from safecampus.core.capabilities import CATALOG_MANAGE
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.jobs import job_start
from safecampus.orgs.models import Bureau

from . import services
from .excel import catalog_export_file
from .forms import CatalogImportForm, CheckItemForm, RiskAreaForm
from .models import CatalogVersion, CheckItem, RiskArea


def _can_manage(user, version) -> bool:
    return version.bureau_id in scope_for(user).bureau_ids(*CATALOG_MANAGE)


@login_required
def version_list(request):
    versions = (
        CatalogVersion.objects.visible_to(request.user)
        .select_related("bureau", "published_by")
        .annotate(n_items=Count("items"))
    )
    manage_bureaus = Bureau.objects.filter(
        pk__in=scope_for(request.user).bureau_ids(*CATALOG_MANAGE)
    )
    return render(
        request,
        "catalog/version_list.html",
        {"versions": versions, "manage_bureaus": manage_bureaus},
    )


@login_required
def version_detail(request, pk: int):
    version = get_object_or_404(
        CatalogVersion.objects.visible_to(request.user).select_related("bureau"), pk=pk
    )
    items = CheckItem.objects.filter(version=version).prefetch_related(
        "responsible_departments", "cooperating_departments"
    )
    q = request.GET.get("q", "").strip()
    if q:
        items = items.filter(Q(text__contains=q) | Q(code__icontains=q) | Q(guidance__contains=q))
    areas = RiskArea.objects.filter(version=version).prefetch_related(
        Prefetch("items", queryset=items, to_attr="shown_items")
    )
    return render(
        request,
        "catalog/version_detail.html",
        {
            "version": version,
            "areas": areas,
            "q": q,
            "can_edit": version.is_draft and _can_manage(request.user, version),
            "can_manage": _can_manage(request.user, version),
            "import_form": CatalogImportForm(),
        },
    )


@login_required
def version_export(request, pk: int):
    version = get_object_or_404(CatalogVersion.objects.visible_to(request.user), pk=pk)
    tmp, name = catalog_export_file(version)
    return FileResponse(tmp, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


@login_required
@require_POST
def draft_create(request, bureau_pk: int):
    bureau = get_object_or_404(Bureau.objects.visible_to(request.user), pk=bureau_pk)
    try:
        version = services.version_create_draft(actor=request.user, bureau=bureau)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("catalog:version_list")
    messages.success(request, _("Draft created from the latest published version."))
    return redirect(version)


def _editable_version(request, pk):
    version = get_object_or_404(CatalogVersion.objects.visible_to(request.user), pk=pk)
    if not _can_manage(request.user, version):
        raise PermissionDenied(_("Only the safety centre edits this bureau's catalog."))
    return version


@login_required
@require_POST
def version_publish(request, pk: int):
    version = _editable_version(request, pk)
    try:
        services.version_publish(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Version published. It will never change."))
    return redirect(version)


@login_required
@require_POST
def version_import(request, pk: int):
    version = _editable_version(request, pk)
    form = CatalogImportForm(request.POST, request.FILES)
    if not version.is_draft or not form.is_valid():
        for error in form.errors.get("file", []) or [_("Only a draft can be imported into.")]:
            messages.error(request, error)
        return redirect(version)
    job = job_start(
        kind="catalog.import",
        title=_("Import into catalog draft v%(n)d") % {"n": version.number},
        user=request.user,
        params={"version_id": version.pk, "name": form.cleaned_data["file"].name},
        input_file=form.cleaned_data["file"],
    )
    return redirect(job)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, version_pk: int, pk: int | None = None):
    version = _editable_version(request, version_pk)
    item = get_object_or_404(CheckItem, pk=pk, version=version) if pk else None
    form = CheckItemForm(request.POST or None, instance=item, version=version)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        responsible, cooperating = data.pop("responsible"), data.pop("cooperating")
        try:
            services.item_save(
                actor=request.user,
                version=version,
                data=data,
                item=item,
                responsible=responsible,
                cooperating=cooperating,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(version)
    return render(
        request, "catalog/item_form.html", {"form": form, "version": version, "item": item}
    )


@login_required
@require_http_methods(["GET", "POST"])
def area_edit(request, version_pk: int, pk: int | None = None):
    version = _editable_version(request, version_pk)
    area = get_object_or_404(RiskArea, pk=pk, version=version) if pk else None
    form = RiskAreaForm(request.POST or None, instance=area)
    if request.method == "POST" and form.is_valid():
        try:
            services.area_save(
                actor=request.user, version=version, data=form.cleaned_data, area=area
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(version)
    return render(
        request, "catalog/area_form.html", {"form": form, "version": version, "area": area}
    )


@login_required
@require_POST
def item_delete(request, version_pk: int, pk: int):
    version = _editable_version(request, version_pk)
    item = get_object_or_404(CheckItem, pk=pk, version=version)
    try:
        services.item_delete(actor=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Item removed from the draft."))
    return redirect(version)
