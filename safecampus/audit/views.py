import tempfile

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safecampus.core.access import require
from safecampus.core.capabilities import AUDIT_READ
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.filters import filters_from_request
from safecampus.core.jobs import job_start

from .excel import export_name, write_audit_workbook
from .filtersets import AuditEventFilterSet
from .models import Action, AuditEvent, ChainCheck
from .services import audit_record

EXPORT_INLINE_LIMIT = 5000


def _filtered(request):
    require(request.user, AUDIT_READ, _("Only the auditor reads the audit log."))
    filterset = AuditEventFilterSet(
        request.GET or None, queryset=AuditEvent.objects.visible_to(request.user)
    )
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, qs


@login_required
def event_list(request):
    filterset, qs = _filtered(request)
    for name, field in filterset.form.fields.items():
        field.widget.attrs.setdefault(
            "class",
            "form-select form-select-sm" if name == "action" else "form-control form-control-sm",
        )
    page = Paginator(qs.select_related("actor"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query.urlencode(),
            # the latest verification of the hash chain (a small table, one indexed row)
            "chain_check": ChainCheck.objects.order_by("-finished_at", "-id").first(),
        },
    )


@login_required
def event_export(request):
    filterset, qs = _filtered(request)
    if qs.count() > EXPORT_INLINE_LIMIT:
        job = job_start(
            kind="audit.export",
            title=_("Export of the audit log"),
            user=request.user,
            params={"filters": filters_from_request(request)},
        )
        return redirect(job)
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse)
    n = write_audit_workbook(tmp, qs, user=request.user, filters=filters_from_request(request))
    tmp.seek(0)
    audit_record(action=Action.EXPORT, actor=request.user, data={"kind": "audit", "rows": n})
    return FileResponse(
        tmp,
        as_attachment=True,
        content_type=XLSX_CONTENT_TYPE,
        filename=export_name(request.user),
    )
