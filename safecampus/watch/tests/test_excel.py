"""Export (opens with openpyxl, the title, A4) and import (all or nothing, every bad row
reported in Chinese, through the job)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.watch.choices import Post
from safecampus.watch.exports import POST_NAMES
from safecampus.watch.imports import columns
from safecampus.watch.models import RosterEvent, Shift
from safecampus.watch.testing import at, shift

pytestmark = pytest.mark.dates


def test_export_opens_and_has_the_title(client_for, w):
    shift(w.roster_a, at(6, 20), at(7, 8), post=Post.LEADER, name="李校长")
    r = client_for(w.world.users[Role.LEADERSHIP]).get(
        reverse("watch:roster_export", args=[w.roster_a.pk])
    )
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    ws = wb.worksheets[0]
    assert ws["A1"].value == "甲小学2027年春节值班表"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    values = [c for row in ws.iter_rows(values_only=True) for c in row]
    assert "次日08:00" in values and "带班领导" in values and "李校长" in values


def _workbook(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in columns()])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(
        "值班表.xlsx",
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _run(client, roster, upload) -> Job:
    r = client.post(reverse("watch:roster_import", args=[roster.pk]), {"file": upload})
    assert r.status_code == 302, r.content.decode()[:500]
    job = Job.objects.get(kind="watch.roster_import")
    job_run(job.pk)
    job.refresh_from_db()
    return job


LEADER = POST_NAMES[Post.LEADER]
OFFICER = POST_NAMES[Post.OFFICER]


def test_import_adds_every_row(client_for, w):
    c = client_for(w.world.users[Role.SCHOOL_OFFICER])
    job = _run(
        c,
        w.roster_a,
        _workbook(
            [
                [datetime.date(2027, 2, 6), "08:00", "20:00", LEADER, "李校长", "", "13900000000"],
                ["2027-02-06", "20:00", "次日08:00", OFFICER, "王五", "principal_a", ""],
                ["2027年2月7日", datetime.time(8, 0), "20:00", "值班员", "王五", "principal_a", ""],
            ]
        ),
    )
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.result["url"] == w.roster_a.get_absolute_url()
    assert Shift.objects.filter(roster=w.roster_a).count() == 3
    night = Shift.objects.get(post=Post.OFFICER, starts_at=at(6, 20))
    assert night.ends_at == at(7, 8) and night.person == w.world.users[Role.PRINCIPAL]
    assert RosterEvent.objects.get(roster=w.roster_a, action="import").data["rows"] == 3


def test_import_is_all_or_nothing_and_reports_every_bad_row(client_for, w):
    shift(w.bureau_roster, at(8, 8), at(8, 20), name="赵六", phone="13600000000")
    c = client_for(w.world.users[Role.SCHOOL_OFFICER])
    job = _run(
        c,
        w.roster_a,
        _workbook(
            [
                ["2027-02-06", "08:00", "20:00", LEADER, "李校长", "", ""],  # overlaps row 7
                ["2027-02-06", "20:00", "08:00", OFFICER, "王五", "", ""],  # ends before start
                ["2027-03-01", "08:00", "20:00", OFFICER, "王五", "", ""],  # outside the period
                ["2027-02-08", "09:00", "10:00", OFFICER, "赵六", "", "13600000000"],  # overlap
                ["2027-02-07", "08:00", "20:00", "校长", "", "nobody", ""],  # post, name, account
                ["2027-02-06", "10:00", "11:00", OFFICER, "李校长", "", ""],  # and row 7 row 2
            ]
        ),
    )
    assert job.status == Job.Status.FAILED
    rows = sorted({e["row"] for e in job.errors})
    assert rows == [2, 3, 4, 5, 6, 7]
    messages = " ".join(e["message"] for e in job.errors)
    assert "赵六" in messages
    assert not Shift.objects.filter(roster=w.roster_a).exists()
    assert not RosterEvent.objects.filter(roster=w.roster_a).exists()


def test_import_refuses_a_file_that_is_not_a_workbook(client_for, w):
    c = client_for(w.world.users[Role.SCHOOL_OFFICER])
    fake = SimpleUploadedFile("值班表.xlsx", b"not a workbook at all", content_type="text/plain")
    r = c.post(reverse("watch:roster_import", args=[w.roster_a.pk]), {"file": fake})
    assert r.status_code == 400
    assert not Job.objects.exists()


def test_template_downloads(client_for, w):
    r = client_for(w.world.users[Role.SCHOOL_OFFICER]).get(
        reverse("watch:roster_template", args=[w.roster_a.pk])
    )
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    assert wb.worksheets[0]["A1"].value == "甲小学2027年春节值班表导入模板"
