"""The 突发事件台账 workbook: title and header block, numbers (and minutes late) as numbers, user
text never a formula, restricted rows masked and only for the people named, the list's filters
and the reader's scope; the job started from the list."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.core.testing_excel import workbook_cells
from safecampus.incidents import exports
from safecampus.incidents.choices import IncidentType, Severity
from safecampus.incidents.testing import designate, report, second_centre_officer

pytestmark = pytest.mark.dates

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI)
LATER = datetime.datetime(2027, 3, 5, 10, 0, tzinfo=SHANGHAI)
MASK = "（受限案件，详情不导出）"


@pytest.fixture
def ledger(world):
    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    report(school, world.school_a, now=NOW, minutes_after=45, title='=HYPERLINK("x")')
    report(
        school,
        world.school_a,
        now=NOW + datetime.timedelta(hours=1),
        incident_type=IncidentType.BULLYING,
        title="严重欺凌事件",
        place="三楼厕所",
        private_details="涉事学生张小明",
    )
    report(
        centre,
        world.school_b,
        now=NOW + datetime.timedelta(hours=2),
        incident_type=IncidentType.FOOD_POISONING,
        severity=Severity.LARGER,
        title="乙园食物中毒",
        affected_students=12,
        injured=0,
    )
    return world


def _sheet(user, params=None, now=LATER):
    out = io.BytesIO()
    n = exports.write_incident_workbook(out, user=user, params=params, now=now)
    content = out.getvalue()
    ws = load_workbook(io.BytesIO(content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    return n, ws, content, rows[:head], rows[head], rows[head + 1 :]


def test_the_workbook_is_a_ledger_with_numbers_as_numbers(ledger):
    n, ws, content, top, header, body = _sheet(ledger.users[Role.SAFETY_CENTRE])
    assert n == 3
    assert top[0][0] == "突发事件台账"
    block = " ".join(str(r[0]) for r in top[1:] if r and r[0])
    assert "范围：闵行区教育局" in block and "截至 2027年3月5日 10:00" in block
    assert "筛选条件：无（全部）" in block and "导出人：" in block
    assert header == [c.header for c in exports.COLUMNS]
    by_title = {r[2]: r for r in body}
    fire = by_title['=HYPERLINK("x")']
    assert fire[1] == "甲小学" and fire[3] == "伤害事故" and fire[4] == "一般（Ⅳ级）"
    assert fire[5] == datetime.datetime(2027, 3, 1, 8, 15)
    assert isinstance(fire[11], int) and fire[11] == 1 and fire[13] == 1
    assert fire[15] == 15  # minutes late, a number
    assert fire[18] == "处置中" and fire[19] is None
    food = by_title["乙园食物中毒"]
    assert food[11] == 12 and food[15] == 0 and food[4] == "较大（Ⅲ级）"
    assert food[17] == 3  # follow-ups due by 17:00 missed on 3/2, 3/3, 3/4 (3/5 pending)
    # the text that looks like a formula stays text
    cell = next(c for c in workbook_cells(content) if c.value == '=HYPERLINK("x")')
    assert cell.data_type == "s"
    assert not [c for c in workbook_cells(content) if c.data_type == "f"]
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"


def test_a_restricted_row_is_masked_for_the_named_and_absent_for_the_others(ledger):
    _n, _ws, content, _top, _h, body = _sheet(ledger.users[Role.SAFETY_CENTRE])
    masked = next(r for r in body if r[2] == MASK)
    assert masked[1] == "甲小学" and masked[3] == "学生欺凌" and masked[18] == "处置中"
    assert masked[8] is None and masked[9] is None and masked[10] is None  # place, text
    assert masked[11] is None
    texts = " ".join(str(c.value) for c in workbook_cells(content))
    for secret in ("严重欺凌事件", "三楼厕所", "张小明"):
        assert secret not in texts
    for user in (
        second_centre_officer(ledger),
        ledger.users[Role.LEADERSHIP],
        ledger.users[Role.PRINCIPAL],
    ):
        n, _ws, _c, _t, _h, body = _sheet(user)
        assert MASK not in [r[2] for r in body]
        assert n == (2 if user.username != "principal_a" else 1)


def test_scope_a_school_exports_only_its_own(ledger):
    n, _ws, _c, top, _h, body = _sheet(ledger.users[Role.SCHOOL_OFFICER])
    # its own incident, and its own restricted case (it reported it, so it is named)
    assert n == 2 and {r[1] for r in body} == {"甲小学"}
    assert "范围：甲小学" in " ".join(str(r[0]) for r in top if r and r[0])
    outsider = user_with_role(Role.SAFETY_CENTRE, ledger.other_bureau, username="xh")
    assert _sheet(outsider)[0] == 0


def test_the_list_filters_apply_and_are_named(ledger):
    centre = ledger.users[Role.SAFETY_CENTRE]
    n, _ws, _c, top, _h, body = _sheet(
        centre, {"school": str(ledger.school_b.pk), "severity": "larger", "bogus": "1"}
    )
    assert n == 1 and body[0][2] == "乙园食物中毒"
    block = " ".join(str(r[0]) for r in top if r and r[0])
    assert "筛选条件：学校：乙幼儿园；等级：较大（Ⅲ级）" in block
    n, *_rest = _sheet(centre, {"timeliness": "late"})
    assert n == 1
    n, *_rest = _sheet(centre, {"since": "2027-03-02", "status": "nonsense"})
    assert n == 0
    n, *_rest = _sheet(centre, {"q": "食物"})
    assert n == 1


def test_queries_do_not_grow_with_the_rows(ledger, django_assert_max_num_queries):
    centre = ledger.users[Role.SAFETY_CENTRE]
    with django_assert_max_num_queries(12):
        _sheet(centre)
    for k in range(8):
        report(centre, ledger.school_b, now=NOW + datetime.timedelta(hours=3, minutes=k))
    with django_assert_max_num_queries(12):
        assert _sheet(centre)[0] == 11


def test_the_list_starts_the_job_and_lands_on_its_page(
    ledger, client_for, clock, django_capture_on_commit_callbacks
):
    clock.move_to(LATER)
    client = client_for(ledger.users[Role.SCHOOL_OFFICER])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("incidents:incident_export"), {"status": "open", "q": "x"})
    job = Job.objects.get(kind="incidents.export")
    assert r.status_code == 302 and r["Location"] == job.get_absolute_url()
    assert job.params == {"filters": {"status": "open", "q": "x"}}
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert job.output_name == "甲小学_突发事件台账_2027-03-05.xlsx"
    assert job.result == {"rows": 1}
    # a GET (a link, a prefetch) starts nothing
    r = client.get(reverse("incidents:incident_export") + "?severity=general")
    assert r.status_code == 405
    assert Job.objects.filter(kind="incidents.export").count() == 1
    # the list's button is a form posting the filters with its CSRF token
    page = client.get(reverse("incidents:incident_list"), {"severity": "general"}).content.decode()
    assert 'data-testid="incident-export"' in page and "csrfmiddlewaretoken" in page
    assert '<input type="hidden" name="severity" value="general">' in page


def test_the_export_refuses_a_wrong_role(ledger, client_for):
    r = client_for(ledger.users[Role.PARTNER]).post(reverse("incidents:incident_export"))
    assert r.status_code == 403
    r = client_for(ledger.users[Role.AUDITOR]).post(reverse("incidents:incident_export"))
    assert r.status_code == 403
    assert not Job.objects.filter(kind="incidents.export").exists()
