"""The dashboard API: the same figures as the dashboard pages for the same filters and role,
the snapshot's "as of" time, status and refresh as the page, the workbook named as the page
names it, a school's dashboard scoped as its page, and query counts that do not grow with the
register."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.audit.models import Action as AuditAction
from safecampus.audit.models import AuditEvent
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.reports import snapshots
from safecampus.reports.api.views import plain
from safecampus.reports.models import DashboardSnapshot

from . import dashboard_world
from .test_dashboard_views import grow

dash = dashboard_world.dash  # the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

URL = "/api/v1/dashboard/"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _filename(response) -> str:
    return unquote(response["Content-Disposition"])


def test_who_reaches_the_dashboard_api(dash, client):
    partner = dash.users[Role.PARTNER]
    for url in (URL, f"{URL}map/", f"{URL}export.xlsx"):
        scope_matrix(
            client,
            url,
            permitted=dash.centre,
            wrong_role=[dash.users[Role.SCHOOL_OFFICER], partner],
        )
    scope_matrix(
        client,
        f"{URL}refresh/",
        method="post",
        data={},
        wrong_role=[dash.users[Role.SCHOOL_OFFICER], partner],
    )


@pytest.mark.parametrize(
    "params", [{}, {"stage": "primary"}, {"campaign": "current"}, {"found_from": "2000-01-01"}]
)
@pytest.mark.parametrize("who", ["centre", "leader", "dept", "inspector"])
def test_the_figures_are_the_pages(dash, client_for, who, params):
    user = {
        "centre": dash.centre,
        "leader": dash.users[Role.LEADERSHIP],
        "dept": dash.users[Role.DEPARTMENT_OFFICER],
        "inspector": dash.users[Role.INSPECTOR],
    }[who]
    client = client_for(user)
    page = client.get("/dashboard/", params)
    response = client.get(URL, params)
    assert response.status_code == page.status_code == 200
    api = response.json()
    assert api["figures"] == json.loads(json.dumps(plain(page.context["d"])))
    assert api["title"] == page.context["title"]
    assert api["live"] is True and api["snapshot"] is None
    assert api["filters"] == page.context["filters"].register_params()
    if who == "dept":
        # a department officer's dashboard is its department's, with what waits for it
        assert api["department"]["id"] == dash.department.pk
        waiting = page.context["waiting"]
        assert api["waiting"]["total"] == waiting["total"]
        assert [[f["value"] for f in d["figures"]] for d in api["waiting"]["departments"]] == [
            [f.value for f in d.figures] for d in waiting["departments"]
        ]
    else:
        assert api["department"] is None and api["waiting"] is None


def test_another_bureau_sees_none_of_ours(dash, client_for):
    other = user_with_role(Role.SAFETY_CENTRE, dash.other_bureau, username="oc")
    api = client_for(other).get(URL).json()
    assert api["figures"]["totals"]["total"]["n"] == 1
    assert "甲小学" not in json.dumps(api, ensure_ascii=False)


@pytest.mark.parametrize(
    "params",
    [
        {"found_from": "2026-13-01"},
        {"found_from": "2026-05-10", "found_to": "2026-05-01"},
        {"campaign": "abc"},
    ],
)
def test_bad_filters_are_400_in_chinese(dash, client_for, params):
    client = client_for(dash.centre)
    for url in (URL, f"{URL}map/", f"{URL}export.xlsx"):
        response = client.get(url, params)
        assert response.status_code == 400, url
        body = response.json()
        assert body["code"] == "invalid" and CJK.search(body["message"])
    # a campaign of another bureau is not one of the caller's
    other = user_with_role(Role.SAFETY_CENTRE, dash.other_bureau, username="oc")
    response = client_for(other).get(URL, {"campaign": dash.campaign.pk})
    assert response.status_code == 400 and "campaign" in response.json()["errors"]


def test_the_map_is_the_pages(dash, client_for):
    client = client_for(dash.centre)
    page = client.get("/dashboard/map.json", {"stage": "primary"})
    api = client.get(f"{URL}map/", {"stage": "primary"})
    assert api.status_code == 200
    assert api.json() == json.loads(page.content)
    assert [p[0] for p in api.json()["points"]] == [dash.school_a.pk]


def test_the_workbook_is_named_as_the_pages(dash, client_for):
    client = client_for(dash.centre)
    page = client.get("/dashboard/export.xlsx", {"stage": "primary"})
    api = client.get(f"{URL}export.xlsx", {"stage": "primary"})
    assert api.status_code == 200
    assert api["Content-Type"] == page["Content-Type"]
    assert "spreadsheetml" in api["Content-Type"]
    assert api["Content-Disposition"] == page["Content-Disposition"]
    name = _filename(api)
    assert "统计分析" in name and "闵行区教育局" in name
    assert b"".join(api.streaming_content)[:2] == b"PK"
    # a client that asks for the workbook's own type gets it (not 406)
    asked = client.get(f"{URL}export.xlsx", {"stage": "primary"}, HTTP_ACCEPT=api["Content-Type"])
    assert asked.status_code == 200 and asked["Content-Type"] == api["Content-Type"]


@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"abc"', "123", "null"])
def test_a_refresh_body_that_is_not_an_object_is_400_in_chinese(dash, client_for, body):
    response = client_for(dash.centre).post(f"{URL}refresh/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and CJK.search(response.json()["message"])


def test_the_dashboard_reads_a_fixed_number_of_queries(dash, client_for):
    client = client_for(dash.centre)

    def count(url):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    urls = [URL, f"{URL}map/", f"/api/v1/dashboard/schools/{dash.school_a.pk}/"]
    small = [count(u) for u in urls]
    grow(dash, 6)
    assert [count(u) for u in urls] == small


# --- snapshots ----------------------------------------------------------------------------------


@pytest.fixture
def large(settings):
    """Every bureau dashboard reads a snapshot."""
    settings.DASHBOARD_LIVE_MAX_SCHOOLS = 0
    settings.DASHBOARD_SNAPSHOT_MAX_AGE = 600


def test_a_snapshot_has_its_as_of_time_status_and_refresh(
    dash, large, client_for, django_capture_on_commit_callbacks
):
    client = client_for(dash.centre)
    response = client.get(f"{URL}status/")
    assert response.status_code == 404  # nothing counted yet
    assert response.json() == {
        "code": "not_found",
        "message": "这些数字尚未统计；请打开数据看板开始统计。",
        "errors": {},
    }
    with django_capture_on_commit_callbacks(execute=False) as pending:
        first = client.get(URL).json()
        # the workbook of figures not counted yet: refused, not a page
        busy = client.get(f"{URL}export.xlsx")
    assert busy.status_code == 409 and busy.json()["code"] == "busy"
    assert first["figures"] is None and first["live"] is False
    assert first["snapshot"]["computed_at"] is None and first["snapshot"]["job"]
    state = client.get(f"{URL}status/").json()
    assert state["ready"] is False and state["refreshing"] is True
    for run in pending:
        run()
    snap = DashboardSnapshot.objects.get()
    second = client.get(URL).json()
    page = client.get("/dashboard/")
    assert second["figures"] == json.loads(json.dumps(plain(page.context["d"])))
    assert second["as_of"] == timezone.localtime(snap.computed_at).isoformat()
    assert page.context["now"] == timezone.localtime(snap.computed_at)
    assert client.get(f"{URL}status/").json()["ready"] is True
    assert client.get(f"{URL}export.xlsx").status_code == 200

    with django_capture_on_commit_callbacks(execute=False) as pending:
        started = client.post(f"{URL}refresh/", {}, content_type="application/json")
        again = client.post(f"{URL}refresh/", {}, content_type="application/json")
        # the page's "update now" of the same snapshot is refused as well: one count at a time
        client.post("/dashboard/refresh/", {})
    assert started.status_code == 202
    assert started.json()["job"] == Job.objects.filter(kind=snapshots.JOB_KIND).latest("id").pk
    assert again.status_code == 409 and again.json()["code"] == "busy"
    assert CJK.search(again.json()["message"])
    assert len(pending) == 1
    # filters never viewed have nothing to refresh
    response = client.post(f"{URL}refresh/", {"stage": "junior"}, content_type="application/json")
    assert response.status_code == 404


def test_the_page_and_the_api_refresh_the_same_snapshot(
    dash, large, client_for, django_capture_on_commit_callbacks
):
    client = client_for(dash.centre)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL, {"stage": "primary"})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/dashboard/refresh/", {"stage": "primary"}).status_code == 302
    kind = Job.objects.filter(kind=snapshots.JOB_KIND).order_by("id")
    by_page = list(kind.values_list("created_by", "params"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{URL}refresh/", {"stage": "primary"}, content_type="application/json"
        )
    assert response.status_code == 202
    jobs = list(kind.values_list("created_by", "params"))
    snap = DashboardSnapshot.objects.get()
    assert jobs[-1] == by_page[-1] == (dash.centre.pk, {"snapshot": snap.pk})
    assert Job.objects.get(pk=response.json()["job"]).status == Job.Status.SUCCEEDED


# --- the school dashboard -----------------------------------------------------------------------


def test_school_dashboard_scope(dash, client):
    other = user_with_role(Role.SAFETY_CENTRE, dash.other_bureau, username="oc")
    scope_matrix(
        client,
        f"{URL}schools/{dash.school_a.pk}/",
        permitted=dash.users[Role.SCHOOL_OFFICER],
        out_of_scope=[dash.school_b_user, other],
        # a department and a partner unit see the school, not all of its hazards
        wrong_role=[dash.users[Role.DEPARTMENT_OFFICER], dash.users[Role.PARTNER]],
    )
    client.logout()
    assert client.get(f"{URL}schools/abc/").status_code == 401  # anonymous: no credentials
    client.force_login(dash.centre)
    assert client.get(f"{URL}schools/abc/").status_code == 404


@pytest.mark.parametrize("who", [Role.SCHOOL_OFFICER, Role.SAFETY_CENTRE])
def test_school_dashboard_is_the_pages(dash, client_for, who):
    client = client_for(dash.users[who])
    page = client.get(f"/dashboard/school/{dash.school_a.pk}/")
    api = client.get(f"{URL}schools/{dash.school_a.pk}/").json()
    assert api["counts"] == page.context["counts"]
    assert [f["key"] for f in api["figures"]] == [f.key for f in page.context["figures"]]
    assert [h["id"] for h in api["open_hazards"]] == [h.pk for h in page.context["open_hazards"]]
    assert [h["id"] for h in api["history"]] == [h.pk for h in page.context["history"]]
    assert [f["id"] for f in api["forms_to_fill"]] == [f.pk for f in page.context["forms_to_fill"]]
    assert api["duties"] == json.loads(json.dumps(plain(page.context["duties"])))
    assert api["school"] == {"id": dash.school_a.pk, "name": dash.school_a.name}


def test_school_workbook_as_the_page_with_the_same_audit_row(dash, client):
    url = f"{URL}schools/{dash.school_a.pk}/export.xlsx"
    other = user_with_role(Role.SAFETY_CENTRE, dash.other_bureau, username="oc")
    scope_matrix(
        client,
        url,
        permitted=dash.centre,
        out_of_scope=[dash.school_b_user, other],
        wrong_role=[dash.users[Role.DEPARTMENT_OFFICER]],
    )
    client.force_login(dash.users[Role.SCHOOL_OFFICER])
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    before = exports.count()
    page = client.get(f"/dashboard/school/{dash.school_a.pk}/export.xlsx")
    by_page = list(exports.order_by("id").values_list("actor_id", "data")[before:])
    api = client.get(url)
    assert api.status_code == 200
    assert api["Content-Type"] == page["Content-Type"]
    assert api["Content-Disposition"] == page["Content-Disposition"]
    assert "学校工作台" in _filename(api)
    by_api = list(exports.order_by("id").values_list("actor_id", "data")[before + 1 :])
    assert by_api == by_page
    expected = {"kind": "school_dashboard", "school": dash.school_a.pk}
    assert by_page == [(dash.users[Role.SCHOOL_OFFICER].pk, expected)]


def test_own_schools_as_the_school_dashboard_offers_them(dash, client_for):
    from safecampus.accounts.models import RoleAssignment

    both = user_with_role(Role.SCHOOL_OFFICER, dash.school_a, username="both")
    RoleAssignment.objects.create(user=both, role=Role.PRINCIPAL, school=dash.school_b)
    client = client_for(both)
    page = client.get("/dashboard/school/")
    api = client.get(f"{URL}schools/").json()
    assert [s["id"] for s in api["results"]] == [s.pk for s in page.context["choices"]]
    assert {s["id"] for s in api["results"]} == {dash.school_a.pk, dash.school_b.pk}
    # the bureau's officers open any school from the school list; a department none
    assert client_for(dash.centre).get(f"{URL}schools/").json()["results"] == []
    response = client_for(dash.users[Role.DEPARTMENT_OFFICER]).get(f"{URL}schools/")
    assert response.status_code == 403 and CJK.search(response.json()["message"])


def test_figures_counted_live_have_no_snapshot_to_follow_or_refresh(dash, client_for):
    client = client_for(dash.centre)  # a small scope: counted live
    assert client.get(URL).json()["live"] is True
    for response in (
        client.get(f"{URL}status/"),
        client.post(f"{URL}refresh/", {}, content_type="application/json"),
    ):
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == "not_found"
        assert body["message"] == "这些数字每次查看时实时统计，没有快照。"
    assert not DashboardSnapshot.objects.exists()


def test_the_schema_bounds_the_dashboard_s_id_filters(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    params = {p["name"]: p["schema"] for p in schema["paths"][URL]["get"]["parameters"]}
    for name in ("bureau", "department"):
        assert params[name]["maximum"] == 2**63 - 1 and params[name]["minimum"] == 1
