"""The dispute register as an Excel 台账 (矛盾纠纷台账): one row per dispute the user sees under
the list's filters, written by the job ``incidents.dispute_export`` through ``core.excel`` (title
and header block, A4 landscape, numbers as numbers, text never a formula). Read in chunks, the
latest mediation step of each chunk in one query.

A restricted case appears only to a person named on it, and then only with its school, date,
subject, risk and status: its title, parties, summary, names and outcome are never exported
("（受限案件，详情不导出）"). Private details are never exported at all.
"""

from __future__ import annotations

import tempfile

from django.utils import timezone, translation

from safecampus.core.excel import (
    Column,
    Heading,
    file_name,
    filters_label,
    form_filters,
    iter_chunks,
    scope_label,
    write_workbook,
)
from safecampus.orgs.models import School

from . import dispute_labels as L
from . import dispute_selectors
from .forms_disputes import DisputeFilterForm
from .models import DisputeEvent

TITLE = "矛盾纠纷台账"
CHUNK = 500
RESTRICTED_TEXT = "（受限案件，详情不导出）"

STATUS_TEXT = {
    "open": "已登记",
    "mediating": "调解中",
    "escalated": "已上报",
    "resolved": "已化解",
}

COLUMNS = [
    Column("序号", 5),
    Column("学校", 14),
    Column("发现日期", 11),
    Column("纠纷事由", 10),
    Column("标题", 20),
    Column("当事方", 16),
    Column("当事人数", 8),
    Column("基本情况", 36),
    Column("风险等级", 8),
    Column("群访越级风险", 8),
    Column("来源", 10),
    Column("状态", 8),
    Column("最新调解", 30),
    Column("化解结果", 30),
]


def filter_form(params: dict | None) -> DisputeFilterForm:
    data = {k: v for k, v in (params or {}).items() if v not in (None, "", False)}
    for name in ("petition_risk", "flagged"):
        if data.get(name) is True:
            data[name] = "on"
    return DisputeFilterForm(data or None)


def filters_text(form: DisputeFilterForm, user) -> str:
    with translation.override("zh-hans"):
        pairs = form_filters(
            form,
            resolve={
                "school": lambda pk: (
                    School.objects.visible_to(user)
                    .filter(pk=pk)
                    .values_list("name", flat=True)
                    .first()
                    or pk
                ),
            },
        )
        return filters_label((label, value) for label, value in pairs if value != "否")


def workbook_name(user, now) -> str:
    return file_name(scope_label(user), TITLE, timezone.localtime(now).date())


def _mediation_text(event) -> str:
    if event is None:
        return ""
    data = event.data or {}
    when = timezone.localtime(event.at)
    route = L.label(L.ROUTE, data.get("kind"))
    text = f"{when:%Y-%m-%d} {route}：{L.label(L.OUTCOME, data.get('value'))}"
    return f"{text}（{event.note}）" if event.note else text


def rows(qs):
    """The 台账's rows of the disputes ``qs``, read in chunks."""
    n = 0
    for chunk in iter_chunks(qs.iterator(chunk_size=CHUNK), CHUNK):
        ids = [d.pk for d in chunk if not d.restricted]
        latest: dict[int, DisputeEvent] = {}
        for event in DisputeEvent.objects.filter(dispute_id__in=ids, action="mediate").order_by(
            "dispute_id", "at", "pk"
        ):
            latest[event.dispute_id] = event
        for d in chunk:
            n += 1
            head = [
                n,
                d.school.name,
                d.found_on,
                L.label(L.SUBJECT, d.subject),
            ]
            tail = [
                L.label(L.RISK, d.risk),
                "是" if d.petition_risk else "否",
                L.label(L.SOURCE, d.source),
                STATUS_TEXT.get(d.status, d.status),
            ]
            if d.restricted:
                # school, date, subject and status only
                status = STATUS_TEXT.get(d.status, d.status)
                yield [*head, RESTRICTED_TEXT, "", None, "", "", "", "", status, "", ""]
                continue
            parties = d.parties or []
            yield [
                *head,
                d.title,
                "、".join(f"{L.label(L.PARTY, p.get('role'))}{p.get('count')}人" for p in parties),
                sum(int(p.get("count") or 0) for p in parties),
                d.summary,
                *tail,
                _mediation_text(latest.get(d.pk)),
                d.outcome,
            ]


def write_dispute_workbook(fileobj, *, user, params: dict | None = None, now=None, progress=None):
    """Write the 台账 of the disputes ``user`` sees under the list's filters; returns the number
    of rows."""
    now = now or timezone.now()
    form = filter_form(params)
    qs = dispute_selectors.disputes(
        user, form.filters(), today=timezone.localtime(now).date()
    ).select_related("school")
    with translation.override("zh-hans"):
        heading = Heading(
            TITLE,
            scope=scope_label(user),
            filters=filters_text(form, user),
            as_of=now,
            notes=["当事方仅列身份与人数；受限案件不导出详情"],
        )
        return write_workbook(
            fileobj, title=TITLE, columns=COLUMNS, rows=rows(qs), progress=progress, heading=heading
        )


def dispute_export_job(*, job, progress) -> dict:
    """The job ``incidents.dispute_export``: the 台账 of the list as filtered when started."""
    from django.core.files import File

    from safecampus.audit.models import Action as AuditAction
    from safecampus.audit.services import audit_record

    user = job.created_by
    now = timezone.now()
    params = (job.params or {}).get("filters") or {}
    progress(0, None, force=True)
    with tempfile.TemporaryFile() as tmp:
        n = write_dispute_workbook(tmp, user=user, params=params, now=now, progress=progress)
        tmp.seek(0)
        job.output_name = workbook_name(user, now)
        job.output_file.save(job.output_name, File(tmp), save=False)
    audit_record(
        action=AuditAction.EXPORT, actor=user, data={"kind": "incidents.disputes", "rows": n}
    )
    return {"rows": n}


EXPORT_JOB = "incidents.dispute_export"


def start_export(user, params) -> object:
    """Start the job writing the 台账 of the disputes as filtered by ``params`` (the list page's
    query-string names), for the page's export button and the API alike; a reader whose roles
    may not export is refused (``PermissionDenied``)."""
    from django.utils.translation import gettext as _

    from safecampus.core.access import require
    from safecampus.core.capabilities import INCIDENT_VIEW, JOB_CAPABILITY
    from safecampus.core.jobs import job_start

    require(user, INCIDENT_VIEW, _("Your roles do not allow this."))
    require(user, JOB_CAPABILITY[EXPORT_JOB], _("Your roles do not allow this."))
    return job_start(
        kind=EXPORT_JOB,
        title=_("Export of the dispute register"),
        user=user,
        params={"filters": DisputeFilterForm(params).params()},
    )
