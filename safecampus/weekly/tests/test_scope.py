"""Every weekly page through ``core.testing.scope_matrix``: anonymous → the login page, a role
that does not reach weekly reports → 403 (a school officer, a partner unit, an auditor), the
right role out of scope → 404 (another bureau's campaign or report, another department's
draft), the permitted user → its page."""

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, scope_matrix, user_with_role
from safecampus.weekly.models import DistrictReport, WeeklyReport

from .test_views import draft, submitted

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def sw(wk):
    """``wk`` with the other bureau's centre and department officer and the roles that do not
    reach weekly reports."""
    w = wk
    w.xh_centre = user_with_role(Role.SAFETY_CENTRE, w.other_bureau, username="xh_centre")
    w.xh_dept = user_with_role(
        Role.DEPARTMENT_OFFICER, DepartmentFactory(bureau=w.other_bureau), username="xh_dept"
    )
    w.no_role = [w.school_user, w.users[Role.PARTNER], w.users[Role.AUDITOR]]
    return w


def test_index(sw, client):
    scope_matrix(
        client, reverse("weekly:weekly_index"), permitted=sw.dept_user, wrong_role=sw.no_role
    )


@pytest.mark.parametrize("name", ["campaign_weeks", "week_detail"])
def test_campaign_pages(sw, client, name):
    args = [sw.campaign.pk] + ([sw.week.key] if name == "week_detail" else [])
    scope_matrix(
        client,
        reverse(f"weekly:{name}", args=args),
        permitted=sw.centre,
        out_of_scope=[sw.xh_centre, sw.xh_dept],
        wrong_role=sw.no_role,
    )


def test_open_a_report(sw, client):
    scope_matrix(
        client,
        reverse("weekly:report_open", args=[sw.campaign.pk, sw.week.key]),
        method="post",
        data={"department": sw.department.pk},
        permitted=sw.dept_user,
        # another bureau's officer does not see the campaign; another department's officer
        # cannot open this department's report
        out_of_scope=[sw.xh_dept, sw.other_dept_user],
        wrong_role=[*sw.no_role, sw.centre, sw.users[Role.LEADERSHIP]],
    )
    assert WeeklyReport.objects.get().department == sw.department


@pytest.mark.parametrize("name", ["report_detail", "report_docx", "report_xlsx"])
def test_a_draft_is_its_departments_only(sw, client, name):
    report = draft(sw)
    scope_matrix(
        client,
        reverse(f"weekly:{name}", args=[report.pk]),
        permitted=sw.dept_user,
        out_of_scope=[sw.other_dept_user, sw.centre, sw.xh_centre],
        wrong_role=sw.no_role,
    )


def test_saving_a_draft(sw, client):
    report = draft(sw)
    scope_matrix(
        client,
        reverse("weekly:report_detail", args=[report.pk]),
        method="post",
        data={"action": "save", "progress": "已清理通道"},
        permitted=sw.dept_user,
        out_of_scope=[sw.other_dept_user, sw.centre, sw.xh_centre],
        wrong_role=sw.no_role,
    )
    report.refresh_from_db()
    assert report.progress == "已清理通道"


@pytest.mark.parametrize("name", ["report_detail", "report_docx", "report_xlsx"])
def test_a_submitted_report_is_read_by_the_bureau(sw, client, name):
    report = submitted(sw)
    scope_matrix(
        client,
        reverse(f"weekly:{name}", args=[report.pk]),
        permitted=sw.users[Role.INSPECTOR],
        out_of_scope=[sw.other_dept_user, sw.xh_centre],
        wrong_role=sw.no_role,
    )


def test_compile(sw, client):
    submitted(sw)
    scope_matrix(
        client,
        reverse("weekly:district_compile", args=[sw.campaign.pk, sw.last_week.key]),
        method="post",
        data={"summary": "本周小结"},
        permitted=sw.centre,
        out_of_scope=[sw.xh_centre],
        wrong_role=[*sw.no_role, sw.dept_user, sw.users[Role.LEADERSHIP]],
    )
    assert DistrictReport.objects.count() == 1


@pytest.mark.parametrize("name", ["district_detail", "district_docx", "district_xlsx"])
def test_district_report(sw, client, name):
    from safecampus.weekly import services

    submitted(sw)
    district = services.district_report_compile(
        actor=sw.centre, campaign=sw.campaign, week_start=sw.last_week.start
    )
    scope_matrix(
        client,
        reverse(f"weekly:{name}", args=[district.pk]),
        permitted=sw.users[Role.LEADERSHIP],
        # the compilation carries every department's narrative: not for the departments
        out_of_scope=[sw.dept_user, sw.xh_centre],
        wrong_role=sw.no_role,
    )
