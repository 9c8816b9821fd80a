"""Every API error is the documented JSON ``{"code", "message", "errors"}``: also 404 for an
unknown path, 405, 415, throttling, an unhandled exception and an unreachable database."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from safecampus.accounts.api.views import MeView
from safecampus.accounts.models import ApiToken
from safecampus.core.roles import Role


def _error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert isinstance(body["errors"], dict)
    # the message is Chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


@pytest.fixture
def api(world, client):
    _token, key = ApiToken.issue(world.users[Role.SCHOOL_OFFICER])
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    client.raise_request_exception = False
    return client


def test_unknown_api_path_is_json_404(api):
    body = _error(api.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert body["message"] == "未找到，或不在您的管辖范围内。"
    _error(api.get("/api/nothing"), 404, "not_found")


def test_unknown_html_path_is_still_the_html_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_wrong_method_and_media_type_are_json(api):
    _error(api.delete("/api/v1/me/"), 405, "method_not_allowed")
    _error(
        api.post("/api/v1/auth/token/", "x", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )


def test_throttling_is_json(client, db):
    cache.clear()
    try:
        for _ in range(30):
            client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"})
        response = client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"})
        body = _error(response, 429, "throttled")
        assert "限流" in body["message"]
    finally:
        cache.clear()


def test_unhandled_exception_in_a_view_is_json_500(api):
    with mock.patch.object(MeView, "get", side_effect=RuntimeError("boom")):
        body = _error(api.get("/api/v1/me/"), 500, "server_error")
    assert body["message"] == "服务器出错，请求未能完成，请稍后重试。"
    assert "boom" not in body["message"]


@pytest.mark.parametrize("exc", [OperationalError, InterfaceError])
def test_unreachable_database_is_json_503(api, exc):
    with mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=exc("connection refused")
    ):
        for path in ("/api/v1/me/", "/api/v1/hazards/", "/api/v1/schools/"):
            response = api.get(path)
            body = _error(response, 503, "database_unavailable")
            assert body["message"] == "暂时无法连接数据库，请几分钟后重试。"
            assert response["Retry-After"] == "30"


def test_unreachable_database_with_a_session_is_json_503(world, client):
    client.force_login(world.users[Role.SCHOOL_OFFICER])
    client.raise_request_exception = False
    with mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("down")
    ):
        _error(client.get("/api/v1/me/"), 503, "database_unavailable")
        _error(client.get("/api/v1/nope/"), 503, "database_unavailable")
        # an HTML page keeps the HTML error page
        response = client.get("/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_handler500_answers_json_for_api_paths(rf):
    from safecampus.core.errors import handler500

    try:
        raise OperationalError("down")
    except OperationalError:
        response = handler500(rf.get("/api/v1/me/"))
    assert response.status_code == 503
    try:
        raise ValueError("x")
    except ValueError:
        response = handler500(rf.get("/api/v1/me/"))
    assert response.status_code == 500


def test_nested_input_errors_are_dotted_fields_and_the_message_a_sentence():
    """A list of rows with a row's field missing: ``errors`` names ``answers.0.id`` and the
    message is that error's sentence, not the structure's repr."""
    from rest_framework import exceptions

    from safecampus.core.api import exception_handler

    detail = {"answers": [{"id": ["此项为必填项。"]}, {}], "note": "太长了。"}
    response = exception_handler(exceptions.ValidationError(detail), {})
    assert response.status_code == 400
    assert response.data == {
        "code": "invalid",
        "message": "此项为必填项。",
        "errors": {"answers.0.id": ["此项为必填项。"], "note": ["太长了。"]},
    }
    listed = exception_handler(exceptions.ValidationError({"answers": ["期望为一个列表。"]}), {})
    assert listed.data["message"] == "期望为一个列表。"
    assert listed.data["errors"] == {"answers": ["期望为一个列表。"]}


@pytest.mark.parametrize("debug", [False, True])
def test_an_api_address_without_its_slash_is_a_308_in_json(api, settings, debug):
    """A 308 is followed with the same method and body: a POST stays a POST (a 301 would turn
    it into a GET, refused with 405), and the answer is JSON, not Django's HTML."""
    settings.DEBUG = debug
    response = api.post("/api/v1/notifications/read-all?x=1")
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/notifications/read-all/?x=1"
    assert response.json() == {"location": "/api/v1/notifications/read-all/?x=1"}
    followed = api.post(response["Location"])
    assert followed.status_code == 200 and followed.json()["marked"] == 0
    assert api.get("/api/v1/jobs").status_code == 308


def test_a_page_address_without_its_slash_is_still_a_301(client, db):
    response = client.get("/accounts/login")
    assert response.status_code == 301 and response["Location"] == "/accounts/login/"
