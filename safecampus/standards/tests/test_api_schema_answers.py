"""Real answers of the standards API have the status the schema declares and validate against
the schema it names (the shapes documented are the shapes answered)."""

import jsonschema
import pytest

from safecampus.core.roles import Role
from safecampus.standards.models import Finding, RuleSet
from safecampus.standards.testing import compliant_gate, record_facts

from .api_helpers import (
    INTERIM,
    send,
    sw_fixture,  # noqa: F401 - the fixture `sw`
)

pytestmark = pytest.mark.dates

R = Role


def _json_schema(node):
    """OpenAPI 3.0's ``nullable`` in JSON Schema's words."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _check(schema, path, method, response, status=200):
    assert response.status_code == status, response.content
    declared = schema["paths"][path][method]["responses"]
    assert str(status) in declared, (path, method, status)
    body_schema = {**declared[str(status)]["content"]["application/json"]["schema"]}
    body_schema["components"] = schema["components"]
    jsonschema.validate(response.json(), _json_schema(body_schema))


def test_answers_validate_against_the_schema(sw, client):
    client.force_login(sw.user(R.SAFETY_CENTRE))
    schema = client.get("/api/schema/", {"format": "json"}).json()
    a = sw.w.school_a
    gates = [compliant_gate(guards_night=0) for _ in range(3)]
    record_facts(a, sw.user(R.SCHOOL_OFFICER), gates=gates)
    finding = Finding.objects.get(school=a, key="guards.night")
    shanghai = RuleSet.objects.get(code="shanghai")
    facts = "/api/v1/standard-facts/{school_id}/"
    for path, method, url, body, status in [
        ("/api/v1/standard-facts/", "get", "/api/v1/standard-facts/", None, 200),
        (facts, "get", f"/api/v1/standard-facts/{a.pk}/", None, 200),
        (facts, "patch", f"/api/v1/standard-facts/{a.pk}/", {"facts": {"video_days": 31}}, 200),
        (facts, "put", f"/api/v1/standard-facts/{a.pk}/", {"version": 0}, 409),
        (facts, "put", f"/api/v1/standard-facts/{a.pk}/", {"facts": {"x": 1}, "version": 2}, 400),
        (
            facts + "history/",
            "get",
            f"/api/v1/standard-facts/{a.pk}/history/",
            None,
            200,
        ),
        # without the version the verifier saw
        (facts + "verify/", "post", f"/api/v1/standard-facts/{a.pk}/verify/", {}, 400),
        ("/api/v1/standard-cards/", "get", "/api/v1/standard-cards/", None, 200),
        (
            "/api/v1/standard-cards/{school_id}/",
            "get",
            f"/api/v1/standard-cards/{a.pk}/",
            None,
            200,
        ),
        ("/api/v1/standard-findings/", "get", "/api/v1/standard-findings/", None, 200),
        (
            "/api/v1/standard-findings/raise-hazards/",
            "post",
            "/api/v1/standard-findings/raise-hazards/",
            {"ids": [finding.pk], **INTERIM},
            200,
        ),
        (
            "/api/v1/standard-findings/{id}/",
            "get",
            f"/api/v1/standard-findings/{finding.pk}/",
            None,
            200,
        ),
        ("/api/v1/rule-sets/", "get", "/api/v1/rule-sets/", None, 200),
        ("/api/v1/rule-sets/{id}/", "get", f"/api/v1/rule-sets/{shanghai.pk}/", None, 200),
        ("/api/v1/standard-compliance/", "get", "/api/v1/standard-compliance/", None, 200),
    ]:
        response = client.get(url) if method == "get" else send(client, method, url, body)
        _check(schema, path, method, response, status)
