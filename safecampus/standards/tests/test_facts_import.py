"""The Excel import of security facts: the template, all or nothing, every bad row reported."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.core.testing_excel import xlsx_bomb
from safecampus.standards.choices import FactsAction, FindingStatus
from safecampus.standards.models import FactsRevision, Finding, GateFacts, SecurityFacts
from safecampus.standards.testing import compliant_gate, record_facts, standards_world

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))


@pytest.fixture
def sw(world):
    standards_world(world)
    world.school_a.gate_count = 2
    world.school_a.save()
    record_facts(
        world.school_a,
        world.users[Role.SCHOOL_OFFICER],
        gates=[compliant_gate(guards_night=0), compliant_gate(guards_night=0)],
        now=NOW,
    )
    return world


def workbook(header: list[str], rows: list[list]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(
        "安防信息.xlsx",
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


HEADER = [
    "学校标识码",
    "学校名称",
    "视频保存天数",
    "白天保安员",
    "1号门夜间保安员",
    "2号门夜间保安员",
]


def _run(c, upload) -> Job:
    response = c.post(reverse("standards:facts_import"), {"file": upload})
    assert response.status_code == 302
    job = Job.objects.get(kind="standards.facts_import")
    assert response["Location"] == job.get_absolute_url()
    job_run(job.pk)
    job.refresh_from_db()
    return job


def test_template_lists_the_schools_the_user_keeps(client_for, sw):
    c = client_for(sw.users[Role.SAFETY_CENTRE])
    r = c.get(reverse("standards:facts_template"))
    assert r.status_code == 200
    assert "filename*=utf-8''" in r["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(row for row in values if str(row[0] or "").rstrip("*") == "学校标识码")
    headers = [str(h or "").rstrip("*") for h in header]
    assert headers[:3] == ["学校标识码", "学校名称", "专职保安员由有资质的保安服务公司派驻"]
    assert "视频保存天数" in headers and "2号门夜间保安员" in headers
    codes = {row[0] for row in values}
    assert {sw.school_a.code, sw.school_b.code} <= codes
    assert sw.school_other.code not in codes
    row_a = next(row for row in values if row[0] == sw.school_a.code)
    assert row_a[headers.index("视频保存天数")] == 30
    assert row_a[headers.index("专职保安员由有资质的保安服务公司派驻")] == "是"


def test_a_school_templates_only_itself(client_for, sw):
    r = client_for(sw.users[Role.SCHOOL_OFFICER]).get(reverse("standards:facts_template"))
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    codes = {row[0].value for row in sheet.iter_rows()}
    assert sw.school_a.code in codes and sw.school_b.code not in codes


def test_import_pages_scope(client, sw):
    for name in ("standards:facts_import", "standards:facts_template"):
        scope_matrix(
            client,
            reverse(name),
            permitted=sw.users[Role.PRINCIPAL],
            wrong_role=[sw.users[Role.LEADERSHIP], sw.users[Role.DEPARTMENT_OFFICER]],
        )


def test_a_good_workbook_is_imported_in_one_go(client_for, sw):
    c = client_for(sw.users[Role.SAFETY_CENTRE])
    upload = workbook(
        HEADER,
        [
            [sw.school_a.code, "甲小学", 45, None, 1, 1],
            [sw.school_b.code, "乙幼儿园", 30, None, 2, None],
        ],
    )
    job = _run(c, upload)
    assert job.status == Job.Status.SUCCEEDED, (job.result, job.errors)
    assert job.result["rows"] == 2
    facts = SecurityFacts.objects.get(school=sw.school_a)
    assert facts.video_days == 45
    assert facts.guards_total == 12  # a blank column leaves it
    assert [g.guards_night for g in GateFacts.objects.filter(school=sw.school_a)] == [1, 1]
    assert Finding.objects.get(key="guards.night").status == FindingStatus.RESOLVED
    assert SecurityFacts.objects.get(school=sw.school_b).video_days == 30
    rev = FactsRevision.objects.filter(school=sw.school_a).order_by("-number").first()
    assert rev.action == FactsAction.IMPORT
    assert rev.actor == sw.users[Role.SAFETY_CENTRE]


def test_any_bad_row_refuses_the_whole_file_and_lists_every_problem(client_for, sw):
    c = client_for(sw.users[Role.SAFETY_CENTRE])
    revisions = FactsRevision.objects.count()
    upload = workbook(
        [*HEADER, "3号门夜间保安员"],
        [
            [sw.school_a.code, "甲小学", 45, None, 1, 1, None],  # good
            [sw.school_b.code, "乙幼儿园", 10000, None, -1, None, None],  # two problems
            ["999999", "无此学校", 30, None, None, None, None],
            [sw.school_other.code, "外区中学", 30, None, None, None, None],
            [sw.school_a.code, "甲小学", "三十", None, None, None, 2],  # twice, bad, gate 3
        ],
    )
    job = _run(c, upload)
    assert job.status == Job.Status.FAILED
    problems = [(e["row"], e["column"]) for e in job.errors]
    assert problems == [
        (3, "1号门夜间保安员"),
        (3, "视频保存天数"),
        (4, "学校标识码"),
        (5, "学校标识码"),
        (6, "学校标识码"),
    ]
    assert "未导入" in job.result["message"] or "nothing was imported" in job.result["message"]
    assert FactsRevision.objects.count() == revisions
    assert SecurityFacts.objects.get(school=sw.school_a).video_days == 30
    assert not SecurityFacts.objects.filter(school=sw.school_b).exists()


def test_gate_columns_beyond_the_schools_gates_are_refused(client_for, sw):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    upload = workbook(
        ["学校标识码", "3号门夜间保安员"],
        [[sw.school_a.code, 1]],
    )
    job = _run(c, upload)
    assert job.status == Job.Status.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "3号门白天保安员")]


def test_school_user_cannot_import_another_school(client_for, sw):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    job = _run(c, workbook(HEADER, [[sw.school_b.code, "", 30, None, None, None]]))
    assert job.status == Job.Status.FAILED
    assert job.errors[0]["column"] == "学校标识码"
    assert not SecurityFacts.objects.filter(school=sw.school_b).exists()


@pytest.mark.parametrize("content", [b"%PDF-1.4 not a workbook", xlsx_bomb()])
def test_a_file_that_is_no_workbook_is_refused_before_a_job(client_for, sw, content):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    upload = SimpleUploadedFile("x.xlsx", content)
    r = c.post(reverse("standards:facts_import"), {"file": upload})
    assert r.status_code == 400
    assert not Job.objects.exists()


def test_the_rows_are_written_in_one_write_transaction_retried_when_locked(
    client_for, sw, monkeypatch
):
    """The all-or-nothing write goes through ``core.db.in_write_transaction`` (started again
    whole if SQLite stayed locked), once for the whole file."""
    from safecampus.standards import imports

    calls = []
    real = imports.in_write_transaction

    def spy(fn, **kwargs):
        calls.append(fn)
        return real(fn, **kwargs)

    monkeypatch.setattr(imports, "in_write_transaction", spy)
    c = client_for(sw.users[Role.SAFETY_CENTRE])
    upload = workbook(
        HEADER,
        [
            [sw.school_a.code, "甲小学", 45, None, 1, 1],
            [sw.school_b.code, "乙幼儿园", 30, None, 2, None],
        ],
    )
    job = _run(c, upload)
    assert job.status == Job.Status.SUCCEEDED, (job.result, job.errors)
    assert len(calls) == 1
    assert SecurityFacts.objects.get(school=sw.school_b).video_days == 30
