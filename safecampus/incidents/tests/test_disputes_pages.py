"""The dispute register's pages, export and API: scope (another school or bureau 404, a wrong
role 403) for every page and endpoint, restricted disputes invisible and audited, the flagged
highlight, the export leaving restricted details out, pinned query counts, the schema."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import pytest
from django.urls import reverse

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, user_with_role
from safecampus.incidents import dispute_exports, dispute_selectors
from safecampus.incidents.choices import DisputeStatus, DisputeSubject, RiskLevel
from safecampus.incidents.models import Dispute, DisputeEvent
from safecampus.incidents.testing import designate, second_centre_officer

from .test_disputes import NOW, TODAY, dispute_data, register

pytestmark = pytest.mark.dates

LIST = reverse("incidents:dispute_list")
NEW = reverse("incidents:dispute_new")
EXPORT = reverse("incidents:dispute_export")
API = "/api/v1/disputes/"


@dataclass
class Period:
    name: str
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date


@pytest.fixture(autouse=True)
def at_now(clock):
    """Pages read the date (the flagged periods, the future check): the test's clock."""
    clock.move_to(NOW)
    return clock


@pytest.fixture
def school(world):
    return world.users[Role.SCHOOL_OFFICER]


@pytest.fixture
def centre(world):
    return world.users[Role.SAFETY_CENTRE]


@pytest.fixture
def other_school(world):
    return user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")


@pytest.fixture
def outsider(world):
    return user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="xh_centre")


@pytest.fixture
def no_periods(monkeypatch):
    monkeypatch.setattr(dispute_selectors, "_periods_around", lambda **kw: {})


@pytest.fixture
def dispute(world, school, no_periods):
    return register(school, world.school_a, now=NOW)


def _post_form(**overrides):
    data = {
        "school": "",
        "subject": "discipline",
        "title": "家长投诉作业量",
        "party_role_0": "parent",
        "party_count_0": "3",
        "party_role_1": "school",
        "party_count_1": "1",
        "summary": "部分家长认为作业量过大。",
        "risk": "low",
        "source": "report",
        "found_on": "2020-01-02",
    }
    data.update(overrides)
    return data


# --- list ---------------------------------------------------------------------------------------


def test_list_scoped_and_phone_cards(
    client, world, dispute, school, centre, other_school, outsider
):
    for user, seen in ((school, True), (centre, True), (other_school, False), (outsider, False)):
        client.force_login(user)
        r = client.get(LIST)
        assert r.status_code == 200
        assert (dispute.title in r.content.decode()) is seen, user
    client.force_login(centre)
    body = client.get(LIST).content.decode()
    assert 'data-testid="dispute-cards"' in body and 'data-testid="dispute-table"' in body


def test_list_wrong_role_403(client, world, no_periods):
    client.force_login(world.users[Role.PARTNER])
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(EXPORT).status_code == 403


def test_list_query_count_pinned(client, world, school, centre, no_periods):
    client.force_login(centre)
    for i in range(3):
        register(school, world.school_a, title=f"纠纷{i}", risk=RiskLevel.HIGH)
    n3 = count_queries(client, LIST)
    for i in range(10):
        register(school, world.school_a, title=f"更多{i}", petition_risk=True)
    assert count_queries(client, LIST) == n3
    assert n3 <= 14


def test_list_filters_and_flagged_highlight(client, world, school, centre, monkeypatch):
    start = TODAY + datetime.timedelta(days=2)
    monkeypatch.setattr(
        dispute_selectors,
        "_periods_around",
        lambda **kw: {
            world.bureau.pk: [Period("全国两会", "sensitive", start, start + datetime.timedelta(9))]
        },
    )
    pressing = register(school, world.school_a, title="群访风险纠纷", petition_risk=True)
    register(school, world.school_a, title="普通纠纷", risk=RiskLevel.LOW)
    client.force_login(centre)
    body = client.get(LIST).content.decode()
    assert "全国两会" in body and 'data-testid="flagged"' in body
    body = client.get(LIST, {"flagged": "on"}).content.decode()
    assert pressing.title in body and "普通纠纷" not in body
    body = client.get(LIST, {"risk": "low"}).content.decode()
    assert "普通纠纷" in body and pressing.title not in body
    r = client.get(f"{API}flagged/")
    assert r.status_code == 200
    assert [row["id"] for row in r.json()] == [pressing.pk]
    assert r.json()[0]["period"]["name"] == "全国两会"


def test_screening_duty_shown_to_school(client, world, school, centre, no_periods):
    from django.utils import timezone

    from safecampus.duties.choices import VersionStatus
    from safecampus.duties.models import DutyCatalogVersion, Occurrence
    from safecampus.duties.testing import duty

    today = timezone.localdate()
    first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    version = DutyCatalogVersion.objects.create(
        bureau=world.bureau, number=1, title="清单", status=VersionStatus.PUBLISHED
    )
    d = duty(version, "DISPUTE", "内部矛盾纠纷排查", "monthly")
    occ = Occurrence.objects.create(
        bureau=world.bureau,
        duty=d,
        code="DISPUTE",
        owner_kind="school",
        school=world.school_a,
        owner_key=f"s{world.school_a.pk}",
        period_key=f"{today:%Y-%m}",
        period_start=first,
        period_end=last,
        window_start=first,
        window_end=last,
        grace_end=last + datetime.timedelta(days=5),
    )
    client.force_login(school)
    body = client.get(LIST).content.decode()
    assert 'data-testid="screening"' in body
    assert occ.get_absolute_url() in body
    client.force_login(centre)
    assert 'data-testid="screening"' not in client.get(LIST).content.decode()


# --- register -----------------------------------------------------------------------------------


def test_register_from_the_form(client, world, school, no_periods):
    client.force_login(school)
    assert client.get(NEW).status_code == 200
    r = client.post(NEW, _post_form(school=world.school_a.pk))
    d = Dispute.objects.get()
    assert r.status_code == 302 and r.url == reverse("incidents:dispute_detail", args=[d.pk])
    assert d.parties == [{"role": "parent", "count": 3}, {"role": "school", "count": 1}]
    assert d.registered_by == school


def test_register_bad_input_nothing_saved(client, world, school, no_periods):
    client.force_login(school)
    r = client.post(NEW, _post_form(school=world.school_a.pk, party_role_1="", party_count_1=""))
    assert r.status_code == 400
    assert "至少" in r.content.decode() or "at least two" in r.content.decode()
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    r = client.post(NEW, _post_form(school=world.school_a.pk, found_on=future))
    assert r.status_code == 400
    r = client.post(NEW, _post_form(school=world.school_b.pk))
    assert r.status_code == 400
    r = client.post(NEW, _post_form(school=world.school_a.pk, private_details="张三"))
    assert r.status_code == 400
    assert not Dispute.objects.exists()


def test_leadership_may_not_register(client, world, no_periods):
    client.force_login(world.users[Role.LEADERSHIP])
    assert client.get(NEW).status_code == 403


# --- detail and acting --------------------------------------------------------------------------


def test_detail_scope(client, world, dispute, school, centre, other_school, outsider):
    url = reverse("incidents:dispute_detail", args=[dispute.pk])
    for user in (school, centre, world.users[Role.LEADERSHIP]):
        client.force_login(user)
        r = client.get(url)
        assert r.status_code == 200
        assert "家长×2" in r.content.decode().replace(" ", "") or "Parent" in r.content.decode()
    for user in (other_school, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(world.users[Role.PARTNER])
    assert client.get(url).status_code == 403


def test_detail_query_count_pinned(client, world, dispute, school):
    client.force_login(school)
    url = reverse("incidents:dispute_detail", args=[dispute.pk])
    before = count_queries(client, url)
    for i in range(5):
        client.post(
            reverse("incidents:dispute_act", args=[dispute.pk, "comment"]),
            {"comment-version": Dispute.objects.get(pk=dispute.pk).version, "comment-note": f"{i}"},
        )
    assert count_queries(client, url) == before
    assert before <= 25


def test_act_mediate_and_resolve(client, world, dispute, school):
    client.force_login(school)
    url = reverse("incidents:dispute_act", args=[dispute.pk, "mediate"])
    r = client.post(
        url,
        {
            "mediate-version": dispute.version,
            "mediate-kind": "peoples",
            "mediate-value": "agreed",
            "mediate-note": "达成协议",
        },
    )
    assert r.status_code == 302
    d = Dispute.objects.get(pk=dispute.pk)
    assert d.status == DisputeStatus.MEDIATING
    body = client.get(reverse("incidents:dispute_detail", args=[d.pk])).content.decode()
    assert 'data-testid="mediation"' in body and "达成协议" in body
    r = client.post(
        reverse("incidents:dispute_act", args=[d.pk, "resolve"]),
        {"resolve-version": d.version, "resolve-outcome": ""},
    )
    assert r.status_code == 400
    r = client.post(
        reverse("incidents:dispute_act", args=[d.pk, "resolve"]),
        {"resolve-version": d.version, "resolve-outcome": "已化解"},
    )
    assert r.status_code == 302
    assert Dispute.objects.get(pk=d.pk).status == DisputeStatus.RESOLVED


def test_act_scope_and_roles(client, world, dispute, other_school, outsider):
    url = reverse("incidents:dispute_act", args=[dispute.pk, "mediate"])
    data = {
        "mediate-version": dispute.version,
        "mediate-kind": "peoples",
        "mediate-value": "session",
        "mediate-note": "x",
    }
    for user in (other_school, outsider):
        client.force_login(user)
        assert client.post(url, data).status_code == 404
    client.force_login(world.users[Role.LEADERSHIP])
    assert client.post(url, data).status_code == 403
    client.force_login(world.users[Role.PARTNER])
    assert client.post(url, data).status_code == 403
    assert DisputeEvent.objects.filter(dispute=dispute).count() == 1


def test_restricted_detail_404_and_audited(client, world, school, centre, no_periods):
    designate(world, centre)
    d = register(
        school,
        world.school_a,
        subject=DisputeSubject.BULLYING,
        title="欺凌纠纷",
        private_details="学生王某",
    )
    other = second_centre_officer(world)
    url = reverse("incidents:dispute_detail", args=[d.pk])
    for user in (other, world.users[Role.LEADERSHIP], world.users[Role.PRINCIPAL]):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert "欺凌纠纷" not in client.get(LIST).content.decode()
        assert client.get(f"{API}{d.pk}/").status_code == 404
        assert d.pk not in [r["id"] for r in client.get(API).json()["results"]]
        assert client.get(f"{API}figures/").json()["restricted"] == 1
    client.force_login(centre)
    body = client.get(url).content.decode()
    assert "学生王某" in body and 'data-testid="named"' in body
    denied = AuditEvent.objects.filter(action=Action.RESTRICTED_DENIED).count()
    read = AuditEvent.objects.filter(action=Action.RESTRICTED_READ).count()
    assert denied == 6 and read == 1


# --- export -------------------------------------------------------------------------------------


def _workbook_text(user, params=None) -> str:
    from openpyxl import load_workbook

    buf = io.BytesIO()
    dispute_exports.write_dispute_workbook(buf, user=user, params=params or {}, now=NOW)
    buf.seek(0)
    ws = load_workbook(buf).active
    return "\n".join(
        " ".join("" if c is None else str(c) for c in row) for row in ws.iter_rows(values_only=True)
    ), ws


def test_export_leaves_out_restricted_details(world, school, centre, no_periods):
    designate(world, centre)
    register(
        school,
        world.school_a,
        subject=DisputeSubject.BULLYING,
        title="欺凌纠纷",
        summary="受害学生在宿舍被同学多次推搡。",
        private_details="学生王某",
    )
    register(school, world.school_a, title="普通纠纷")
    text, ws = _workbook_text(centre)
    assert "矛盾纠纷台账" in text
    assert "（受限案件，详情不导出）" in text
    for secret in ("欺凌纠纷", "王某", "宿舍被同学"):
        assert secret not in text
    assert "普通纠纷" in text
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    # the count of people is a number
    counts = [row[6] for row in ws.iter_rows(values_only=True) if row and row[4] == "普通纠纷"]
    assert counts == [3]
    other = second_centre_officer(world)
    text, _ws = _workbook_text(other)
    assert "（受限案件，详情不导出）" not in text and "普通纠纷" in text


def test_export_page_starts_a_job(
    client, world, school, dispute, django_capture_on_commit_callbacks
):
    from safecampus.core.models import Job

    client.force_login(school)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(EXPORT, {"status": "open"})
    assert r.status_code == 302
    job = Job.objects.get()
    assert job.kind == "incidents.dispute_export"
    assert job.params["filters"]["status"] == "open"
    job.refresh_from_db()
    assert job.status == "succeeded", job.result
    assert job.output_name.endswith("矛盾纠纷台账_2027-03-01.xlsx")


# --- API ----------------------------------------------------------------------------------------


def test_api_create_act_and_scope(client, world, school, other_school, outsider, no_periods):
    client.force_login(school)
    data = dispute_data(world.school_a)
    r = client.post(API, data, content_type="application/json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert "mediate" in r.json()["allowed_actions"]
    r = client.post(
        f"{API}{pk}/mediate/",
        {"version": r.json()["version"], "kind": "court", "value": "judged", "note": "判决"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "mediating"
    assert r.json()["events"][-1]["data"] == {"kind": "court", "value": "judged"}
    r2 = client.post(
        f"{API}{pk}/resolve/",
        {"version": 0, "outcome": "x"},
        content_type="application/json",
    )
    assert r2.status_code == 409 and r2.json()["code"] == "stale"
    for user in (other_school, outsider):
        client.force_login(user)
        assert client.get(f"{API}{pk}/").status_code == 404
        r = client.post(
            f"{API}{pk}/comment/", {"version": 1, "note": "x"}, content_type="application/json"
        )
        assert r.status_code == 404
        assert client.get(API).json()["results"] == []
    client.force_login(world.users[Role.PARTNER])
    for url in (API, f"{API}{pk}/", f"{API}flagged/", f"{API}figures/"):
        assert client.get(url).status_code == 403, url
    assert client.post(API, data, content_type="application/json").status_code == 403
    client.force_login(world.users[Role.LEADERSHIP])
    r = client.post(
        f"{API}{pk}/mediate/",
        {"version": 1, "kind": "court", "value": "judged", "note": "x"},
        content_type="application/json",
    )
    assert r.status_code == 403 and r.json()["code"] == "not_allowed"


def test_api_bad_input_nothing_saved(client, world, school, no_periods):
    client.force_login(school)
    future = (TODAY + datetime.timedelta(days=2)).isoformat()
    r = client.post(
        API, dispute_data(world.school_a, found_on=future), content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["code"] == "in_future"
    r = client.post(
        API,
        dispute_data(world.school_a, parties=[{"role": "parent", "count": 1}]),
        content_type="application/json",
    )
    assert r.status_code == 400 and "parties" in r.json()["errors"]
    r = client.post(
        API,
        dispute_data(world.school_a, private_details="张三"),
        content_type="application/json",
    )
    assert r.status_code == 400 and "private_details" in r.json()["errors"]
    assert not Dispute.objects.exists()


def test_api_list_query_count_pinned(client, world, school, centre, no_periods):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(centre)
    register(school, world.school_a)
    client.get(API)
    with CaptureQueriesContext(connection) as few:
        assert client.get(API).status_code == 200
    for i in range(10):
        register(school, world.school_a, title=f"纠纷{i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(API).status_code == 200
    assert len(many) == len(few)


def test_schema_documents_the_dispute_paths(db):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = {p for p in schema["paths"] if p.startswith("/api/v1/disputes/")}
    assert {
        "/api/v1/disputes/",
        "/api/v1/disputes/{id}/",
        "/api/v1/disputes/flagged/",
        "/api/v1/disputes/figures/",
        "/api/v1/disputes/{id}/mediate/",
        "/api/v1/disputes/{id}/resolve/",
        "/api/v1/disputes/{id}/reopen/",
        "/api/v1/disputes/{id}/grant/",
    } <= paths


ACTIONS = (
    "mediate",
    "escalate",
    "resolve",
    "reopen",
    "assess",
    "comment",
    "restrict",
    "grant",
    "revoke",
)


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_scoped(client, world, dispute, other_school, outsider, action):
    """Another school or bureau: 404 on the page and the API; a partner unit: 403."""
    page_url = reverse("incidents:dispute_act", args=[dispute.pk, action])
    api_url = f"{API}{dispute.pk}/{action}/"
    body = {"version": dispute.version, "note": "x"}
    for user in (other_school, outsider):
        client.force_login(user)
        assert client.post(page_url, {f"{action}-version": dispute.version}).status_code == 404
        assert client.post(api_url, body, content_type="application/json").status_code == 404
    client.force_login(world.users[Role.PARTNER])
    assert client.post(page_url, {f"{action}-version": dispute.version}).status_code == 403
    assert client.post(api_url, body, content_type="application/json").status_code == 403
    assert DisputeEvent.objects.filter(dispute=dispute).count() == 1


@pytest.mark.parametrize("action", ("restrict", "grant", "revoke"))
def test_school_may_not_manage_the_access_list(client, world, dispute, school, action):
    client.force_login(school)
    r = client.post(
        f"{API}{dispute.pk}/{action}/",
        {"version": dispute.version, "note": "x", "user": school.pk},
        content_type="application/json",
    )
    assert r.status_code in (403, 409)
    assert not Dispute.objects.get(pk=dispute.pk).restricted
