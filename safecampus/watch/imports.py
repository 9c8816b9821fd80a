"""A roster's shifts imported from a workbook (a background job, ``watch.roster_import``): all
or nothing.

Columns: 日期, 开始时间, 结束时间, 岗位, 姓名, 账号(可选), 电话. A shift across midnight writes
its end as "次日08:00". Every row is checked first (the date within the period, the times, the
post, the account belonging to the school, and the roster rules of ``services.shift_problems``:
a shift that ends before it starts, one overlapping the same person's shift in the bureau or in
the same file). If any row is bad nothing is saved and every problem is reported with its row
number; otherwise every shift is added in one transaction with one event.
"""

from __future__ import annotations

import datetime
import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.access import EDIT
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

from . import services
from .choices import Post, RosterStatus
from .exports import ACCOUNT, DATE, END, NAME, NEXT_DAY, PHONE, POST, POST_NAMES, START
from .models import Roster

JOB_KIND = "watch.roster_import"
MAX_ROWS = 2000
EXAMPLE_NAME = "示例：张三（请删除此行）"

POST_ALIASES = {
    "带班": Post.LEADER,
    "带班领导": Post.LEADER,
    "领导": Post.LEADER,
    "值班": Post.OFFICER,
    "值班员": Post.OFFICER,
    "值班人员": Post.OFFICER,
    "安保": Post.GUARD,
    "保安": Post.GUARD,
    "其他": Post.GUARD,
    "安保及其他": Post.GUARD,
}


def columns() -> list[Column]:
    return [
        Column(DATE, 12, required=True, help="2027-02-06"),
        Column(START, 10, required=True, help="08:00"),
        Column(END, 12, required=True, help="20:00 / 次日08:00"),
        Column(POST, 12, choices=list(POST_NAMES.values()), required=True),
        Column(NAME, 14, required=True),
        Column(ACCOUNT, 14),
        Column(PHONE, 16),
    ]


def template_name(roster: Roster) -> str:
    return file_name(f"{roster.title}导入模板", timezone.localdate())


def template_bytes(user, roster: Roster) -> io.BytesIO:
    heading = heading_for(
        user,
        f"{roster.title}导入模板",
        notes=[
            "每行一个班次；日期、开始时间、结束时间、岗位、姓名必填。跨夜的班次结束时间写“次日08:00”。"
            "岗位填写：带班领导、值班人员、安保及其他。账号可留空；填写时须为本校（本局）的登录账号。"
            "同一人的班次不得重叠。任何一行有误则全部不导入，并逐行列出问题。示例行请删除后再导入。"
        ],
    )
    day = roster.period.starts_on
    example = [day, "08:00", "20:00", POST_NAMES[Post.LEADER], EXAMPLE_NAME, "", "13800000000"]
    out = io.BytesIO()
    write_workbook(out, title="值班表", columns=columns(), rows=[example], heading=heading)
    out.seek(0)
    return out


# --- parsing ------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TIME_RE = re.compile(r"^(\d{1,2})\s*[:：点]\s*(\d{2})?\s*分?$")


def parse_date(raw) -> datetime.date | None:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    m = _DATE_RE.match(cell_text(raw))
    if not m:
        return None
    try:
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_time(raw) -> tuple[datetime.time, int] | None:
    """A time of day and the days after the row's date it falls on ("次日08:00": 1)."""
    if isinstance(raw, datetime.datetime):
        return raw.time().replace(second=0, microsecond=0), 0
    if isinstance(raw, datetime.time):
        return raw.replace(second=0, microsecond=0), 0
    if isinstance(raw, int | float) and 0 <= raw < 1:
        minutes = round(raw * 24 * 60)
        return datetime.time(minutes // 60, minutes % 60), 0
    text = cell_text(raw).replace(" ", "")
    later = 0
    if text.startswith(NEXT_DAY):
        later, text = 1, text[len(NEXT_DAY) :]
    m = _TIME_RE.match(text)
    if not m:
        return None
    hour, minute = int(m[1]), int(m[2] or 0)
    if hour == 24 and minute == 0:
        return datetime.time(0, 0), later + 1
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute), later


def parse_post(raw) -> str | None:
    text = cell_text(raw)
    for post, name in POST_NAMES.items():
        if text in (name, post.value):
            return post.value
    post = POST_ALIASES.get(text)
    return post.value if post else None


# --- the job ------------------------------------------------------------------------------------


def roster_import_job(*, job, progress) -> dict:
    with job.input_file.open("rb") as fh:
        return roster_import(
            fileobj=fh,
            actor=job.created_by,
            roster_id=(job.params or {}).get("roster"),
            name=(job.params or {}).get("name", ""),
            progress=progress,
        )


def roster_import(*, fileobj, actor, roster_id, name: str = "", progress=None, now=None) -> dict:
    """Check every row, then add all the shifts in one transaction, or nothing."""
    progress = progress or (lambda *a, **k: None)
    now = now or timezone.now()
    roster = (
        Roster.objects.restrict(actor, EDIT)
        .select_related("period", "school", "bureau")
        .filter(pk=roster_id)
        .first()
        if actor is not None
        else None
    )
    if roster is None:
        raise JobRefused(_("You may not keep this roster."))
    if roster.status != RosterStatus.DRAFT:
        raise JobRefused(_("Only a draft roster takes imported shifts; revise it first."))
    try:
        sheet = read_workbook(fileobj, columns=columns(), name=name)
    except ExcelRefused as refusal:
        raise JobRefused(refusal.message) from refusal
    if not sheet.rows:
        raise JobRefused(_("The workbook has no rows."))
    if len(sheet.rows) > MAX_ROWS:
        raise JobRefused(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS})
    progress(0, len(sheet.rows), force=True)
    people = {u.username: u for u in services.eligible_people(roster)}
    errors: list[RowError] = []
    rows: list[dict] = []
    for number, raw in sheet.rows:
        if cell_text(raw.get(NAME)) == EXAMPLE_NAME:
            continue
        row = check_row(number, raw, people, errors)
        if row is not None:
            rows.append(row)
    columns_of = {"post": POST, "person_name": NAME, "starts_at": START, "ends_at": END}
    for row in rows:
        data = services._clean_shift(row)
        row.update(data)
        for field, messages in services.shift_problems(roster=roster, data=row, batch=rows).items():
            for message, _code in messages:
                errors.append(RowError(row["row"], columns_of.get(field, DATE), message))
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        raise JobRefused(
            _("%(n)d problems in %(rows)d rows; nothing was imported. Fix them and import again.")
            % {"n": len(errors), "rows": len({e.row for e in errors})},
            [e.as_dict() for e in errors],
        )
    if not rows:
        raise JobRefused(_("The workbook has no rows."))
    shifts = services.shifts_import(
        actor=actor,
        roster=roster,
        rows=[{k: v for k, v in r.items() if k != "row"} for r in rows],
        file_name=name,
        now=now,
    )
    progress(len(sheet.rows), force=True)
    return {
        "rows": len(shifts),
        "url": roster.get_absolute_url(),
        "message": _("%(n)d shifts imported into %(roster)s.")
        % {"n": len(shifts), "roster": roster.title},
    }


def check_row(number, raw, people, errors) -> dict | None:
    """A row's shift, or None with every problem of it in ``errors``."""
    before = len(errors)

    def err(column, message):
        errors.append(RowError(number, column, message))

    day = parse_date(raw.get(DATE))
    if day is None:
        err(DATE, _("Write the date as 2027-02-06."))
    start = parse_time(raw.get(START))
    if start is None:
        err(START, _("Write the time as 08:00."))
    end = parse_time(raw.get(END))
    if end is None:
        err(END, _("Write the time as 20:00, or 次日08:00 for the next day."))
    post = parse_post(raw.get(POST))
    if post is None:
        err(
            POST,
            _("Unknown post '%(v)s': use one of %(posts)s.")
            % {"v": cell_text(raw.get(POST)), "posts": "、".join(POST_NAMES.values())},
        )
    name = cell_text(raw.get(NAME))
    if not name:
        err(NAME, _("Required."))
    username = cell_text(raw.get(ACCOUNT))
    person = None
    if username:
        person = people.get(username)
        if person is None:
            err(ACCOUNT, _("No account '%(v)s' at this school or bureau.") % {"v": username})
    if len(errors) > before:
        return None
    tz = timezone.get_current_timezone()
    starts_at = datetime.datetime.combine(
        day + datetime.timedelta(days=start[1]), start[0], tzinfo=tz
    )
    ends_at = datetime.datetime.combine(day + datetime.timedelta(days=end[1]), end[0], tzinfo=tz)
    return {
        "row": number,
        "post": post,
        "person": person,
        "person_name": name,
        "phone": cell_text(raw.get(PHONE)),
        "starts_at": starts_at,
        "ends_at": ends_at,
    }


__all__ = ["JOB_KIND", "columns", "roster_import", "roster_import_job", "template_bytes"]
