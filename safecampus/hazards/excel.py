"""The register as an Excel workbook in the layout of the 隐患清单 (000 附件3) and the school 台账.

Rows stream from the database in chunks into a write-only workbook, so memory stays flat however
large the export. The workbook is a Chinese document whatever the UI language, headed by the
scope of the user who exports it, the filters applied and the time ("截至 …"), and named
"<scope>_隐患清单_<date>.xlsx".
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from itertools import islice

from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.audit.models import Action as AuditAction
from safecampus.audit.services import audit_record
from safecampus.core.excel import (
    Column,
    file_name,
    filterset_label,
    heading_for,
    scope_label,
    write_workbook,
)
from safecampus.core.filters import as_query_dict
from safecampus.orgs.models import Bureau, Department, School

from .choices import OPEN_STATUSES
from .filtersets import CURRENT_CAMPAIGNS, HazardFilterSet
from .models import Hazard, HazardCooperation
from .selectors import hazard_list

TITLE = "校园安全风险隐患清单"
#: the short name of the document in file names
NAME = "隐患清单"

#: the widest each column gets (narrower when its content is short; text wraps): the 30
#: columns of 附件3 fit on the width of an A4 landscape page
COLUMNS = [
    Column("序号", 5),
    Column("隐患编号", 14),
    Column("学校", 16),
    Column("学校类型", 8),
    Column("风险领域", 12),
    Column("排查事项", 20),
    Column("隐患描述", 24),
    Column("具体位置", 12),
    Column("隐患来源", 8),
    Column("发现日期", 11),
    Column("发现人", 8),
    Column("隐患等级", 8),
    Column("风险等级", 8),
    Column("风险值D", 7),
    Column("整改类型", 8),
    Column("责任部门", 10),
    Column("配合部门", 10),
    Column("学校责任人", 8),
    Column("联系电话", 12),
    Column("整改措施", 20),
    Column("整改资金", 10),
    Column("应急预案", 12),
    Column("临时管控措施", 14),
    Column("整改时限", 11),
    Column("状态", 8),
    Column("是否逾期", 6),
    Column("逾期天数", 6),
    Column("化解情况", 10),
    Column("挂牌督办", 6),
    Column("销号日期", 11),
]


#: what a row shows, read in one query as tuples: building 100,000 model instances (and their
#: school, area, item and department) was a third of an export's time
_FIELDS = (
    "pk",
    "code",
    "school__name",
    "school__stage",
    "area__code",
    "area__name",
    "item_id",
    "item__code",
    "item__text",
    "description",
    "location",
    "source",
    "found_on",
    "found_by",
    "level",
    "risk_colour",
    "risk_score",
    "remedy_type",
    "responsible_department_id",
    "responsible_department__name",
    "responsible_person",
    "responsible_phone",
    "measures",
    "funds",
    "contingency_plan",
    "interim_measures",
    "deadline",
    "status",
    "supervised",
    "closed_on",
)
CHUNK = 2000


class _Labels(dict):
    """``{value: label}`` filled on first use of each value by ``label_of(value)``.

    ``get_FOO_display()`` rebuilds the field's dict of lazy translations on every call; seven
    calls per row were another third of an export's time. Asking it once per distinct value
    gives the same text, fallbacks included.
    """

    def __init__(self, label_of):
        super().__init__()
        self.label_of = label_of

    def __missing__(self, value):
        label = self[value] = self.label_of(value)
        return label


def _chunks(qs):
    """Lists of up to ``CHUNK`` rows (tuples of ``_FIELDS`` plus the cooperating departments'
    names), streamed: one query per chunk for the cooperations, as prefetching did."""
    rows = qs.values_list(*_FIELDS).iterator(chunk_size=CHUNK)
    coop_order = [f"department__{f}" for f in Department._meta.ordering]
    while chunk := list(islice(rows, CHUNK)):
        names = defaultdict(list)
        coops = (
            HazardCooperation.objects.filter(hazard_id__in=[r[0] for r in chunk])
            .order_by(*coop_order)
            .values_list("hazard_id", "department__name")
        )
        for hazard_id, name in coops:
            names[hazard_id].append(name)
        yield [(*r, names.get(r[0], ())) for r in chunk]


def _rows(qs, today):
    stage = _Labels(lambda v: School(stage=v).get_stage_display())
    source = _Labels(lambda v: Hazard(source=v).get_source_display())
    level = _Labels(lambda v: Hazard(level=v).get_level_display())
    colour = _Labels(lambda v: Hazard(risk_colour=v).get_risk_colour_display() if v else "")
    remedy = _Labels(lambda v: Hazard(remedy_type=v).get_remedy_type_display())
    status_label = _Labels(lambda v: Hazard(status=v).get_status_display())
    summary = _Labels(lambda v: Hazard(status=v).get_summary_display())
    n = 0
    for chunk in _chunks(qs):
        for (
            _pk,
            code,
            school,
            school_stage,
            area_code,
            area_name,
            item_id,
            item_code,
            item_text,
            description,
            location,
            hazard_source,
            found_on,
            found_by,
            hazard_level,
            risk_colour,
            risk_score,
            remedy_type,
            department_id,
            department,
            person,
            phone,
            measures,
            funds,
            contingency_plan,
            interim_measures,
            deadline,
            status,
            supervised,
            closed_on,
            cooperating,
        ) in chunk:
            n += 1
            overdue = status in OPEN_STATUSES and deadline is not None and deadline < today
            yield [
                n,
                code,
                school,
                stage[school_stage],
                f"{area_code} {area_name}",
                f"{item_code} {item_text}" if item_id else "",
                description,
                location,
                source[hazard_source],
                found_on,
                found_by,
                level[hazard_level],
                colour[risk_colour],
                float(risk_score) if risk_score is not None else None,
                remedy[remedy_type],
                department if department_id else "",
                "、".join(cooperating),
                person,
                phone,
                measures,
                funds,
                contingency_plan,
                interim_measures,
                deadline,
                status_label[status],
                "是" if overdue else "否",
                (today - deadline).days if overdue else None,
                summary[status],
                "是" if supervised else "否",
                closed_on,
            ]


def _name_of(model, user, field: str = "name"):
    """The name of a ``model`` row ``user`` may see, by id (the id if they may not)."""

    def name(pk):
        found = model.objects.visible_to(user).filter(pk=pk).values_list(field, flat=True)
        return next(iter(found), pk)

    return name


def _campaign_name(user):
    """A campaign by id, or the current campaigns (``campaign=current``, not an id)."""
    from safecampus.campaigns.models import Campaign

    by_id = _name_of(Campaign, user)

    def name(value):
        if str(value) == CURRENT_CAMPAIGNS:
            return _("Current campaigns (launched, not closed)")
        return by_id(value)

    return name


def filters_text(user, filters: dict | None) -> str:
    """The register filters ``filters`` as a person reads them (names, not ids)."""
    if not filters:
        return ""
    fs = HazardFilterSet(as_query_dict(filters), queryset=Hazard.objects.none())
    return filterset_label(
        fs,
        {
            "school": _name_of(School, user),
            "department": _name_of(Department, user),
            "bureau": _name_of(Bureau, user),
            "campaign": _campaign_name(user),
        },
    )


def write_hazard_workbook(fileobj, qs, *, progress=None, user=None, filters=None) -> int:
    """Write the register rows of ``qs`` (already scoped) into ``fileobj``; returns the count.
    ``user`` and ``filters``: whose register and how it was filtered, for the header block."""
    with translation.override("zh-hans"):
        return write_workbook(
            fileobj,
            title=NAME,
            columns=COLUMNS,
            rows=_rows(qs, timezone.localdate()),
            progress=progress,
            heading=heading_for(user, TITLE, filters_text(user, filters)),
        )


def export_name(user=None) -> str:
    """ "闵行区教育局_隐患清单_2026-12-05.xlsx" """
    return file_name(scope_label(user), NAME, timezone.localdate())


def hazard_export_job(*, job, progress) -> dict:
    qs = hazard_list(user=job.created_by, filters=job.params.get("filters") or {})
    total = qs.count()
    progress(0, total, force=True)
    with tempfile.TemporaryFile() as tmp:
        n = write_hazard_workbook(
            tmp,
            qs,
            progress=lambda done: progress(done),
            user=job.created_by,
            filters=job.params.get("filters"),
        )
        tmp.seek(0)
        job.output_name = export_name(job.created_by)
        job.output_file.save(job.output_name, File(tmp), save=False)
    audit_record(
        action=AuditAction.EXPORT, actor=job.created_by, data={"kind": "hazards", "rows": n}
    )
    return {"rows": n}


#: rows an export writes while the person waits; a larger register is exported by a job
EXPORT_INLINE_LIMIT = 3000


def export_register(*, user, filters: dict):
    """The register as filtered, to Excel, for the page and the API alike: ``(None, file,
    rows)`` with the workbook written (and the export in the audit log) when it is small, or
    ``(job, None, 0)`` with a job started when it is larger than ``EXPORT_INLINE_LIMIT``."""
    from safecampus.core.jobs import job_start

    qs = hazard_list(user=user, filters=filters)
    if qs.order_by()[: EXPORT_INLINE_LIMIT + 1].count() > EXPORT_INLINE_LIMIT:
        job = job_start(
            kind="hazards.export",
            title=_("Export of the hazard register"),
            user=user,
            params={"filters": filters},
        )
        return job, None, 0
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that sends it)
    rows = write_hazard_workbook(tmp, qs, user=user, filters=filters)
    tmp.seek(0)
    audit_record(action=AuditAction.EXPORT, actor=user, data={"kind": "hazards", "rows": rows})
    return None, tmp, rows
