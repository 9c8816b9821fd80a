"""The weekly report API: scoped exactly as the pages (another bureau or department → 404, a
role that does not reach weekly reports → 403), each action through the page's own service
(the same status and the same events as the page), bad input refused in Chinese with nothing
saved, the downloads with the page's Chinese file names, and pinned query counts."""

from __future__ import annotations

import datetime
import io
import json
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from safecampus.campaigns.models import Campaign, CampaignPhase
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, scope_matrix, user_with_role
from safecampus.weekly import services
from safecampus.weekly.models import DistrictReport, WeeklyReport, WeeklyReportEvent

from .conftest import place
from .test_views import draft, submitted

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

CJK = re.compile(r"[\u4e00-\u9fff]")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert CJK.search(body["message"]), body
    return body


def _events(report) -> list[tuple]:
    return list(
        WeeklyReportEvent.objects.filter(report=report)
        .order_by("at", "id")
        .values_list("action", "actor_id", "actor_role")
    )


@pytest.fixture
def sw(wk):
    """``wk`` with the other bureau's centre and department officer and the roles that do not
    reach weekly reports."""
    w = wk
    w.xh_centre = user_with_role(Role.SAFETY_CENTRE, w.other_bureau, username="xh_centre")
    w.xh_dept = user_with_role(
        Role.DEPARTMENT_OFFICER, DepartmentFactory(bureau=w.other_bureau), username="xh_dept"
    )
    w.leader = w.users[Role.LEADERSHIP]
    w.inspector = w.users[Role.INSPECTOR]
    w.no_role = [w.school_user, w.users[Role.PARTNER], w.users[Role.AUDITOR]]
    return w


def _campaign_url(w, tail: str, week=None) -> str:
    base = f"/api/v1/weekly/campaigns/{w.campaign.pk}/"
    if week is not None:
        base += f"weeks/{week.key}/"
    return base + tail


def _compiled(w, week=None):
    return services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=(week or w.last_week).start
    )


# --- scope: every endpoint ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/weekly/campaigns/", "/api/v1/weekly/owed/"])
def test_lists_of_the_index(sw, client, url):
    scope_matrix(client, url, permitted=sw.dept_user, wrong_role=sw.no_role)


@pytest.mark.parametrize("tail", ["matrix/", "week"])
def test_campaign_endpoints(sw, client, tail):
    url = _campaign_url(sw, "", sw.week) if tail == "week" else _campaign_url(sw, tail)
    scope_matrix(
        client,
        url,
        permitted=sw.centre,
        out_of_scope=[sw.xh_centre, sw.xh_dept],
        wrong_role=sw.no_role,
    )


def test_open_scope(sw, client):
    scope_matrix(
        client,
        _campaign_url(sw, "open/", sw.week),
        method="post",
        data={"department": sw.department.pk},
        permitted=sw.dept_user,
        # another bureau's officer does not see the campaign; another department's officer
        # cannot open this department's report
        out_of_scope=[sw.xh_dept, sw.other_dept_user],
        wrong_role=[*sw.no_role, sw.centre, sw.leader],
        ok=(201,),
    )
    assert WeeklyReport.objects.get().department == sw.department


@pytest.mark.parametrize("tail", ["", "export.docx", "export.xlsx"])
def test_a_draft_is_its_departments_only(sw, client, tail):
    report = draft(sw)
    scope_matrix(
        client,
        f"/api/v1/weekly-reports/{report.pk}/{tail}",
        permitted=sw.dept_user,
        out_of_scope=[sw.other_dept_user, sw.centre, sw.xh_centre],
        wrong_role=sw.no_role,
    )


@pytest.mark.parametrize("tail", ["", "export.docx", "export.xlsx"])
def test_a_submitted_report_is_read_by_the_bureau(sw, client, tail):
    report = submitted(sw)
    scope_matrix(
        client,
        f"/api/v1/weekly-reports/{report.pk}/{tail}",
        permitted=sw.inspector,
        out_of_scope=[sw.other_dept_user, sw.xh_centre],
        wrong_role=sw.no_role,
    )


@pytest.mark.parametrize("act", ["save", "submit"])
def test_report_actions_scope(sw, client, act):
    report = draft(sw)
    scope_matrix(
        client,
        f"/api/v1/weekly-reports/{report.pk}/{act}/",
        method="post",
        data={"progress": "已清理通道"},
        permitted=sw.dept_user,
        # the centre does not see a draft at all
        out_of_scope=[sw.other_dept_user, sw.centre, sw.xh_centre],
        wrong_role=sw.no_role,
    )
    report.refresh_from_db()
    assert report.progress == "已清理通道"
    assert report.status == ("submitted" if act == "submit" else "draft")


def test_a_submitted_report_is_read_not_written_by_the_bureau(sw, client):
    report = submitted(sw)
    client.force_login(sw.centre)
    r = _post(client, f"/api/v1/weekly-reports/{report.pk}/save/", {"progress": "改写"})
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    report.refresh_from_db()
    assert report.progress == "本周进展"


def test_lists_of_reports_are_scoped(sw, client):
    mine = draft(sw)
    theirs = submitted(sw, user=sw.other_dept_user, department=sw.other_dept)
    scope_matrix(client, "/api/v1/weekly-reports/", permitted=sw.dept_user, wrong_role=sw.no_role)

    def ids(user):
        client.force_login(user)
        r = client.get("/api/v1/weekly-reports/")
        assert r.status_code == 200
        return [row["id"] for row in r.json()["results"]]

    assert ids(sw.dept_user) == [mine.pk]  # its own draft; not another department's report
    assert ids(sw.centre) == [theirs.pk]  # submitted reports only
    assert ids(sw.xh_centre) == []


def test_compile_scope(sw, client):
    submitted(sw)
    scope_matrix(
        client,
        _campaign_url(sw, "compile/", sw.last_week),
        method="post",
        data={"summary": "本周小结"},
        permitted=sw.centre,
        out_of_scope=[sw.xh_centre],
        wrong_role=[*sw.no_role, sw.dept_user, sw.leader],
        ok=(201,),
    )
    assert DistrictReport.objects.count() == 1


@pytest.mark.parametrize("tail", ["", "export.docx", "export.xlsx"])
def test_district_report_scope(sw, client, tail):
    submitted(sw)
    district = _compiled(sw)
    scope_matrix(
        client,
        f"/api/v1/weekly-district-reports/{district.pk}/{tail}",
        permitted=sw.leader,
        # the compilation carries every department's narrative: not for the departments
        out_of_scope=[sw.dept_user, sw.xh_centre],
        wrong_role=sw.no_role,
    )


def test_district_list_scope(sw, client):
    submitted(sw)
    district = _compiled(sw)
    scope_matrix(
        client, "/api/v1/weekly-district-reports/", permitted=sw.leader, wrong_role=sw.no_role
    )
    for user, expected in ((sw.leader, [district.pk]), (sw.dept_user, []), (sw.xh_centre, [])):
        client.force_login(user)
        rows = client.get("/api/v1/weekly-district-reports/").json()["results"]
        assert [r["id"] for r in rows] == expected


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/weekly/campaigns/x/matrix/",
        "/api/v1/weekly-reports/abc/",
        "/api/v1/weekly-reports/1.5/export.docx",
        "/api/v1/weekly-district-reports/99999999999999999999/",
    ],
)
def test_ids_that_are_not_integers_are_404(sw, client, url):
    client.force_login(sw.centre)
    _refused(client.get(url), 404, "not_found")


# --- what the endpoints say ---------------------------------------------------------------------


def test_the_index_lists(sw, client):
    client.force_login(sw.dept_user)
    rows = client.get("/api/v1/weekly/campaigns/").json()["results"]
    assert [r["id"] for r in rows] == [sw.campaign.pk]
    assert rows[0]["first_week"]["start"] == sw.weeks[0].key
    assert rows[0]["last_week"]["start"] == sw.weeks[-1].key
    report = draft(sw, sw.week)
    owed = client.get("/api/v1/weekly/owed/").json()["results"]
    # this week first (with its draft), then the earlier weeks not submitted, newest first
    assert [(o["week"]["start"], o["report"]) for o in owed] == [
        (sw.week.key, report.pk),
        (sw.last_week.key, None),
        (sw.weeks[0].key, None),
    ]
    assert owed[0]["current"] and owed[1]["state"] == "missing"
    assert {o["department"] for o in owed} == {sw.department.pk}
    client.force_login(sw.centre)  # writes no department's report: owes nothing
    assert client.get("/api/v1/weekly/owed/").json()["results"] == []


def test_the_matrix_as_each_viewer_may_know_it(sw, client):
    w = sw
    mine = submitted(w)  # 普教一科 last week, on time
    draft(w, w.week, user=w.other_dept_user, department=w.other_dept)  # 安保科 this week, draft

    def states(user):
        client.force_login(user)
        body = client.get(_campaign_url(w, "matrix/")).json()
        return body, {
            week["start"]: [(c["department"], c["state"], c["report"]) for c in week["cells"]]
            for week in body["weeks"]
        }

    body, centre = states(w.centre)
    departments = {d["id"]: d["submitted"] for d in body["departments"]}
    assert departments == {w.department.pk: 1, w.other_dept.pk: 0}
    assert set(centre[w.weeks[0].key]) == {
        (w.department.pk, "missing", None),
        (w.other_dept.pk, "missing", None),
    }
    assert (w.department.pk, "on_time", mine.pk) in centre[w.last_week.key]
    now = "missing" if w.today > w.week.due else "not_due"
    # the centre never sees the draft
    assert set(centre[w.week.key]) == {
        (w.department.pk, now, None),
        (w.other_dept.pk, now, None),
    }
    current = [week for week in body["weeks"] if week["current"]]
    assert [week["start"] for week in current] == [w.week.key]
    assert [week for week in body["weeks"] if week["start"] == w.last_week.key][0]["counts"][
        "submitted"
    ] == 1
    _body, other = states(w.other_dept_user)  # a department sees its own column only
    assert [c[1] for c in other[w.week.key]] == ["draft" if w.today <= w.week.due else "missing"]


def test_one_week(sw, client):
    submitted(sw)
    district = _compiled(sw)
    client.force_login(sw.centre)
    body = client.get(_campaign_url(sw, "", sw.last_week)).json()
    assert body["week"] == {
        "start": sw.last_week.key,
        "end": sw.last_week.end.isoformat(),
        "due": sw.last_week.due.isoformat(),
    }
    assert body["can_compile"] and body["own_departments"] == []
    assert [d["id"] for d in body["district_reports"]] == [district.pk]
    client.force_login(sw.dept_user)
    body = client.get(_campaign_url(sw, "", sw.last_week)).json()
    assert not body["can_compile"] and body["own_departments"] == [sw.department.pk]
    assert body["district_reports"] == []


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ("2020-01-06", "no_such_week"),  # a date, but no report week starts on it
        ("not-a-date", "not_found"),
        ("2026-13-45", "not_found"),
        # a report week's first day written otherwise than YYYY-MM-DD
        ("compact", "not_found"),
        ("iso-week", "not_found"),
    ],
)
def test_unknown_weeks_are_404_in_chinese(sw, client, start, code):
    day = sw.last_week.start
    start = {
        "compact": day.strftime("%Y%m%d"),
        "iso-week": "{}-W{:02d}-{}".format(*day.isocalendar()),
    }.get(start, start)
    client.force_login(sw.dept_user)
    base = f"/api/v1/weekly/campaigns/{sw.campaign.pk}/weeks/{start}/"
    body = _refused(client.get(base), 404, code)
    if code == "no_such_week":
        assert body["message"] == "该周不是本专项行动的报告周。"
    _refused(_post(client, base + "open/", {"department": sw.department.pk}), 404, code)
    client.force_login(sw.centre)
    _refused(_post(client, base + "compile/", {"summary": "x"}), 404, code)
    assert not WeeklyReport.objects.exists() and not DistrictReport.objects.exists()
    # the same day written YYYY-MM-DD is the week
    assert client.get(f"/api/v1/weekly/campaigns/{sw.campaign.pk}/weeks/{day}/").status_code == 200


def test_report_detail(sw, client):
    place(sw, "reported", reported_on=sw.last_week.start)
    report = draft(sw)
    client.force_login(sw.dept_user)
    body = client.get(f"/api/v1/weekly-reports/{report.pk}/").json()
    assert body["status"] == "draft" and body["allowed_actions"] == ["save", "submit"]
    assert body["figures"]["totals"]["new"] == 1  # a draft's figures are live
    assert [e["action"] for e in body["events"]] == ["create"]
    services.weekly_report_submit(
        actor=sw.dept_user, report_id=report.pk, data={"progress": "本周进展"}
    )
    client.force_login(sw.inspector)
    body = client.get(f"/api/v1/weekly-reports/{report.pk}/").json()
    assert body["status"] == "submitted" and body["allowed_actions"] == []
    assert body["progress"] == "本周进展" and body["figures"]["totals"]["new"] == 1
    assert [e["action"] for e in body["events"]] == ["create", "submit"]


def test_report_filters(sw, client):
    last = submitted(sw)
    this = draft(sw, sw.week)
    client.force_login(sw.dept_user)

    def ids(**params):
        r = client.get("/api/v1/weekly-reports/", params)
        assert r.status_code == 200, r.content
        return [row["id"] for row in r.json()["results"]]

    assert ids() == [this.pk, last.pk]
    assert ids(status="submitted") == [last.pk]
    assert ids(week=sw.week.key) == [this.pk]
    assert ids(campaign=sw.campaign.pk, department=sw.department.pk) == [this.pk, last.pk]
    assert ids(department=sw.other_dept.pk) == []
    assert ids(late="false", status="submitted") == [last.pk]
    _refused(client.get("/api/v1/weekly-reports/", {"status": "nope"}), 400, "invalid")
    _refused(client.get("/api/v1/weekly-reports/", {"campaign": "x"}), 400, "invalid")
    body = _refused(client.get("/api/v1/weekly-reports/", {"late": "maybe"}), 400, "invalid")
    assert "late" in body["errors"]
    assert ids(late="true") == []


# --- each action as the page: the same effect, the same events ---------------------------------


def _page_open(client, w, week):
    r = client.post(
        reverse("weekly:report_open", args=[w.campaign.pk, week.key]),
        {"department": w.department.pk},
    )
    assert r.status_code == 302
    return WeeklyReport.objects.get(week_start=week.start)


def _api_open(client, w, week):
    r = _post(client, _campaign_url(w, "open/", week), {"department": w.department.pk})
    assert r.status_code == 201, r.content
    report = WeeklyReport.objects.get(week_start=week.start)
    assert r.json()["id"] == report.pk
    again = _post(client, _campaign_url(w, "open/", week), {"department": w.department.pk})
    assert again.status_code == 200 and again.json()["id"] == report.pk  # the same one
    return report


@pytest.mark.parametrize("via", ["page", "api"])
def test_open_save_submit_as_the_page(sw, client, via):
    w = sw
    place(w, "reported", reported_on=w.last_week.start)
    client.force_login(w.dept_user)
    report = (_page_open if via == "page" else _api_open)(client, w, w.last_week)
    narrative = {"progress": "已清理通道", "problems": "人手不足", "next_plan": "复查"}
    if via == "page":
        page = reverse("weekly:report_detail", args=[report.pk])
        assert client.post(page, {"action": "save", **narrative}).status_code == 302
        assert client.post(page, {"action": "submit", **narrative}).status_code == 302
    else:
        url = f"/api/v1/weekly-reports/{report.pk}/"
        r = _post(client, url + "save/", narrative)
        assert r.status_code == 200 and r.json()["progress"] == "已清理通道"
        r = _post(client, url + "submit/", narrative)
        assert r.status_code == 200 and r.json()["status"] == "submitted"
    report.refresh_from_db()
    assert (report.status, report.progress, report.problems, report.next_plan) == (
        "submitted",
        "已清理通道",
        "人手不足",
        "复查",
    )
    assert report.late  # last week's report, submitted after its due day
    assert report.figures["totals"]["new"] == 1
    role = Role.DEPARTMENT_OFFICER
    assert _events(report) == [
        ("create", w.dept_user.pk, role),
        ("save", w.dept_user.pk, role),
        ("submit", w.dept_user.pk, role),
    ]
    save = WeeklyReportEvent.objects.get(report=report, action="save")
    assert save.data == {
        "changed": {k: ["", v] for k, v in narrative.items()},
    }


@pytest.mark.parametrize("via", ["page", "api"])
def test_compile_as_the_page(sw, client, via):
    w = sw
    submitted(w)
    client.force_login(w.centre)
    if via == "page":
        r = client.post(
            reverse("weekly:district_compile", args=[w.campaign.pk, w.last_week.key]),
            {"summary": "本周小结"},
        )
        assert r.status_code == 302
    else:
        r = _post(client, _campaign_url(w, "compile/", w.last_week), {"summary": "本周小结"})
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["version"] == 1 and body["summary"] == "本周小结"
        assert [m["department"] for m in body["missing"]] == ["安保科"]
        assert [v["version"] for v in body["versions"]] == [1]
        assert body["link_reports"] and body["register"][0]["reported"] == 0
    district = DistrictReport.objects.get()
    assert (district.version, district.summary, district.compiled_by) == (1, "本周小结", w.centre)
    assert [d["department"] for d in district.departments] == ["普教一科"]
    assert district.week_start == w.last_week.start


# --- bad input: 400 in Chinese, nothing saved ---------------------------------------------------


def test_bad_narrative_is_refused(sw, client):
    report = draft(sw)
    client.force_login(sw.dept_user)
    url = f"/api/v1/weekly-reports/{report.pk}/"
    body = _refused(_post(client, url + "save/", {"progress": "长" * 5001}), 400, "invalid")
    assert "progress" in body["errors"]
    body = _refused(_post(client, url + "submit/", {"problems": "人手不足"}), 400, "invalid")
    assert "progress" in body["errors"]  # no progress: not submitted, nothing saved
    r = client.post(url + "save/", "{not json", content_type="application/json")
    _refused(r, 400, "parse_error")
    report.refresh_from_db()
    assert (report.status, report.progress, report.problems) == ("draft", "", "")
    assert _events(report) == [("create", sw.dept_user.pk, Role.DEPARTMENT_OFFICER)]


def test_a_submitted_report_no_longer_changes(sw, client):
    report = submitted(sw)
    client.force_login(sw.dept_user)
    for act in ("save", "submit"):
        r = _post(client, f"/api/v1/weekly-reports/{report.pk}/{act}/", {"progress": "改写"})
        _refused(r, 400, "submitted")
    report.refresh_from_db()
    assert report.progress == "本周进展"
    assert [e[0] for e in _events(report)] == ["create", "submit"]


@pytest.mark.parametrize("value", ["abc", "", None, 0, 10**20])
def test_opening_needs_a_department_id(sw, client, value):
    client.force_login(sw.dept_user)
    r = _post(client, _campaign_url(sw, "open/", sw.week), {"department": value})
    body = _refused(r, 400, "invalid")
    assert "department" in body["errors"]
    assert not WeeklyReport.objects.exists()


def test_opening_a_week_not_begun_is_refused(sw, client):
    client.force_login(sw.dept_user)
    r = _post(client, _campaign_url(sw, "open/", sw.weeks[-1]), {"department": sw.department.pk})
    _refused(r, 400, "not_started")
    assert not WeeklyReport.objects.exists()


def test_compile_refusals(sw, client):
    client.force_login(sw.centre)
    url = _campaign_url(sw, "compile/", sw.weeks[0])
    _refused(_post(client, url, {"summary": "空"}), 400, "nothing_submitted")
    submitted(sw, sw.weeks[0])
    _refused(_post(client, url, {"summary": "长" * 10001}), 400, "invalid")
    assert not DistrictReport.objects.exists()


# --- downloads ----------------------------------------------------------------------------------


def _file_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    return unquote(disposition.split("filename*=utf-8''")[-1].split("filename*=UTF-8''")[-1])


@pytest.mark.parametrize(("fmt", "content_type"), [("docx", DOCX), ("xlsx", XLSX)])
def test_report_downloads_as_the_page(sw, client, fmt, content_type):
    place(sw, "hard", reported_on=sw.last_week.start)
    report = submitted(sw)
    client.force_login(sw.centre)
    page = client.get(reverse(f"weekly:report_{fmt}", args=[report.pk]))
    r = client.get(f"/api/v1/weekly-reports/{report.pk}/export.{fmt}", HTTP_ACCEPT="text/html")
    assert r.status_code == 200 and r["Content-Type"] == content_type
    name = _file_name(r)
    assert name == _file_name(page) and name.endswith(f".{fmt}") and CJK.search(name)
    content = b"".join(r.streaming_content)
    if fmt == "docx":
        text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
        assert "普教一科" in text
    else:
        ws = load_workbook(io.BytesIO(content)).active
        values = [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]
        assert "本周进展" in values and "甲小学" in values


@pytest.mark.parametrize(("fmt", "content_type"), [("docx", DOCX), ("xlsx", XLSX)])
def test_district_downloads_as_the_page(sw, client, fmt, content_type):
    submitted(sw)
    district = _compiled(sw)
    client.force_login(sw.leader)
    page = client.get(reverse(f"weekly:district_{fmt}", args=[district.pk]))
    r = client.get(f"/api/v1/weekly-district-reports/{district.pk}/export.{fmt}")
    assert r.status_code == 200 and r["Content-Type"] == content_type
    name = _file_name(r)
    assert name == _file_name(page) and CJK.search(name)
    assert len(b"".join(r.streaming_content)) > 1000
    client.force_login(sw.xh_centre)
    _refused(
        client.get(f"/api/v1/weekly-district-reports/{district.pk}/export.{fmt}"),
        404,
        "not_found",
    )


# --- query counts -------------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # the session's first write after a login is not the endpoint's
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries)


def _submitted_rows(w, n: int, prefix: str = "科室") -> None:
    """``n`` more departments owing reports (responsible for a check item), each with two
    submitted reports (straight rows)."""
    item = w.catalog.items.get(code="A01-01")
    for i in range(n):
        dept = DepartmentFactory(bureau=w.bureau, name=f"{prefix}{i}")
        item.responsible_departments.add(dept)
        for week in w.weeks[:2]:
            WeeklyReport.objects.create(
                campaign=w.campaign,
                bureau=w.bureau,
                department=dept,
                week_start=week.start,
                week_end=week.end,
                due_on=week.due,
                status="submitted",
                figures={"totals": {}},
                created_by=w.centre,
                submitted_by=w.centre,
                submitted_at=w.campaign.launched_at,
            )


def test_report_list_queries_are_pinned(sw, client):
    _submitted_rows(sw, 1)
    client.force_login(sw.centre)
    few = _queries(client, "/api/v1/weekly-reports/")
    _submitted_rows(sw, 10, "处室")
    assert client.get("/api/v1/weekly-reports/").json()["count"] == 22
    assert _queries(client, "/api/v1/weekly-reports/") == few


def test_district_list_queries_are_pinned(sw, client):
    submitted(sw)
    _compiled(sw)
    client.force_login(sw.leader)
    few = _queries(client, "/api/v1/weekly-district-reports/")
    for _i in range(5):
        _compiled(sw)
    assert client.get("/api/v1/weekly-district-reports/").json()["count"] == 6
    assert _queries(client, "/api/v1/weekly-district-reports/") == few


def test_campaign_list_and_matrix_queries_are_pinned(sw, client):
    client.force_login(sw.centre)
    few = _queries(client, "/api/v1/weekly/campaigns/")
    few_matrix = _queries(client, _campaign_url(sw, "matrix/"))
    for i in range(4):  # more campaigns with their phases
        copy = Campaign.objects.get(pk=sw.campaign.pk)
        copy.pk = None
        copy.name = f"专项整治{i}"
        copy.save()
        for phase in CampaignPhase.objects.filter(campaign=sw.campaign):
            phase.pk = None
            phase.campaign = copy
            phase.save()
    _submitted_rows(sw, 5)  # more departments owing and more reports in the matrix
    assert client.get("/api/v1/weekly/campaigns/").json()["count"] == 5
    assert _queries(client, "/api/v1/weekly/campaigns/") == few
    assert _queries(client, _campaign_url(sw, "matrix/")) == few_matrix


def test_owed_list_queries_are_pinned(sw, client, clock):
    client.force_login(sw.dept_user)
    clock.move_to(sw.weeks[0].start + datetime.timedelta(days=1))
    few_rows = len(client.get("/api/v1/weekly/owed/").json()["results"])
    few = _queries(client, "/api/v1/weekly/owed/")
    clock.move_to(sw.weeks[-1].start + datetime.timedelta(days=1))
    client.force_login(sw.dept_user)  # the session of five weeks ago has expired
    draft(sw)
    draft(sw, sw.week)
    many_rows = len(client.get("/api/v1/weekly/owed/").json()["results"])
    assert many_rows > few_rows
    assert _queries(client, "/api/v1/weekly/owed/") == few


# --- the schema ---------------------------------------------------------------------------------


def test_the_weekly_api_is_documented(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    expected = {
        "/api/v1/weekly/campaigns/": "get",
        "/api/v1/weekly/owed/": "get",
        "/api/v1/weekly/campaigns/{id}/matrix/": "get",
        "/api/v1/weekly/campaigns/{id}/weeks/{start}/": "get",
        "/api/v1/weekly/campaigns/{id}/weeks/{start}/open/": "post",
        "/api/v1/weekly/campaigns/{id}/weeks/{start}/compile/": "post",
        "/api/v1/weekly-reports/": "get",
        "/api/v1/weekly-reports/{id}/": "get",
        "/api/v1/weekly-reports/{id}/save/": "post",
        "/api/v1/weekly-reports/{id}/submit/": "post",
        "/api/v1/weekly-reports/{id}/export.docx": "get",
        "/api/v1/weekly-reports/{id}/export.xlsx": "get",
        "/api/v1/weekly-district-reports/": "get",
        "/api/v1/weekly-district-reports/{id}/": "get",
        "/api/v1/weekly-district-reports/{id}/export.docx": "get",
        "/api/v1/weekly-district-reports/{id}/export.xlsx": "get",
    }
    for path, method in expected.items():
        assert set(paths[path]) == {method}, path
        operation = paths[path][method]
        assert operation["summary"] and "Roles: " in operation["description"], path
    for act in ("save", "submit"):
        responses = paths[f"/api/v1/weekly-reports/{{id}}/{act}/"]["post"]["responses"]
        assert "`submitted`" in responses["400"]["description"]
        assert {"403", "404"} <= set(responses)
    compile_ = paths["/api/v1/weekly/campaigns/{id}/weeks/{start}/compile/"]["post"]
    assert "`nothing_submitted`" in compile_["responses"]["400"]["description"]
    assert "`safety_centre`" in compile_["description"]
    assert "`department_officer`" not in compile_["description"]
    opening = paths["/api/v1/weekly/campaigns/{id}/weeks/{start}/open/"]["post"]
    assert {"200", "201"} <= set(opening["responses"])
    assert "`not_owing`" in opening["responses"]["400"]["description"]
    download = paths["/api/v1/weekly-reports/{id}/export.docx"]["get"]["responses"]["200"]
    assert download["content"]["*/*"]["schema"]["format"] == "binary"
