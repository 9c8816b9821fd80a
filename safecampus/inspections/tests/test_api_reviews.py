"""The review and on-site inspection API: scoped as the pages (another school or bureau → 404, a
role that does not reach the feature → 403), the same service and the same events as the pages'
forms, refusals as JSON in Chinese with nothing saved, and a fixed number of queries per list."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safecampus.campaigns.testing import complete_rows
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, SchoolFactory, scope_matrix, user_with_role
from safecampus.hazards.choices import Source
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.inspections import services
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.models import (
    FormAnswer,
    FormEvent,
    FormReview,
    InspectionForm,
    SiteFinding,
    SiteInspection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

QUEUE = "/api/v1/reviews/"
SITES = "/api/v1/site-inspections/"


def _accept_url(form) -> str:
    return f"/api/v1/forms/{form.pk}/accept/"


def _return_url(form) -> str:
    return f"/api/v1/forms/{form.pk}/return/"


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def _submit(camp, form, non_compliant=frozenset(), user=None):
    user = user or camp.school_user
    services.form_save(
        actor=user, form_id=form.pk, rows=complete_rows(form, non_compliant=non_compliant)
    )
    return services.form_submit(actor=user, form_id=form.pk)


@pytest.fixture
def far(camp):
    """The same roles in another bureau."""
    dept = DepartmentFactory(bureau=camp.other_bureau, name="徐汇普教科")
    return {
        Role.SAFETY_CENTRE: user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="xc"),
        Role.DEPARTMENT_OFFICER: user_with_role(Role.DEPARTMENT_OFFICER, dept, username="xd"),
    }


def _events(form, since: set[int]) -> list[tuple]:
    """The form's events written since ``since`` (their ids), as what they say."""
    return [
        (e.action, e.actor.username, e.actor_role, e.comment, e.data)
        for e in FormEvent.objects.filter(form=form)
        .exclude(pk__in=since)
        .select_related("actor")
        .order_by("at", "id")
    ]


def _event_ids(form) -> set[int]:
    return set(FormEvent.objects.filter(form=form).values_list("pk", flat=True))


# --- the review queue ---------------------------------------------------------------------------


def _queue(client, user) -> list[int]:
    client.force_login(user)
    response = client.get(QUEUE)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_queue_is_the_departments_as_the_page(camp, far, client):
    _submit(camp, camp.form_b, user=camp.school_b_user)
    _submit(camp, camp.form_a)
    # oldest submission first, for each department taking an item of the forms, and the centre
    assert _queue(client, camp.dept_user) == [camp.form_b.pk, camp.form_a.pk]
    assert _queue(client, camp.centre) == [camp.form_b.pk, camp.form_a.pk]
    # another bureau's department reads none of them
    assert _queue(client, far[Role.DEPARTMENT_OFFICER]) == []
    client.force_login(camp.dept_user)
    row = client.get(QUEUE).json()["results"][1]
    assert row["school_name"] == camp.school_a.name
    assert row["campaign_name"] == camp.campaign.name
    assert row["status"] == FormStatus.SUBMITTED
    # once the department has accepted its part, the form leaves its queue, not the other's
    services.form_review(actor=camp.dept_user, form_id=camp.form_a.pk, decision="accept")
    assert _queue(client, camp.dept_user) == [camp.form_b.pk]
    assert camp.form_a.pk in _queue(client, camp.other_dept_user)


def test_the_queue_scope_matrix(camp, client):
    seen = scope_matrix(
        client,
        QUEUE,
        permitted=camp.dept_user,
        wrong_role=[camp.school_user, camp.users[Role.AUDITOR], camp.users[Role.LEADERSHIP]],
    )
    assert seen["anonymous"] in (401, 403)


def test_the_queue_reads_in_a_fixed_number_of_queries(camp, client):
    client.force_login(camp.centre)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    for _n in range(2):
        SchoolFactory(bureau=camp.bureau)
    from safecampus.campaigns.services import campaign_launch

    campaign_launch(actor=camp.centre, campaign_id=camp.campaign.pk)
    InspectionForm.objects.filter(campaign=camp.campaign).update(
        status=FormStatus.SUBMITTED, round=1
    )
    queries()  # the first request of a session reads what later ones find cached
    few, n_few = queries()
    for _n in range(18):
        SchoolFactory(bureau=camp.bureau)
    campaign_launch(actor=camp.centre, campaign_id=camp.campaign.pk)
    InspectionForm.objects.filter(campaign=camp.campaign).update(
        status=FormStatus.SUBMITTED, round=1
    )
    many, n_many = queries()
    assert (n_few, n_many) == (4, 22)
    assert few == many


# --- accept and return: the same as the page -----------------------------------------------------


def _review_by_page(client, camp, form, decision, reason=""):
    client.force_login(camp.dept_user)
    response = client.post(
        reverse("inspections:form_review", args=[form.pk]),
        {"decision": decision, "reason": reason, "department": camp.department.pk},
    )
    assert response.status_code == 302, response.content
    return response


def _review_by_api(client, camp, form, decision, reason=""):
    client.force_login(camp.dept_user)
    url = _accept_url(form) if decision == "accept" else _return_url(form)
    response = _post(client, url, {"reason": reason, "department": camp.department.pk})
    assert response.status_code == 200, response.content
    return response


@pytest.mark.parametrize("by", [_review_by_page, _review_by_api], ids=["page", "api"])
def test_accept_through_the_api_is_the_pages(camp, client, by):
    _submit(camp, camp.form_a)
    before = _event_ids(camp.form_a)
    by(client, camp, camp.form_a, "accept", "资料齐全")
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.SUBMITTED  # 安保科 still to review
    assert _events(camp.form_a, before) == [
        (
            "accept",
            "dept",
            Role.DEPARTMENT_OFFICER,
            "资料齐全",
            {"departments": [camp.department.pk], "round": 1},
        )
    ]
    review = FormReview.objects.get(form=camp.form_a)
    assert (review.department, review.decision, review.by) == (
        camp.department,
        "accept",
        camp.dept_user,
    )


@pytest.mark.parametrize("by", [_review_by_page, _review_by_api], ids=["page", "api"])
def test_return_through_the_api_is_the_pages(camp, client, by):
    _submit(camp, camp.form_a)
    before = _event_ids(camp.form_a)
    by(client, camp, camp.form_a, "return", "整改措施不具体")
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.RETURNED
    assert camp.form_a.returned_reason == "整改措施不具体"
    assert _events(camp.form_a, before) == [
        (
            "return",
            "dept",
            Role.DEPARTMENT_OFFICER,
            "整改措施不具体",
            {"departments": [camp.department.pk], "round": 1},
        )
    ]


def test_the_last_acceptance_completes_the_form_and_the_answer_says_so(camp, client):
    _submit(camp, camp.form_a)
    client.force_login(camp.dept_user)
    body = _post(client, _accept_url(camp.form_a), {}).json()
    assert body["status"] == FormStatus.SUBMITTED
    assert [r["department"] for r in body["reviews"]] == [camp.department.pk]
    client.force_login(camp.other_dept_user)
    response = _post(client, _accept_url(camp.form_a), {})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == FormStatus.ACCEPTED
    assert body["accepted_at"]
    assert sorted(r["department_name"] for r in body["reviews"]) == ["安保科", "普教一科"]
    actions = list(
        FormEvent.objects.filter(form=camp.form_a).order_by("id").values_list("action", flat=True)
    )
    assert actions[-3:] == ["accept", "accept", "complete"]


def test_the_centre_accepts_for_one_department_named(camp, client):
    _submit(camp, camp.form_a)
    client.force_login(camp.centre)
    response = _post(client, _accept_url(camp.form_a), {"department": camp.other_dept.pk})
    assert response.status_code == 200, response.content
    assert list(FormReview.objects.values_list("department", flat=True)) == [camp.other_dept.pk]
    event = FormEvent.objects.filter(form=camp.form_a).latest("id")
    assert (event.action, event.actor_role) == ("accept", Role.SAFETY_CENTRE)


def test_accept_and_return_scope_matrix(camp, far, client):
    _submit(camp, camp.form_a)
    leader = camp.users[Role.LEADERSHIP]
    out = [camp.school_b_user, far[Role.DEPARTMENT_OFFICER], far[Role.SAFETY_CENTRE]]
    scope_matrix(
        client,
        _return_url(camp.form_a),
        method="post",
        data={"reason": "补充照片"},
        permitted=camp.dept_user,
        wrong_role=[camp.school_user, leader, camp.users[Role.AUDITOR]],
        out_of_scope=out,
    )
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.RETURNED
    _submit(camp, camp.form_a)
    scope_matrix(
        client,
        _accept_url(camp.form_a),
        method="post",
        data={},
        permitted=camp.dept_user,
        wrong_role=[camp.school_user, leader, camp.users[Role.AUDITOR]],
        out_of_scope=out,
    )
    assert FormReview.objects.filter(form=camp.form_a, round=2, decision="accept").count() == 1


def _nothing_changed(camp, form, before: set[int], status=FormStatus.SUBMITTED):
    form.refresh_from_db()
    assert form.status == status
    assert _event_ids(form) == before


def test_a_return_needs_a_reason(camp, client):
    _submit(camp, camp.form_a)
    before = _event_ids(camp.form_a)
    client.force_login(camp.dept_user)
    response = _post(client, _return_url(camp.form_a), {"reason": "  "})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "reason_required"
    assert _chinese(body["message"]) and "reason" in body["errors"]
    _nothing_changed(camp, camp.form_a, before)
    assert not FormReview.objects.exists()


def test_a_form_not_submitted_is_neither_accepted_nor_returned(camp, client):
    before = _event_ids(camp.form_a)
    client.force_login(camp.dept_user)
    for url, data in ((_accept_url(camp.form_a), {}), (_return_url(camp.form_a), {"reason": "x"})):
        response = _post(client, url, data)
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "invalid_transition"
        assert _chinese(response.json()["message"])
    _nothing_changed(camp, camp.form_a, before, FormStatus.NOT_STARTED)


def test_a_department_reviews_a_submission_once(camp, client):
    _submit(camp, camp.form_a)
    client.force_login(camp.dept_user)
    assert _post(client, _accept_url(camp.form_a), {}).status_code == 200
    before = _event_ids(camp.form_a)
    response = _post(client, _return_url(camp.form_a), {"reason": "再看看"})
    assert response.status_code == 409
    assert response.json()["code"] == "locked"
    _nothing_changed(camp, camp.form_a, before)


def test_the_detail_offers_no_review_once_the_department_reviewed_this_round(camp, client):
    _submit(camp, camp.form_a)
    url = f"/api/v1/forms/{camp.form_a.pk}/"
    client.force_login(camp.dept_user)
    assert client.get(url).json()["actions"] == ["accept", "return"]
    assert _post(client, _accept_url(camp.form_a), {}).status_code == 200
    assert client.get(url).json()["actions"] == []  # a second accept is 409 `locked`
    # the other department has not reviewed yet: it still may
    client.force_login(camp.other_dept_user)
    assert client.get(url).json()["actions"] == ["accept", "return"]


def test_review_refusals_of_the_input_and_the_department(camp, client):
    _submit(camp, camp.form_a)
    before = _event_ids(camp.form_a)
    client.force_login(camp.dept_user)
    # a department that is not the caller's: refused, as on the page
    response = _post(client, _accept_url(camp.form_a), {"department": camp.other_dept.pk})
    assert response.status_code == 403
    assert _chinese(response.json()["message"])
    # a department that is not an id
    response = _post(client, _accept_url(camp.form_a), {"department": "普教一科"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "department" in response.json()["errors"]
    # a path id that is not a number
    assert _post(client, "/api/v1/forms/abc/accept/", {}).status_code == 404
    assert _post(client, "/api/v1/forms/99999999999999999999/return/", {}).status_code == 404
    _nothing_changed(camp, camp.form_a, before)
    assert not FormReview.objects.exists()


# --- on-site inspections ------------------------------------------------------------------------


def _items(camp):
    items = {i.code: i for i in camp.catalog.items.all()}
    return items["A01-01"], items["A01-02"]


def _record(camp, school=None, user=None, **data):
    ordinary, _major = _items(camp)
    return services.site_inspection_record(
        actor=user or camp.dept_user,
        school=school or camp.school_a,
        data={"inspectors": "李四", **data},
        findings=[{"item": ordinary.pk, "answer": "compliant"}],
        campaign=camp.campaign,
    )


def _api_body(camp, **over):
    ordinary, major = _items(camp)
    return {
        "campaign": camp.campaign.pk,
        "school": camp.school_b.pk,
        "inspectors": "李四、王五",
        "inspected_on": "2026-11-18",
        "summary": "消防通道畅通",
        "department": camp.department.pk,
        "findings": [
            {
                "item": major.pk,
                "answer": "non_compliant",
                "description": "灭火器过期",
                "plan": "更换",
                "deadline": "2030-04-30",
                "responsible_person": "赵老师",
                "interim_measures": "停用并设警示",
            },
            {"item": ordinary.pk, "answer": "compliant", "note": "抽查三处"},
        ],
        **over,
    }


def _record_by_page(client, camp):
    ordinary, major = _items(camp)
    client.force_login(camp.dept_user)
    response = client.post(
        reverse("inspections:site_inspection_new", args=[camp.campaign.pk]),
        {
            "school": camp.school_b.pk,
            "inspectors": "李四、王五",
            "inspected_on": "2026-11-18",
            "summary": "消防通道畅通",
            "department": camp.department.pk,
            f"i{major.pk}-answer": "non_compliant",
            f"i{major.pk}-description": "灭火器过期",
            f"i{major.pk}-plan": "更换",
            f"i{major.pk}-deadline": "2030-04-30",
            f"i{major.pk}-responsible_person": "赵老师",
            f"i{major.pk}-interim_measures": "停用并设警示",
            f"i{ordinary.pk}-answer": "compliant",
            f"i{ordinary.pk}-note": "抽查三处",
        },
    )
    assert response.status_code == 302, response.content


def _record_by_api(client, camp):
    client.force_login(camp.dept_user)
    response = _post(client, SITES, _api_body(camp))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["school_name"] == camp.school_b.name
    assert {f["answer"] for f in body["findings"]} == {"non_compliant", "compliant"}
    assert [f["hazard_code"] for f in body["findings"] if f["hazard"]] == [
        Hazard.objects.get().code
    ]


@pytest.mark.parametrize("by", [_record_by_page, _record_by_api], ids=["page", "api"])
def test_recording_through_the_api_is_the_pages(camp, client, by):
    ordinary, major = _items(camp)
    by(client, camp)
    inspection = SiteInspection.objects.get()
    assert (
        inspection.school,
        inspection.campaign,
        inspection.department,
        inspection.inspected_on,
        inspection.inspectors,
        inspection.summary,
        inspection.created_by,
    ) == (
        camp.school_b,
        camp.campaign,
        camp.department,
        datetime.date(2026, 11, 18),
        "李四、王五",
        "消防通道畅通",
        camp.dept_user,
    )
    findings = {
        f.item_id: (f.answer, f.note, f.hazard_id is not None) for f in SiteFinding.objects.all()
    }
    assert findings == {
        major.pk: ("non_compliant", "", True),
        ordinary.pk: ("compliant", "抽查三处", False),
    }
    hazard = Hazard.objects.get()
    assert (hazard.source, hazard.school, hazard.description, hazard.interim_measures) == (
        Source.DEPARTMENT_INSPECTION,
        camp.school_b,
        "灭火器过期",
        "停用并设警示",
    )
    assert list(
        HazardEvent.objects.filter(hazard=hazard).values_list("action", "actor__username")
    ) == [("report", "dept")]


def test_recording_scope_matrix(camp, far, client):
    scope_matrix(
        client,
        SITES,
        method="post",
        data=_api_body(camp),
        ok=(201,),
        permitted=camp.dept_user,
        wrong_role=[camp.school_user, camp.users[Role.LEADERSHIP], camp.users[Role.AUDITOR]],
        out_of_scope=[far[Role.DEPARTMENT_OFFICER], far[Role.SAFETY_CENTRE]],
    )
    assert SiteInspection.objects.count() == 1


def _refused(client, camp, data, status=400):
    client.force_login(camp.dept_user)
    response = _post(client, SITES, data)
    assert response.status_code == status, response.content
    body = response.json()
    assert _chinese(body["message"]), body
    assert not SiteInspection.objects.exists()
    assert not Hazard.objects.exists()
    return body


def test_recording_refusals_save_nothing(camp, client):
    ordinary, major = _items(camp)
    body = _refused(client, camp, _api_body(camp, inspectors=""))
    assert body["code"] == "invalid" and "inspectors" in body["errors"]
    absent = _api_body(camp)
    del absent["inspectors"]
    body = _refused(client, camp, absent)  # absent: the same refusal as blank
    assert body["code"] == "invalid" and list(body["errors"]) == ["inspectors"]
    assert _chinese(body["message"])
    # a non-compliant major finding with neither its hazard's details nor interim measures
    body = _refused(
        client, camp, _api_body(camp, findings=[{"item": major.pk, "answer": "non_compliant"}])
    )
    assert body["code"] == "invalid" and "A01-02" in body["message"]
    body = _refused(client, camp, _api_body(camp, findings=[]))
    assert body["code"] == "invalid"
    body = _refused(
        client,
        camp,
        _api_body(
            camp,
            findings=[
                {"item": ordinary.pk, "answer": "compliant"},
                {"item": ordinary.pk, "answer": "compliant"},
            ],
        ),
    )
    assert "findings" in body["errors"]
    # an item of another catalog, or one that does not apply to the school
    other = DepartmentFactory(bureau=camp.other_bureau)
    from safecampus.hazards.testing import small_catalog

    foreign = small_catalog(camp.other_bureau, other).items.first()
    body = _refused(
        client, camp, _api_body(camp, findings=[{"item": foreign.pk, "answer": "compliant"}])
    )
    assert "findings" in body["errors"]
    body = _refused(
        client, camp, _api_body(camp, findings=[{"item": ordinary.pk, "answer": "maybe"}])
    )
    assert list(body["errors"]) == ["findings.0.answer"]  # nested input: a dotted field name
    # a department not the caller's
    body = _refused(client, camp, _api_body(camp, department=camp.other_dept.pk))
    assert "department" in body["errors"]
    body = _refused(client, camp, _api_body(camp, inspected_on="明天"))
    assert "inspected_on" in body["errors"]


def test_recording_at_a_school_outside_the_campaign_is_refused_on_the_school(camp, client):
    client.force_login(camp.dept_user)
    for school in (camp.school_other.pk, 2**40):
        response = _post(client, SITES, _api_body(camp, school=school))
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid" and list(body["errors"]) == ["school"]
        assert _chinese(body["errors"]["school"][0])
    assert not SiteInspection.objects.exists()


def _ids(client, **params) -> list[int]:
    response = client.get(SITES, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_list_is_scoped_and_filtered(camp, far, client):
    a = _record(camp, camp.school_a, inspected_on=datetime.date(2026, 11, 1))
    b = _record(camp, camp.school_b, inspected_on=datetime.date(2026, 11, 2))
    client.force_login(camp.centre)
    assert _ids(client) == [b.pk, a.pk]  # newest first
    assert _ids(client, school=camp.school_a.pk) == [a.pk]
    assert _ids(client, campaign=camp.campaign.pk) == [b.pk, a.pk]
    assert _ids(client, campaign=camp.campaign.pk + 1000) == []
    response = client.get(SITES, {"school": "甲"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    client.force_login(camp.school_user)
    assert _ids(client) == [a.pk]
    client.force_login(far[Role.SAFETY_CENTRE])
    assert _ids(client) == []
    scope_matrix(client, SITES, permitted=camp.school_user, wrong_role=[camp.users[Role.AUDITOR]])


def test_the_list_reads_in_a_fixed_number_of_queries(camp, client):
    client.force_login(camp.centre)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(SITES)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    for _n in range(2):
        _record(camp, department=camp.department.pk)
    queries()  # the first request of a session reads what later ones find cached
    few, n_few = queries()
    for _n in range(18):
        _record(camp, camp.school_b)
    many, n_many = queries()
    assert (n_few, n_many) == (2, 20)
    assert few == many


def test_one_inspection_with_its_findings(camp, far, client):
    inspection = _record(camp, department=camp.department.pk)
    url = f"{SITES}{inspection.pk}/"
    scope_matrix(
        client,
        url,
        permitted=camp.school_user,
        wrong_role=[camp.users[Role.AUDITOR]],
        out_of_scope=[camp.school_b_user, far[Role.SAFETY_CENTRE]],
    )
    client.force_login(camp.school_user)
    body = client.get(url).json()
    assert body["department_name"] == camp.department.name
    assert [(f["item_code"], f["answer"], f["hazard"]) for f in body["findings"]] == [
        ("A01-01", "compliant", None)
    ]
    assert client.get(f"{SITES}x1/").status_code == 404


def test_what_recording_offers_is_the_pages(camp, far, client):
    url = f"{SITES}new/?campaign={camp.campaign.pk}"
    scope_matrix(
        client,
        url,
        permitted=camp.dept_user,
        wrong_role=[camp.school_user, camp.users[Role.LEADERSHIP], camp.users[Role.AUDITOR]],
        out_of_scope=[far[Role.DEPARTMENT_OFFICER], far[Role.SAFETY_CENTRE]],
    )
    client.force_login(camp.dept_user)
    body = client.get(url).json()
    assert sorted(s["id"] for s in body["schools"]) == sorted([camp.school_a.pk, camp.school_b.pk])
    assert [d["id"] for d in body["departments"]] == [camp.department.pk]
    assert body["school"] is None and body["items"] == []
    body = client.get(f"{url}&school={camp.school_a.pk}").json()
    assert body["school"]["name"] == camp.school_a.name
    assert [i["code"] for i in body["items"]] == ["A01-01", "A01-02", "A02-01"]
    assert [i["default_level"] for i in body["items"]][1] == "major"
    # each item with the department that takes it at that school, as on the school's form
    form_depts = dict(
        FormAnswer.objects.filter(form=camp.form_a).values_list("item__code", "department_id")
    )
    assert {i["code"]: i["department"] for i in body["items"]} == form_depts
    assert {i["department_name"] for i in body["items"]} <= {
        camp.department.name,
        camp.other_dept.name,
    }
    # the centre records for every department of the bureau
    client.force_login(camp.centre)
    body = client.get(url).json()
    assert sorted(d["id"] for d in body["departments"]) == sorted(
        [camp.department.pk, camp.other_dept.pk]
    )
    assert client.get(f"{url}&school={camp.school_other.pk}").status_code == 404
    response = client.get(f"{SITES}new/")
    assert response.status_code == 400 and "campaign" in response.json()["errors"]
    assert client.get(f"{SITES}new/?campaign=x").status_code == 400


def test_the_schema_marks_required_what_is_refused_when_absent(client):
    schemas = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert "inspectors" in schemas["SiteInspectionCreateRequest"]["required"]
    assert schemas["FormReturnRequest"]["required"] == ["reason"]


def test_a_return_without_a_reason_is_refused_as_a_blank_one(camp, client):
    _submit(camp, camp.form_a)
    client.force_login(camp.dept_user)
    before = _event_ids(camp.form_a)
    for data in ({}, {"reason": " "}):
        response = _post(client, _return_url(camp.form_a), data)
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "reason_required"
        assert _chinese(response.json()["message"])
    _nothing_changed(camp, camp.form_a, before)
