"""The facts API: read, change (PUT/PATCH), history and the facts on a date, verify and
return; each with its scope (404), its roles (403), bad input (400, Chinese, nothing changed)
and a stale version (409)."""

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix
from safecampus.standards.choices import FactsStatus
from safecampus.standards.models import FactsRevision, SecurityFacts
from safecampus.standards.testing import record_facts

from .api_helpers import (
    assert_json_error,
    send,
    sheet,
    sw_fixture,  # noqa: F401 - the fixture `sw`
)

pytestmark = pytest.mark.dates

R = Role
LIST = "/api/v1/standard-facts/"


def url(school, tail=""):
    return f"{LIST}{school.pk}/{tail}"


def _snapshot(school):
    facts = SecurityFacts.objects.filter(school=school).first()
    return (
        facts and facts.version,
        facts and facts.guards_total,
        FactsRevision.objects.filter(school=school).count(),
    )


def test_detail_before_and_after_the_first_record(sw, client):
    a = sw.w.school_a
    client.force_login(sw.user(R.SCHOOL_OFFICER))
    body = client.get(url(a)).json()
    assert body["recorded"] is False
    assert body["version"] == 0
    assert body["gate_count"] == 3
    assert len(body["gates"]) == 3
    assert body["facts"]["guards_total"] is None
    record_facts(a, sw.user(R.SCHOOL_OFFICER))
    body = client.get(url(a)).json()
    assert body["recorded"] is True
    assert body["version"] == 1
    assert body["status"] == FactsStatus.SUBMITTED
    assert body["facts"]["guards_total"] == 12
    assert body["facts"]["alarm_tested_on"] == "2026-11-20"
    assert body["gates"][0]["guards_day"] == 3
    assert body["updated_by"]["id"] == sw.user(R.SCHOOL_OFFICER).pk


def test_detail_scope(sw, client):
    record_facts(sw.w.school_a, sw.user(R.SCHOOL_OFFICER))
    scope_matrix(
        client,
        url(sw.w.school_a),
        permitted=sw.user(R.LEADERSHIP),
        out_of_scope=[sw.school_b_user, sw.other_centre],
        wrong_role=[sw.user(R.AUDITOR), sw.user(R.SYSTEM_ADMIN)],
    )
    # before any record, the other school's staff still get 404
    scope_matrix(
        client,
        url(sw.w.school_b),
        permitted=sw.school_b_user,
        out_of_scope=[sw.user(R.SCHOOL_OFFICER), sw.other_centre],
    )


def test_put_records_and_answers_the_sheet(sw, client):
    a = sw.w.school_a
    client.force_login(sw.user(R.SCHOOL_OFFICER))
    response = send(client, "put", url(a), {**sheet(), "version": 0, "comment": "首次填报"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 1 and body["facts"]["guards_total"] == 12
    revision = FactsRevision.objects.get(school=a)
    assert revision.comment == "首次填报"
    # PATCH changes one fact only
    response = send(client, "patch", url(a), {"facts": {"guards_total": 13}, "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["facts"]["guards_total"] == 13
    assert response.json()["facts"]["guards_certified"] == 12


def test_put_scope_and_roles(sw, client):
    a = sw.w.school_a
    body = {**sheet(), "version": 0}
    scope_matrix(
        client,
        url(a),
        method="put",
        data=body,
        permitted=sw.user(R.SAFETY_CENTRE),
        out_of_scope=[sw.school_b_user, sw.other_centre],
        wrong_role=[sw.user(R.LEADERSHIP), sw.user(R.INSPECTOR), sw.user(R.DEPARTMENT_OFFICER)],
    )
    assert SecurityFacts.objects.get(school=a).updated_by == sw.user(R.SAFETY_CENTRE)


def test_leader_put_is_refused_in_chinese(sw, client):
    client.force_login(sw.user(R.LEADERSHIP))
    response = send(client, "put", url(sw.w.school_a), {**sheet(), "version": 0})
    assert_json_error(response, 403, "permission_denied")
    assert _snapshot(sw.w.school_a) == (None, None, 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"facts": {"guards_total": -1}}, "guards_total"),
        ({"facts": {"guards_total": "很多"}}, "guards_total"),
        ({"facts": {"no_such_fact": 1}}, "no_such_fact"),
        ({"facts": {"alarm_tested_on": "2027-01-01"}}, "alarm_tested_on"),
        ({"gates": [{"guards_night": -2}]}, "gate1.guards_night"),
        ({"gates": [{"lasers": True}]}, "gate1.lasers"),
        ({"gates": [{}, {}, {}, {}]}, "gates"),
        ({"facts": {"guards_total": 3, "guards_certified": 5}}, "guards_certified"),
        ({"facts": ["guards_total"]}, "facts"),
        ({"version": -1}, "version"),
        ({"gates": [{"name": 5}]}, "gate1.name"),
        ({"gates": [{"name": ["x"]}]}, "gate1.name"),
        ({"gates": [{"name": None}]}, "gate1.name"),
        ({"gates": [{"name": "门" * 33}]}, "gate1.name"),
    ],
)
def test_bad_input_is_400_in_chinese_and_changes_nothing(sw, client, change, field):
    a = sw.w.school_a
    record_facts(a, sw.user(R.SCHOOL_OFFICER))
    before = _snapshot(a)
    client.force_login(sw.user(R.SCHOOL_OFFICER))
    response = send(client, "put", url(a), {"facts": {}, "gates": [], "version": 1, **change})
    body = assert_json_error(response, 400, "invalid")
    assert field in body["errors"], body
    assert _snapshot(a) == before


def test_put_needs_the_version(sw, client):
    client.force_login(sw.user(R.SCHOOL_OFFICER))
    response = send(client, "put", url(sw.w.school_a), {"facts": {"guards_total": 3}})
    body = assert_json_error(response, 400, "invalid")
    assert "version" in body["errors"]
    assert _snapshot(sw.w.school_a) == (None, None, 0)


def test_stale_version_is_409_and_changes_nothing(sw, client):
    a = sw.w.school_a
    record_facts(a, sw.user(R.SCHOOL_OFFICER))
    record_facts(a, sw.user(R.SAFETY_CENTRE), values={"guards_total": 14})
    before = _snapshot(a)
    client.force_login(sw.user(R.SCHOOL_OFFICER))
    response = send(client, "put", url(a), {"facts": {"guards_total": 20}, "version": 1})
    assert_json_error(response, 409, "stale")
    assert _snapshot(a) == before


def test_history_and_the_facts_on_a_date(sw, client, clock):
    a = sw.w.school_a
    school_user = sw.user(R.SCHOOL_OFFICER)
    record_facts(a, school_user)
    clock.move_to("2026-12-03 10:00")
    record_facts(a, school_user, values={"guards_total": 15})
    client.force_login(sw.user(R.DEPARTMENT_OFFICER))
    body = client.get(url(a, "history/")).json()
    assert [r["number"] for r in body["results"]] == [2, 1]
    assert body["results"][0]["changes"] == {"guards_total": [12, 15]}
    assert body["results"][0]["facts"]["guards_total"] == 15
    on = client.get(url(a, "history/"), {"as_of": "2026-12-02"}).json()
    assert [(r["number"], r["facts"]["guards_total"]) for r in on["results"]] == [(1, 12)]
    before = client.get(url(a, "history/"), {"as_of": "2026-11-01"}).json()
    assert before["results"] == []
    bad = client.get(url(a, "history/"), {"as_of": "十二月"})
    assert "as_of" in assert_json_error(bad, 400, "invalid")["errors"]
    scope_matrix(
        client,
        url(a, "history/"),
        permitted=sw.user(R.PRINCIPAL),
        out_of_scope=[sw.school_b_user, sw.other_centre],
        wrong_role=[sw.user(R.AUDITOR)],
    )


def _version(school) -> int:
    return SecurityFacts.objects.get(school=school).version


def test_verify_and_return_need_the_version(sw, client):
    a = sw.w.school_a
    record_facts(a, sw.user(R.SCHOOL_OFFICER))
    before = _snapshot(a)
    client.force_login(sw.user(R.DEPARTMENT_OFFICER))
    for tail, body in [
        ("verify/", {}),
        ("verify/", {"version": "一"}),
        ("verify/", {"version": 2**64}),
        ("return/", {"reason": "保安人数与合同不符"}),
    ]:
        response = send(client, "post", url(a, tail), body)
        assert "version" in assert_json_error(response, 400, "invalid")["errors"]
    assert _snapshot(a) == before
    assert SecurityFacts.objects.get(school=a).status == FactsStatus.SUBMITTED


def test_verify_with_a_stale_version_is_409(sw, client):
    a = sw.w.school_a
    record_facts(a, sw.user(R.SCHOOL_OFFICER))
    seen = _version(a)
    record_facts(a, sw.user(R.SAFETY_CENTRE), values={"guards_total": 14})
    client.force_login(sw.user(R.DEPARTMENT_OFFICER))
    response = send(client, "post", url(a, "verify/"), {"version": seen})
    assert_json_error(response, 409, "stale")
    assert SecurityFacts.objects.get(school=a).status == FactsStatus.SUBMITTED


def test_verify_and_return(sw, client):
    a = sw.w.school_a
    record_facts(a, sw.user(R.SCHOOL_OFFICER))
    scope_matrix(
        client,
        url(a, "verify/"),
        method="post",
        data={"version": _version(a)},
        permitted=sw.user(R.DEPARTMENT_OFFICER),
        out_of_scope=[sw.other_centre],
        wrong_role=[sw.user(R.SCHOOL_OFFICER), sw.user(R.LEADERSHIP)],
    )
    facts = SecurityFacts.objects.get(school=a)
    assert facts.status == FactsStatus.VERIFIED
    assert facts.verified_by == sw.user(R.DEPARTMENT_OFFICER)
    client.force_login(sw.user(R.SAFETY_CENTRE))
    # verified facts cannot be verified or returned again
    verified_again = send(client, "post", url(a, "verify/"), {"version": _version(a)})
    assert_json_error(verified_again, 409, "invalid_transition")
    record_facts(a, sw.user(R.SCHOOL_OFFICER), values={"guards_total": 13})
    no_reason = send(client, "post", url(a, "return/"), {"reason": "", "version": _version(a)})
    assert "reason" in assert_json_error(no_reason, 400, "invalid")["errors"]
    assert SecurityFacts.objects.get(school=a).status == FactsStatus.SUBMITTED
    response = send(
        client, "post", url(a, "return/"), {"reason": "保安人数与合同不符", "version": _version(a)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == FactsStatus.RETURNED
    assert response.json()["return_reason"] == "保安人数与合同不符"


def test_list_filters_and_scope(sw, client):
    record_facts(sw.w.school_a, sw.user(R.SCHOOL_OFFICER))
    record_facts(sw.w.school_b, sw.school_b_user, gates=[])
    client.force_login(sw.user(R.SAFETY_CENTRE))
    body = client.get(LIST).json()
    assert {r["school"]["id"] for r in body["results"]} == {sw.w.school_a.pk, sw.w.school_b.pk}
    # verified (the verification itself: test_verify_and_return)
    SecurityFacts.objects.filter(school=sw.w.school_a).update(status=FactsStatus.VERIFIED)
    verified = client.get(LIST, {"status": "verified"}).json()["results"]
    assert [r["school"]["id"] for r in verified] == [sw.w.school_a.pk]
    assert_json_error(client.get(LIST, {"status": "maybe"}), 400, "invalid")
    client.force_login(sw.school_b_user)
    assert [r["school"]["id"] for r in client.get(LIST).json()["results"]] == [sw.w.school_b.pk]
    client.force_login(sw.other_centre)
    assert client.get(LIST).json()["results"] == []
    client.force_login(sw.user(R.AUDITOR))
    assert_json_error(client.get(LIST), 403, "permission_denied")


def test_list_query_count_does_not_grow_per_row(sw, client):
    from safecampus.core.testing import SchoolFactory

    record_facts(sw.w.school_a, sw.user(R.SCHOOL_OFFICER))
    client.force_login(sw.user(R.SAFETY_CENTRE))
    one = count_queries(client, LIST)
    for _ in range(4):
        school = SchoolFactory(bureau=sw.w.bureau, gate_count=1)
        record_facts(school, sw.user(R.SAFETY_CENTRE))
    assert count_queries(client, LIST) == one
    assert one <= 8
