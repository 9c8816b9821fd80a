"""Audit log export, streamed with flat memory: a Chinese document whatever the UI language,
headed by the exporter's scope, the filters and the time, named "审计日志_<scope>_<date>.xlsx"."""

import tempfile

from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.core.excel import (
    Column,
    file_name,
    filterset_label,
    heading_for,
    scope_label,
    write_workbook,
)
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


TITLE = "审计日志"


def export_name(user=None) -> str:
    """ "审计日志_闵行区教育局_2026-12-05.xlsx" """
    return file_name(TITLE, scope_label(user), timezone.localdate())


def write_audit_workbook(fileobj, queryset, progress=None, *, user=None, filters=None) -> int:
    with translation.override("zh-hans"):
        return _write(fileobj, queryset, progress, user=user, filters=filters)


def _write(fileobj, queryset, progress, *, user, filters) -> int:
    import json

    labels = dict(Action.choices)
    fs = AuditEventFilterSet(as_query_dict(filters or {}), queryset=AuditEvent.objects.none())
    rows = (
        [
            timezone.localtime(e.at),
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
        fileobj,
        title=TITLE,
        columns=columns(),
        rows=rows,
        progress=progress,
        heading=heading_for(user, TITLE, filterset_label(fs) if filters else ""),
    )


def audit_export_job(*, job, progress) -> dict:
    qs = AuditEventFilterSet(
        as_query_dict(job.params.get("filters")),
        queryset=AuditEvent.objects.visible_to(job.created_by),
    ).qs
    progress(0, qs.count(), force=True)
    with tempfile.TemporaryFile() as tmp:
        n = write_audit_workbook(
            tmp,
            qs,
            progress=lambda done: progress(done),
            user=job.created_by,
            filters=job.params.get("filters"),
        )
        tmp.seek(0)
        name = export_name(job.created_by)
        job.output_name = name
        job.output_file.save(name, File(tmp), save=False)
    audit_record(action=Action.EXPORT, actor=job.created_by, data={"kind": "audit", "rows": n})
    return {"rows": n}
