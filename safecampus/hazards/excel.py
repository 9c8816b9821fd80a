"""The register as an Excel workbook in the layout of the 隐患清单 (000 附件3) and the school 台账.

Rows stream from the database in chunks into a write-only workbook, so memory stays flat however
large the export. The workbook is a Chinese document whatever the UI language.
"""

from __future__ import annotations

import tempfile

from django.core.files import File
from django.db.models import Prefetch
from django.utils import timezone, translation

from safecampus.audit.models import Action as AuditAction
from safecampus.audit.services import audit_record
from safecampus.core.excel import Column, write_workbook
from safecampus.orgs.models import Department

from .selectors import hazard_list

TITLE = "校园安全风险隐患清单"

COLUMNS = [
    Column("序号", 6),
    Column("隐患编号", 18),
    Column("学校", 24),
    Column("学校类型", 10),
    Column("风险领域", 16),
    Column("排查事项", 30),
    Column("隐患描述", 40),
    Column("具体位置", 18),
    Column("隐患来源", 12),
    Column("发现日期", 12),
    Column("发现人", 10),
    Column("隐患等级", 10),
    Column("风险等级", 10),
    Column("风险值D", 9),
    Column("整改类型", 10),
    Column("责任部门", 14),
    Column("配合部门", 18),
    Column("学校责任人", 10),
    Column("联系电话", 14),
    Column("整改措施", 30),
    Column("整改资金", 14),
    Column("应急预案", 24),
    Column("临时管控措施", 30),
    Column("整改时限", 12),
    Column("状态", 10),
    Column("是否逾期", 8),
    Column("逾期天数", 8),
    Column("化解情况", 22),
    Column("挂牌督办", 8),
    Column("销号日期", 12),
]


def _rows(qs, today):
    for n, h in enumerate(qs, start=1):
        overdue = h.is_overdue(today)
        yield [
            n,
            h.code,
            h.school.name,
            h.school.get_stage_display(),
            f"{h.area.code} {h.area.name}",
            f"{h.item.code} {h.item.text}" if h.item_id else "",
            h.description,
            h.location,
            h.get_source_display(),
            h.found_on,
            h.found_by,
            h.get_level_display(),
            h.get_risk_colour_display() if h.risk_colour else "",
            float(h.risk_score) if h.risk_score is not None else None,
            h.get_remedy_type_display(),
            h.responsible_department.name if h.responsible_department_id else "",
            "、".join(d.name for d in h.cooperating_departments.all()),
            h.responsible_person,
            h.responsible_phone,
            h.measures,
            h.funds,
            h.contingency_plan,
            h.interim_measures,
            h.deadline,
            h.get_status_display(),
            "是" if overdue else "否",
            h.days_overdue(today) if overdue else None,
            h.get_summary_display(),
            "是" if h.supervised else "否",
            h.closed_on,
        ]


def write_hazard_workbook(fileobj, qs, *, progress=None) -> int:
    """Write the register rows of ``qs`` (already scoped) into ``fileobj``; returns the count."""
    qs = qs.prefetch_related(
        Prefetch("cooperating_departments", queryset=Department.objects.only("id", "name"))
    ).iterator(chunk_size=2000)
    with translation.override("zh-hans"):
        return write_workbook(
            fileobj,
            title=TITLE,
            columns=COLUMNS,
            rows=_rows(qs, timezone.localdate()),
            progress=progress,
        )


def export_name() -> str:
    return f"隐患清单-{timezone.localdate():%Y%m%d}.xlsx"


def hazard_export_job(*, job, progress) -> dict:
    qs = hazard_list(user=job.created_by, filters=job.params.get("filters") or {})
    total = qs.count()
    progress(0, total, force=True)
    with tempfile.TemporaryFile() as tmp:
        n = write_hazard_workbook(tmp, qs, progress=lambda done: progress(done))
        tmp.seek(0)
        job.output_name = export_name()
        job.output_file.save(job.output_name, File(tmp), save=False)
    audit_record(
        action=AuditAction.EXPORT, actor=job.created_by, data={"kind": "hazards", "rows": n}
    )
    return {"rows": n}
