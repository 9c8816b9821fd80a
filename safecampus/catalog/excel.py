"""The catalog as Excel: one row per check item; a filled workbook replaces a draft's content."""

from __future__ import annotations

import tempfile

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
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
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.excel import EXCEL_LABELS
from safecampus.orgs.models import Department

from .choices import HazardLevel
from .models import CatalogVersion
from .services import _fill, _require_draft, _require_manager, version_as_data

YES, NO = "是", "否"
LEVELS = {"general": "一般隐患", "major": "重大隐患"}
SEP = "、"
#: whom an item is about, as written in the workbook
SUBJECTS = {"teachers": "教师", "students": "学生"}
#: routes in one cell: "普教一科：小学、初中；学前科：幼儿园" or "人事科：教师；普教一科：学生"
ROUTE_SEP, ROUTE_COLON = "；", "："


def routes_text(routes: list[dict], stage_labels: dict[str, str]) -> str:
    return ROUTE_SEP.join(
        r["department"]
        + ROUTE_COLON
        + SEP.join(
            [stage_labels.get(s, s) for s in r["stages"]]
            + ([SUBJECTS[r["subject"]]] if r.get("subject") else [])
        )
        for r in routes
    )


def parse_routes(text: str, stages: dict[str, str]) -> tuple[list[dict], list[str]]:
    """The routes written in one cell, and the problems found (as messages)."""
    subjects = {v: k for k, v in SUBJECTS.items()} | {k: k for k in SUBJECTS}
    routes, problems = [], []
    for part in text.replace(";", ROUTE_SEP).split(ROUTE_SEP):
        part = part.strip()
        if not part:
            continue
        name, _colon, cond = part.replace(":", ROUTE_COLON).partition(ROUTE_COLON)
        route = {"department": name.strip(), "stages": [], "subject": ""}
        for label in _split(cond):
            if label in stages:
                route["stages"].append(stages[label])
            elif label in subjects and not route["subject"]:
                route["subject"] = subjects[label]
            else:
                problems.append(
                    _("'%(v)s' is not a school stage or a subject (教师, 学生).") % {"v": label}
                )
        if not route["stages"] and not route["subject"]:
            problems.append(
                _("Write each route as department：stages or subject, got '%(v)s'.") % {"v": part}
            )
        routes.append(route)
    return routes, problems


def columns() -> list[Column]:
    return [
        Column("领域编号", 10, required=True),
        Column("风险领域", 22, required=True),
        Column("排查项编号", 12, required=True),
        Column("排查项", 50, required=True),
        Column("排查指引", 36),
        Column("依据", 22),
        Column("来源", 30),
        Column("适用学段", 20),
        Column("仅寄宿制", 8, choices=[YES, NO]),
        Column("需有食堂", 8, choices=[YES, NO]),
        Column("需有化学实验室", 8, choices=[YES, NO]),
        Column("责任主体", 14),
        Column("学校填报", 8, choices=[YES, NO]),
        Column("责任部门", 24),
        Column("配合部门", 24),
        Column("默认隐患等级", 12, choices=list(LEVELS.values())),
        Column("对象", 8, choices=list(SUBJECTS.values())),
        Column("按学段/对象分流", 36),
    ]


TITLE = "校园安全风险隐患排查标准"
NAME = "排查标准"


def _heading(version: CatalogVersion) -> Heading:
    state = "草稿" if version.is_draft else "已发布"
    return Heading(
        f"{TITLE}（第{version.number}版）",
        scope=version.bureau.name,
        notes=[f"版本：第{version.number}版（{state}）{version.title}"],
    )


def export_name(version: CatalogVersion) -> str:
    """ "闵行区教育局_排查标准_第3版_2026-12-05.xlsx" """
    return file_name(version.bureau.name, NAME, f"第{version.number}版", timezone.localdate())


def write_catalog_workbook(fileobj, version: CatalogVersion) -> int:
    stage_labels = EXCEL_LABELS[SchoolStage]
    data = version_as_data(version)
    rows = (
        [
            area["code"],
            area["name"],
            item["code"],
            item["text"],
            item["guidance"],
            item["legal_basis"],
            item["source"],
            SEP.join(stage_labels.get(s, s) for s in item["stages"]),
            YES if item["boarding_only"] else NO,
            YES if item["needs_canteen"] else NO,
            YES if item["needs_chem_lab"] else NO,
            item["responsible_body"],
            YES if item["school_facing"] else NO,
            SEP.join(item["responsible"]),
            SEP.join(item["cooperating"]),
            LEVELS[item["default_level"]],
            SUBJECTS.get(item["subject"], ""),
            routes_text(item["routes"], stage_labels),
        ]
        for area in data["areas"]
        for item in area["items"]
    )
    return write_workbook(
        fileobj, title=NAME, columns=columns(), rows=rows, heading=_heading(version)
    )


def catalog_import_job(*, job, progress) -> dict:
    version = CatalogVersion.objects.get(pk=job.params["version_id"])
    with job.input_file.open("rb") as fh:
        return catalog_import(
            fileobj=fh,
            version=version,
            actor=job.created_by,
            progress=progress,
            name=job.params.get("name", ""),
        )


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.replace(",", SEP).replace("，", SEP).split(SEP) if p.strip()]


def catalog_import(
    *, fileobj, version: CatalogVersion, actor, progress=None, name: str = ""
) -> dict:
    """Replace the draft's areas and items with the workbook's, or change nothing."""
    progress = progress or (lambda *a, **k: None)
    _require_manager(actor=actor, bureau_id=version.bureau_id)
    try:
        _require_draft(version)
        sheet = read_workbook(fileobj, columns=columns(), name=name)
    except ExcelRefused as refusal:
        raise JobRefused(refusal.message) from refusal
    except Exception as exc:  # the draft was published meanwhile
        raise JobRefused(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
    if not sheet.rows:
        raise JobRefused(_("The workbook has no rows."))
    progress(0, len(sheet.rows) + 1, force=True)
    stages = {v: k for k, v in EXCEL_LABELS[SchoolStage].items()} | {
        k: k for k in SchoolStage.values
    }
    levels = {v: k for k, v in LEVELS.items()} | {k: k for k in HazardLevel.values}
    departments = set(
        Department.objects.filter(bureau_id=version.bureau_id).values_list("name", flat=True)
    )
    errors: list[RowError] = []
    areas: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for number, raw in sheet.rows:
        get = lambda col, raw=raw: cell_text(raw.get(col))  # noqa: E731
        err = lambda col, msg, n=number: errors.append(RowError(n, col, msg))  # noqa: E731
        a_code, a_name, code, text = (
            get("领域编号"),
            get("风险领域"),
            get("排查项编号"),
            get("排查项"),
        )
        for col, value in (
            ("领域编号", a_code),
            ("风险领域", a_name),
            ("排查项编号", code),
            ("排查项", text),
        ):
            if not value:
                err(col, _("Required."))
        if code in seen:
            err("排查项编号", _("Duplicate of row %(r)d.") % {"r": seen[code]})
        seen.setdefault(code, number)
        if len(code) > 16 or len(a_code) > 16:
            err("排查项编号", _("At most %(n)d characters.") % {"n": 16})
        item_stages = []
        for label in _split(get("适用学段")):
            if label in stages:
                item_stages.append(stages[label])
            else:
                err("适用学段", _("'%(v)s' is not one of the allowed values.") % {"v": label})
        flags = {}
        for col, key in (
            ("仅寄宿制", "boarding_only"),
            ("需有食堂", "needs_canteen"),
            ("需有化学实验室", "needs_chem_lab"),
            ("学校填报", "school_facing"),
        ):
            value = get(col)
            if value not in ("", YES, NO):
                err(col, _("Use 是 or 否, got '%(v)s'.") % {"v": value})
            flags[key] = value == YES if value else key == "school_facing"
        names = {}
        for col, key in (("责任部门", "responsible"), ("配合部门", "cooperating")):
            names[key] = _split(get(col))
            for name in names[key]:
                if name not in departments:
                    err(col, _("No department named %(n)s in this bureau.") % {"n": name})
        subject = get("对象")
        if subject and subject not in SUBJECTS.values():
            err("对象", _("'%(v)s' is not one of the allowed values.") % {"v": subject})
        routes, problems = parse_routes(get("按学段/对象分流"), stages)
        for problem in problems:
            err("按学段/对象分流", problem)
        for route in routes:
            if route["department"] not in departments:
                err(
                    "按学段/对象分流",
                    _("No department named %(n)s in this bureau.") % {"n": route["department"]},
                )
        level = get("默认隐患等级") or LEVELS["general"]
        if level not in levels:
            err("默认隐患等级", _("'%(v)s' is not one of the allowed values.") % {"v": level})
        area = areas.setdefault(a_code, {"code": a_code, "name": a_name, "source": "", "items": []})
        area["items"].append(
            {
                "code": code,
                "text": text,
                "guidance": get("排查指引"),
                "legal_basis": get("依据"),
                "source": get("来源"),
                "stages": item_stages,
                "responsible_body": get("责任主体") or "各学校",
                **flags,
                **names,
                "default_level": levels.get(level, "general"),
                "subject": {v: k for k, v in SUBJECTS.items()}.get(subject, ""),
                "routes": routes,
            }
        )
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        raise JobRefused(
            _("%(n)d problems in %(rows)d rows; nothing was imported. Fix them and import again.")
            % {"n": len(errors), "rows": len({e.row for e in errors})},
            [e.as_dict() for e in errors],
        )
    with transaction.atomic():
        version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
        try:
            _require_draft(version)
        except Exception as exc:
            raise JobRefused(" ".join(exc.messages)) from exc
        version.items.all().delete()
        version.areas.all().delete()
        _fill(version=version, areas=list(areas.values()))
        result = {"areas": len(areas), "items": len(seen)}
        audit_record(
            action=Action.IMPORT, actor=actor, target=version, data={"kind": "catalog", **result}
        )
    progress(len(sheet.rows) + 1, force=True)
    return result


def catalog_export_file(version: CatalogVersion):
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse)
    write_catalog_workbook(tmp, version)
    tmp.seek(0)
    return tmp, export_name(version)
