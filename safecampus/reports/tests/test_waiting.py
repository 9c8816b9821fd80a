"""What waits for a department's action: each count against a hand-built register, each link
to a page listing the same rows, weekly reports due or missed, and the card's rendering."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from safecampus.campaigns.services import campaign_launch, campaign_save
from safecampus.campaigns.testing import complete_rows
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.hazards.choices import Status
from safecampus.hazards.selectors import hazard_list
from safecampus.hazards.testing import hazard_at, small_catalog
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.inspections import services as campaign_services
from safecampus.reports.waiting import department_waiting
from safecampus.weekly import services as weekly_services
from safecampus.weekly.weeks import current_week, report_weeks

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def wt(clock, world, settings, tmp_path):
    """``world`` with a catalog (A01 → 普教一科, A02-01 → 安保科), 安保科's officer, and a
    launched campaign whose rectification phase (weekly reports, Monday to Sunday, due Friday)
    began on the Monday two weeks ago."""
    temporary_media(settings, tmp_path)
    w = world
    w.other_dept = DepartmentFactory(bureau=w.bureau, name="安保科")
    w.catalog = small_catalog(w.bureau, w.department)
    w.catalog.items.get(code="A02-01").responsible_departments.set([w.other_dept])
    w.other_dept_user = user_with_role(Role.DEPARTMENT_OFFICER, w.other_dept, username="dept_o")
    w.school_user = w.users[Role.SCHOOL_OFFICER]
    w.dept_user = w.users[Role.DEPARTMENT_OFFICER]
    w.centre = w.users[Role.SAFETY_CENTRE]
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    starts = monday - datetime.timedelta(days=14)
    w.campaign = campaign_save(
        actor=w.centre,
        bureau=w.bureau,
        data={"name": "校园安全专项整治", "forms_due": days(10), "catalog_version": w.catalog},
        phases=[
            {
                "name": "专项整治",
                "kind": "rectification",
                "starts_on": starts,
                "ends_on": monday + datetime.timedelta(days=20),
                "weekly_reports": True,
            }
        ],
    )
    campaign_launch(actor=w.centre, campaign_id=w.campaign.pk)
    # launched a month ago (no week is owed before a launch)
    type(w.campaign).objects.filter(pk=w.campaign.pk).update(
        launched_at=timezone.now() - datetime.timedelta(days=30)
    )
    w.campaign.refresh_from_db()
    w.weeks = report_weeks(w.campaign)
    w.week = current_week(w.campaign, today)

    def make(status, *, item="A01-01", **data):
        dept_user = w.dept_user if item.startswith("A01") else w.other_dept_user
        item_obj = w.catalog.items.get(code=item)
        return hazard_at(
            status, school=w.school_a, school_user=w.school_user, dept_user=dept_user,
            item=item_obj, **data,
        )  # fmt: skip

    w.make = make
    return w


def figures(waiting) -> dict:
    return {(d.department.name, f.key): f.value for d in waiting["departments"] for f in d.figures}


def test_counts_of_each_department_against_a_hand_built_register(wt):
    # Given 普教一科: two reports to confirm, one to accept, two overdue (one due today is not)
    for _ in range(2):
        wt.make(Status.REPORTED)
    wt.make(Status.SUBMITTED, deadline=days(30))
    wt.make(Status.RECTIFYING, deadline=days(-1))
    wt.make(Status.HARD, deadline=days(-9))
    wt.make(Status.RECTIFYING, deadline=days(0))
    wt.make(Status.CLOSED, deadline=days(-5))  # closed late: no longer overdue
    # and 安保科: one of each, which 普教一科 never counts
    wt.make(Status.REPORTED, item="A02-01")
    wt.make(Status.SUBMITTED, item="A02-01", deadline=days(-2))
    # When 普教一科's officer asks what waits
    waiting = department_waiting(user=wt.dept_user)
    # Then
    assert figures(waiting) == {
        ("普教一科", "to_confirm"): 2,
        ("普教一科", "to_accept"): 1,
        ("普教一科", "overdue"): 2,
    }
    other = department_waiting(user=wt.other_dept_user)
    assert figures(other) == {
        ("安保科", "to_confirm"): 1,
        ("安保科", "to_accept"): 1,
        ("安保科", "overdue"): 1,
    }


def test_each_link_lists_the_same_rows_as_its_count(wt, client_for):
    wt.make(Status.REPORTED)
    wt.make(Status.SUBMITTED, deadline=days(-1))
    wt.make(Status.RECTIFYING, deadline=days(-3))
    wt.make(Status.REPORTED, item="A02-01")
    form = wt.campaign.forms.get(school=wt.school_a)
    campaign_services.form_save(
        actor=wt.school_user, form_id=form.pk, rows=complete_rows(form, non_compliant={"A01-01"})
    )
    campaign_services.form_submit(actor=wt.school_user, form_id=form.pk)
    waiting = department_waiting(user=wt.dept_user)
    client = client_for(wt.dept_user)
    for dept in waiting["departments"]:
        for f in dept.figures:
            query = parse_qs(urlsplit(f.url).query)
            assert query["department"] == [str(wt.department.pk)]
            page = client.get(f.url).context["page"]
            assert page.paginator.count == f.value
            assert hazard_list(user=wt.dept_user, filters=query).count() == f.value
    # the form just submitted (and its hazard, reported) wait for 普教一科
    assert figures(waiting)[("普教一科", "to_confirm")] == 2
    assert waiting["forms"].value == 1
    queue = client.get(waiting["forms"].url).context["page"]
    assert [f.pk for f in queue] == [form.pk]
    # once 普教一科 accepted its items, the form waits only for 安保科 (A02-01)
    campaign_services.form_review(actor=wt.dept_user, form_id=form.pk, decision="accept")
    assert department_waiting(user=wt.dept_user)["forms"].value == 0
    assert department_waiting(user=wt.other_dept_user)["forms"].value == 1


def test_weekly_reports_due_this_week_or_missed(wt):
    # Given three report weeks begun: this week's draft opened, last week's submitted
    assert [w.start for w in wt.weeks][:3] == [
        wt.week.start - datetime.timedelta(days=n) for n in (14, 7, 0)
    ]
    draft = weekly_services.weekly_report_open(
        actor=wt.dept_user, campaign=wt.campaign, department=wt.department, week_start=wt.week.start
    )
    last = weekly_services.weekly_report_open(
        actor=wt.dept_user,
        campaign=wt.campaign,
        department=wt.department,
        week_start=wt.weeks[1].start,
    )
    weekly_services.weekly_report_submit(
        actor=wt.dept_user, report_id=last.pk, data={"progress": "本周完成排查"}
    )
    # When
    reports = department_waiting(user=wt.dept_user)["reports"]
    # Then this week's draft first, then the week two weeks ago, missed; last week's is done
    this_week = "missing" if timezone.localdate() > wt.week.due else "draft"  # Sat, Sun
    assert [(r.week_start, r.state) for r in reports] == [
        (wt.week.start, this_week),
        (wt.weeks[0].start, "missing"),
    ]
    assert reports[0].url == reverse("weekly:report_detail", args=[draft.pk])
    assert reports[1].url == reverse(
        "weekly:week_detail", args=[wt.campaign.pk, wt.weeks[0].start.isoformat()]
    )


@pytest.mark.parametrize(
    "role", [Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.SCHOOL_OFFICER, Role.PARTNER]
)
def test_nothing_for_anyone_but_a_department_officer(wt, role):
    waiting = department_waiting(user=wt.users[role])
    assert waiting is None
    assert render_to_string("reports/_waiting.html", {"waiting": waiting}).strip() == ""


def test_the_card_shows_each_number_with_its_link(wt):
    wt.make(Status.REPORTED)
    wt.make(Status.SUBMITTED, deadline=days(-1))
    waiting = department_waiting(user=wt.dept_user)
    html = render_to_string("reports/_waiting.html", {"waiting": waiting})
    for f in waiting["departments"][0].figures:
        link = (
            f'href="{f.url.replace("&", "&amp;")}" data-testid="waiting-{f.key}-{wt.department.pk}"'
        )
        assert link in html
        assert f'<span class="stat text-{f.tone}">{f.value}</span>' in html or (
            f.value == 0 and '<span class="stat text-body-secondary">0</span>' in html
        )
    assert f'href="{reverse("inspections:review_queue")}"' in html
    # three report weeks begun, none submitted
    assert 'data-testid="waiting-reports-count">3<' in html
    assert f'data-testid="waiting-total">{waiting["total"]}<' in html
    assert waiting["total"] == 1 + 1 + 1 + 3  # to confirm, to accept, overdue, reports


def test_query_count_does_not_grow_with_the_register(wt, django_assert_num_queries):
    """One query for the departments, one for all their counts, one for the forms, and the
    weekly reports' fixed few; the user's scope is loaded once (first call)."""
    wt.make(Status.REPORTED)
    department_waiting(user=wt.dept_user)  # loads the scope
    with django_assert_num_queries(9):
        department_waiting(user=wt.dept_user)
    for status in (Status.REPORTED, Status.SUBMITTED, Status.RECTIFYING, Status.HARD):
        wt.make(status, deadline=days(-1))
    wt.make(Status.SUBMITTED, item="A02-01")
    with django_assert_num_queries(9):
        department_waiting(user=wt.dept_user)
