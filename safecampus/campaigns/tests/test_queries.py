"""Query counts of the campaign pages: pinned, and the same for 3 schools as for 12."""

import pytest
from django.urls import reverse

from safecampus.campaigns import services as campaign_services
from safecampus.campaigns.testing import complete_rows, launched_campaign
from safecampus.catalog.services import catalog_load
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory, count_queries
from safecampus.hazards.testing import jpeg_upload
from safecampus.inspections import services

pytestmark = pytest.mark.django_db


def add_schools(camp, n: int) -> list:
    """``n`` more schools and their forms in the campaign: every other one submitted with a
    hazard, the rest still being filled in."""
    schools = [
        SchoolFactory(bureau=camp.bureau, stage=("primary", "junior", "kindergarten")[i % 3])
        for i in range(n)
    ]
    campaign_services.campaign_launch(actor=camp.centre, campaign_id=camp.campaign.pk)
    for i, form in enumerate(camp.campaign.forms.filter(school__in=schools).order_by("pk")):
        rows = complete_rows(form, non_compliant={"A01-01"})
        services.form_save(actor=camp.centre, form_id=form.pk, rows=rows)
        if i % 2 == 0:
            services.form_submit(actor=camp.centre, form_id=form.pk)
    return schools


LIST_URLS = {
    "campaign_list": lambda camp: reverse("campaigns:campaign_list"),
    "review_queue": lambda camp: reverse("inspections:review_queue"),
    "campaign_detail": lambda camp: reverse("campaigns:campaign_detail", args=[camp.campaign.pk]),
    "form_list": lambda camp: reverse("inspections:form_list", args=[camp.campaign.pk]),
}


@pytest.mark.parametrize(
    ("page", "role", "expected"),
    [
        ("campaign_list", Role.SAFETY_CENTRE, 7),
        ("campaign_list", Role.SCHOOL_OFFICER, 7),
        ("campaign_detail", Role.SAFETY_CENTRE, 17),
        ("campaign_detail", Role.DEPARTMENT_OFFICER, 17),
        ("form_list", Role.SAFETY_CENTRE, 8),
        ("form_list", Role.DEPARTMENT_OFFICER, 8),
        ("review_queue", Role.SAFETY_CENTRE, 7),
        ("review_queue", Role.DEPARTMENT_OFFICER, 7),
    ],
)
def test_list_pages_do_not_query_per_row(camp, client_for, page, role, expected):
    """Given 3 schools and 3 campaigns, then 12 schools and 7 campaigns: the same queries."""
    add_schools(camp, 1)
    for n in range(2):  # more campaigns: rows of the campaign list and of a school's forms
        launched_campaign(camp.bureau, camp.catalog, camp.centre, name=f"第{n}次检查")
    client = client_for(camp.users[role])
    small = count_queries(client, LIST_URLS[page](camp))
    added = add_schools(camp, 9)
    for n in range(2, 6):
        launched_campaign(camp.bureau, camp.catalog, camp.centre, name=f"第{n}次检查")
    large = count_queries(client, LIST_URLS[page](camp))
    assert (small, large) == (expected, expected)
    if page in ("form_list", "review_queue"):  # the new rows are on the page
        body = client.get(LIST_URLS[page](camp)).content.decode()
        # the school of the first new form (submitted; forms are made in school-name order, so
        # not necessarily added[0]'s: "测试第100小学" sorts before "测试第99小学")
        first = camp.campaign.forms.filter(school__in=added).order_by("pk").first()
        assert first.school.name in body


def catalog_of(camp, n: int):
    """A published catalog of ``n`` items in areas of three, taken in turn by the two
    departments; every third item is major."""
    areas = [
        {
            "code": f"B{a:02d}",
            "name": f"领域{a}",
            "items": [
                {
                    "code": f"B{a:02d}-{i:02d}",
                    "text": f"检查项{a}-{i}",
                    "responsible": [(camp.department, camp.other_dept)[i % 2].name],
                    "default_level": "major" if i == 3 else "general",
                }
                for i in range(1, 4)
                if (a - 1) * 3 + i <= n
            ],
        }
        for a in range(1, (n + 2) // 3 + 1)
    ]
    version, _warnings = catalog_load(bureau=camp.bureau, data={"title": f"{n}项", "areas": areas})
    return version


def form_with_items(camp, n: int, *, submitted: bool):
    """School A's form of ``n`` items in a new campaign, every item non-compliant with a photo;
    submitted (so with hazards) and accepted by one of the two departments, or still open."""
    campaign = launched_campaign(camp.bureau, catalog_of(camp, n), camp.centre, name=f"{n}项行动")
    form = campaign.forms.get(school=camp.school_a)
    rows = complete_rows(form, non_compliant={a.item.code for a in form.answers.all()})
    services.form_save(actor=camp.school_user, form_id=form.pk, rows=rows)
    for answer_id in rows:
        services.answer_attach(actor=camp.school_user, answer_id=answer_id, files=[jpeg_upload()])
    if submitted:
        services.form_submit(actor=camp.school_user, form_id=form.pk)
        services.form_review(actor=camp.dept_user, form_id=form.pk, decision="accept")
    assert form.answers.count() == n
    return form


@pytest.mark.parametrize(
    ("submitted", "role", "expected"),
    [
        (False, Role.SCHOOL_OFFICER, 10),
        (False, Role.SAFETY_CENTRE, 12),
        (True, Role.SCHOOL_OFFICER, 9),
        (True, Role.SAFETY_CENTRE, 12),
        (True, Role.DEPARTMENT_OFFICER, 11),
    ],
)
def test_form_page_does_not_query_per_item(camp, client_for, submitted, role, expected):
    """A form of 3 items and one of 12, each with photos (and hazards, reviews, events)."""
    client = client_for(camp.users[role])
    forms = [form_with_items(camp, n, submitted=submitted) for n in (3, 12)]
    assert [count_queries(client, f.get_absolute_url()) for f in forms] == [expected, expected]
    body = client.get(forms[1].get_absolute_url()).content.decode()
    assert body.count('class="evidence-thumb"') == 12
    assert body.count('data-testid="hazard-link"') == (12 if submitted else 0)
