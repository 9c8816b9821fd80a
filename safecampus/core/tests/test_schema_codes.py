"""The API schema documents the refusal codes: the ``code`` of the ``Error`` body is an
enumeration of every ``core.refusals.Code`` and of the generic codes, and real answers keep to
it."""

import jsonschema
import pytest

from safecampus.core.refusals import Code
from safecampus.core.testing import PASSWORD, UserFactory


@pytest.fixture
def schema(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _error_schema(schema):
    return {"$ref": "#/components/schemas/Error", "components": schema["components"]}


def test_the_error_code_enumerates_every_refusal_and_the_generic_codes(schema):
    enum = schema["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    assert enum == sorted(set(enum)), "sorted, each code once"
    assert {c.value for c in Code} <= set(enum)
    generic = {
        "not_authenticated",
        "authentication_failed",
        "invalid_token",
        "token_expired",
        "user_inactive",
        "password_change_required",
        "permission_denied",
        "not_found",
        "throttled",
        "parse_error",
        "database_unavailable",
        "database_busy",
        "server_error",
    }
    assert generic <= set(enum), sorted(generic - set(enum))


def test_a_code_outside_the_enumeration_does_not_validate(schema):
    body = {"code": "stale", "message": "已被他人修改。", "errors": {}}
    jsonschema.validate(body, _error_schema(schema))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**body, "code": "some_new_code"}, _error_schema(schema))


def test_real_refusals_validate_against_the_enumeration(schema, client):
    # a refusal of a service (accounts.services.login_attempt: invalid_login)
    response = client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"})
    assert response.status_code == 401
    assert response.json()["code"] == Code.INVALID_LOGIN
    jsonschema.validate(response.json(), _error_schema(schema))
    # a generic one: no credentials, and another user's token is not found
    response = client.get("/api/v1/auth/tokens/")
    assert response.json()["code"] == "not_authenticated"
    jsonschema.validate(response.json(), _error_schema(schema))
    user = UserFactory()
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/api/v1/auth/tokens/999999/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    jsonschema.validate(response.json(), _error_schema(schema))
