"""The weekly report pages through HTTP: the flow, scope (404) and roles (403)."""

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.weekly import services
from safecampus.weekly.models import DistrictReport, WeeklyReport

from .conftest import at_noon, place

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def draft(w, week=None, user=None, department=None):
    week = week or w.last_week
    return services.weekly_report_open(
        actor=user or w.dept_user,
        campaign=w.campaign,
        department=department or w.department,
        week_start=week.start,
        now=at_noon(week.start),
    )


def submitted(w, week=None, **kw):
    report = draft(w, week, **kw)
    return services.weekly_report_submit(
        actor=kw.get("user") or w.dept_user,
        report_id=report.pk,
        data={"progress": "本周进展"},
        now=at_noon((week or w.last_week).due),
    )


def test_department_opens_writes_and_submits(wk, clock, client_for):
    w = wk
    clock.move_to(w.week.due)  # this week's report is due today: submitted on time
    place(w, "reported", reported_on=w.week.start)
    client = client_for(w.dept_user)
    index = client.get(reverse("weekly:weekly_index")).content.decode()
    due = index[index.index('data-testid="due-reports"') :]
    # this week first, then last week and the one before (both missing)
    assert due.index(f"due-{w.department.pk}-{w.week.key}") < due.index(
        f"due-{w.department.pk}-{w.last_week.key}"
    )
    assert f"due-{w.other_dept.pk}-" not in due
    r = client.post(
        reverse("weekly:report_open", args=[w.campaign.pk, w.week.key]),
        {"department": w.department.pk},
    )
    report = WeeklyReport.objects.get()
    assert r.status_code == 302 and r.url == reverse("weekly:report_detail", args=[report.pk])
    page = client.get(r.url).content.decode()
    assert 'data-testid="narrative-form"' in page and "甲小学" in page
    r = client.post(r.url, {"action": "submit", "problems": "人手不足"})  # no progress yet
    assert r.status_code == 400 and "人手不足" in r.content.decode()
    report.refresh_from_db()
    assert report.status == "draft" and report.problems == ""
    r = client.post(r.request["PATH_INFO"], {"action": "save", "progress": "已清理通道"})
    assert r.status_code == 302
    r = client.post(r.url, {"action": "submit", "progress": "已清理通道", "next_plan": "复查"})
    report.refresh_from_db()
    assert r.status_code == 302 and report.status == "submitted"
    assert (report.progress, report.next_plan, report.late) == ("已清理通道", "复查", False)
    assert report.figures["totals"]["new"] == 1
    page = client.get(r.url).content.decode()
    assert 'data-testid="narrative-form"' not in page  # read-only now
    r = client.post(r.url, {"action": "save", "progress": "改写"})
    assert r.status_code == 403
    report.refresh_from_db()
    assert report.progress == "已清理通道"


def test_draft_is_seen_by_its_department_only(wk, client_for):
    w = wk
    report = draft(w)
    url = reverse("weekly:report_detail", args=[report.pk])
    other_bureau_centre = user_with_role(Role.SAFETY_CENTRE, w.other_bureau, username="xh_centre")
    assert client_for(w.dept_user).get(url).status_code == 200
    for user in (w.other_dept_user, w.centre, w.users[Role.LEADERSHIP], other_bureau_centre):
        assert client_for(user).get(url).status_code == 404, user
        assert client_for(user).get(url + "export.docx").status_code in (404,), user
    for role in (Role.SCHOOL_OFFICER, Role.PARTNER, Role.SYSTEM_ADMIN):
        assert client_for(w.users[role]).get(url).status_code == 403, role


def test_submitted_report_is_read_by_the_bureau(wk, client_for):
    w = wk
    report = submitted(w)
    url = reverse("weekly:report_detail", args=[report.pk])
    other_bureau_centre = user_with_role(Role.SAFETY_CENTRE, w.other_bureau, username="xh_centre")
    for user in (w.dept_user, w.centre, w.users[Role.LEADERSHIP], w.users[Role.INSPECTOR]):
        assert client_for(user).get(url).status_code == 200
    for user in (w.other_dept_user, other_bureau_centre):
        assert client_for(user).get(url).status_code == 404
    assert client_for(w.school_user).get(url).status_code == 403
    # the centre cannot write to it either
    r = client_for(w.centre).post(url, {"action": "save", "progress": "x"})
    assert r.status_code == 403


def test_exports_download(wk, client_for):
    w = wk
    place(w, "hard", reported_on=w.last_week.start)
    report = submitted(w)
    client = client_for(w.centre)
    r = client.get(reverse("weekly:report_docx", args=[report.pk]))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    doc = Document(io.BytesIO(r.content))
    assert "普教一科" in "\n".join(p.text for p in doc.paragraphs)
    assert [c.text for c in doc.tables[1].rows[1].cells][0] == "甲小学"
    r = client.get(reverse("weekly:report_xlsx", args=[report.pk]))
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "本周进展" in values and "甲小学" in values


def test_matrix_states_as_each_viewer_may_know_them(wk, client_for):
    w = wk
    submitted(w)  # 普教一科 last week, on time
    draft(w, w.week, user=w.other_dept_user, department=w.other_dept)  # 安保科 this week, draft
    url = reverse("weekly:campaign_weeks", args=[w.campaign.pk])

    def states(user):
        body = client_for(user).get(url).content.decode()
        out = {}
        for week in w.weeks:
            row = body[body.index(f'data-testid="week-{week.key}"') :]
            row = row[: row.index("</tr>")]
            out[week.key] = [
                row[row.index(f'data-testid="cell-{d.pk}"') :]
                .split('data-state="')[1]
                .split('"')[0]
                for d in (w.department, w.other_dept)
                if f'data-testid="cell-{d.pk}"' in row
            ]
        return out

    centre = states(w.centre)
    assert centre[w.weeks[0].key] == ["missing", "missing"]
    assert centre[w.last_week.key] == ["on_time", "missing"]
    # this week is not yet due unless today is past Friday; the centre never sees the draft
    now = "missing" if w.today > w.week.due else "not_due"
    assert centre[w.week.key] == [now, now]
    assert centre[w.weeks[-1].key] == ["not_due", "not_due"]
    other = states(w.other_dept_user)  # a department sees its own column only
    assert other[w.week.key] == ["draft" if w.today <= w.week.due else "missing"]
    week_page = client_for(w.centre).get(
        reverse("weekly:week_detail", args=[w.campaign.pk, w.last_week.key])
    )
    assert (
        week_page.status_code == 200 and 'data-testid="compile-form"' in week_page.content.decode()
    )


def test_compile_through_the_page(wk, client_for):
    w = wk
    submitted(w)
    url = reverse("weekly:district_compile", args=[w.campaign.pk, w.last_week.key])
    assert client_for(w.dept_user).post(url, {"summary": "x"}).status_code == 403
    other_bureau_centre = user_with_role(Role.SAFETY_CENTRE, w.other_bureau, username="xh_centre")
    assert client_for(other_bureau_centre).post(url, {"summary": "x"}).status_code == 404
    assert not DistrictReport.objects.exists()
    r = client_for(w.centre).post(url, {"summary": "本周小结"})
    district = DistrictReport.objects.get()
    assert r.status_code == 302 and r.url == reverse("weekly:district_detail", args=[district.pk])
    body = client_for(w.centre).get(r.url).content.decode()
    assert "本周小结" in body and "安保科" in body  # missing department listed
    # the compilation carries every department's narrative: not for the departments
    assert client_for(w.dept_user).get(r.url).status_code == 404
    assert client_for(other_bureau_centre).get(r.url).status_code == 404
    assert client_for(w.school_user).get(r.url).status_code == 403
    r = client_for(w.centre).get(reverse("weekly:district_docx", args=[district.pk]))
    assert r.status_code == 200
    # a week nobody submitted: refused with the form again, 400
    first = reverse("weekly:district_compile", args=[w.campaign.pk, w.weeks[0].key])
    r = client_for(w.centre).post(first, {"summary": "空"})
    assert r.status_code == 400 and DistrictReport.objects.count() == 1


@pytest.mark.parametrize("start", ["2020-01-06", "not-a-date"])
def test_unknown_weeks_are_404(wk, client_for, start):
    url = reverse("weekly:week_detail", args=[wk.campaign.pk, start])
    assert client_for(wk.centre).get(url).status_code == 404


def test_campaign_of_another_bureau_is_404(wk, client_for):
    other_bureau_centre = user_with_role(Role.SAFETY_CENTRE, wk.other_bureau, username="xh_centre")
    url = reverse("weekly:campaign_weeks", args=[wk.campaign.pk])
    assert client_for(other_bureau_centre).get(url).status_code == 404
    assert client_for(wk.school_user).get(url).status_code == 403


def test_campaign_edit_form_has_the_report_days(wk, client_for):
    body = client_for(wk.centre).get(reverse("campaigns:campaign_edit", args=[wk.campaign.pk]))
    html = body.content.decode()
    assert 'name="report_week_start"' in html and 'name="report_due_weekday"' in html
    block = html[html.index('data-testid="weekly-report-days"') :]
    assert html.count('name="report_week_start"') == 1
    assert 'name="report_week_start"' in block and 'name="report_due_weekday"' in block


@pytest.mark.parametrize("value", ["abc", "²", "9" * 30, ""])
def test_opening_with_a_department_that_is_not_an_id_is_404(wk, client_for, value):
    url = reverse("weekly:report_open", args=[wk.campaign.pk, wk.week.key])
    assert client_for(wk.dept_user).post(url, {"department": value}).status_code == 404
    assert not WeeklyReport.objects.exists()
