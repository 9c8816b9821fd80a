"""The duty catalog as Excel: one row per duty. A filled workbook (the export's own layout)
replaces the duties of the bureau's draft, or of a new draft, all or nothing.

Values are written with fixed Chinese labels (as ``orgs.excel.EXCEL_LABELS``), so a workbook
reads the same whatever the exporting user's language; an import accepts those labels and the
stored values.
"""

from __future__ import annotations

import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
from safecampus.core.access import can, scope_for
from safecampus.core.capabilities import DUTY_MANAGE
from safecampus.core.db import in_write_transaction
from safecampus.core.excel import (
    Column,
    ExcelRefused,
    Heading,
    RowError,
    cell_text,
    file_name,
    read_workbook,
    write_workbook,
)
from safecampus.core.jobs import JobRefused
from safecampus.orgs.choices import PartnerKind, SchoolStage
from safecampus.orgs.excel import EXCEL_LABELS

from . import access, rules
from .choices import DutyCategory, Evidence, Figure, VersionStatus
from .models import Duty, DutyCatalogVersion

YES, NO = "是", "否"
SEP = "、"
CATEGORY_LABELS = {
    DutyCategory.DRILL: "演练",
    DutyCategory.MEETING: "会议",
    DutyCategory.TRAINING: "培训",
    DutyCategory.CHECK: "检查",
    DutyCategory.AGREEMENT: "责任书",
    DutyCategory.EDUCATION: "教育活动",
    DutyCategory.REPORT: "报告",
    DutyCategory.INSURANCE: "保险",
    DutyCategory.DUTY: "值班值守",
    DutyCategory.TASK: "工作计划任务",
    DutyCategory.OTHER: "其他",
}
EVIDENCE_LABELS = {
    Evidence.PHOTO: "照片",
    Evidence.SIGNIN: "签到表",
    Evidence.MINUTES: "会议纪要",
    Evidence.DOCUMENT: "文件",
}
FIGURE_LABELS = {
    Figure.PARTICIPANTS: "参加人数",
    Figure.EVACUATION_SECONDS: "疏散用时（秒）",
    Figure.SIGNED: "已签订数",
    Figure.TOTAL: "应签订数",
    Figure.FOUND: "发现问题数",
}
PARTNER_LABELS = {
    PartnerKind.POLICE: "公安",
    PartnerKind.FIRE: "消防救援",
    PartnerKind.MARKET: "市场监管",
    PartnerKind.HEALTH: "卫生健康",
    PartnerKind.STREET: "街道/乡镇",
    PartnerKind.TRANSPORT: "交通运输",
    PartnerKind.OTHER: "其他",
}
STAGE_LABELS = EXCEL_LABELS[SchoolStage]

TITLE = "常态化工作清单"
NAME = "常态化工作清单"
MAX_DAYS = 366


def columns() -> list[Column]:
    return [
        Column("类别", 10, choices=list(CATEGORY_LABELS.values())),
        Column("编号", 10, required=True),
        Column("名称", 30, required=True),
        Column("完成标准", 36),
        Column("频次规则", 16, required=True),
        Column("频次说明", 16),
        Column("窗口（天）", 8),
        Column("宽限（天）", 8),
        Column("假期内也须完成", 8, choices=[YES, NO]),
        Column("适用学段", 20),
        Column("仅寄宿制", 8, choices=[YES, NO]),
        Column("需有食堂", 8, choices=[YES, NO]),
        Column("需有化学实验室", 8, choices=[YES, NO]),
        Column("各学校承担", 8, choices=[YES, NO]),
        Column("安全中心承担", 8, choices=[YES, NO]),
        Column("承担科室", 20),
        Column("承担协作单位类别", 20),
        Column("监督科室", 14),
        Column("须提交佐证", 20),
        Column("须填报数据", 24),
        Column("责任单位（原文）", 20),
        Column("来源", 24),
        Column("排序", 6),
    ]


def _heading(version: DutyCatalogVersion) -> Heading:
    state = "草稿" if version.is_draft else "已发布"
    return Heading(
        f"{TITLE}（第{version.number}版）",
        scope=version.bureau.name,
        notes=[
            f"版本：第{version.number}版（{state}）{version.title}",
            "频次规则写法：daily、schooldays、weekly、monthly、quarterly、half-yearly、termly、"
            "yearly、N/year（如4/year）、on 05-12、on last-mon-03、before-term",
        ],
    )


def export_name(version: DutyCatalogVersion) -> str:
    """ "闵行区教育局_常态化工作清单_第2版_2026-11-18.xlsx" """
    return file_name(version.bureau.name, NAME, f"第{version.number}版", timezone.localdate())


def _labels(values, labels: dict) -> str:
    return SEP.join(labels.get(v, v) for v in values)


def _yes(flag: bool) -> str:
    return YES if flag else NO


def duty_row(duty: Duty) -> list:
    return [
        CATEGORY_LABELS.get(duty.category, duty.category),
        duty.code,
        duty.name,
        duty.done_when,
        duty.frequency,
        duty.frequency_label,
        duty.window_days,
        duty.grace_days,
        _yes(duty.in_vacation),
        _labels(duty.stages, STAGE_LABELS),
        _yes(duty.boarding_only),
        _yes(duty.needs_canteen),
        _yes(duty.needs_chem_lab),
        _yes(duty.owed_by_schools),
        _yes(duty.owed_by_centre),
        SEP.join(d.name for d in duty.owed_by_departments.all()),
        _labels(duty.partner_kinds, PARTNER_LABELS),
        duty.overseeing_department.name if duty.overseeing_department else "",
        _labels(duty.evidence, EVIDENCE_LABELS),
        _labels(duty.figures, FIGURE_LABELS),
        duty.responsible_text,
        duty.source,
        duty.sort_order,
    ]


def write_catalog_workbook(fileobj, version: DutyCatalogVersion) -> int:
    duties = (
        Duty.objects.filter(version=version)
        .select_related("overseeing_department")
        .prefetch_related("owed_by_departments")
    )
    return write_workbook(
        fileobj,
        title=NAME,
        columns=columns(),
        rows=(duty_row(d) for d in duties),
        heading=_heading(version),
    )


def catalog_export_file(version: DutyCatalogVersion):
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse)
    write_catalog_workbook(tmp, version)
    tmp.seek(0)
    return tmp, export_name(version)


def export_version(user, pk):
    """The catalog version ``pk`` as ``user`` may read it, to Excel, for the page and the API
    alike: ``(file, name)``. Outside the scope ``Http404``; a role that does not reach duties
    ``PermissionDenied``."""
    from safecampus.core.access import get_for, require
    from safecampus.core.capabilities import DUTY_VIEW

    version = get_for(user, DutyCatalogVersion.objects.select_related("bureau"), pk)
    require(user, DUTY_VIEW)
    return catalog_export_file(version)


# --- import ---------------------------------------------------------------------------------


def _split(value: str) -> list[str]:
    return [
        p.strip()
        for p in value.replace(",", SEP).replace("，", SEP).replace(";", SEP).split(SEP)
        if p.strip()
    ]


def _accepted(labels: dict) -> dict[str, str]:
    """Label → value: the workbook's label and the stored value itself."""
    return {v: k for k, v in labels.items()} | {str(k): str(k) for k in labels}


def parse_rows(sheet_rows, *, departments: dict[str, int]) -> tuple[list[dict], list[RowError]]:
    """The duties of the workbook's rows, and every problem found (row number, column,
    message in Chinese)."""
    categories = _accepted(CATEGORY_LABELS)
    stages = _accepted(STAGE_LABELS)
    partners = _accepted(PARTNER_LABELS)
    evidence = _accepted(EVIDENCE_LABELS)
    figures = _accepted(FIGURE_LABELS)
    errors: list[RowError] = []
    out: list[dict] = []
    seen: dict[str, int] = {}
    for index, (number, raw) in enumerate(sheet_rows):

        def get(col, raw=raw):
            return cell_text(raw.get(col))

        def err(col, msg, n=number):
            errors.append(RowError(n, col, msg))

        def labels(col, accepted, what):
            values = []
            for label in _split(get(col)):
                if label in accepted:
                    values.append(accepted[label])
                else:
                    err(col, _("“%(v)s” is not a known %(what)s.") % {"v": label, "what": what})
            return list(dict.fromkeys(values))

        def flag(col, default):
            value = get(col)
            if value not in ("", YES, NO):
                err(col, _("Use 是 or 否, got “%(v)s”.") % {"v": value})
            return value == YES if value in (YES, NO) else default

        def days(col):
            value = get(col)
            if not value:
                return 0
            if not value.isdigit() or int(value) > MAX_DAYS:
                err(col, _("Write a whole number of days from 0 to %(n)d.") % {"n": MAX_DAYS})
                return 0
            return int(value)

        code, name, frequency = get("编号"), get("名称"), get("频次规则")
        for col, value, limit in (("编号", code, 24), ("名称", name, 200)):
            if not value:
                err(col, _("Required."))
            elif len(value) > limit:
                err(col, _("At most %(n)d characters.") % {"n": limit})
        if code and code in seen:
            err(
                "编号",
                _("The code %(code)s repeats row %(row)d.") % {"code": code, "row": seen[code]},
            )
        seen.setdefault(code, number)
        if not frequency:
            err("频次规则", _("Required."))
        else:
            try:
                rules.parse(frequency)
            except rules.RuleError as exc:
                err("频次规则", str(exc))
        category = get("类别")
        if category and category not in categories:
            err("类别", _("“%(v)s” is not a known %(what)s.") % {"v": category, "what": "类别"})
        owed_departments = []
        for dept in _split(get("承担科室")):
            if dept in departments:
                owed_departments.append(departments[dept])
            else:
                err("承担科室", _("No department named %(n)s in this bureau.") % {"n": dept})
        overseer = get("监督科室")
        if overseer and overseer not in departments:
            err("监督科室", _("No department named %(n)s in this bureau.") % {"n": overseer})
        order = get("排序")
        if order and (not order.isdigit() or int(order) > 32767):
            err("排序", _("Write a whole number."))
        row = {
            "code": code,
            "name": name,
            "category": categories.get(category, DutyCategory.OTHER),
            "done_when": get("完成标准"),
            "frequency": frequency,
            "window_days": days("窗口（天）"),
            "grace_days": days("宽限（天）"),
            "in_vacation": flag("假期内也须完成", False),
            "stages": labels("适用学段", stages, "学段"),
            "boarding_only": flag("仅寄宿制", False),
            "needs_canteen": flag("需有食堂", False),
            "needs_chem_lab": flag("需有化学实验室", False),
            "owed_by_schools": flag("各学校承担", True),
            "owed_by_centre": flag("安全中心承担", False),
            "partner_kinds": labels("承担协作单位类别", partners, "协作单位类别"),
            "overseeing_department_id": departments.get(overseer),
            "evidence": labels("须提交佐证", evidence, "佐证"),
            "figures": labels("须填报数据", figures, "填报数据"),
            "responsible_text": get("责任单位（原文）"),
            "source": get("来源"),
            "sort_order": int(order) if order.isdigit() and int(order) <= 32767 else index + 1,
            "departments": list(dict.fromkeys(owed_departments)),
        }
        for key, col, limit in (
            ("responsible_text", "责任单位（原文）", 200),
            ("source", "来源", 200),
        ):
            if len(row[key]) > limit:
                err(col, _("At most %(n)d characters.") % {"n": limit})
        owner_problems = any(
            e.row == number and e.column in ("承担科室", "承担协作单位类别") for e in errors
        )
        if not owner_problems and not (
            row["owed_by_schools"]
            or row["owed_by_centre"]
            or row["partner_kinds"]
            or row["departments"]
        ):
            err("各学校承担", _("Nobody owes this duty: name at least one who owes it."))
        out.append(row)
    errors.sort(key=lambda e: (e.row, e.column))
    return out, errors


def _draft_for(*, actor, bureau_id: int, version_id: int | None) -> DutyCatalogVersion:
    """The draft to import into (locked): the one named, the bureau's, or a new one."""
    from safecampus.orgs.models import Bureau

    from . import services

    drafts = DutyCatalogVersion.objects.select_for_update().filter(
        bureau_id=bureau_id, status=VersionStatus.DRAFT
    )
    if version_id is not None:
        draft = drafts.filter(pk=version_id).first()
        if draft is None:
            raise JobRefused(_("A published version is frozen; start a new draft."))
        return draft
    draft = drafts.first()
    if draft is None:
        draft = services.version_start_draft(actor=actor, bureau=Bureau.objects.get(pk=bureau_id))
    return draft


def catalog_import(
    *,
    fileobj,
    actor,
    bureau_id: int,
    version_id: int | None = None,
    name: str = "",
    progress=None,
) -> dict:
    """Replace the duties of the bureau's draft (or of a new draft) with the workbook's, or
    change nothing. Raises :class:`JobRefused` with every bad row."""
    from safecampus.orgs.models import Department

    progress = progress or (lambda *a, **k: None)
    if not can(actor, DUTY_MANAGE) or bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise JobRefused(_("Only the safety centre keeps this bureau's duty catalog."))
    try:
        sheet = read_workbook(fileobj, columns=columns(), name=name)
    except ExcelRefused as refusal:
        raise JobRefused(refusal.message) from refusal
    if not sheet.rows:
        raise JobRefused(_("The workbook has no rows."))
    progress(0, len(sheet.rows) + 1, force=True)
    departments = dict(Department.objects.filter(bureau_id=bureau_id).values_list("name", "pk"))
    rows, errors = parse_rows(sheet.rows, departments=departments)
    if errors:
        raise JobRefused(
            _("%(n)d problems in %(rows)d rows; nothing was imported. Fix them and import again.")
            % {"n": len(errors), "rows": len({e.row for e in errors})},
            [e.as_dict() for e in errors],
        )

    def write():
        draft = _draft_for(actor=actor, bureau_id=bureau_id, version_id=version_id)
        Duty.objects.filter(version=draft).delete()
        for row in rows:
            row = dict(row)
            owed = row.pop("departments")
            duty = Duty.objects.create(version=draft, bureau_id=bureau_id, **row)
            if owed:
                duty.owed_by_departments.set(owed)
        result = {"version_id": draft.pk, "number": draft.number, "duties": len(rows)}
        audit_data = {"kind": "duty_catalog", **result}
        result["url"] = draft.get_absolute_url()
        audit_record(
            action=Action.IMPORT,
            actor=actor,
            target=draft,
            bureau_id=bureau_id,
            data=audit_data,
        )
        return result

    result = in_write_transaction(write)
    progress(len(sheet.rows) + 1, force=True)
    return result


def catalog_import_job(*, job, progress) -> dict:
    with job.input_file.open("rb") as fh:
        return catalog_import(
            fileobj=fh,
            actor=job.created_by,
            bureau_id=job.params["bureau_id"],
            version_id=job.params.get("version_id"),
            name=job.params.get("name", ""),
            progress=progress,
        )
