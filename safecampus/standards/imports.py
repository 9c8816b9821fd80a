"""Security facts imported from a workbook (a background job, ``standards.facts_import``): one
row per school, all or nothing.

The template lists the schools the user keeps the facts of (school code, name), then one column
per kept fact (``facts.SCHOOL_FACTS``, headed by its Chinese label) and the gate facts as
columns "1号门白天保安员" … for as many gates as the widest school has. A blank cell leaves the
fact as it is; 是/否 answer a yes-or-no fact; dates are written 2026-11-10.

The workbook is checked before it is expanded (``core.excel.read_workbook``), every row is
checked with the checks of ``services.update_facts`` (``services.facts_problems``) and those only
a row has (the school by its code, within the importer's reach, once in the file, gate columns
beyond the school's gates). Then every row is written in ONE transaction; any refusal there
rolls every row back.
"""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.core.access import scope_for
from safecampus.core.db import in_write_transaction
from safecampus.core.excel import (
    Column,
    ExcelRefused,
    RowError,
    cell_text,
    file_name,
    heading_for,
    read_workbook,
    write_workbook,
)
from safecampus.core.jobs import JobRefused
from safecampus.core.refusals import errors_of
from safecampus.orgs.models import School

from . import access, services
from .choices import FactsAction
from .facts import BOOL, DATE, GATE_FACTS, SCHOOL_FACTS

JOB_KIND = "standards.facts_import"
SCHOOL = "学校标识码"
NAME = "学校名称"
#: gate columns read from an uploaded workbook (a school with more gates keeps them on its page)
MAX_GATES = 10
MAX_ROWS = 5000
TITLE = "安防基础信息导入模板"


def _zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def school_header(fact) -> str:
    return _zh(fact.label)


def gate_header(n: int, fact) -> str:
    return f"{n}号门{_zh(fact.label)}"


def _help(fact) -> str:
    if fact.type == BOOL:
        return "是/否"
    if fact.type == DATE:
        return "2026-11-10"
    if fact.min is not None and fact.max is not None:
        return f"{fact.min}–{fact.max}"
    return ""


def columns(gates: int = MAX_GATES) -> list[Column]:
    cols = [Column(SCHOOL, 14, required=True), Column(NAME, 24)]
    cols += [
        Column(
            school_header(f), 12, choices=["是", "否"] if f.type == BOOL else None, help=_help(f)
        )
        for f in SCHOOL_FACTS
    ]
    for n in range(1, gates + 1):
        cols += [
            Column(
                gate_header(n, f),
                10,
                choices=["是", "否"] if f.type == BOOL else None,
                help=_help(f),
            )
            for f in GATE_FACTS
        ]
    return cols


def editable_schools(user):
    """The schools whose facts ``user`` keeps."""
    scope = scope_for(user)
    if scope.is_empty:
        return School.objects.none()
    q = access.school_facts_q(scope, access.EDIT)
    return School.objects.none() if q is None else School.objects.filter(q).distinct()


def template_name() -> str:
    return file_name(TITLE, timezone.localdate())


def _cell(value):
    if value is True:
        return "是"
    if value is False:
        return "否"
    return value


def template_bytes(user) -> io.BytesIO:
    """The workbook to fill in: one row per school ``user`` keeps, with its facts as they
    stand."""
    schools = list(
        editable_schools(user)
        .filter(is_active=True)
        .order_by("code")
        .only("pk", "code", "name", "gate_count")
    )
    width = max([1, *(min(s.gate_count or 0, MAX_GATES) for s in schools)])
    from .models import GateFacts, SecurityFacts

    kept = {f.school_id: f for f in SecurityFacts.objects.filter(school__in=schools)}
    gates: dict[int, dict[int, GateFacts]] = {}
    for g in GateFacts.objects.filter(school__in=schools, position__lte=width):
        gates.setdefault(g.school_id, {})[g.position] = g
    rows = []
    for s in schools:
        facts = kept.get(s.pk)
        row = [s.code, s.name]
        row += [_cell(getattr(facts, f.name)) if facts else None for f in SCHOOL_FACTS]
        for n in range(1, width + 1):
            g = gates.get(s.pk, {}).get(n)
            row += [_cell(getattr(g, f.name)) if g else None for f in GATE_FACTS]
        rows.append(row)
    out = io.BytesIO()
    write_workbook(
        out,
        title="安防基础信息",
        columns=columns(width),
        rows=rows,
        heading=heading_for(
            user,
            TITLE,
            notes=[
                "每行一所学校；按学校标识码匹配，学校名称仅供核对。"
                "空白单元格表示不修改该项；是否类填写“是”或“否”；日期写作 2026-11-10；"
                "“1号门白天保安员”等列为各校门的信息，超出本校校门数的列须留空。"
                "任何一行有误则全部不导入，并逐行列出问题。"
            ],
        ),
    )
    out.seek(0)
    return out


def facts_import_job(*, job, progress) -> dict:
    with job.input_file.open("rb") as fh:
        return facts_import(
            fileobj=fh, actor=job.created_by, name=job.params.get("name", ""), progress=progress
        )


def _refuse_rows(errors: list[RowError]):
    errors.sort(key=lambda e: (e.row, e.column))
    raise JobRefused(
        _("%(n)d problems in %(rows)d rows; nothing was imported. Fix them and import again.")
        % {"n": len(errors), "rows": len({e.row for e in errors})},
        [e.as_dict() for e in errors],
    )


def facts_import(*, fileobj, actor, name: str = "", progress=None, now=None) -> dict:
    """Check every row, then record all of them in one transaction, or nothing."""
    progress = progress or (lambda *a, **k: None)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    cols = columns()
    try:
        sheet = read_workbook(fileobj, columns=cols, name=name)
    except ExcelRefused as refusal:
        raise JobRefused(refusal.message) from refusal
    total = len(sheet.rows)
    if not total:
        raise JobRefused(_("The workbook has no rows."))
    if total > MAX_ROWS:
        raise JobRefused(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS})
    progress(0, total + 1, force=True)
    mine = {s.code: s for s in editable_schools(actor).filter(is_active=True)}
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    rows: list[tuple[int, School, dict, list[dict]]] = []
    for i, (number, raw) in enumerate(sheet.rows, start=1):
        found = _check_row(number, raw, mine, seen, errors, today)
        if found is not None:
            rows.append((number, *found))
        if i % 100 == 0:
            progress(i)
    if errors:
        _refuse_rows(errors)
    at = [rows[0][0] if rows else 0]  # the row being written (reported with a refusal)

    def write() -> None:
        for number, school, values, gates in rows:
            at[0] = number
            services.update_facts(
                actor=actor,
                school_id=school.pk,
                values=values,
                gates=gates,
                now=now,
                action=FactsAction.IMPORT,
                comment=_("Imported from %(name)s") % {"name": name} if name else "",
            )

    try:
        # all or nothing, started again whole if SQLite stayed locked
        in_write_transaction(write)
    except ValidationError as exc:
        _refuse_rows(
            [
                RowError(at[0], _column_of(field), message)
                for field, messages in errors_of(exc).items()
                for message in messages
            ]
        )
    except (Http404, PermissionDenied) as exc:
        raise JobRefused(
            _("A school left your reach while importing; nothing was imported.")
        ) from exc
    progress(total + 1, force=True)
    return {
        "rows": len(rows),
        "message": _("Facts of %(n)d schools imported.") % {"n": len(rows)},
    }


def _column_of(field: str) -> str:
    """The column a service's error key comes from."""
    if field.startswith("gate") and "." in field:
        gate, name = field.split(".", 1)
        fact = next((f for f in GATE_FACTS if f.name == name), None)
        if fact is not None and gate[4:].isdigit():
            return gate_header(int(gate[4:]), fact)
    fact = next((f for f in SCHOOL_FACTS if f.name == field), None)
    return school_header(fact) if fact else SCHOOL


def _check_row(number, raw, mine, seen, errors, today):
    """(school, values, gates) of a good row; every problem of a bad one into ``errors``."""
    before = len(errors)

    def err(column, message):
        errors.append(RowError(number, column, message))

    code = cell_text(raw.get(SCHOOL))
    if not code:
        err(SCHOOL, _("Required."))
        return None
    school = mine.get(code)
    if school is None:
        if School.objects.filter(code=code).exists():
            err(SCHOOL, _("The school %(v)s is not within your reach.") % {"v": code})
        else:
            err(SCHOOL, _("Unknown school code '%(v)s'.") % {"v": code})
        return None
    if code in seen:
        err(SCHOOL, _("Row %(row)d already gives the facts of this school.") % {"row": seen[code]})
        return None
    seen[code] = number
    values = {}
    for f in SCHOOL_FACTS:
        text = cell_text(raw.get(school_header(f)))
        if text:
            values[f.name] = raw.get(school_header(f)) if f.type == DATE else text
    gates: list[dict] = []
    for n in range(1, MAX_GATES + 1):
        gate = {}
        for f in GATE_FACTS:
            text = cell_text(raw.get(gate_header(n, f)))
            if text:
                gate[f.name] = text
        if gate and n > (school.gate_count or 0):
            err(
                gate_header(n, GATE_FACTS[0]),
                _("%(school)s has %(n)d gates; leave the columns of gate %(g)d blank.")
                % {"school": school.name, "n": school.gate_count or 0, "g": n},
            )
            continue
        gates.append(gate)
    gates = gates[: school.gate_count or 0]
    while gates and not gates[-1]:
        gates.pop()
    for field, messages in services.facts_problems(values, gates, today=today).items():
        for message in messages:
            err(_column_of(field), message)
    if len(errors) > before:
        return None
    if not values and not any(gates):
        return None
    return school, values, gates


__all__ = ["JOB_KIND", "columns", "facts_import", "facts_import_job", "template_bytes"]
