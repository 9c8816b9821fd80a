"""A roster as an Excel workbook (A4, the title "XX学校2027年春节值班表", the header block), in
the import's columns so that it can be filled in again."""

from __future__ import annotations

import io

from django.utils import timezone

from safecampus.core.excel import Column, Heading, file_name, scope_label, write_workbook

from .choices import Post
from .models import Roster
from .services import day_text

DATE = "日期"
START = "开始时间"
END = "结束时间"
POST = "岗位"
NAME = "姓名"
ACCOUNT = "账号(可选)"
PHONE = "电话"
CHECKED_IN = "签到时间"

#: the posts as the workbook names them
POST_NAMES = {Post.LEADER: "带班领导", Post.OFFICER: "值班人员", Post.GUARD: "安保及其他"}
NEXT_DAY = "次日"


def end_text(shift) -> str:
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    days = (end.date() - start.date()).days
    if days == 0:
        return f"{end:%H:%M}"
    if days == 1:
        return f"{NEXT_DAY}{end:%H:%M}"
    return f"{end:%Y-%m-%d %H:%M}"


def roster_file_name(roster: Roster) -> str:
    return file_name(roster.title, timezone.localdate())


def roster_workbook(user, roster: Roster) -> io.BytesIO:
    period = roster.period
    heading = Heading(
        roster.title,
        scope=scope_label(user),
        notes=[
            f"值班时段：{period.starts_on.year}年{day_text(period.starts_on)}至"
            f"{period.ends_on.year}年{day_text(period.ends_on)}"
            f"　状态：{roster.get_status_display()}　版本：{roster.version}",
        ],
    )
    columns = [
        Column(DATE, 12),
        Column(START, 10),
        Column(END, 14),
        Column(POST, 12),
        Column(NAME, 14),
        Column(ACCOUNT, 14),
        Column(PHONE, 16),
        Column(CHECKED_IN, 18),
    ]
    rows = []
    for s in roster.shifts.select_related("person").order_by("starts_at", "pk"):
        start = timezone.localtime(s.starts_at)
        rows.append(
            [
                start.date(),
                f"{start:%H:%M}",
                end_text(s),
                POST_NAMES[s.post],
                s.person_name,
                s.person.username if s.person_id else "",
                s.phone,
                timezone.localtime(s.checked_in_at).replace(tzinfo=None) if s.checked_in_at else "",
            ]
        )
    out = io.BytesIO()
    write_workbook(out, title=roster.title, columns=columns, rows=rows, heading=heading)
    out.seek(0)
    return out


def roster_export(user, pk):
    """The roster ``pk`` as ``user`` may read it, to Excel, for the page and the API alike:
    ``(file, name)``. Outside the scope ``Http404``; a role that does not reach the watch
    ``PermissionDenied``."""
    from safecampus.core.access import VIEW, get_for, require
    from safecampus.core.capabilities import WATCH_VIEW

    require(user, WATCH_VIEW)
    roster = get_for(
        user,
        Roster.objects.select_related("period", "school", "bureau", "published_by"),
        pk,
        VIEW,
    )
    return roster_workbook(user, roster), roster_file_name(roster)
