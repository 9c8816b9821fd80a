"""The Excel import of venues: the template, all or nothing, every bad row reported."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from safecampus.core import geo
from safecampus.core.excel import set_cell
from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.zones import imports
from safecampus.zones.models import Venue, VenueEvent, ZoneCase
from safecampus.zones.testing import ORIGIN, away, zone_world

pytestmark = pytest.mark.django_db

HEADER = ["类型", "名称", "许可证号", "地址", "经度", "纬度", "坐标系", "来源", "备注"]


def workbook(rows: list[list]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            set_cell(ws.cell(row=r, column=c), value)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(
        "场所.xlsx",
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@pytest.fixture
def zw(world, clock):
    clock.move_to("2026-12-01T10:00")
    return zone_world(world)


def _run(c, upload) -> Job:
    response = c.post(reverse("zones:venue_import"), {"file": upload})
    assert response.status_code == 302
    job = Job.objects.get(kind="zones.venue_import")
    assert response["Location"] == job.get_absolute_url()
    job_run(job.pk)
    job.refresh_from_db()
    return job


def test_template_has_heading_example_and_allowed_values(client_for, zw):
    r = client_for(zw.law_officer).get(reverse("zones:venue_template"))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    rows = [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]
    assert rows[0][0] == imports.TITLE
    header = next(i for i, row in enumerate(rows) if str(row[0] or "").rstrip("*") == "类型")
    assert [str(h).rstrip("*") for h in rows[header]] == HEADER
    assert rows[header + 1][0] == "网吧"
    allowed = [[c.value for c in row] for row in wb["可选值"].iter_rows()]
    values = {row[1] for row in allowed}
    assert {"网吧", "KTV及娱乐场所", "GCJ-02", "BD-09", "WGS-84"} <= values


def test_a_good_file_creates_venues_and_opens_cases(client_for, zw):
    gcj = away(ORIGIN, 150, system=geo.GCJ02)
    bd = away(ORIGIN, 900, azimuth=270, system=geo.BD09)
    wgs = away(ORIGIN, 180, azimuth=180)
    upload = workbook(
        [
            ["网吧", "星空网吧", "A-1", "东路1号", gcj[0], gcj[1], "高德", "", ""],
            ["KTV", "远方KTV", "", "西路9号", bd[0], bd[1], "百度", "群众举报", "夜间营业"],
            [
                "游戏厅",
                '=HYPERLINK("http://x")',
                "",
                "南路3号",
                float(wgs[0]),
                float(wgs[1]),
                "GPS",
                "",
                "",
            ],
        ]
    )
    job = _run(client_for(zw.law_officer), upload)
    assert job.status == Job.Status.SUCCEEDED, (job.result, job.errors)
    assert job.result["rows"] == 3
    assert job.result["cases"] == 2
    cafe = Venue.objects.get(name="星空网吧")
    assert cafe.coord_system == geo.GCJ02 and cafe.source == "import"
    assert 149 < geo.distance_m(*ORIGIN, cafe.wgs_lon, cafe.wgs_lat) < 151
    assert ZoneCase.objects.filter(venue=cafe, school=zw.world.school_a, status="open").exists()
    ktv = Venue.objects.get(name="远方KTV")
    assert ktv.source == "public_report" and ktv.coord_system == geo.BD09
    assert not ZoneCase.objects.filter(venue=ktv).exists()
    formula = Venue.objects.get(address="南路3号")
    assert formula.name == '=HYPERLINK("http://x")'
    events = VenueEvent.objects.filter(venue__in=[cafe, ktv, formula], action="register")
    assert events.count() == 3
    assert all(e.data["source"] == "import" for e in events)


def test_bad_rows_are_all_reported_and_nothing_is_saved(client_for, zw):
    ok = away(ORIGIN, 150)
    upload = workbook(
        [
            ["网吧", "好网吧", "", "一路1号", ok[0], ok[1], "WGS-84", "", ""],
            ["网吧", "缺坐标系", "", "一路2号", ok[0], ok[1], "", "", ""],
            ["网吧", "颠倒", "", "一路3号", ok[1], ok[0], "GCJ-02", "", ""],
            ["网吧", "国外", "", "一路4号", "2.35", "48.85", "GPS", "", ""],
            ["洗浴中心", "未知类型", "", "一路5号", ok[0], ok[1], "GPS", "", ""],
            ["网吧", "好网吧", "", "一路1号", ok[0], ok[1], "WGS-84", "", ""],
            [
                "网吧",
                "校门口",
                "",
                "一路7号",
                f"{ORIGIN[0]:.6f}",
                f"{ORIGIN[1]:.6f}",
                "GPS",
                "",
                "",
            ],
        ]
    )
    job = _run(client_for(zw.law_officer), upload)
    assert job.status == Job.Status.FAILED
    rows = sorted({e["row"] for e in job.errors})
    assert rows == [3, 4, 5, 6, 7, 8]
    by_row = {e["row"]: e for e in job.errors}
    assert by_row[3]["column"] == "坐标系"
    assert "坐标系" in by_row[3]["message"] or "coordinate system" in by_row[3]["message"]
    assert by_row[6]["column"] == "类型"
    assert Venue.objects.count() == 0
    assert ZoneCase.objects.count() == 0


def test_bad_rows_in_chinese(zw):
    from django.utils import translation

    ok = away(ORIGIN, 150)
    upload = workbook(
        [
            ["网吧", "颠倒", "", "一路3号", ok[1], ok[0], "GCJ-02", "", ""],
            ["网吧", "国外", "", "一路4号", "2.35", "48.85", "GPS", "", ""],
            ["网吧", "缺坐标系", "", "一路2号", ok[0], ok[1], "", "", ""],
        ]
    )
    from safecampus.core.jobs import JobRefused

    with translation.override("zh-hans"), pytest.raises(JobRefused) as refused:
        imports.venue_import(fileobj=upload, actor=zw.law_officer, name="场所.xlsx")
    messages = [e["message"] for e in refused.value.errors]
    assert len(messages) == 3
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages), messages
    assert "未导入" in refused.value.message or "导入" in refused.value.message


def test_not_a_workbook_is_refused_before_a_job(client_for, zw):
    bad = SimpleUploadedFile("x.xlsx", b"hello", content_type="application/octet-stream")
    r = client_for(zw.law_officer).post(reverse("zones:venue_import"), {"file": bad})
    assert r.status_code == 400
    assert not Job.objects.exists()


def test_the_importers_reach(zw):
    from safecampus.core.jobs import JobRefused

    ok = away(ORIGIN, 150)
    upload = workbook([["网吧", "好网吧", "", "一路1号", ok[0], ok[1], "WGS-84", "", ""]])
    with pytest.raises(JobRefused):
        imports.venue_import(fileobj=upload, actor=zw.world.users[Role.SCHOOL_OFFICER])
    assert not Venue.objects.exists()
