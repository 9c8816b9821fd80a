"""The compliance workbook (人防物防技防达标情况): sheet 1 the figures per requirement,
sheet 2 every school × requirement (符合/不符合/待填报/不适用), written from the cards' stored
results in one streamed read (no query per school), through ``core.excel`` (title and header
block, A4 landscape, numbers as numbers, text never a formula)."""

from __future__ import annotations

import io
import math

from django.utils import timezone, translation

from safecampus.catalog import citations
from safecampus.core.excel import Column, Heading, Percent, file_name, scope_label, write_table
from safecampus.orgs.choices import SchoolStage

from . import selectors
from .choices import Four100, Outcome

TITLE = "人防物防技防达标情况"
CELL_TEXT = {
    Outcome.PASS: "符合",
    Outcome.FAIL: "不符合",
    Outcome.UNKNOWN: "待填报",
    Outcome.NA: "不适用",
}
FOUR_TEXT = {True: "达标", False: "未达标", None: "待填报"}
#: columns of the per-school sheet printed on one A4 landscape page
COLUMNS_PER_PAGE = 12
#: standings read per round trip
CHUNK = 2000


def _rate(rate) -> Percent | None:
    return None if rate is None else Percent(rate / 100)


def workbook_name(user, now) -> str:
    return file_name(scope_label(user), TITLE, timezone.localtime(now).date())


def compliance_export_job(*, job, progress) -> dict:
    """The workbook of a large scope, written by a worker (``core.jobs``)."""
    from django.core.files.base import ContentFile

    user = job.created_by
    now = timezone.now()
    stage = job.params.get("stage") or None
    progress(0, 1, force=True)
    content = compliance_workbook(user=user, now=now, stage=stage)
    job.output_name = workbook_name(user, now)
    job.output_file.save(job.output_name, ContentFile(content), save=False)
    audit(user, stage)
    return {"bytes": len(content)}


def audit(user, stage) -> None:
    from safecampus.audit.models import Action as AuditAction
    from safecampus.audit.services import audit_record

    audit_record(
        action=AuditAction.EXPORT,
        actor=user,
        data={"kind": "standards.compliance", "stage": stage or ""},
    )


def compliance_workbook(*, user, now, stage: str | None = None) -> bytes:
    """The workbook of the figures ``user`` reads (a department: its own findings' counts)."""
    from openpyxl import Workbook

    with translation.override("zh-hans"):
        data = selectors.requirement_rows(user, stage=stage)
        rows = data["rows"]
        sets = selectors.rule_set_names(data["bureaus"])
        stage_label = str(dict(SchoolStage.choices).get(stage, "")) if stage else ""
        notes = [f"适用规则集：{'、'.join(sets) or '—'}"]
        counts_note = (
            "符合、不符合、待填报、不适用为学校数（所）；达标率 = 符合 ÷（符合 + 不符合 + 待填报）"
        )
        if not data["whole"]:
            notes.append("本科室：仅统计交由本科室处理的待整改核查问题")
        filters = f"学校类型：{stage_label}" if stage_label else ""
        scope = scope_label(user)

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("按要求")
        columns = [
            Column("序号", 6),
            Column("要求", 30),
            Column("类别", 10),
            Column("依据条款", 36),
            Column("符合", 10),
            Column("不符合", 10),
            Column("待填报", 10),
            Column("不适用", 10),
            Column("达标率", 10),
        ]
        write_table(
            ws,
            Heading(
                TITLE + "（按要求）",
                scope=scope,
                filters=filters,
                as_of=now,
                notes=[*notes, counts_note],
            ),
            columns,
            (
                [
                    n,
                    r["title"],
                    r["pillar_label"],
                    citations.render(r["clause"]),
                    r["pass"],
                    r["fail"],
                    r["unknown"],
                    r["na"],
                    _rate(r["rate"]),
                ]
                for n, r in enumerate(rows, start=1)
            ),
        )

        keys = [r["key"] for r in rows]
        four_parts = list(Four100.values)
        ws2 = wb.create_sheet("按学校")
        columns2 = [
            Column("序号", 6),
            Column("学校", 24),
            Column("学校类型", 12),
            Column("不符合项", 8),
            Column("待填报项", 8),
            *[Column(str(Four100(p).label), 10) for p in four_parts],
            *[Column(r["title"], 12) for r in rows],
        ]
        unset = set(four_parts) - selectors.four100_parts(selectors.card_bureaus(user))
        standings = selectors.standings(user, stage=stage).defer(None)
        stages = dict(SchoolStage.choices)

        def matrix():
            for n, s in enumerate(standings.iterator(chunk_size=CHUNK), start=1):
                results = s.results or {}
                yield [
                    n,
                    s.school.name,
                    str(stages.get(s.stage, s.stage)),
                    s.failing,
                    s.unknown,
                    *[
                        "未设" if p in unset else FOUR_TEXT[getattr(s, selectors.FOUR100_FIELDS[p])]
                        for p in four_parts
                    ],
                    *[
                        CELL_TEXT.get(results.get(k, {}).get("o", Outcome.UNKNOWN), "")
                        for k in keys
                    ],
                ]

        write_table(
            ws2,
            Heading(TITLE + "（按学校）", scope=scope, filters=filters, as_of=now, notes=notes),
            columns2,
            matrix(),
        )
        # too wide for one A4 width: about a dozen columns a landscape page, the header rows
        # and the school's column repeated on every page (the tail of a write-only sheet and
        # the print titles are written when the workbook is saved)
        ws2.page_setup.fitToWidth = max(2, math.ceil(len(columns2) / COLUMNS_PER_PAGE))
        ws2.print_title_cols = "A:B"
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()


#: standings (schools) a workbook is written for while the person waits; more run as a job
EXPORT_INLINE_LIMIT = 3000


def export_compliance(*, user, stage: str | None = None, now=None):
    """The compliance workbook of the figures ``user`` reads, for the page and the API alike:
    ``(None, content, name)`` written at once (the export in the audit log) for a scope of up
    to ``EXPORT_INLINE_LIMIT`` schools, or ``(job, None, "")`` with a job started for a larger
    one."""
    from django.utils.translation import gettext as _

    from safecampus.core.jobs import job_start

    if (
        selectors.standings(user, stage=stage)
        .order_by()[EXPORT_INLINE_LIMIT : EXPORT_INLINE_LIMIT + 1]
        .exists()
    ):
        job = job_start(
            kind="standards.compliance_export",
            title=_("Export of security standards compliance"),
            user=user,
            params={"stage": stage or ""},
        )
        return job, None, ""
    now = now or timezone.now()
    content = compliance_workbook(user=user, now=now, stage=stage)
    audit(user, stage)
    return None, content, workbook_name(user, now)
