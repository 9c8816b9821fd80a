"""Every refusal of a login, on the web and through the API, is in Chinese by default."""

import re

import pytest

from safecampus.core.testing import PASSWORD, UserFactory

WRONG = "用户名或密码错误。请注意，二者均区分大小写。"
LOCKED = "登录失败次数过多，账号已被锁定。请在 15 分钟后重试，或请安全管理员解锁。"
REQUIRED = "此项为必填项。"


def _web_errors(response) -> list[str]:
    html = response.content.decode()
    return re.findall(
        r'(?:data-testid="login-error"|invalid-feedback d-block)[^>]*>(.*?)</div>', html
    )


def _api(client, data, **kwargs):
    return client.post("/api/v1/auth/token/", data, **kwargs).json()


@pytest.fixture
def user(db):
    return UserFactory(username="li")


def test_web_login_refusals_are_chinese(client, user):
    login = "/accounts/login/"
    assert _web_errors(client.post(login, {"username": "li", "password": "bad"})) == [WRONG]
    assert _web_errors(client.post(login, {"username": "", "password": ""})) == [REQUIRED] * 2
    user.is_active = False
    user.save()
    assert _web_errors(client.post(login, {"username": "li", "password": PASSWORD})) == [WRONG]
    user.refresh_from_db()
    user.is_active = True
    user.save()
    for _ in range(5):
        client.post(login, {"username": "li", "password": "bad"})
    assert _web_errors(client.post(login, {"username": "li", "password": PASSWORD})) == [LOCKED]


def test_api_token_refusals_are_chinese(client, user):
    assert _api(client, {"username": "li", "password": "bad"}) == {
        "code": "invalid_login",
        "message": WRONG,
        "errors": {},
    }
    body = _api(client, {"username": "", "password": ""})
    assert body["code"] == "invalid"
    assert body["errors"] == {"username": ["该字段不能为空。"], "password": ["该字段不能为空。"]}
    # a body that is not JSON: this one was answered with the parser's English text
    body = _api(client, "{bad json", content_type="application/json")
    assert body == {
        "code": "parse_error",
        "message": "无法读取请求内容：不是有效的 JSON 或表单数据。",
        "errors": {},
    }
    user.is_active = False
    user.save()
    assert _api(client, {"username": "li", "password": PASSWORD})["message"] == WRONG
    user.is_active = True
    user.must_change_password = True
    user.save()
    body = _api(client, {"username": "li", "password": PASSWORD})
    # no reset was recorded: this is the account's first password (issue 15)
    assert body["message"] == "这是您账号的初始密码，请先在网页端登录并设置您自己的密码。"
    for _ in range(5):
        _api(client, {"username": "li", "password": "bad"})
    assert _api(client, {"username": "li", "password": PASSWORD})["message"] == LOCKED


def test_expired_login_form_is_explained_in_chinese(client, user):
    """A login form whose CSRF token went stale (a login in another tab) was answered with
    Django's English "403 Forbidden" page."""
    from django.test import Client

    stale = Client(enforce_csrf_checks=True)
    response = stale.post("/accounts/login/", {"username": "li", "password": PASSWORD})
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期" in html
    assert "Forbidden" not in html
    assert '<html lang="zh-hans">' in html
