"""Query counts of the weekly report list pages: pinned, and the same for more campaigns,
departments and reports."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safecampus.campaigns.services import campaign_launch, campaign_save
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory
from safecampus.weekly import services

from .conftest import at_noon, place

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def count_queries(client, url: str) -> int:
    """Queries of a GET of ``url``, after a warming GET (the session refresh)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx)


def grow(w, n: int) -> None:
    """``n`` more campaigns with weekly reports, ``n`` more departments owing reports (through
    transferred hazards), and submitted reports of 普教一科 for the past weeks."""
    for i in range(n):
        campaign = campaign_save(
            actor=w.centre,
            bureau=w.bureau,
            data={
                "name": f"第{len(w.extra)}次",
                "forms_due": w.weeks[0].start,
                "catalog_version": w.catalog,
            },
            phases=[
                {
                    "name": "专项整治",
                    "kind": "rectification",
                    "starts_on": w.weeks[0].start,
                    "ends_on": w.weeks[-1].end,
                    "weekly_reports": True,
                }
            ],
        )
        campaign_launch(actor=w.centre, campaign_id=campaign.pk, confirm_past_deadline=True)
        dept = DepartmentFactory(bureau=w.bureau, name=f"科室{len(w.extra)}{i}")
        place(w, "reported", reported_on=w.weeks[0].start, department=dept)
        w.extra.append(campaign)
    for week in w.weeks:
        if (
            week.start <= w.today
            and not w.campaign.weekly_reports.filter(
                department=w.department, week_start=week.start
            ).exists()
        ):
            report = services.weekly_report_open(
                actor=w.dept_user,
                campaign=w.campaign,
                department=w.department,
                week_start=week.start,
                now=at_noon(week.start),
            )
            services.weekly_report_submit(
                actor=w.dept_user,
                report_id=report.pk,
                data={"progress": "x"},
                now=at_noon(week.due),
            )
            break


@pytest.mark.parametrize(
    ("page", "role", "expected"),
    [
        ("weekly_index", Role.SAFETY_CENTRE, 8),
        ("weekly_index", Role.DEPARTMENT_OFFICER, 14),
        ("campaign_weeks", Role.SAFETY_CENTRE, 9),
        ("campaign_weeks", Role.DEPARTMENT_OFFICER, 9),
    ],
)
def test_list_pages_do_not_query_per_row(wk, client_for, page, role, expected):
    w = wk
    w.extra = []
    url = (
        reverse("weekly:weekly_index")
        if page == "weekly_index"
        else reverse("weekly:campaign_weeks", args=[w.campaign.pk])
    )
    client = client_for(w.users[role])
    grow(w, 1)
    small = count_queries(client, url)
    grow(w, 4)
    large = count_queries(client, url)
    assert (small, large) == (expected, expected)
    body = client.get(url).content.decode()
    if page == "weekly_index":  # the new campaigns are listed
        assert w.extra[-1].name in body
    elif role == Role.SAFETY_CENTRE:  # the new departments are columns
        assert "科室43" in body
