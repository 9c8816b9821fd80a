"""The OpenAPI schema says what the API answers: every operation declares its error responses
with the one ``Error`` body (401 with WWW-Authenticate for a request without credentials, not
403), and real answers have that status and shape."""

from unittest import mock

import jsonschema
import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from safecampus.accounts.models import ApiToken
from safecampus.core.roles import Role

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_declares_its_errors_with_the_error_body(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message", "errors"]
    assert error["properties"]["errors"]["type"] == "object"
    operations = list(_operations(schema))
    assert len(operations) >= 38
    for path, method, operation in operations:
        responses = operation["responses"]
        expected = {"401", "403", "503"}
        if "{" in path:
            expected.add("404")
        if method in ("post", "put", "patch"):
            expected.add("400")
        assert expected <= set(responses), (path, method, sorted(responses))
        for code, response in responses.items():
            if int(code) >= 400:
                assert response["content"] == {"application/json": {"schema": ERROR_REF}}, (
                    path,
                    method,
                    code,
                )
                assert response["description"], (path, method, code)
        assert "WWW-Authenticate" in responses["401"]["headers"]
        assert "Retry-After" in responses["503"]["headers"]
    # an endpoint's own description of its codes is kept
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "`invalid_login`" in token["401"]["description"]
    assert "`password_change_required`" in token["403"]["description"]
    assert "429" in token
    assert "409" in schema["paths"]["/api/v1/hazards/{id}/accept/"]["post"]["responses"]


def _check(schema, path, method, response, status):
    """The answer has ``status``, the schema declares it for the operation, and the body
    validates against the schema it names."""
    assert response.status_code == status, response.content
    declared = schema["paths"][path][method]["responses"]
    assert str(status) in declared, (path, method, status, sorted(declared))
    body_schema = {**declared[str(status)]["content"]["application/json"]["schema"]}
    body_schema["components"] = schema["components"]
    jsonschema.validate(response.json(), body_schema)
    return response.json()


def test_unauthenticated_requests_get_401_with_www_authenticate(schema, client):
    for path, url in [
        ("/api/v1/me/", "/api/v1/me/"),
        ("/api/v1/schools/", "/api/v1/schools/"),
        ("/api/v1/hazards/", "/api/v1/hazards/"),
        ("/api/v1/catalog/areas/", "/api/v1/catalog/areas/"),
        ("/api/v1/auth/tokens/", "/api/v1/auth/tokens/"),
    ]:
        response = client.get(url)
        body = _check(schema, path, "get", response, 401)
        assert body["code"] == "not_authenticated"
        assert body["message"] == "身份认证信息未提供。"
        assert response["WWW-Authenticate"] == "Token"
    response = client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"})
    assert _check(schema, "/api/v1/auth/token/", "post", response, 401)["code"] == "invalid_login"
    assert response["WWW-Authenticate"] == "Token"


def test_real_errors_match_the_schema(schema, world, client):
    auditor = world.users[Role.AUDITOR]
    officer = world.users[Role.SCHOOL_OFFICER]
    _token, auditor_key = ApiToken.issue(auditor)
    _token, officer_key = ApiToken.issue(officer)
    as_auditor = {"HTTP_AUTHORIZATION": f"Token {auditor_key}"}
    as_officer = {"HTTP_AUTHORIZATION": f"Token {officer_key}"}

    # 403: a role that does not reach the register
    response = client.get("/api/v1/hazards/", **as_auditor)
    assert _check(schema, "/api/v1/hazards/", "get", response, 403)["code"] == "permission_denied"
    # 403 also for a logged-in session without the right role
    client.force_login(auditor)
    response = client.get("/api/v1/hazards/")
    _check(schema, "/api/v1/hazards/", "get", response, 403)
    client.logout()

    # 404: a school outside the caller's scope
    response = client.get(f"/api/v1/schools/{world.school_other.pk}/", **as_officer)
    assert _check(schema, "/api/v1/schools/{id}/", "get", response, 404)["code"] == "not_found"

    # 400: field errors in `errors`
    response = client.post("/api/v1/hazards/", {}, content_type="application/json", **as_officer)
    body = _check(schema, "/api/v1/hazards/", "post", response, 400)
    assert body["code"] == "invalid"
    assert body["errors"] and all(isinstance(v, list) for v in body["errors"].values())
    response = client.post("/api/v1/auth/token/", {})
    body = _check(schema, "/api/v1/auth/token/", "post", response, 400)
    assert set(body["errors"]) == {"username", "password"}

    # 503: the database is unreachable
    client.raise_request_exception = False
    with mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("down")
    ):
        response = client.get("/api/v1/hazards/", **as_officer)
    body = _check(schema, "/api/v1/hazards/", "get", response, 503)
    assert body["code"] == "database_unavailable"


def test_the_duties_api_is_documented(schema):
    """Recurring duties: every path with its methods, the roles that may call it, the errors
    of the actions (409 for a move the status does not allow), the record's multipart files
    per kind of evidence and the filters of the list and of the compliance figures."""
    paths = schema["paths"]
    expected = {
        "/api/v1/duty-versions/": "get",
        "/api/v1/duty-versions/{id}/": "get",
        "/api/v1/duty-occurrences/": "get",
        "/api/v1/duty-occurrences/{id}/": "get",
        "/api/v1/duty-occurrences/{id}/record/": "post",
        "/api/v1/duty-occurrences/{id}/ask-excuse/": "post",
        "/api/v1/duty-occurrences/{id}/decide-excuse/": "post",
        "/api/v1/duty-occurrences/{id}/not-credible/": "post",
        "/api/v1/duty-evidence/{id}/": "get",
        "/api/v1/duty-compliance/": "get",
    }
    for path, method in expected.items():
        assert set(paths[path]) == {method}, path
        operation = paths[path][method]
        assert "Roles: " in operation["description"], path
        if method == "post":
            assert {"400", "403", "404", "409"} <= set(operation["responses"]), path
    record = paths["/api/v1/duty-occurrences/{id}/record/"]["post"]
    assert set(record["requestBody"]["content"]) == {
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    }
    assert "`school_officer`" in record["description"]
    assert "`leadership`" not in record["description"]
    body = schema["components"]["schemas"]["RecordInputRequest"]
    for kind in ("photo", "signin", "minutes", "document"):
        assert body["properties"][f"files_{kind}"]["items"]["format"] == "binary", kind
    assert body["required"] == ["occurred_at"]
    listed = {p["name"] for p in paths["/api/v1/duty-occurrences/"]["get"]["parameters"]}
    assert {
        "code",
        "status",
        "school",
        "stage",
        "owner_kind",
        "overseeing_department",
        "window_end_from",
        "window_end_to",
        "month",
        "mine",
        "page",
    } <= listed
    compliance = paths["/api/v1/duty-compliance/"]["get"]
    assert {p["name"] for p in compliance["parameters"]} == {
        "from",
        "to",
        "month",
        "code",
        "stage",
        "overseeing_department",
        "live",
    }
    assert "`safety_centre`" in compliance["description"]
    assert "`school_officer`" not in compliance["description"]
    figures = schema["components"]["schemas"]["Compliance"]["properties"]
    assert {"as_of", "overall", "per_duty", "per_stage", "per_month"} <= set(figures)
    download = paths["/api/v1/duty-evidence/{id}/"]["get"]["responses"]["200"]
    assert download["content"]["*/*"]["schema"]["format"] == "binary"
    codes = schema["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    assert {"comment_required", "already_recorded", "invalid_transition"} <= set(codes)
