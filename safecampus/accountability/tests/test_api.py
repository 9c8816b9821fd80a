"""The accountability API: records and consultations scoped as their pages (scope matrix per
endpoint), each page action through the API with the same effect and the same events as the
page, refusals in Chinese that save nothing, 409 when the lifecycle table says no, the lists'
filters and pinned query counts."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.accountability import services
from safecampus.accountability.models import (
    AccountabilityEvent,
    AccountabilityRecord,
    Consultation,
    ConsultationItem,
    ConsultationStatus,
    RecordBasis,
    RecordKind,
    RecordStatus,
)
from safecampus.accountability.testing import make_disputed, make_hazard
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, SchoolFactory, count_queries, scope_matrix
from safecampus.hazards.choices import Action, Decision, Status
from safecampus.hazards.models import Hazard, HazardEvent

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

RECORDS = "/api/v1/accountability-records/"
CONSULTATIONS = "/api/v1/consultations/"
CANDIDATES = "/api/v1/consultations/candidates/"
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    return bool(CJK.search(text or ""))


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def _open(sup, **kw):
    kw.setdefault("kind", RecordKind.INTERVIEW)
    kw.setdefault("basis", RecordBasis.HAZARD)
    kw.setdefault("reason", "隐患逾期未整改")
    kw.setdefault("school", sup.school_a)
    return services.record_open(actor=kw.pop("actor", sup.centre), bureau_id=sup.bureau.pk, **kw)


def _plan(sup, hazards, title="难点隐患专题研商"):
    return services.consultation_create(
        actor=sup.leader,
        data={
            "kind": "study",
            "title": title,
            "held_on": timezone.localdate(),
            "attendees": "分管局长、安全中心、普教一科",
        },
        hazards=hazards,
    )


def new_deadline() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=90)


def _outsiders(sup):
    u = sup.users
    return [u[Role.PARTNER], u[Role.AUDITOR], u[Role.SYSTEM_ADMIN]]


# --- scope matrix -------------------------------------------------------------------------------


def test_record_endpoints_answer_the_scope_matrix(sup, client):
    u = sup.users
    record = _open(sup, department=sup.department)
    outsiders = _outsiders(sup)
    managers_only = [u[Role.INSPECTOR], sup.dept_user, sup.school_user, *outsiders]
    scope_matrix(client, RECORDS, permitted=sup.school_user, wrong_role=outsiders)
    scope_matrix(
        client,
        f"{RECORDS}{record.pk}/",
        permitted=sup.school_user,
        # another bureau; a school, or another department of the same bureau, it is not against
        out_of_scope=[sup.other_centre, sup.school_b_user, sup.other_dept_user],
        wrong_role=outsiders,
    )
    scope_matrix(
        client,
        RECORDS,
        method="post",
        data={
            "kind": RecordKind.INTERVIEW,
            "basis": RecordBasis.OTHER,
            "school": sup.school_b.pk,
            "reason": "周报迟报",
        },
        permitted=sup.leader,
        wrong_role=managers_only,
        ok=(201,),
    )
    assert AccountabilityRecord.objects.filter(school=sup.school_b).count() == 1
    scope_matrix(
        client,
        f"{RECORDS}{record.pk}/follow-up/",
        method="post",
        data={"comment": "已约谈校长"},
        permitted=sup.centre,
        out_of_scope=[sup.other_centre],
        wrong_role=managers_only,
    )
    scope_matrix(
        client,
        f"{RECORDS}{record.pk}/close/",
        method="post",
        data={"comment": "整改到位"},
        permitted=sup.leader,
        out_of_scope=[sup.other_centre],
        wrong_role=managers_only,
    )
    record.refresh_from_db()
    assert record.status == RecordStatus.CLOSED
    assert list(record.events.values_list("actor__username", flat=True)) == [
        "centre",
        "centre",
        "leader",
    ]


def test_consultation_endpoints_answer_the_scope_matrix(sup, client):
    u = sup.users
    hard = make_hazard(sup, Status.HARD)  # 普教一科's
    disputed = make_disputed(sup)
    consultation = _plan(sup, [hard])
    outsiders = [sup.school_user, u[Role.PRINCIPAL], u[Role.PARTNER], u[Role.AUDITOR]]
    managers_only = [u[Role.INSPECTOR], sup.dept_user, *outsiders]
    scope_matrix(client, CONSULTATIONS, permitted=sup.dept_user, wrong_role=outsiders)
    scope_matrix(client, CANDIDATES, permitted=sup.centre, wrong_role=managers_only)
    scope_matrix(
        client,
        f"{CONSULTATIONS}{consultation.pk}/",
        permitted=sup.dept_user,
        out_of_scope=[sup.other_centre, sup.other_dept_user],
        wrong_role=outsiders,
    )
    scope_matrix(
        client,
        CONSULTATIONS,
        method="post",
        data={
            "kind": "coordination",
            "title": "职责不清隐患协调会",
            "held_on": "2026-04-10",
            "attendees": "安全中心、普教一科、安保科",
            "hazards": [disputed.pk],
        },
        permitted=sup.centre,
        wrong_role=managers_only,
        ok=(201,),
    )
    assert Consultation.objects.count() == 2
    item = consultation.items.get()
    scope_matrix(
        client,
        f"{CONSULTATIONS}{consultation.pk}/apply/",
        method="post",
        data={
            "items": [
                {
                    "item": item.pk,
                    "decisions": [Decision.NEW_DEADLINE],
                    "deadline": new_deadline().isoformat(),
                    "comment": "资金已落实",
                }
            ]
        },
        permitted=sup.leader,
        out_of_scope=[sup.other_centre],
        # they read the consultation; they do not apply its decisions
        wrong_role=managers_only,
    )
    assert Consultation.objects.get(pk=consultation.pk).status == ConsultationStatus.DECIDED


def test_a_path_id_that_is_not_a_number_is_not_found(sup, client):
    client.force_login(sup.centre)
    for url in (
        f"{RECORDS}abc/",
        f"{RECORDS}{2**70}/",
        f"{CONSULTATIONS}x1/",
        f"{CONSULTATIONS}{2**70}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert post(client, f"{RECORDS}abc/close/", {"comment": "x"}).status_code == 404
    assert post(client, f"{CONSULTATIONS}abc/apply/", {"items": []}).status_code == 404


# --- records: the same as the page --------------------------------------------------------------


def _record_via(via, client, sup, hazard):
    """Open, follow up and close a record through the page or the API; the record."""
    client.force_login(sup.centre)
    if via == "page":
        response = client.post(
            reverse("accountability:record_new"),
            {
                "kind": RecordKind.DEADLINE,
                "basis": RecordBasis.HAZARD,
                "school": sup.school_a.pk,
                "department": sup.department.pk,
                "reason": "消防通道长期堵塞",
                "hazard_codes": hazard.code,
                "deadline": "2026-06-30",
            },
        )
        assert response.status_code == 302
        record = AccountabilityRecord.objects.get()
        step = reverse("accountability:record_step", args=[record.pk])
        client.force_login(sup.leader)
        assert client.post(step, {"step": "follow_up", "comment": "已约谈"}).status_code == 302
        client.force_login(sup.centre)
        assert client.post(step, {"step": "close", "comment": "整改完成"}).status_code == 302
    else:
        response = post(
            client,
            RECORDS,
            {
                "kind": RecordKind.DEADLINE,
                "basis": RecordBasis.HAZARD,
                "school": sup.school_a.pk,
                "department": sup.department.pk,
                "reason": "消防通道长期堵塞",
                "hazard_codes": [hazard.code],
                "deadline": "2026-06-30",
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        record = AccountabilityRecord.objects.get()
        assert body["id"] == record.pk and body["status"] == RecordStatus.OPEN
        assert [h["code"] for h in body["hazards"]] == [hazard.code]
        assert body["allowed_actions"] == ["follow_up", "close"]
        client.force_login(sup.leader)
        response = post(client, f"{RECORDS}{record.pk}/follow-up/", {"comment": "已约谈"})
        assert response.status_code == 200 and response.json()["status"] == "follow_up"
        client.force_login(sup.centre)
        response = post(client, f"{RECORDS}{record.pk}/close/", {"comment": "整改完成"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "closed" and body["allowed_actions"] == []
        assert [(e["action"], e["actor_name"] != "") for e in body["events"]] == [
            ("open", True),
            ("follow_up", True),
            ("close", True),
        ]
    record.refresh_from_db()
    return record


EXPECTED_RECORD = (
    RecordKind.DEADLINE,
    RecordStatus.CLOSED,
    datetime.date(2026, 6, 30),
    "centre",
    [
        ("open", "centre", "safety_centre", "消防通道长期堵塞", "open"),
        ("follow_up", "leader", "leadership", "已约谈", ["open", "follow_up"]),
        ("close", "centre", "safety_centre", "整改完成", ["follow_up", "closed"]),
    ],
)


@pytest.mark.parametrize("via", ["page", "api"])
def test_opening_following_up_and_closing_write_the_same_events(sup, client, via):
    hazard = make_hazard(sup)
    record = _record_via(via, client, sup, hazard)
    events = [
        (e.action, e.actor.username, e.actor_role, e.comment, e.data.get("status", "open"))
        for e in AccountabilityEvent.objects.filter(record=record).select_related("actor")
    ]
    got = (record.kind, record.status, record.deadline, record.opened_by.username, events)
    assert got == EXPECTED_RECORD
    assert list(record.hazards.all()) == [hazard]
    assert record.closed_at is not None
    assert AccountabilityEvent.objects.get(record=record, action="open").data["hazards"] == [
        hazard.pk
    ]


def test_the_detail_shows_the_history_and_only_the_hazards_the_caller_sees(sup, client):
    hazard = make_hazard(sup)
    record = _open(sup, department=sup.department, hazards=[hazard])
    services.record_follow_up(actor=sup.leader, record_id=record.pk, comment="已约谈校长")
    client.force_login(sup.school_user)
    body = client.get(f"{RECORDS}{record.pk}/").json()
    assert body["school_name"] == sup.school_a.name
    assert body["department_name"] == sup.department.name
    assert [h["code"] for h in body["hazards"]] == [hazard.code]
    assert [(e["action"], e["actor_role"], e["comment"]) for e in body["events"]] == [
        ("open", "safety_centre", "隐患逾期未整改"),
        ("follow_up", "leadership", "已约谈校长"),
    ]
    assert body["allowed_actions"] == []  # a school reads; it takes no step
    client.force_login(sup.leader)
    assert client.get(f"{RECORDS}{record.pk}/").json()["allowed_actions"] == [
        "follow_up",
        "close",
    ]


# --- records: refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"kind": RecordKind.DEADLINE}, "deadline"),
        ({"school": "other"}, "school"),
        ({"school": None}, "school"),
        ({"hazard_codes": ["XX-2026-999999"]}, "hazard_codes"),
        ({"kind": "talk"}, "kind"),
        ({"school": 2**70}, "school"),
        ({"weekly_report": 12345}, "weekly_report"),
    ],
)
def test_opening_refuses_bad_input_in_chinese_and_saves_nothing(sup, client, changes, field):
    data = {
        "kind": RecordKind.INTERVIEW,
        "basis": RecordBasis.HAZARD,
        "school": sup.school_a.pk,
        "reason": "隐患逾期未整改",
        **changes,
    }
    if data["school"] == "other":
        data["school"] = sup.school_other.pk
    client.force_login(sup.centre)
    response = post(client, RECORDS, data)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"], body
    assert chinese(body["message"]), body["message"]
    assert not AccountabilityRecord.objects.exists()
    assert not AccountabilityEvent.objects.exists()


def test_a_hazard_not_of_the_school_named_is_refused(sup, client):
    from safecampus.hazards.testing import hazard_at

    at_b = hazard_at(
        "rectifying", school=sup.school_b, school_user=sup.school_b_user, dept_user=sup.dept_user
    )
    client.force_login(sup.centre)
    response = post(
        client,
        RECORDS,
        {
            "kind": RecordKind.INTERVIEW,
            "basis": RecordBasis.HAZARD,
            "school": sup.school_a.pk,
            "reason": "隐患逾期未整改",
            "hazard_codes": [at_b.code],
        },
    )
    assert response.status_code == 400
    assert at_b.code in response.json()["errors"]["hazards"][0]
    assert not AccountabilityRecord.objects.exists()


def test_a_step_without_a_comment_is_refused_and_a_closed_record_takes_no_step(sup, client):
    record = _open(sup)
    client.force_login(sup.centre)
    for data in ({"comment": "  "}, {}):  # blank or absent: the service's refusal
        response = post(client, f"{RECORDS}{record.pk}/follow-up/", data)
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "comment_required" and chinese(body["message"])
        assert list(body["errors"]) == ["comment"]
    # and the schema says so
    schema = client.get("/api/schema/", {"format": "json"}).json()
    step = schema["components"]["schemas"]["AccountabilityRecordStepRequest"]
    assert step["required"] == ["comment"]
    assert record.events.count() == 1
    assert AccountabilityRecord.objects.get(pk=record.pk).status == RecordStatus.OPEN

    services.record_close(actor=sup.centre, record_id=record.pk, comment="整改到位")
    for step in ("follow-up", "close"):
        response = post(client, f"{RECORDS}{record.pk}/{step}/", {"comment": "再次督促"})
        assert response.status_code == 409, response.content
        body = response.json()
        assert body["code"] == "invalid_transition" and chinese(body["message"])
    assert record.events.count() == 2


def test_the_page_refuses_a_closed_record_as_well(sup, client):
    record = _open(sup)
    services.record_close(actor=sup.centre, record_id=record.pk, comment="整改到位")
    client.force_login(sup.centre)
    response = client.post(
        reverse("accountability:record_step", args=[record.pk]),
        {"step": "follow_up", "comment": "再次督促"},
    )
    assert response.status_code == 400
    assert record.events.count() == 2


# --- records: the list ---------------------------------------------------------------------------


def _ids(client, url, **params) -> list[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def test_the_record_list_is_scoped_and_filtered_as_the_page(sup, client):
    at_a = _open(sup, reason="甲校约谈")
    at_dept = _open(
        sup, kind=RecordKind.CRITICISM, school=None, department=sup.department, reason="科室通报"
    )
    closed = _open(sup, school=sup.school_b, reason="乙园约谈")
    services.record_close(actor=sup.centre, record_id=closed.pk, comment="整改到位")
    client.force_login(sup.centre)
    assert _ids(client, RECORDS) == [closed.pk, at_dept.pk, at_a.pk]
    assert _ids(client, RECORDS, kind=RecordKind.CRITICISM) == [at_dept.pk]
    assert _ids(client, RECORDS, status=RecordStatus.CLOSED) == [closed.pk]
    assert _ids(client, RECORDS, school=sup.school_a.pk) == [at_a.pk]
    assert _ids(client, RECORDS, department=sup.department.pk) == [at_dept.pk]
    bad = client.get(RECORDS, {"status": "finished"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert client.get(RECORDS, {"school": "x"}).status_code == 400
    # the scope: a school its own, a department its own, another bureau none
    client.force_login(sup.school_user)
    assert _ids(client, RECORDS) == [at_a.pk]
    client.force_login(sup.dept_user)
    assert _ids(client, RECORDS) == [at_dept.pk]
    client.force_login(sup.other_centre)
    assert _ids(client, RECORDS) == []


def test_the_record_list_query_count_is_pinned(sup, client):
    client.force_login(sup.centre)
    _open(sup)
    _open(sup, school=None, department=sup.department)
    few = count_queries(client, RECORDS)
    for i in range(18):
        school = SchoolFactory(bureau=sup.bureau)
        _open(sup, school=school, department=sup.department, reason=f"原因{i}")
    assert len(client.get(RECORDS).json()["results"]) == 20
    assert count_queries(client, RECORDS) == few


# --- consultations: the same as the page --------------------------------------------------------


def _consultation_via(via, client, sup, hard, disputed):
    """Plan a consultation and apply its decisions through the page or the API."""
    client.force_login(sup.leader)
    plan = {
        "kind": "coordination",
        "title": "难点隐患协调会",
        "held_on": "2026-04-10",
        "location": "局三楼会议室",
        "attendees": "分管局长、安全中心、普教一科、安保科",
        "notes": "逐项研究",
    }
    if via == "page":
        response = client.post(
            reverse("accountability:consultation_new"),
            {**plan, "hazards": [hard.pk, disputed.pk]},
        )
        assert response.status_code == 302
    else:
        response = post(client, CONSULTATIONS, {**plan, "hazards": [hard.pk, disputed.pk]})
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "planned" and body["allowed_actions"] == ["apply"]
        assert {i["hazard_code"]: i["reason"] for i in body["items"]} == {
            hard.code: "hard",
            disputed.code: "disputed",
        }
        assert sup.other_dept.pk in [d["id"] for d in body["departments"]]
    consultation = Consultation.objects.get()
    h_item = consultation.items.get(hazard=hard)
    d_item = consultation.items.get(hazard=disputed)
    if via == "page":
        response = client.post(
            consultation.get_absolute_url(),
            {
                f"item-{h_item.pk}-decisions": [Decision.NEW_DEADLINE, Decision.SUPERVISE],
                f"item-{h_item.pk}-deadline": new_deadline().isoformat(),
                f"item-{h_item.pk}-comment": "资金已落实",
                f"item-{d_item.pk}-decisions": [Decision.NEW_DEPARTMENT],
                f"item-{d_item.pk}-department": sup.other_dept.pk,
                f"item-{d_item.pk}-comment": "由安保科负责",
            },
        )
        assert response.status_code == 302
    else:
        response = post(
            client,
            f"{CONSULTATIONS}{consultation.pk}/apply/",
            {
                "items": [
                    {
                        "item": h_item.pk,
                        "decisions": [Decision.NEW_DEADLINE, Decision.SUPERVISE],
                        "deadline": new_deadline().isoformat(),
                        "comment": "资金已落实",
                    },
                    {
                        "item": d_item.pk,
                        "decisions": [Decision.NEW_DEPARTMENT],
                        "department": sup.other_dept.pk,
                        "comment": "由安保科负责",
                    },
                ]
            },
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "decided" and body["allowed_actions"] == []
        assert body["departments"] == []
    consultation.refresh_from_db()
    return consultation


@pytest.mark.parametrize("via", ["page", "api"])
def test_planning_and_applying_decisions_have_the_same_effect(sup, client, via):
    hard = make_hazard(sup, Status.HARD)
    disputed = make_disputed(sup)
    consultation = _consultation_via(via, client, sup, hard, disputed)
    assert (
        consultation.kind,
        consultation.title,
        consultation.location,
        consultation.status,
        consultation.decided_by,
        consultation.created_by,
    ) == ("coordination", "难点隐患协调会", "局三楼会议室", "decided", sup.leader, sup.leader)
    items = {
        i.hazard_id: (sorted(i.decisions), i.department_id, i.deadline, i.comment)
        for i in consultation.items.all()
    }
    assert items == {
        hard.pk: (
            sorted([Decision.NEW_DEADLINE, Decision.SUPERVISE]),
            None,
            new_deadline(),
            "资金已落实",
        ),
        disputed.pk: ([Decision.NEW_DEPARTMENT], sup.other_dept.pk, None, "由安保科负责"),
    }
    hard.refresh_from_db()
    disputed.refresh_from_db()
    assert (hard.status, hard.deadline, hard.supervised) == (
        Status.RECTIFYING,
        new_deadline(),
        True,
    )
    assert disputed.responsible_department == sup.other_dept
    assert not disputed.responsibility_disputed
    events = HazardEvent.objects.filter(action=Action.CONSULT).order_by("hazard_id")
    assert [(e.hazard_id, e.actor, e.data["consultation"]) for e in events] == sorted(
        [(hard.pk, sup.leader, consultation.pk), (disputed.pk, sup.leader, consultation.pk)]
    )
    assert all(i.hazard_event_id for i in consultation.items.all())


# --- consultations: refusals ---------------------------------------------------------------------


def test_planning_refuses_bad_input_in_chinese_and_saves_nothing(sup, client):
    hard = make_hazard(sup, Status.HARD)
    rectifying = make_hazard(sup, Status.RECTIFYING)  # not a candidate
    client.force_login(sup.leader)
    plan = {"kind": "study", "title": "难点隐患专题研商", "held_on": "2026-04-10"}
    missing = post(client, CONSULTATIONS, {**plan, "hazards": [hard.pk]})
    assert missing.status_code == 400
    assert "attendees" in missing.json()["errors"] and chinese(missing.json()["message"])
    plan["attendees"] = "分管局长、安全中心"
    none = post(client, CONSULTATIONS, {**plan, "hazards": []})
    assert none.status_code == 400 and "hazards" in none.json()["errors"]
    assert chinese(none.json()["message"])
    not_candidate = post(client, CONSULTATIONS, {**plan, "hazards": [hard.pk, rectifying.pk]})
    assert not_candidate.status_code == 400
    body = not_candidate.json()
    assert body["code"] == "not_candidate" and rectifying.code in body["message"]
    other_bureau = post(client, CONSULTATIONS, {**plan, "hazards": [hard.pk], "campaign": 999})
    assert other_bureau.status_code == 400 and "campaign" in other_bureau.json()["errors"]
    assert not Consultation.objects.exists() and not ConsultationItem.objects.exists()

    # a hazard named twice is discussed once; one already on a planned consultation is not
    # planned twice
    assert post(client, CONSULTATIONS, {**plan, "hazards": [hard.pk, hard.pk]}).status_code == 201
    assert list(ConsultationItem.objects.values_list("hazard", flat=True)) == [hard.pk]
    again = post(client, CONSULTATIONS, {**plan, "hazards": [hard.pk]})
    assert again.status_code == 400 and again.json()["code"] == "not_candidate"
    assert Consultation.objects.count() == 1


def test_applying_refuses_bad_input_and_applies_nothing(sup, client):
    hard = make_hazard(sup, Status.HARD)
    disputed = make_disputed(sup)
    consultation = _plan(sup, [hard, disputed])
    other = _plan(sup, [make_hazard(sup, Status.HARD)], title="另一次研商")
    h_item = consultation.items.get(hazard=hard)
    d_item = consultation.items.get(hazard=disputed)
    url = f"{CONSULTATIONS}{consultation.pk}/apply/"
    good = {
        "item": h_item.pk,
        "decisions": [Decision.NEW_DEADLINE],
        "deadline": new_deadline().isoformat(),
        "comment": "资金已落实",
    }
    foreign = DepartmentFactory(bureau=sup.other_bureau, name="外区科室")
    named = {"item": d_item.pk, "decisions": [Decision.NEW_DEPARTMENT]}
    client.force_login(sup.leader)
    cases = [
        ({"items": [good, {"item": other.items.get().pk}]}, "items", "invalid"),
        ({"items": [good, good]}, "items", "invalid"),
        # a department of another bureau
        (
            {"items": [good, {**named, "department": foreign.pk}]},
            "items",
            "invalid",
        ),
        ({"items": [good, {**named, "department": 2**70}]}, "items", "invalid"),
        ({"items": [{**good, "decisions": ["moon"]}]}, "items", "invalid"),
        # the disputed hazard needs a department named: the refusal names its item
        (
            {"items": [good, {"item": d_item.pk, "decisions": [Decision.SUPERVISE]}]},
            f"item_{d_item.pk}",
            "invalid",
        ),
    ]
    for data, field, code in cases:
        response = post(client, url, data)
        assert response.status_code == 400, (data, response.content)
        body = response.json()
        # a nested field's error is named by its dotted path (items.1.department)
        named_fields = {f.split(".")[0] for f in body["errors"]}
        assert body["code"] == code and field in named_fields, body
        assert chinese(body["message"]), body["message"]
    assert disputed.code in post(client, url, cases[-1][0]).json()["message"]
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.PLANNED
    assert Hazard.objects.get(pk=hard.pk).status == Status.HARD
    assert not HazardEvent.objects.filter(action=Action.CONSULT).exists()
    assert not ConsultationItem.objects.filter(applied_at__isnull=False).exists()


def test_decisions_are_applied_once(sup, client):
    hard = make_hazard(sup, Status.HARD)
    consultation = _plan(sup, [hard])
    item = consultation.items.get()
    data = {"items": [{"item": item.pk, "decisions": [Decision.ESCALATE], "comment": "请区领导"}]}
    client.force_login(sup.leader)
    url = f"{CONSULTATIONS}{consultation.pk}/apply/"
    assert post(client, url, data).status_code == 200
    again = post(client, url, data)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition" and chinese(again.json()["message"])
    assert HazardEvent.objects.filter(action=Action.CONSULT).count() == 1


# --- consultations: reads ------------------------------------------------------------------------


def test_a_department_reads_only_its_own_hazards_of_a_consultation(sup, client):
    from safecampus.hazards.testing import hazard_at

    mine = make_disputed(sup)  # 普教一科's
    item = sup.catalog.items.get(code="A02-01")
    item.responsible_departments.set([sup.other_dept])
    theirs = hazard_at(
        Status.HARD,
        school=sup.school_a,
        school_user=sup.school_user,
        dept_user=sup.other_dept_user,
        item=item,
    )
    consultation = _plan(sup, [mine, theirs])
    client.force_login(sup.dept_user)
    body = client.get(f"{CONSULTATIONS}{consultation.pk}/").json()
    assert [i["hazard_code"] for i in body["items"]] == [mine.code]
    assert body["allowed_actions"] == [] and body["departments"] == []
    assert [c["n_items"] for c in client.get(CONSULTATIONS).json()["results"]] == [1]
    client.force_login(sup.centre)
    body = client.get(f"{CONSULTATIONS}{consultation.pk}/").json()
    assert {i["hazard_code"] for i in body["items"]} == {mine.code, theirs.code}
    assert body["n_items"] == 2


def test_the_consultation_list_and_candidates(sup, client):
    hard = make_hazard(sup, Status.HARD)
    disputed = make_disputed(sup)
    make_hazard(sup, Status.RECTIFYING)  # not a candidate
    client.force_login(sup.leader)
    assert {c["id"]: c["reason"] for c in client.get(CANDIDATES).json()["results"]} == {
        hard.pk: "hard",
        disputed.pk: "disputed",
    }
    planned = _plan(sup, [hard])
    decided = _plan(sup, [disputed], title="协调会")
    services.consultation_apply(
        actor=sup.leader,
        consultation_id=decided.pk,
        decisions={
            decided.items.get().pk: {
                "decisions": [Decision.NEW_DEPARTMENT],
                "department": sup.other_dept,
            }
        },
    )
    # a hazard on a planned consultation is no longer offered
    assert [c["id"] for c in client.get(CANDIDATES).json()["results"]] == []
    assert set(_ids(client, CONSULTATIONS)) == {planned.pk, decided.pk}
    assert _ids(client, CONSULTATIONS, status="planned") == [planned.pk]
    assert _ids(client, CONSULTATIONS, status="decided") == [decided.pk]
    assert client.get(CONSULTATIONS, {"status": "held"}).status_code == 400
    client.force_login(sup.other_centre)
    assert _ids(client, CONSULTATIONS) == []
    assert _ids(client, CANDIDATES) == []


def test_the_consultation_lists_query_counts_are_pinned(sup, client):
    hazards = [make_hazard(sup, Status.HARD), make_disputed(sup)]
    client.force_login(sup.centre)
    assert len(client.get(CANDIDATES).json()["results"]) == 2
    few_candidates = count_queries(client, CANDIDATES)
    base = _plan(sup, hazards[:1])
    _plan(sup, hazards[1:], title="协调会")
    few = count_queries(client, CONSULTATIONS)
    for i in range(18):
        c = Consultation.objects.create(
            bureau=sup.bureau,
            kind="study",
            title=f"研商{i}",
            held_on=base.held_on,
            attendees="安全中心",
            created_by=sup.leader,
        )
        ConsultationItem.objects.create(consultation=c, hazard=hazards[0], reason="hard")
    assert len(client.get(CONSULTATIONS).json()["results"]) == 20
    assert count_queries(client, CONSULTATIONS) == few
    # the candidates: more hazards, the same queries
    Consultation.objects.all().update(status=ConsultationStatus.DECIDED)
    for _ in range(4):
        make_hazard(sup, Status.HARD)
    assert len(client.get(CANDIDATES).json()["results"]) == 6
    assert count_queries(client, CANDIDATES) == few_candidates


# --- the schema ----------------------------------------------------------------------------------


def test_the_endpoints_are_documented(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    expected = {
        "/api/v1/accountability-records/": {"get", "post"},
        "/api/v1/accountability-records/{id}/": {"get"},
        "/api/v1/accountability-records/{id}/follow-up/": {"post"},
        "/api/v1/accountability-records/{id}/close/": {"post"},
        "/api/v1/consultations/": {"get", "post"},
        "/api/v1/consultations/candidates/": {"get"},
        "/api/v1/consultations/{id}/": {"get"},
        "/api/v1/consultations/{id}/apply/": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
        for method in methods:
            assert "Roles" in paths[path][method]["description"], (path, method)
    for path in (
        "/api/v1/accountability-records/{id}/follow-up/",
        "/api/v1/accountability-records/{id}/close/",
        "/api/v1/consultations/{id}/apply/",
    ):
        responses = paths[path]["post"]["responses"]
        assert "invalid_transition" in responses["409"]["description"], path
        assert {"400", "403", "404"} <= set(responses)
