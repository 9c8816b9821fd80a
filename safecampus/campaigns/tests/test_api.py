"""The campaigns API: scoped as the pages (another bureau 404, a role without campaigns 403),
every action the same effect and the same audit row as the page's, bad input 400 in Chinese with
nothing saved, and a fixed number of queries for the list."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse

from safecampus.audit.models import AuditEvent
from safecampus.campaigns import services
from safecampus.campaigns.choices import CampaignStatus
from safecampus.campaigns.models import Campaign
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, scope_matrix, user_with_role
from safecampus.hazards.testing import small_catalog
from safecampus.inspections.choices import FormStatus

from .test_audit import _draft

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

URL = "/api/v1/campaigns/"
PAST = datetime.date(2026, 11, 10)  # the clock stands at 2026-11-18
PHASE = {
    "name": "集中排查",
    "kind": "inspection",
    "starts_on": "2027-03-01",
    "ends_on": "2027-03-20",
}


def chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert chinese(body["message"]), body
    return body


def _events(campaign) -> list[tuple]:
    """The campaign's audit rows as (action, actor, data), oldest first."""
    return [
        (e.action, e.actor_id, e.data)
        for e in AuditEvent.objects.filter(
            target_type="campaigns.campaign", target_id=str(campaign.pk)
        ).order_by("seq")
    ]


@pytest.fixture
def other_centre(camp):
    return user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="other_centre")


@pytest.fixture
def partner(camp):
    return camp.users[Role.PARTNER]


@pytest.fixture
def leader(camp):
    return camp.users[Role.LEADERSHIP]


# --- reading ------------------------------------------------------------------------------------


def test_the_list_is_scoped_as_the_page(camp, client, leader):
    draft = _draft(camp)
    client.force_login(camp.centre)
    rows = client.get(URL).json()["results"]
    assert [r["id"] for r in rows] == [draft.pk, camp.campaign.pk]
    launched = rows[1]
    assert (launched["status"], launched["form_total"], launched["form_done"]) == (
        "launched",
        2,
        0,
    )
    # the bureau's other readers see launched campaigns only; a school the ones it has a form in
    client.force_login(leader)
    assert [r["id"] for r in client.get(URL).json()["results"]] == [camp.campaign.pk]
    client.force_login(camp.school_user)
    [row] = client.get(URL).json()["results"]
    assert (row["id"], row["form_total"]) == (camp.campaign.pk, 1)


def test_the_list_filters(camp, client):
    draft = _draft(camp)
    client.force_login(camp.centre)

    def ids(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids(status="draft") == [draft.pk]
    assert ids(status="launched") == [camp.campaign.pk]
    assert ids(year=2027) == [draft.pk]
    assert ids(year=2026) == [camp.campaign.pk]
    body = _refused(client.get(URL, {"status": "finished"}), 400, "invalid")
    assert "status" in body["errors"]


def test_the_list_reads_a_fixed_number_of_queries(camp, client, django_assert_max_num_queries):
    client.force_login(camp.centre)
    client.get(URL)
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(URL).json()["results"]) == 1
    for i in range(19):
        _draft(camp, name=f"专项行动{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 20


def test_list_and_detail_scope(camp, client, other_centre, partner):
    scope_matrix(client, URL, permitted=camp.centre, wrong_role=[partner])
    scope_matrix(
        client,
        f"{URL}{camp.campaign.pk}/",
        permitted=camp.centre,
        out_of_scope=[other_centre],
        wrong_role=[partner],
    )
    # a draft is the centre's own: the bureau's other readers and its schools do not find it
    draft = _draft(camp)
    scope_matrix(
        client,
        f"{URL}{draft.pk}/",
        permitted=camp.centre,
        out_of_scope=[camp.users[Role.LEADERSHIP], camp.school_user, other_centre],
        wrong_role=[partner],
    )
    client.force_login(camp.centre)
    assert client.get(f"{URL}abc/").status_code == 404
    assert client.get(f"{URL}99999999999999999999999/").status_code == 404


def test_the_detail_shows_the_plan(camp, client):
    draft = _draft(camp, forms_due=PAST)
    client.force_login(camp.centre)
    body = client.get(f"{URL}{draft.pk}/").json()
    assert body["status"] == "draft" and body["can_manage"] is True
    assert [p["name"] for p in body["phases"]] == ["集中排查"]
    assert body["schools_in_scope"] == 2
    assert "2026年11月10日" in body["past_deadline_warning"]
    assert body["key_dates"][0]["date"] == "2026-11-10" and chinese(body["key_dates"][0]["name"])
    body = client.get(f"{URL}{camp.campaign.pk}/").json()
    assert body["schools_in_scope"] is None and body["past_deadline_warning"] is None


def test_progress_counts_the_forms_the_caller_sees(camp, client, other_centre, partner):
    url = f"{URL}{camp.campaign.pk}/progress/"
    scope_matrix(
        client, url, permitted=camp.centre, out_of_scope=[other_centre], wrong_role=[partner]
    )
    camp.form_a.status = FormStatus.SUBMITTED
    camp.form_a.save(update_fields=["status"])
    client.force_login(camp.centre)
    body = client.get(url).json()
    assert body["total"] == 2
    assert body["overall"]["submitted"] == 1 and sum(body["overall"].values()) == 2
    stages = {s["stage"]: s for s in body["by_stage"]}
    assert stages["kindergarten"]["total"] == 1 and stages["kindergarten"]["label"] == "幼儿园"
    depts = {d["name"]: d for d in body["departments"]}
    assert depts["普教一科"]["counts"]["submitted"] == 1
    assert depts["普教一科"]["awaiting"] == 1
    # the page shows the same figures
    page = client.get(reverse("campaigns:campaign_detail", args=[camp.campaign.pk]))
    assert page.context["progress"]["overall"] == body["overall"]
    # a school counts its own form only
    client.force_login(camp.school_b_user)
    assert client.get(url).json()["total"] == 1


def test_the_templates_are_the_create_pages(camp, client, leader):
    url = "/api/v1/campaign-templates/"
    scope_matrix(client, url, permitted=camp.centre, wrong_role=[leader])
    client.force_login(camp.centre)
    rows = client.get(url).json()["results"]
    assert [r["key"] for r in rows] == ["special_rectification", "q4", "sweep_h1", "sweep_h2"]
    first = rows[0]
    assert first["forms_due"] == "03-20"
    assert first["dates"][0] == {
        "what": "集中排查",
        "starts": "03-01",
        "ends": "03-31",
        "given": True,
        "weekly_reports": False,
    }
    page = client.get(reverse("campaigns:campaign_create"))
    assert [b.key for b in page.context["blueprints"]] == [r["key"] for r in rows]


# --- creating -----------------------------------------------------------------------------------


def _made(year: int) -> Campaign:
    return Campaign.objects.prefetch_related("phases", "milestones").get(year=year)


def _plan(c: Campaign) -> tuple:
    return (
        c.name,
        c.status,
        c.forms_due,
        c.blueprint,
        c.catalog_version_id,
        [(p.name, p.kind, p.starts_on, p.ends_on, p.weekly_reports) for p in c.phases.all()],
        [(m.name, m.due_on) for m in c.milestones.all()],
    )


def _strip(events):
    """Events without the ids that differ from one campaign to another."""
    return [
        (a, actor, {k: v for k, v in d.items() if k not in ("after", "before")})
        for a, actor, d in events
    ]


def test_create_from_a_template_as_the_page(camp, client):
    client.force_login(camp.centre)
    page = client.post(
        reverse("campaigns:campaign_create"),
        {"blueprint": "special_rectification", "year": 2027, "catalog_version": camp.catalog.pk},
    )
    assert page.status_code == 302
    response = _post(
        client,
        URL,
        {"blueprint": "special_rectification", "year": 2028, "catalog_version": camp.catalog.pk},
    )
    assert response.status_code == 201, response.content
    by_page, by_api = _made(2027), _made(2028)
    body = response.json()
    assert body["id"] == by_api.pk and body["name"] == "2028年校园安全专项整治"
    assert [p["starts_on"] for p in body["phases"]] == ["2028-03-01", "2028-04-01", "2028-06-01"]
    page_plan, api_plan = _plan(by_page), _plan(by_api)
    assert page_plan[0].replace("2027", "2028") == api_plan[0]
    assert page_plan[1:2] == api_plan[1:2] == (CampaignStatus.DRAFT,)
    assert [(p[0], p[1]) for p in page_plan[5]] == [(p[0], p[1]) for p in api_plan[5]]
    # the same audit row: created, by the centre, with the plan
    [(action_p, actor_p, data_p)] = _events(by_page)
    [(action_a, actor_a, data_a)] = _events(by_api)
    assert (action_p, actor_p) == (action_a, actor_a) == ("config_created", camp.centre.pk)
    assert [p[0] for p in data_p["plan"]["phases"]] == [p[0] for p in data_a["plan"]["phases"]]


def test_create_blank(camp, client):
    client.force_login(camp.centre)
    response = _post(
        client,
        URL,
        {
            "year": 2027,
            "name": "暑期专项检查",
            "forms_due": "2027-07-10",
            "catalog_version": camp.catalog.pk,
        },
    )
    assert response.status_code == 201, response.content
    made = _made(2027)
    assert (made.name, made.forms_due, made.blueprint) == (
        "暑期专项检查",
        datetime.date(2027, 7, 10),
        "",
    )


@pytest.mark.parametrize(
    "data,field",
    [
        ({"year": 2027}, "forms_due"),  # blank: needs the deadline
        ({"year": 2027, "forms_due": "2027-07-10"}, "name"),  # blank: needs a name
        ({"year": 2027, "blueprint": "autumn"}, "blueprint"),
        ({"year": 1999, "blueprint": "q4"}, "year"),
        ({"year": 2027, "blueprint": "q4", "catalog_version": 0}, "catalog_version"),
        ({"year": 2027, "blueprint": "q4", "catalog_version": "x"}, "catalog_version"),
    ],
)
def test_create_refuses_bad_input_in_chinese(camp, client, data, field):
    client.force_login(camp.centre)
    before = Campaign.objects.count()
    body = _refused(
        _post(client, URL, {"catalog_version": camp.catalog.pk, **data}), 400, "invalid"
    )
    assert field in body["errors"], body
    assert Campaign.objects.count() == before


def test_create_scope(camp, client, other_centre, leader):
    data = {"blueprint": "q4", "year": 2027, "catalog_version": camp.catalog.pk}
    before = Campaign.objects.count()
    scope_matrix(client, URL, method="post", data=data, wrong_role=[leader, camp.school_user])
    # another bureau's centre cannot plan on this bureau's catalog
    client.force_login(other_centre)
    _refused(_post(client, URL, data), 400, "invalid")
    assert Campaign.objects.count() == before
    other_catalog = small_catalog(
        camp.other_bureau, DepartmentFactory(bureau=camp.other_bureau, name="外区科")
    )
    client.force_login(camp.centre)
    body = _refused(
        _post(client, URL, {**data, "catalog_version": other_catalog.pk}), 400, "invalid"
    )
    assert "catalog_version" in body["errors"]
    assert Campaign.objects.count() == before
    scope_matrix(client, URL, method="post", data=data, permitted=camp.centre, ok=(201,))


# --- editing ------------------------------------------------------------------------------------


def _page_edit(camp, **fields):
    data = {
        "name": "2027年专项行动",
        "doc_number": "",
        "description": "",
        "forms_due": "2027-03-20",
        "report_week_start": "0",
        "report_due_weekday": "4",
        "catalog_version": camp.catalog.pk,
        "school_selection": "all",
        "school_codes": "",
        "phase-TOTAL_FORMS": "1",
        "phase-INITIAL_FORMS": "0",
        "phase-MIN_NUM_FORMS": "0",
        "phase-MAX_NUM_FORMS": "12",
        "phase-0-name": "集中排查",
        "phase-0-kind": "inspection",
        "phase-0-starts_on": "2027-03-01",
        "phase-0-ends_on": "2027-03-20",
        "milestone-TOTAL_FORMS": "0",
        "milestone-INITIAL_FORMS": "0",
        "milestone-MIN_NUM_FORMS": "0",
        "milestone-MAX_NUM_FORMS": "12",
    }
    return {**data, **fields}


def test_edit_as_the_page(camp, client):
    by_page, by_api = _draft(camp), _draft(camp)
    client.force_login(camp.centre)
    page = client.post(
        reverse("campaigns:campaign_edit", args=[by_page.pk]),
        _page_edit(camp, name="改名的行动", doc_number="闵教〔2027〕1号"),
    )
    assert page.status_code == 302
    response = _patch(
        client, f"{URL}{by_api.pk}/", {"name": "改名的行动", "doc_number": "闵教〔2027〕1号"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "改名的行动"
    by_page.refresh_from_db()
    by_api.refresh_from_db()
    assert _plan(by_page) == _plan(by_api)
    assert _strip(_events(by_page)) == _strip(_events(by_api))
    assert _events(by_api)[-1][0] == "config_changed"
    assert _events(by_api)[-1][2]["changes"]["name"] == ["2027年专项行动", "改名的行动"]


def test_edit_replaces_phases_and_schools(camp, client):
    draft = _draft(camp)
    client.force_login(camp.centre)
    response = _patch(
        client,
        f"{URL}{draft.pk}/",
        {
            "phases": [PHASE, {**PHASE, "name": "专项整治", "kind": "rectification"}],
            "milestones": [{"name": "部门反馈", "due_on": "2027-06-10"}],
            "school_selection": "list",
            "school_codes": [camp.school_b.code],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [p["name"] for p in body["phases"]] == ["集中排查", "专项整治"]
    assert body["milestones"] == [{"name": "部门反馈", "due_on": "2027-06-10"}]
    assert body["school_codes"] == [camp.school_b.code] and body["schools_in_scope"] == 1
    assert body["name"] == "2027年专项行动"  # what is not named keeps its value


@pytest.mark.parametrize(
    "data,field",
    [
        ({"name": ""}, "name"),
        ({"phases": [{**PHASE, "ends_on": "2027-02-01"}]}, "phase_1"),
        ({"school_selection": "stages", "stages": []}, "stages"),
        ({"school_selection": "list", "school_codes": ["0000000000"]}, "school_codes"),
        ({"catalog_version": 999999}, "catalog_version"),
        ({"report_due_weekday": 9}, "report_due_weekday"),
    ],
)
def test_edit_refuses_bad_input_in_chinese(camp, client, data, field):
    draft = _draft(camp)
    before = (_plan(draft), len(_events(draft)))
    client.force_login(camp.centre)
    body = _refused(_patch(client, f"{URL}{draft.pk}/", data), 400, "invalid")
    assert field in body["errors"], body
    draft = Campaign.objects.get(pk=draft.pk)
    assert (_plan(draft), len(_events(draft))) == before


def test_edit_scope_and_a_closed_campaign(camp, client, other_centre, leader):
    url = f"{URL}{camp.campaign.pk}/"
    scope_matrix(
        client,
        url,
        method="patch",
        data={"name": "新名称"},
        permitted=camp.centre,
        out_of_scope=[other_centre],
        wrong_role=[leader, camp.school_user],
    )
    services.campaign_close(actor=camp.centre, campaign_id=camp.campaign.pk)
    client.force_login(camp.centre)
    events = len(_events(camp.campaign))
    _refused(_patch(client, url, {"name": "再改"}), 409, "locked")
    camp.campaign.refresh_from_db()
    assert camp.campaign.name == "新名称" and len(_events(camp.campaign)) == events


# --- launching and closing ----------------------------------------------------------------------


def test_launch_as_the_page(camp, client):
    by_page, by_api = _draft(camp), _draft(camp)
    client.force_login(camp.centre)
    assert client.post(reverse("campaigns:campaign_launch", args=[by_page.pk])).status_code == 302
    response = _post(client, f"{URL}{by_api.pk}/launch/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["forms_made"] == 2 and body["campaign"]["status"] == "launched"
    by_page.refresh_from_db()
    by_api.refresh_from_db()
    assert by_page.status == by_api.status == CampaignStatus.LAUNCHED
    assert by_page.forms.count() == by_api.forms.count() == 2
    assert _events(by_page)[-1] == _events(by_api)[-1]
    assert _events(by_api)[-1][2]["changes"] == {"status": ["draft", "launched"]}


def test_launch_past_the_deadline_needs_the_confirmation(camp, client):
    draft = _draft(camp, forms_due=PAST)
    events = len(_events(draft))
    client.force_login(camp.centre)
    body = _refused(_post(client, f"{URL}{draft.pk}/launch/"), 400, "confirm_required")
    assert "confirm_past_deadline" in body["errors"]
    draft.refresh_from_db()
    assert draft.is_draft and not draft.forms.exists() and len(_events(draft)) == events
    _refused(
        _post(client, f"{URL}{draft.pk}/launch/", {"confirm_past_deadline": "x"}), 400, "invalid"
    )
    response = _post(client, f"{URL}{draft.pk}/launch/", {"confirm_past_deadline": True})
    assert response.status_code == 200, response.content
    assert _events(draft)[-1][2]["launch"]["past_deadline_confirmed"] is True


def test_launching_many_schools_answers_202_with_the_job(camp, client, monkeypatch):
    monkeypatch.setattr(services, "LAUNCH_INLINE_LIMIT", 1)
    draft = _draft(camp)
    client.force_login(camp.centre)
    response = _post(client, f"{URL}{draft.pk}/launch/")
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["job"])
    assert (job.kind, job.created_by, job.params["campaign"]) == (
        "campaigns.launch",
        camp.centre,
        draft.pk,
    )
    assert response.json()["url"].endswith(f"/api/v1/jobs/{job.pk}/")


def test_close_as_the_page(camp, client):
    other = _draft(camp)
    services.campaign_launch(actor=camp.centre, campaign_id=other.pk)
    client.force_login(camp.centre)
    assert client.post(reverse("campaigns:campaign_close", args=[other.pk])).status_code == 302
    response = _post(client, f"{URL}{camp.campaign.pk}/close/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    other.refresh_from_db()
    camp.campaign.refresh_from_db()
    assert other.status == camp.campaign.status == CampaignStatus.CLOSED
    assert _events(other)[-1] == _events(camp.campaign)[-1]
    assert _events(other)[-1][2] == {"changes": {"status": ["launched", "closed"]}}
    # closing again, or launching a closed campaign, is refused and writes nothing
    events = len(_events(camp.campaign))
    _refused(_post(client, f"{URL}{camp.campaign.pk}/close/"), 409, "invalid_transition")
    _refused(_post(client, f"{URL}{camp.campaign.pk}/launch/"), 409, "locked")
    assert len(_events(camp.campaign)) == events


def test_a_closed_campaign_of_many_schools_is_refused_before_any_job(camp, client, monkeypatch):
    monkeypatch.setattr(services, "LAUNCH_INLINE_LIMIT", 0)
    client.force_login(camp.centre)
    assert _post(client, f"{URL}{camp.campaign.pk}/close/").status_code == 200
    _refused(_post(client, f"{URL}{camp.campaign.pk}/launch/"), 409, "locked")
    assert not Job.objects.filter(kind="campaigns.launch").exists()


def test_launch_and_close_scope(camp, client, other_centre, leader):
    draft = _draft(camp)
    for action in ("launch", "close"):
        scope_matrix(
            client,
            f"{URL}{draft.pk}/{action}/",
            method="post",
            data={},
            permitted=camp.centre,
            out_of_scope=[other_centre],
            wrong_role=[leader, camp.school_user],
        )
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.CLOSED
