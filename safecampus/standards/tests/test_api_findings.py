"""The card, findings, rule sets and compliance API: scope (404), roles (403), bad input (400,
Chinese, nothing changed), the round trip from facts to a hazard and back, and query counts
pinned on the list endpoints."""

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory, count_queries, scope_matrix
from safecampus.hazards.choices import Source, Status
from safecampus.hazards.models import Hazard
from safecampus.standards import services
from safecampus.standards.choices import FindingStatus, Outcome
from safecampus.standards.models import Finding, RuleSet
from safecampus.standards.testing import compliant_gate, record_facts

from .api_helpers import (
    INTERIM,
    assert_json_error,
    send,
    sheet,
    sw_fixture,  # noqa: F401 - the fixture `sw`
)

pytestmark = pytest.mark.dates

R = Role
FACTS = "/api/v1/standard-facts/"
CARDS = "/api/v1/standard-cards/"
FINDINGS = "/api/v1/standard-findings/"
BULK = "/api/v1/standard-findings/raise-hazards/"
RULE_SETS = "/api/v1/rule-sets/"
COMPLIANCE = "/api/v1/standard-compliance/"


def _no_night_guards(sw, school=None):
    """School A (or ``school``) records facts with nobody at the gates at night."""
    school = school or sw.w.school_a
    gates = [compliant_gate(guards_night=0) for _ in range(school.gate_count)]
    record_facts(school, sw.user(R.SAFETY_CENTRE), gates=gates)
    return Finding.objects.get(school=school, key="guards.night", status=FindingStatus.OPEN)


def test_round_trip_from_facts_to_a_hazard_and_back(sw, client):
    a = sw.w.school_a
    client.force_login(sw.user(R.SCHOOL_OFFICER))
    response = send(client, "put", f"{FACTS}{a.pk}/", {**sheet(night=0), "version": 0})
    assert response.status_code == 200, response.content
    # the card shows the failure, its explanation and the finding
    card = client.get(f"{CARDS}{a.pk}/").json()
    line = next(r for r in card["requirements"] if r["key"] == "guards.night")
    finding = Finding.objects.get(school=a, key="guards.night")
    assert line["outcome"] == Outcome.FAIL
    assert line["finding"] == finding.pk
    assert line["actual"] == 0 and line["required"] == 1
    assert line["clause"] and line["explanation"] and line["rule_set"]
    assert card["failing"] == 1
    # the school sees its finding but may not turn it into a hazard
    rows = client.get(FINDINGS).json()["results"]
    assert [(r["id"], r["hazard"]) for r in rows] == [(finding.pk, None)]
    refused = send(client, "post", f"{FINDINGS}{finding.pk}/raise-hazard/", INTERIM)
    assert_json_error(refused, 403, "permission_denied")
    # its department does
    client.force_login(sw.user(R.DEPARTMENT_OFFICER))
    detail = client.get(f"{FINDINGS}{finding.pk}/").json()
    assert detail["can_raise_hazard"] is True
    assert [e["action"] for e in detail["events"]] == ["open"]
    response = send(client, "post", f"{FINDINGS}{finding.pk}/raise-hazard/", INTERIM)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["hazard"]["status"] == Status.REPORTED
    assert body["can_raise_hazard"] is False
    assert [e["action"] for e in body["events"]] == ["open", "raise_hazard"]
    hazard = Hazard.objects.get(pk=body["hazard"]["id"])
    assert hazard.source == Source.RULE_FINDING and hazard.school == a
    again = send(client, "post", f"{FINDINGS}{finding.pk}/raise-hazard/", INTERIM)
    assert_json_error(again, 409, "invalid_transition")
    assert Hazard.objects.count() == 1
    # the school fixes it: the finding resolves and the hazard awaits acceptance
    client.force_login(sw.user(R.SCHOOL_OFFICER))
    response = send(client, "put", f"{FACTS}{a.pk}/", {**sheet(night=1), "version": 1})
    assert response.status_code == 200, response.content
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED
    hazard.refresh_from_db()
    assert hazard.status == Status.SUBMITTED == "submitted"
    card = client.get(f"{CARDS}{a.pk}/").json()
    line = next(r for r in card["requirements"] if r["key"] == "guards.night")
    assert (line["outcome"], line["finding"], card["failing"]) == (Outcome.PASS, None, 0)


def test_card_scope(sw, client):
    record_facts(sw.w.school_a, sw.user(R.SCHOOL_OFFICER))
    scope_matrix(
        client,
        f"{CARDS}{sw.w.school_a.pk}/",
        permitted=sw.user(R.INSPECTOR),
        # the partner unit covers school A but the bureau granted it nothing
        out_of_scope=[sw.school_b_user, sw.other_centre, sw.user(R.PARTNER)],
        wrong_role=[sw.user(R.AUDITOR), sw.user(R.SECURITY_ADMIN)],
    )
    client.force_login(sw.user(R.SAFETY_CENTRE))
    assert_json_error(client.get(f"{CARDS}abc/"), 404, "not_found")


def test_standings_list_filters_and_query_count(sw, client):
    _no_night_guards(sw)
    record_facts(sw.w.school_b, sw.user(R.SAFETY_CENTRE), gates=[compliant_gate()])
    client.force_login(sw.user(R.LEADERSHIP))
    rows = client.get(CARDS).json()["results"]
    assert [(r["school"]["id"], r["failing"]) for r in rows] == [
        (sw.w.school_a.pk, 1),
        (sw.w.school_b.pk, 0),
    ]
    failing = client.get(CARDS, {"failing": "true"}).json()["results"]
    assert [r["school"]["id"] for r in failing] == [sw.w.school_a.pk]
    kg = client.get(CARDS, {"stage": "kindergarten"}).json()["results"]
    assert [r["school"]["id"] for r in kg] == [sw.w.school_b.pk]
    assert_json_error(client.get(CARDS, {"stage": "castle"}), 400, "invalid")
    client.force_login(sw.school_b_user)
    assert [r["school"]["id"] for r in client.get(CARDS).json()["results"]] == [sw.w.school_b.pk]
    client.force_login(sw.user(R.LEADERSHIP))
    before = count_queries(client, CARDS)
    for _ in range(3):
        record_facts(SchoolFactory(bureau=sw.w.bureau, gate_count=1), sw.user(R.SAFETY_CENTRE))
    assert count_queries(client, CARDS) == before <= 8


def test_finding_detail_scope_and_filters(sw, client):
    finding = _no_night_guards(sw)
    scope_matrix(
        client,
        f"{FINDINGS}{finding.pk}/",
        permitted=sw.user(R.PRINCIPAL),
        out_of_scope=[sw.school_b_user, sw.other_centre],
        wrong_role=[sw.user(R.AUDITOR)],
    )
    client.force_login(sw.user(R.SAFETY_CENTRE))
    for params, expected in [
        ({"status": "open"}, [finding.pk]),
        ({"status": "resolved"}, []),
        ({"key": "guards.night"}, [finding.pk]),
        ({"key": "guards.day"}, []),
        ({"pillar": "people"}, [finding.pk]),
        ({"pillar": "technical"}, []),
        ({"school": sw.w.school_a.pk}, [finding.pk]),
        ({"school": sw.w.school_b.pk}, []),
        ({"department": sw.w.department.pk}, [finding.pk]),
        ({"level": "major"}, [finding.pk]),
        ({"level": "general"}, []),
        ({"has_hazard": "false"}, [finding.pk]),
        ({"has_hazard": "true"}, []),
    ]:
        rows = client.get(FINDINGS, params).json()["results"]
        assert [r["id"] for r in rows] == expected, params
    assert_json_error(client.get(FINDINGS, {"level": "huge"}), 400, "invalid")
    client.force_login(sw.other_centre)
    assert client.get(FINDINGS).json()["results"] == []


def test_raise_hazard_scope_and_roles(sw, client):
    finding = _no_night_guards(sw)
    scope_matrix(
        client,
        f"{FINDINGS}{finding.pk}/raise-hazard/",
        method="post",
        data=INTERIM,
        permitted=sw.user(R.SAFETY_CENTRE),
        out_of_scope=[sw.other_centre],
        wrong_role=[sw.user(R.SCHOOL_OFFICER), sw.user(R.LEADERSHIP), sw.user(R.INSPECTOR)],
    )
    finding.refresh_from_db()
    assert finding.hazard is not None


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "interim_measures_required", None),
        ({**INTERIM, "interim_deadline": "明天"}, "invalid", "interim_deadline"),
    ],
)
def test_raise_hazard_bad_input_changes_nothing(sw, client, body, code, field):
    finding = _no_night_guards(sw)
    client.force_login(sw.user(R.DEPARTMENT_OFFICER))
    response = send(client, "post", f"{FINDINGS}{finding.pk}/raise-hazard/", body)
    errors = assert_json_error(response, 400, code)["errors"]
    if field:
        assert field in errors
    finding.refresh_from_db()
    assert finding.hazard is None and finding.version == 0
    assert not Hazard.objects.exists()


def test_raise_hazards_in_bulk(sw, client):
    first = _no_night_guards(sw)
    second = _no_night_guards(sw, school=sw.w.school_b)
    client.force_login(sw.user(R.SCHOOL_OFFICER))
    refused = send(client, "post", BULK, {"all": True, **INTERIM})
    assert_json_error(refused, 403, "permission_denied")
    client.force_login(sw.user(R.DEPARTMENT_OFFICER))
    for body in ({**INTERIM}, {"ids": [first.pk], "all": True}, {"ids": []}):
        assert_json_error(send(client, "post", BULK, body), 400, "invalid")
    # an id that is not the caller's: all or nothing
    refused = send(client, "post", BULK, {"ids": [first.pk, 10**9], **INTERIM})
    assert_json_error(refused, 400, "invalid")
    assert not Hazard.objects.exists()
    response = send(client, "post", BULK, {"ids": [first.pk], **INTERIM})
    assert response.status_code == 200, response.content
    assert [(r["id"], r["hazard"]["status"]) for r in response.json()] == [
        (first.pk, Status.REPORTED)
    ]
    response = send(client, "post", BULK, {"all": True, **INTERIM})
    assert [r["id"] for r in response.json()] == [second.pk]
    assert Hazard.objects.count() == 2


def test_findings_list_query_count(sw, client):
    _no_night_guards(sw)
    client.force_login(sw.user(R.SAFETY_CENTRE))
    before = count_queries(client, FINDINGS)
    for _ in range(3):
        finding = _no_night_guards(sw, school=SchoolFactory(bureau=sw.w.bureau, gate_count=1))
    from safecampus.standards import services

    services.raise_hazard(actor=sw.user(R.SAFETY_CENTRE), finding_id=finding.pk, interim=INTERIM)
    assert client.get(FINDINGS).json()["count"] == 4
    assert count_queries(client, FINDINGS) == before <= 8


def test_rule_sets_a_partner_unit_reads_none(sw, client):
    client.force_login(sw.user(R.PARTNER))
    assert client.get(RULE_SETS).json()["results"] == []
    shanghai = RuleSet.objects.get(code="shanghai")
    assert_json_error(client.get(f"{RULE_SETS}{shanghai.pk}/"), 404, "not_found")


def test_rule_set_draft_only_for_its_editors(sw, client):
    own = services.create_rule_set(
        actor=sw.user(R.SAFETY_CENTRE), bureau=sw.w.bureau, code="minhang", name="闵行区补充要求"
    )
    url = f"{RULE_SETS}{own.pk}/"
    for role in (R.SCHOOL_OFFICER, R.LEADERSHIP):
        client.force_login(sw.user(role))
        assert client.get(url).json()["versions"] == [], role
        assert_json_error(client.get(url, {"version": 1}), 404, "not_found")
    client.force_login(sw.user(R.SAFETY_CENTRE))
    body = client.get(url, {"version": 1}).json()
    assert [(v["number"], v["status"]) for v in body["versions"]] == [(1, "draft")]
    assert body["rules_version"] == 1


def test_rule_sets(sw, client):
    kept = RuleSet.objects.create(code="xuhui", name="徐汇区标准", bureau=sw.w.other_bureau)
    client.force_login(sw.user(R.SCHOOL_OFFICER))
    body = client.get(RULE_SETS).json()
    codes = [r["code"] for r in body["results"]]
    assert {"gb29315", "shanghai"} <= set(codes) and "xuhui" not in codes
    rows = client.get(RULE_SETS, {"code": "shanghai"}).json()["results"]
    assert [(r["code"], r["extends"], r["published_version"]) for r in rows] == [
        ("shanghai", "gb29315", 1)
    ]
    shanghai = RuleSet.objects.get(code="shanghai")
    detail = client.get(f"{RULE_SETS}{shanghai.pk}/").json()
    assert [v["number"] for v in detail["versions"]] == [1]
    by_key = {r["key"]: r for r in detail["rules"]}
    assert by_key["guards.night"]["set_code"] == "shanghai"
    assert by_key["guards.night"]["inherited"] is False
    assert any(r["inherited"] and r["set_code"] == "gb29315" for r in detail["rules"])
    missing = client.get(f"{RULE_SETS}{shanghai.pk}/", {"version": 9})
    assert_json_error(missing, 404, "not_found")
    scope_matrix(
        client,
        f"{RULE_SETS}{kept.pk}/",
        permitted=sw.other_centre,
        out_of_scope=[sw.user(R.SAFETY_CENTRE), sw.school_b_user],
        wrong_role=[sw.user(R.AUDITOR), sw.user(R.SYSTEM_ADMIN)],
    )
    client.force_login(sw.user(R.SAFETY_CENTRE))
    before = count_queries(client, RULE_SETS)
    for n in range(3):
        RuleSet.objects.create(code=f"own{n}", name=f"本区{n}", bureau=sw.w.bureau)
    assert count_queries(client, RULE_SETS) == before <= 8


def test_compliance(sw, client):
    _no_night_guards(sw)
    scope_matrix(
        client,
        COMPLIANCE,
        permitted=sw.user(R.LEADERSHIP),
        wrong_role=[sw.user(R.SCHOOL_OFFICER), sw.user(R.PRINCIPAL), sw.user(R.PARTNER)],
    )
    client.force_login(sw.user(R.SAFETY_CENTRE))
    body = client.get(COMPLIANCE).json()
    night = next(r for r in body["by_rule"] if r["key"] == "guards.night")
    assert (night["pass"], night["fail"]) == (0, 1)
    assert [s["stage"] for s in body["by_stage"]] == [sw.w.school_a.stage]
    assert set(body["four100"]) == {"guards", "closed", "alarm_video", "escort"}
    kg = client.get(COMPLIANCE, {"stage": "kindergarten"}).json()
    assert kg["by_rule"] == []
    assert_json_error(client.get(COMPLIANCE, {"stage": "castle"}), 400, "invalid")
    # the other bureau's centre counts its own bureau only
    client.force_login(sw.other_centre)
    body = client.get(COMPLIANCE).json()
    assert body["by_rule"] == [] and body["by_stage"] == []
