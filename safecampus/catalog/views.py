from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.jobs import job_start
from safecampus.core.refusals import to_form

from . import selectors, services
from .excel import catalog_export_file
from .forms import CatalogImportForm, CheckItemForm, RiskAreaForm
from .models import CheckItem, RiskArea


@login_required
def version_list(request):
    versions = selectors.version_list(user=request.user)
    manage_bureaus = selectors.manage_bureaus(user=request.user)
    return render(
        request,
        "catalog/version_list.html",
        {"versions": versions, "manage_bureaus": manage_bureaus},
    )


@login_required
def version_detail(request, pk: int):
    version = selectors.version_get(user=request.user, pk=pk, related=("bureau",))
    items = CheckItem.objects.filter(version=version).prefetch_related(
        "responsible_departments", "cooperating_departments", "routes__department"
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
            "can_edit": version.is_draft and selectors.may_manage(request.user, version),
            "can_manage": selectors.may_manage(request.user, version),
            "import_form": CatalogImportForm(),
        },
    )


@login_required
def version_export(request, pk: int):
    version = selectors.version_get(user=request.user, pk=pk)
    tmp, name = catalog_export_file(version)
    return FileResponse(tmp, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


@login_required
@require_POST
def draft_create(request, bureau_pk: int):
    bureau = selectors.bureau_get(user=request.user, pk=bureau_pk)
    try:
        version = services.version_create_draft(actor=request.user, bureau=bureau)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("catalog:version_list")
    messages.success(request, _("Draft created from the latest published version."))
    return redirect(version)


def _editable_version(request, pk):
    return selectors.version_for_edit(user=request.user, pk=pk)


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
    item = selectors.item_get(user=request.user, version=version, pk=pk) if pk else None
    form = CheckItemForm(request.POST or None, instance=item, version=version)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        responsible, cooperating = data.pop("responsible"), data.pop("cooperating")
        routes = data.pop("routes")
        try:
            services.item_save(
                actor=request.user,
                version=version,
                data=data,
                item=item,
                responsible=responsible,
                cooperating=cooperating,
                routes=routes,
            )
        except ValidationError as exc:
            to_form(form, exc)
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
    area = selectors.area_get(user=request.user, version=version, pk=pk) if pk else None
    form = RiskAreaForm(request.POST or None, instance=area)
    if request.method == "POST" and form.is_valid():
        try:
            services.area_save(
                actor=request.user, version=version, data=form.cleaned_data, area=area
            )
        except ValidationError as exc:
            to_form(form, exc)
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
    item = selectors.item_get(user=request.user, version=version, pk=pk)
    try:
        services.item_delete(actor=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Item removed from the draft."))
    return redirect(version)
