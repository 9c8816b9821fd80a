"""Audit log export, streamed with flat memory."""

import tempfile

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.excel import Column, write_workbook
from safecampus.core.filters import as_query_dict

from .filtersets import AuditEventFilterSet
from .models import Action, AuditEvent
from .services import audit_record


def columns():
    return [
        Column(_("Time"), 20),
        Column(_("Action"), 18),
        Column(_("Username"), 16),
        Column(_("Object type"), 16),
        Column(_("Object"), 28),
        Column(_("IP address"), 16),
        Column(_("Request id"), 34),
        Column(_("Details"), 60),
    ]


def write_audit_workbook(fileobj, queryset, progress=None) -> int:
    import json

    labels = dict(Action.choices)
    rows = (
        [
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            str(labels.get(e.action, e.action)),
            e.actor_username,
            e.target_type,
            e.target_repr,
            e.ip or "",
            e.request_id,
            json.dumps(e.data, ensure_ascii=False) if e.data else "",
        ]
        for e in queryset.iterator(chunk_size=2000)
    )
    return write_workbook(
        fileobj, title=_("Audit log"), columns=columns(), rows=rows, progress=progress
    )


def audit_export_job(*, job, progress) -> dict:
    qs = AuditEventFilterSet(
        as_query_dict(job.params.get("filters")),
        queryset=AuditEvent.objects.visible_to(job.created_by),
    ).qs
    progress(0, qs.count(), force=True)
    with tempfile.TemporaryFile() as tmp:
        n = write_audit_workbook(tmp, qs, progress=lambda done: progress(done))
        tmp.seek(0)
        name = f"审计日志-{timezone.localdate():%Y%m%d}.xlsx"
        job.output_name = name
        job.output_file.save(name, File(tmp), save=False)
    audit_record(action=Action.EXPORT, actor=job.created_by, data={"kind": "audit", "rows": n})
    return {"rows": n}
