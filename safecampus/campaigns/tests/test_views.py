"""The campaign pages through the client: who reaches what, and the main flows."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.campaigns.testing import complete_rows, url_name
from safecampus.hazards.models import Hazard
from safecampus.inspections.choices import FormStatus

pytestmark = pytest.mark.django_db


def _post_rows(form, rows):
    data = {}
    for aid, row in rows.items():
        for field, value in row.items():
            data[f"a{aid}-{field}"] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def test_campaign_pages_render_for_the_centre(camp, client_for):
    c = client_for(camp.centre)
    assert c.get(reverse("campaigns:campaign_list")).status_code == 200
    assert c.get(reverse("campaigns:campaign_create")).status_code == 200
    r = c.get(reverse("campaigns:campaign_detail", args=[camp.campaign.pk]))
    assert r.status_code == 200
    assert "集中排查" in r.content.decode()
    assert c.get(reverse("campaigns:campaign_edit", args=[camp.campaign.pk])).status_code == 200
    assert c.get(reverse("inspections:form_list", args=[camp.campaign.pk])).status_code == 200
    assert c.get(reverse("inspections:form_detail", args=[camp.form_a.pk])).status_code == 200
    r = c.get(reverse("inspections:site_inspection_new", args=[camp.campaign.pk]))
    assert r.status_code == 200


def test_create_from_template_shifts_dates_to_the_year(camp, client_for):
    c = client_for(camp.centre)
    r = c.post(
        reverse("campaigns:campaign_create"),
        {"blueprint": "special_rectification", "year": 2027, "catalog_version": camp.catalog.pk},
    )
    assert r.status_code == 302
    from safecampus.campaigns.models import Campaign

    new = Campaign.objects.get(year=2027)
    assert new.name == "2027年校园安全专项整治"
    assert str(new.forms_due) == "2027-03-20"
    assert [(p.name, str(p.starts_on), str(p.ends_on)) for p in new.phases.all()] == [
        ("集中排查", "2027-03-01", "2027-03-31"),
        ("专项整治", "2027-04-01", "2027-05-31"),
        ("总结评估", "2027-06-01", "2027-06-30"),
    ]
    assert [(m.name, str(m.due_on)) for m in new.milestones.all()] == [
        ("责任部门反馈整改情况", "2027-06-10")
    ]
    r = c.post(reverse("campaigns:campaign_launch", args=[new.pk]))
    assert r.status_code == 302
    assert new.forms.count() == 2


def test_school_fills_and_submits_through_the_page(camp, client_for):
    c = client_for(camp.school_user)
    url = reverse("inspections:form_detail", args=[camp.form_a.pk])
    assert c.get(url).status_code == 200
    rows = complete_rows(camp.form_a, non_compliant={"A01-01"})
    r = c.post(
        reverse("inspections:form_submit", args=[camp.form_a.pk]), _post_rows(camp.form_a, rows)
    )
    assert r.status_code == 302
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.SUBMITTED
    hazard = Hazard.objects.get(school=camp.school_a, item_code="A01-01")
    # the department finds it in its register, linked back to the form it came from
    page = client_for(camp.dept_user).get(reverse("hazards:hazard_detail", args=[hazard.pk]))
    assert 'data-testid="source-form"' in page.content.decode()


def test_incomplete_submission_keeps_input_and_says_why(camp, client_for):
    c = client_for(camp.school_user)
    rows = complete_rows(camp.form_a, non_compliant={"A01-01"})
    aid = next(iter(rows))
    rows[aid] = {"answer": "non_compliant", "description": "消防通道堆放杂物"}
    r = c.post(
        reverse("inspections:form_submit", args=[camp.form_a.pk]), _post_rows(camp.form_a, rows)
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "消防通道堆放杂物" in body
    assert 'data-testid="form-errors"' in body
    assert not Hazard.objects.exists()


def test_htmx_autosave_of_one_item(camp, client_for):
    c = client_for(camp.school_user)
    answer = camp.form_a.answers.first()
    r = c.post(
        reverse("inspections:form_save", args=[camp.form_a.pk]),
        {f"a{answer.pk}-answer": "non_compliant"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    assert f'id="a{answer.pk}"' in r.content.decode()
    answer.refresh_from_db()
    assert answer.answer == "non_compliant"


def test_department_reviews_and_returns(camp, client_for):
    from safecampus.inspections import services

    services.form_save(
        actor=camp.school_user, form_id=camp.form_a.pk, rows=complete_rows(camp.form_a)
    )
    services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    c = client_for(camp.dept_user)
    r = c.get(reverse("inspections:review_queue"))
    assert camp.school_a.name in r.content.decode()
    r = c.post(
        reverse("inspections:form_review", args=[camp.form_a.pk]),
        {"decision": "return", "reason": "请补充照片", "department": camp.department.pk},
    )
    assert r.status_code == 302
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.RETURNED


def test_export_workbook_identifies_school_and_campaign(camp, client_for):
    c = client_for(camp.school_user)
    r = c.get(reverse("inspections:form_export", args=[camp.form_a.pk]))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["排查表", "_form"]
    assert wb["_form"].sheet_state == "veryHidden"
    ws = wb["排查表"]
    assert camp.school_a.code in ws["A2"].value
    assert ws.protection.sheet is True
    # the answer column (排查结果) is open, the item text locked; 重大 and 责任科室 come before it
    assert ws["H4"].value.startswith("排查结果") and ws["H5"].protection.locked is False
    assert ws["D5"].protection.locked is True
    assert [dv.type for dv in ws.data_validations.dataValidation] == ["list", "date"]


@pytest.mark.parametrize(
    "name",
    ["campaign_detail", "form_list", "campaign_edit", "site_inspection_new"],
)
def test_other_scopes_get_404_or_403(camp, client_for, name):
    from safecampus.core.testing import user_with_role

    outsider = user_with_role("safety_centre", camp.other_bureau, username="centre_other")
    r = client_for(outsider).get(reverse(url_name(name), args=[camp.campaign.pk]))
    assert r.status_code == 404


@pytest.mark.parametrize(
    "name", ["form_detail", "form_export", "form_save", "form_submit", "form_import"]
)
def test_school_b_cannot_reach_school_as_form(camp, client_for, name):
    c = client_for(camp.school_b_user)
    url = reverse(url_name(name), args=[camp.form_a.pk])
    r = c.post(url) if name in ("form_save", "form_submit", "form_import") else c.get(url)
    assert r.status_code == 404


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "auditor", "partner"])
def test_roles_without_business_data_get_403(camp, client_for, role):
    r = client_for(camp.users[role]).get(reverse("campaigns:campaign_list"))
    assert r.status_code == 403


def test_report_days_are_saved_and_shown_again(camp, client_for):
    from safecampus.campaigns import services as campaign_services

    campaign = camp.campaign
    campaign_services.campaign_save(
        actor=camp.centre,
        bureau=camp.bureau,
        campaign=campaign,
        data={
            "name": campaign.name,
            "forms_due": campaign.forms_due,
            "report_week_start": 5,
            "report_due_weekday": 3,
        },
        phases=list(campaign.phases.values("name", "kind", "starts_on", "ends_on")),
    )
    campaign.refresh_from_db()
    assert (campaign.report_week_start, campaign.report_due_weekday) == (5, 3)
    html = client_for(camp.centre).get(reverse("campaigns:campaign_edit", args=[campaign.pk]))
    html = html.content.decode()
    start = html[html.index('name="report_week_start"') :]
    assert '<option value="5" selected>' in start[: start.index("</select>")]
    due = html[html.index('name="report_due_weekday"') :]
    assert '<option value="3" selected>' in due[: due.index("</select>")]
