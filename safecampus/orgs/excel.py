"""The school list as Excel: export (also the import template) and all-or-nothing import.

The 学校标识码 is the key: importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.audit.models import Action, AuditEvent
from safecampus.audit.services import audit_record, audit_record_many, model_snapshot
from safecampus.core.access import roles_on
from safecampus.core.capabilities import SCHOOL_MANAGE
from safecampus.core.context import client_ip, request_id
from safecampus.core.db import db_optimize
from safecampus.core.excel import (
    Column,
    ExcelRefused,
    RowError,
    cell_text,
    file_name,
    filterset_label,
    heading_for,
    read_workbook,
    scope_label,
    write_workbook,
)
from safecampus.core.filters import as_query_dict
from safecampus.core.jobs import JobRefused

from .choices import CoordSystem, Ownership, SchoolStage
from .models import Bureau, Region, School, SchoolGate, school_code_validator
from .services import SCHOOL_FIELDS, parse_gates
from .signals import announce_geometry_change

YES, NO = "是", "否"
ACTIVE, INACTIVE = "在用", "停用"
COORD_LABELS = {CoordSystem.WGS84: "WGS-84", CoordSystem.GCJ02: "GCJ-02", CoordSystem.BD09: "BD-09"}


#: The workbook is a Chinese document whatever the user's UI language: its labels are fixed here,
#: as part of the file format, rather than taken from the translation catalogue.
EXCEL_LABELS = {
    SchoolStage: {
        "kindergarten": "幼儿园",
        "primary": "小学",
        "junior": "初中",
        "senior": "高中",
        "nine_year": "九年一贯制",
        "twelve_year": "十二年一贯制",
        "complete_secondary": "完全中学",
        "vocational": "中职",
        "special": "特殊教育",
        "reform": "专门学校",
    },
    Ownership: {"public": "公办", "private": "民办"},
}


def _zh_labels(choices) -> dict[str, str]:
    return EXCEL_LABELS[choices]


def _accepted(choices) -> dict[str, str]:
    """Label → value for import: the Excel label, the value itself and both UI labels."""
    accepted = {v: k for k, v in EXCEL_LABELS[choices].items()} | {k: k for k in choices.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            accepted |= {str(label): value for value, label in choices.choices}
    return accepted


def columns() -> list[Column]:
    stages = _zh_labels(SchoolStage)
    owners = _zh_labels(Ownership)
    return [
        Column("学校标识码", 14, required=True),
        Column("学校名称", 30, required=True),
        Column("学段类型", 14, choices=list(stages.values()), required=True),
        Column("办学性质", 10, choices=list(owners.values()), required=True),
        Column("寄宿制", 8, choices=[YES, NO]),
        Column("在校学生数", 10),
        Column("寄宿生数", 10),
        Column("教职工数", 10),
        Column("校门数", 8),
        Column("食堂", 8, choices=[YES, NO]),
        Column("化学实验室", 10, choices=[YES, NO]),
        Column("地址", 36),
        Column("校长", 10),
        Column("安全负责人", 10),
        Column("联系电话", 14),
        Column("校门坐标", 34, help="经度,纬度; 经度,纬度"),
        Column("坐标系", 10, choices=list(COORD_LABELS.values())),
        Column("区划代码", 10),
        Column("状态", 8, choices=[ACTIVE, INACTIVE]),
    ]


# --- export -------------------------------------------------------------------------------------


def _school_row(school: School, stages, owners) -> list:
    gates = list(school.gates.all())
    return [
        school.code,
        school.name,
        stages.get(school.stage, school.stage),
        owners.get(school.ownership, school.ownership),
        YES if school.boarding else NO,
        school.students,
        school.boarders,
        school.staff,
        school.gate_count,
        YES if school.has_canteen else NO,
        YES if school.has_chem_lab else NO,
        school.address,
        school.principal,
        school.safety_officer,
        school.phone,
        "; ".join(f"{g.longitude},{g.latitude}" for g in gates),
        COORD_LABELS.get(gates[0].coord_system, "") if gates else "",
        school.region.code if school.region_id else "",
        ACTIVE if school.is_active else INACTIVE,
    ]


TITLE = "学校名单"


def filters_text(user, filters: dict | None) -> str:
    """The school list's filters as a person reads them (names, not ids)."""
    if not filters:
        return ""
    from .filtersets import SchoolFilterSet

    def name_of(model):
        def name(pk):
            found = model.objects.visible_to(user).filter(pk=pk).values_list("name", flat=True)
            return next(iter(found), pk)

        return name

    with translation.override("zh-hans"):
        fs = SchoolFilterSet(as_query_dict(filters), queryset=School.objects.none())
        return filterset_label(fs, {"bureau": name_of(Bureau), "region": name_of(Region)})


def export_name(user=None) -> str:
    """ "闵行区教育局_学校名单_2026-12-05.xlsx" """
    return file_name(scope_label(user), TITLE, timezone.localdate())


def write_school_workbook(fileobj, queryset, progress=None, *, user=None, filters=None) -> int:
    """The schools of ``queryset`` (already scoped); ``user`` and ``filters`` for the header
    block. The same workbook, filled in, is the import's (the import finds its header row)."""
    stages, owners = _zh_labels(SchoolStage), _zh_labels(Ownership)
    rows = (
        _school_row(s, stages, owners)
        for s in queryset.select_related("region").prefetch_related("gates").iterator(2000)
    )
    return write_workbook(
        fileobj,
        title=TITLE,
        columns=columns(),
        rows=rows,
        progress=progress,
        heading=heading_for(user, TITLE, filters_text(user, filters)),
    )


def school_export_job(*, job, progress) -> dict:
    from .selectors import school_list

    qs = school_list(user=job.created_by, filters=job.params.get("filters") or {})
    total = qs.count()
    progress(0, total, force=True)
    with tempfile.TemporaryFile() as tmp:
        n = write_school_workbook(
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
    audit_record(action=Action.EXPORT, actor=job.created_by, data={"kind": "schools", "rows": n})
    return {"rows": n}


#: rows an export writes while the person waits; a larger list is exported by a job
EXPORT_INLINE_LIMIT = 3000


def export_schools(*, user, filters: dict):
    """The school list as filtered, to Excel, for the page and the API alike: ``(None, file,
    rows)`` with the workbook written (and the export in the audit log) when it is small, or
    ``(job, None, 0)`` with a job started when it is larger than ``EXPORT_INLINE_LIMIT``. Only
    for the roles that manage schools (``PermissionDenied``)."""
    from safecampus.core.access import require
    from safecampus.core.jobs import job_start

    from .selectors import school_list

    require(user, SCHOOL_MANAGE)
    qs = school_list(user=user, filters=filters)
    if qs.count() > EXPORT_INLINE_LIMIT:
        job = job_start(
            kind="orgs.school_export",
            title=_("Export of the school list"),
            user=user,
            params={"filters": filters},
        )
        return job, None, 0
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that sends it)
    rows = write_school_workbook(tmp, qs, user=user, filters=filters)
    tmp.seek(0)
    audit_record(action=Action.EXPORT, actor=user, data={"kind": "schools", "rows": rows})
    return None, tmp, rows


# --- import -------------------------------------------------------------------------------------


class _RowParser:
    """Turns one sheet row into model values, collecting every error it finds."""

    def __init__(self):
        self.stages = _accepted(SchoolStage)
        self.owners = _accepted(Ownership)
        self.coords = {v: k for k, v in COORD_LABELS.items()} | {
            "WGS84": CoordSystem.WGS84,
            "GCJ02": CoordSystem.GCJ02,
            "BD09": CoordSystem.BD09,
            "GPS": CoordSystem.WGS84,
            "高德": CoordSystem.GCJ02,
            "百度": CoordSystem.BD09,
        }
        self.regions = dict(Region.objects.values_list("code", "pk"))

    def parse(self, number: int, raw: dict, errors: list[RowError]) -> dict | None:
        before = len(errors)
        err = lambda col, msg: errors.append(RowError(number, col, msg))  # noqa: E731
        get = lambda col: cell_text(raw.get(col))  # noqa: E731
        out: dict = {}
        code = get("学校标识码")
        try:
            school_code_validator(code)
            out["code"] = code
        except ValidationError:
            err("学校标识码", _("Must be exactly 10 digits, got '%(v)s'.") % {"v": code})
        out["name"] = get("学校名称")
        if not out["name"]:
            err("学校名称", _("Required."))
        elif len(out["name"]) > 100:
            err("学校名称", _("At most 100 characters."))
        out["stage"] = self._choice(get("学段类型"), self.stages, "学段类型", err, required=True)
        out["ownership"] = self._choice(
            get("办学性质"), self.owners, "办学性质", err, required=True
        )
        out["boarding"] = self._bool(get("寄宿制"), "寄宿制", err)
        out["has_canteen"] = self._bool(get("食堂"), "食堂", err)
        out["has_chem_lab"] = self._bool(get("化学实验室"), "化学实验室", err)
        for col, key, default in (
            ("在校学生数", "students", 0),
            ("寄宿生数", "boarders", 0),
            ("教职工数", "staff", 0),
            ("校门数", "gate_count", 1),
        ):
            out[key] = self._count(get(col), col, err, default)
        if (out["boarders"] or 0) > (out["students"] or 0):
            err("寄宿生数", _("Cannot exceed the number of students."))
        if out["boarders"] and out["boarding"] is False:
            err("寄宿生数", _("Only a boarding school has boarders; set 寄宿制 to 是."))
        for col, key, limit in (
            ("地址", "address", 200),
            ("校长", "principal", 64),
            ("安全负责人", "safety_officer", 64),
            ("联系电话", "phone", 32),
        ):
            out[key] = get(col)
            if len(out[key]) > limit:
                err(col, _("At most %(n)d characters.") % {"n": limit})
        status = get("状态") or ACTIVE
        if status not in (ACTIVE, INACTIVE):
            err("状态", _("Use %(a)s or %(b)s.") % {"a": ACTIVE, "b": INACTIVE})
        out["is_active"] = status != INACTIVE
        region = get("区划代码")
        out["region_id"] = None
        if region:
            if region not in self.regions:
                err("区划代码", _("Unknown region code '%(v)s'.") % {"v": region})
            else:
                out["region_id"] = self.regions[region]
        out["gates"] = self._gates(get("校门坐标"), get("坐标系"), err)
        return out if len(errors) == before else None

    def _choice(self, value, mapping, col, err, required=False):
        if not value:
            if required:
                err(col, _("Required."))
            return None
        if value not in mapping:
            err(col, _("'%(v)s' is not one of the allowed values.") % {"v": value})
            return None
        return mapping[value]

    def _bool(self, value, col, err):
        if value in ("", NO, "N", "n", "0", "False", "FALSE", "false"):
            return False
        if value in (YES, "Y", "y", "1", "True", "TRUE", "true"):
            return True
        err(col, _("Use 是 or 否, got '%(v)s'.") % {"v": value})
        return None

    def _count(self, value, col, err, default):
        if value == "":
            return default
        try:
            number = Decimal(value)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            number = None
        if number is None or number != number.to_integral_value() or number < 0:
            err(col, _("Must be a whole number of 0 or more, got '%(v)s'.") % {"v": value})
            return default
        if number > 1_000_000:
            err(col, _("The number is implausibly large: %(v)s.") % {"v": value})
            return default
        return int(number)

    def _gates(self, value, system, err) -> list[dict]:
        if not value:
            return []
        if not system:
            err("坐标系", _("Say which coordinate system the gate coordinates use."))
            return []
        if system not in self.coords:
            err("坐标系", _("'%(v)s' is not one of the allowed values.") % {"v": system})
            return []
        gates, problems = parse_gates(value, self.coords[system])
        for problem in problems:
            err("校门坐标", problem)
        return gates


#: the fields an import row sets (the bureau comes from the job; the code is the key)
IMPORT_FIELDS = [f for f in SCHOOL_FIELDS if f not in ("bureau", "code", "region")] + ["region_id"]


def school_import_job(*, job, progress) -> dict:
    bureau = Bureau.objects.get(pk=job.params["bureau_id"])
    with job.input_file.open("rb") as fh:
        return school_import(
            fileobj=fh,
            actor=job.created_by,
            bureau=bureau,
            progress=progress,
            name=job.params.get("name", ""),
        )


def school_import(*, fileobj, actor, bureau: Bureau, progress=None, name: str = "") -> dict:
    """Validate every row, then write all of them in one transaction, or nothing at all."""
    progress = progress or (lambda *a, **k: None)
    if not SCHOOL_MANAGE & roles_on(actor, bureau):
        raise JobRefused(_("You may not import schools into this bureau."))
    try:
        sheet = read_workbook(fileobj, columns=columns(), name=name)
    except ExcelRefused as refusal:
        raise JobRefused(refusal.message) from refusal
    total = len(sheet.rows)
    if not total:
        raise JobRefused(_("The workbook has no school rows."))
    progress(0, total + 1, force=True)

    parser = _RowParser()
    errors: list[RowError] = []
    parsed: dict[str, tuple[int, dict]] = {}
    for i, (number, raw) in enumerate(sheet.rows, start=1):
        values = parser.parse(number, raw, errors)
        if values is not None:
            if values["code"] in parsed:
                errors.append(
                    RowError(
                        number,
                        "学校标识码",
                        _("Duplicate of row %(r)d.") % {"r": parsed[values["code"]][0]},
                    )
                )
            else:
                parsed[values["code"]] = (number, values)
        if i % 200 == 0:
            progress(i)

    foreign_codes = School.objects.filter(code__in=list(parsed)).exclude(bureau=bureau)
    errors += [
        RowError(
            parsed[code][0], "学校标识码", _("This code belongs to a school of another bureau.")
        )
        for code in foreign_codes.values_list("code", flat=True)
    ]
    if errors:
        _refuse_rows(errors)
    progress(total, force=True)
    try:
        with transaction.atomic():
            # Read the schools being replaced inside the writing transaction, locked, so that
            # an edit made meanwhile is neither overwritten unseen nor recorded with stale values.
            existing = {
                s.code: s
                for s in School.objects.select_for_update()
                .filter(code__in=list(parsed))
                .prefetch_related("gates")
            }
            foreign = [
                RowError(
                    parsed[code][0],
                    "学校标识码",
                    _("This code belongs to a school of another bureau."),
                )
                for code, school in existing.items()
                if school.bureau_id != bureau.pk
            ]
            if foreign:
                _refuse_rows(foreign)
            result = _write(parsed=parsed, existing=existing, bureau=bureau, actor=actor)
    except IntegrityError as exc:
        raise JobRefused(
            _(
                "Another import or edit added some of these schools at the same time. "
                "Nothing was imported; import the file again."
            )
        ) from exc
    db_optimize()
    progress(total + 1, force=True)
    return result


def _refuse_rows(errors: list[RowError]):
    errors.sort(key=lambda e: (e.row, e.column))
    raise JobRefused(
        _("%(n)d problems in %(rows)d rows; nothing was imported. Fix them and import again.")
        % {"n": len(errors), "rows": len({e.row for e in errors})},
        [e.as_dict() for e in errors],
    )


def _write(*, parsed, existing, bureau, actor) -> dict:
    now = timezone.now()
    to_create, to_update, changes, moved = [], [], [], []
    gate_rows: dict[str, list[dict]] = {}
    for code, (_number, values) in parsed.items():
        gates = values.pop("gates")
        values.pop("code")
        school = existing.get(code)
        if school is None:
            school = School(bureau=bureau, code=code, **values)
            to_create.append(school)
            gate_rows[code] = gates
            if gates:
                moved.append(code)
            continue
        before = model_snapshot(school, IMPORT_FIELDS)
        diff = {k: v for k, v in values.items() if getattr(school, k) != v}
        old_gates = [(g.longitude, g.latitude, g.coord_system) for g in school.gates.all()]
        new_gates = [(g["longitude"], g["latitude"], g["coord_system"]) for g in gates]
        if diff:
            for k, v in diff.items():
                setattr(school, k, v)
            school.updated_at = now
            to_update.append(school)
        if old_gates != new_gates:
            gate_rows[code] = gates
        if old_gates != new_gates or "stage" in diff:
            moved.append(code)
        if diff or old_gates != new_gates:
            after = model_snapshot(school, IMPORT_FIELDS)
            changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            if old_gates != new_gates:
                changed["gates"] = [
                    [f"{a},{b}" for a, b, _c in old_gates],
                    [f"{a},{b}" for a, b, _c in new_gates],
                ]
            changes.append((school, changed))

    School.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        School.objects.bulk_update(to_update, IMPORT_FIELDS + ["updated_at"], batch_size=500)
    ids = {s.code: s.pk for s in to_create} | {s.code: s.pk for s, _c in changes}
    SchoolGate.objects.filter(school_id__in=[ids[c] for c in gate_rows if c in existing]).delete()
    SchoolGate.objects.bulk_create(
        [SchoolGate(school_id=ids[c], **g) for c, gates in gate_rows.items() for g in gates],
        batch_size=1000,
    )
    announce_geometry_change(ids[c] for c in moved if c in ids)
    rid, ip = request_id.get() or "", client_ip.get()
    events = [
        AuditEvent(
            action=Action.CONFIG_CREATED,
            actor=actor,
            actor_username=actor.get_username(),
            bureau_id=bureau.pk,
            target_type="orgs.school",
            target_id=str(s.pk),
            target_repr=s.name,
            request_id=rid,
            ip=ip,
            data={"via": "import"},
        )
        for s in to_create
    ] + [
        AuditEvent(
            action=Action.CONFIG_CHANGED,
            actor=actor,
            actor_username=actor.get_username(),
            bureau_id=bureau.pk,
            target_type="orgs.school",
            target_id=str(s.pk),
            target_repr=s.name,
            request_id=rid,
            ip=ip,
            data={"via": "import", "changes": c},
        )
        for s, c in changes
    ]
    audit_record_many(events)
    result = {
        "created": len(to_create),
        "updated": len(changes),
        "unchanged": len(parsed) - len(to_create) - len(changes),
    }
    audit_record(
        action=Action.IMPORT, actor=actor, bureau_id=bureau.pk, data={"kind": "schools", **result}
    )
    return result
