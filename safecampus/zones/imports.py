"""Venues imported from a workbook (a background job, ``zones.venue_import``): all or
nothing.

Columns: 类型, 名称, 许可证号, 地址, 经度, 纬度, 坐标系, 来源 (optional), 备注. The coordinate
system is required on every row (``core.geo.parse_system`` takes 高德, 百度, GPS and the like).

The workbook is checked before it is expanded (``core.excel.read_workbook``); every row is
checked first (type, name, the point with ``core.geo.point_problem``: swapped longitude and
latitude, outside China, a missing system; a point at a school; the same name and address twice
in the file). If any row is bad nothing is saved and every problem is reported with its row
number. Otherwise every venue is created and checked against the schools
(``detection.check_venues``, in chunks) in ONE transaction, so its cases are open when the job
ends.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from safecampus.core import geo
from safecampus.core.access import scope_for
from safecampus.core.capabilities import ZONE_VENUE_EDIT
from safecampus.core.db import in_write_transaction
from safecampus.core.excel import (
    MAX_ROWS_VALIDATED,
    Column,
    ExcelRefused,
    Heading,
    RowError,
    add_table_sheet,
    cell_text,
    file_name,
    heading_for,
    iter_chunks,
    read_workbook,
    write_table,
)
from safecampus.core.jobs import JobRefused
from safecampus.orgs.models import Bureau

from . import access, detection, services
from .choices import ACTIVE_VENUE, OPEN_CASE, VenueAction, VenueSource, VenueType
from .lifecycle import VENUES
from .models import Venue, VenueEvent, ZoneCase

JOB_KIND = "zones.venue_import"
TITLE = "周边场所导入模板"
MAX_ROWS = 5000
CHUNK = 500
#: the template's example row, skipped if it is left in
EXAMPLE_NAME = "示例网吧（请删除此行）"

KIND = "类型"
NAME = "名称"
LICENCE = "许可证号"
ADDRESS = "地址"
LON = "经度"
LAT = "纬度"
SYSTEM = "坐标系"
SOURCE = "来源"
NOTE = "备注"

#: the types as the workbook names them (whatever the user's language)
TYPE_NAMES = {
    VenueType.INTERNET_CAFE: "网吧",
    VenueType.ENTERTAINMENT: "KTV及娱乐场所",
    VenueType.GAME_HALL: "游戏厅",
    VenueType.BAR: "酒吧",
    VenueType.HOTEL: "宾馆及小旅馆",
    VenueType.LOTTERY: "彩票销售点",
    VenueType.POLLUTING: "污染企业",
    VenueType.VICE: "涉黄涉赌嫌疑场所",
    VenueType.STALLS: "流动摊贩",
    VenueType.OTHER: "其他",
}
TYPE_ALIASES = {
    "网咖": VenueType.INTERNET_CAFE,
    "互联网上网服务营业场所": VenueType.INTERNET_CAFE,
    "ktv": VenueType.ENTERTAINMENT,
    "娱乐场所": VenueType.ENTERTAINMENT,
    "歌舞厅": VenueType.ENTERTAINMENT,
    "电子游戏厅": VenueType.GAME_HALL,
    "宾馆": VenueType.HOTEL,
    "旅馆": VenueType.HOTEL,
    "小旅馆": VenueType.HOTEL,
    "彩票": VenueType.LOTTERY,
    "摊贩": VenueType.STALLS,
}
SOURCE_NAMES = {
    VenueSource.INSPECTION: "排查",
    VenueSource.PUBLIC_REPORT: "群众举报",
    VenueSource.IMPORT: "导入",
}
SYSTEM_NAMES = {
    geo.WGS84: ("WGS-84", "手机GPS、天地图"),
    geo.GCJ02: ("GCJ-02", "高德地图、腾讯地图（也可写“高德”“腾讯”）"),
    geo.BD09: ("BD-09", "百度地图（也可写“百度”）"),
}


def columns() -> list[Column]:
    return [
        Column(KIND, 16, choices=list(TYPE_NAMES.values()), required=True),
        Column(NAME, 24, required=True),
        Column(LICENCE, 18),
        Column(ADDRESS, 30),
        Column(LON, 12, required=True, help="121.400000"),
        Column(LAT, 12, required=True, help="31.100000"),
        Column(SYSTEM, 12, choices=[v[0] for v in SYSTEM_NAMES.values()], required=True),
        Column(SOURCE, 10, choices=list(SOURCE_NAMES.values())),
        Column(NOTE, 30),
    ]


def parse_kind(raw) -> str | None:
    text = cell_text(raw)
    if not text:
        return None
    low = text.lower()
    for kind, name in TYPE_NAMES.items():
        if text == name or low == kind.value or low == str(kind.label).lower():
            return kind.value
    kind = TYPE_ALIASES.get(low)
    return kind.value if kind else None


def parse_source(raw) -> str | None:
    text = cell_text(raw)
    if not text:
        return VenueSource.IMPORT.value
    for source, name in SOURCE_NAMES.items():
        if text in (name, source.value):
            return source.value
    return None


def template_name() -> str:
    return file_name(TITLE, timezone.localdate())


def template_bytes(user) -> io.BytesIO:
    """The workbook to fill in: the title and header block, an example row, then a sheet of
    the allowed types, coordinate systems and sources."""
    cols = columns()
    heading = heading_for(
        user,
        TITLE,
        notes=[
            "每行一个场所；类型、名称、经度、纬度、坐标系必填。坐标系须写明坐标来源："
            "手机GPS写 WGS-84，高德或腾讯地图写 GCJ-02（或“高德”），百度地图写 BD-09（或“百度”）；"
            "不同坐标系相差数百米，缺少坐标系的行不予导入。"
            "经度在前（如 121.4），纬度在后（如 31.1）。来源可留空（记为“导入”）。"
            "任何一行有误则全部不导入，并逐行列出问题。示例行请删除后再导入。"
        ],
    )
    example = [
        TYPE_NAMES[VenueType.INTERNET_CAFE],
        EXAMPLE_NAME,
        "",
        "某区某路1号",
        121.4,
        31.1,
        "GCJ-02",
        "排查",
        "",
    ]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("场所")
    first = len(heading.lines()) + 3
    for idx, col in enumerate(cols, start=1):
        if col.choices:
            from openpyxl.utils import get_column_letter

            letter = get_column_letter(idx)
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(col.choices) + '"',
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle="取值无效",
                error="请从列表中选择。",
            )
            dv.add(f"{letter}{first}:{letter}{MAX_ROWS_VALIDATED}")
            ws.data_validations.append(dv)
    write_table(ws, heading, cols, [example])
    allowed = [["类型", name, ""] for name in TYPE_NAMES.values()]
    allowed += [["坐标系", code, where] for code, where in SYSTEM_NAMES.values()]
    allowed += [["来源", name, ""] for name in SOURCE_NAMES.values()]
    add_table_sheet(
        wb,
        "可选值",
        ["列", "可填写的值", "说明"],
        allowed,
        [10, 20, 40],
        heading=Heading("可选值", notes=["“场所”表中类型、坐标系、来源三列只能填写以下值。"]),
    )
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


# --- the job ------------------------------------------------------------------------------------


def venue_import_job(*, job, progress) -> dict:
    with job.input_file.open("rb") as fh:
        return venue_import(
            fileobj=fh,
            actor=job.created_by,
            name=(job.params or {}).get("name", ""),
            bureau_id=(job.params or {}).get("bureau"),
            progress=progress,
        )


def _refuse_rows(errors: list[RowError]):
    errors.sort(key=lambda e: (e.row, e.column))
    raise JobRefused(
        _("%(n)d problems in %(rows)d rows; nothing was imported. Fix them and import again.")
        % {"n": len(errors), "rows": len({e.row for e in errors})},
        [e.as_dict() for e in errors],
    )


def importing_bureau(actor, bureau_id=None) -> int:
    """The bureau whose register takes the venues: the one asked for, or the importer's own
    (the highest one they keep)."""
    mine = access.venue_edit_bureaus(scope_for(actor)) if actor is not None else frozenset()
    if not mine:
        raise JobRefused(_("You may not enter venues in any bureau's register."))
    if bureau_id:
        if int(bureau_id) not in mine:
            raise JobRefused(_("You may not enter venues in this bureau's register."))
        return int(bureau_id)
    first = Bureau.objects.filter(pk__in=mine).order_by("path", "pk").values_list("pk", flat=True)
    return first[0]


def venue_import(
    *, fileobj, actor, name: str = "", bureau_id=None, progress=None, now=None
) -> dict:
    """Check every row, then register all of them in one transaction, or nothing."""
    progress = progress or (lambda *a, **k: None)
    now = now or timezone.now()
    bureau = importing_bureau(actor, bureau_id)
    try:
        sheet = read_workbook(fileobj, columns=columns(), name=name)
    except ExcelRefused as refusal:
        raise JobRefused(refusal.message) from refusal
    total = len(sheet.rows)
    if not total:
        raise JobRefused(_("The workbook has no rows."))
    if total > MAX_ROWS:
        raise JobRefused(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS})
    progress(0, total * 2, force=True)
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    rows: list[dict] = []
    for i, (number, raw) in enumerate(sheet.rows, start=1):
        if cell_text(raw.get(NAME)) == EXAMPLE_NAME:
            continue
        row = check_row(number, raw, bureau, seen, errors)
        if row is not None:
            rows.append(row)
        if i % 100 == 0:
            progress(i)
    # the checks that read the database, once for every row: a venue at a school, and one
    # already in the register (still operating there)
    for row, why in zip(
        rows, services.at_school_problems([r["wgs"] for r in rows], bureau), strict=True
    ):
        if why:
            errors.append(RowError(row["row"], f"{LON}/{LAT}", why))
    registered = set(
        Venue.objects.filter(
            bureau_id=bureau,
            name__in={r["name"] for r in rows},
            status__in=sorted(ACTIVE_VENUE),
        ).values_list("name", "address")
    )
    for row in rows:
        if (row["name"], row["address"]) in registered:
            errors.append(
                RowError(
                    row["row"],
                    NAME,
                    _("A venue with this name and address is already in the register."),
                )
            )
    rows = [r for r in rows if not r["bad"]]
    if errors:
        _refuse_rows(errors)
    if not rows:
        raise JobRefused(_("The workbook has no rows."))

    def write() -> tuple[list[Venue], int]:
        venues = Venue.objects.bulk_create(
            [
                Venue(
                    bureau_id=bureau,
                    kind=r["kind"],
                    name=r["name"],
                    licence=r["licence"],
                    address=r["address"],
                    note=r["note"],
                    longitude=r["lon"],
                    latitude=r["lat"],
                    coord_system=r["system"],
                    wgs_lon=r["wgs"][0],
                    wgs_lat=r["wgs"][1],
                    cell=geo.cell_of(*r["wgs"]),
                    source=r["source"],
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                    status_changed_at=now,
                )
                for r in rows
            ],
            batch_size=CHUNK,
        )
        if any(v.pk is None for v in venues):  # a database that does not return the ids
            venues = list(
                Venue.objects.filter(bureau_id=bureau, created_by=actor, created_at=now).order_by(
                    "pk"
                )
            )
        role = VENUES.acting_role(scope_for(actor).roles & ZONE_VENUE_EDIT)
        VenueEvent.objects.bulk_create(
            [
                VenueEvent(
                    venue=v,
                    action=VenueAction.REGISTER,
                    from_status="",
                    to_status=v.status,
                    actor=actor,
                    actor_role=role,
                    at=now,
                    data={
                        "source": VenueSource.IMPORT.value,
                        "row": r["row"],
                        "file": name[:200],
                        "coordinates": [str(v.longitude), str(v.latitude), v.coord_system],
                    },
                )
                for v, r in zip(venues, rows, strict=True)
            ],
            batch_size=CHUNK,
        )
        done = total
        for chunk in iter_chunks(venues, CHUNK):
            detection.check_venues(chunk, now=now)
            done += len(chunk)
            progress(done)
        cases = ZoneCase.objects.filter(
            venue_id__in=[v.pk for v in venues], status__in=OPEN_CASE
        ).count()
        return venues, cases

    venues, cases = in_write_transaction(write)
    progress(total * 2, force=True)
    return {
        "rows": len(venues),
        "cases": cases,
        "message": _("%(n)d venues imported; %(c)d lie in a school's zone and opened cases.")
        % {"n": len(venues), "c": cases},
    }


def check_row(number, raw, bureau_id, seen, errors) -> dict | None:
    """A good row's values; every problem of a bad one into ``errors``."""
    before = len(errors)

    def err(column, message):
        errors.append(RowError(number, column, message))

    kind_text = cell_text(raw.get(KIND))
    kind = parse_kind(kind_text)
    if not kind_text:
        err(KIND, _("Required."))
    elif kind is None:
        err(
            KIND,
            _("Unknown venue type '%(v)s': use one of %(types)s.")
            % {"v": kind_text, "types": "、".join(TYPE_NAMES.values())},
        )
    name = cell_text(raw.get(NAME))
    if not name:
        err(NAME, _("Required."))
    data = {
        "kind": kind or VenueType.OTHER.value,
        "name": name or "-",
        "licence": cell_text(raw.get(LICENCE)),
        "address": cell_text(raw.get(ADDRESS)),
        "note": cell_text(raw.get(NOTE)),
    }
    columns_of = {"kind": KIND, "name": NAME, "licence": LICENCE, "address": ADDRESS, "note": NOTE}
    for field, messages in services.venue_problems(data).items():
        for message in messages:
            err(columns_of.get(field, NAME), message)
    source = parse_source(raw.get(SOURCE))
    if source is None:
        err(
            SOURCE,
            _("Unknown source '%(v)s': use one of %(sources)s.")
            % {"v": cell_text(raw.get(SOURCE)), "sources": "、".join(SOURCE_NAMES.values())},
        )
    system_text = cell_text(raw.get(SYSTEM))
    system = geo.parse_system(system_text)
    lon, lat = raw.get(LON), raw.get(LAT)
    why = geo.point_problem(lon, lat, system or system_text)
    point = None
    if why:
        err(SYSTEM if not system else f"{LON}/{LAT}", why)
    else:
        dlon = Decimal(str(geo.number(lon))).quantize(Decimal("0.000001"))
        dlat = Decimal(str(geo.number(lat))).quantize(Decimal("0.000001"))
        wgs = geo.to_wgs84(dlon, dlat, system)
        point = (dlon, dlat, wgs)
    if name:
        key = (name, data["address"])
        if key in seen:
            err(
                NAME,
                _("Row %(row)d already gives a venue with this name and address.")
                % {"row": seen[key]},
            )
        else:
            seen[key] = number
    if point is None:
        return None
    return {
        "bad": len(errors) > before,
        "row": number,
        **data,
        "source": source,
        "system": system,
        "lon": point[0],
        "lat": point[1],
        "wgs": point[2],
    }


__all__ = ["JOB_KIND", "columns", "template_bytes", "venue_import", "venue_import_job"]
