"""The 清单 of zone cases: title, header block, numbers as numbers, text never a formula, the
list's filters and scope, the job started from the list."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.zones import exports, services
from safecampus.zones.models import ZoneCase
from safecampus.zones.testing import ORIGIN, away, venue_data

from .test_cases_helpers import case_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def cw(world, clock):
    clock.move_to("2026-12-01T10:00")
    cw = case_world(world)
    services.register_venue(
        actor=world.users[Role.SAFETY_CENTRE],
        bureau_id=world.bureau.pk,
        data=venue_data(away(ORIGIN, 80, azimuth=180), name='=HYPERLINK("x")', kind="bar"),
    )
    return cw


def _sheet(user, params=None):
    out = io.BytesIO()
    n = exports.write_case_workbook(out, user=user, params=params)
    out.seek(0)
    ws = load_workbook(out).active
    return n, ws


def _table(ws):
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    return rows[:head], rows[head], rows[head + 1 :]


def test_the_workbook_is_a_list_with_numbers_as_numbers(cw):
    n, ws = _sheet(cw.z.law_officer)
    assert n == 2
    top, header, body = _table(ws)
    assert top[0][0] == "学生安全区域周边场所整治清单"
    block = " ".join(str(r[0]) for r in top[1:] if r and r[0])
    assert "闵行区教育局法制科" in block and "截至 2026年12月1日" in block
    assert header == [
        "序号", "学校", "场所名称", "类型", "地址", "距离(米)", "依据", "责任科室",
        "协作单位", "整改期限", "状态", "最新进展",
    ]  # fmt: skip
    by_name = {r[2]: r for r in body}
    row = by_name["星空网吧"]
    assert isinstance(row[0], int) and isinstance(row[5], int | float) and 149 < row[5] < 151
    assert row[1] == "甲小学" and row[3] == "网吧" and row[7] == "法制科"
    assert "互联网上网服务营业场所管理条例" in row[6]
    assert row[8] == "莘庄派出所" and row[10] == "待交办"
    assert row[11].endswith("发现位于安全区域内")
    # a name that looks like a formula stays text
    cell = next(c for c in ws["C"] if c.value == '=HYPERLINK("x")')
    assert cell.data_type == "s" and cell.quotePrefix
    # printed on A4 landscape
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")


def test_the_workbook_follows_the_filters_and_the_scope(cw, world):
    n, ws = _sheet(cw.z.law_officer, {"kind": "bar"})
    top, _h, body = _table(ws)
    assert n == 1 and body[0][3] == "酒吧"
    assert any("场所类型：酒吧" in str(r[0]) for r in top if r and r[0])
    services.act_on_case(
        actor=cw.z.law_officer,
        case_id=cw.case.pk,
        action="assign",
        data={"deadline": datetime.date(2026, 12, 20), "note": "限期整改"},
    )
    n, ws = _sheet(cw.z.law_officer, {"status": "rectifying"})
    _t, _h, body = _table(ws)
    assert n == 1 and body[0][9] == datetime.datetime(2026, 12, 20)
    assert "限期整改" in body[0][11]
    _n, ws = _sheet(cw.z.law_officer, {"status": "open", "overdue": False})
    top, _h, _b = _table(ws)
    block = " ".join(str(r[0]) for r in top if r and r[0])
    assert "筛选条件：状态：未结案" in block and "否" not in block
    # a partner: only the cases naming it
    n, _ws = _sheet(world.users[Role.PARTNER])
    assert n == ZoneCase.objects.filter(partners=world.partner).count()


def test_the_list_starts_the_job_with_its_filters(
    cw, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cw.z.law_officer)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("zones:case_export"), {"status": "open", "q": "网吧"})
    assert r.status_code == 302
    job = Job.objects.get(kind="zones.case_export")
    assert job.params["filters"]["status"] == "open" and job.params["filters"]["q"] == "网吧"
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error if hasattr(job, "error") else job
    if True:
        assert job.output_name.startswith("闵行区教育局法制科_学生安全区域周边场所整治清单_")
        assert job.output_name.endswith(".xlsx")


def test_the_file_name_says_what_whose_and_when(cw):
    when = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)
    name = exports.workbook_name(cw.z.law_officer, when)
    assert name == "闵行区教育局法制科_学生安全区域周边场所整治清单_2026-12-01.xlsx"
