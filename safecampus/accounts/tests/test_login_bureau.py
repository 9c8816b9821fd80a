"""Failed logins with unknown user names reach the auditors of the bureau whose login page was
used: its address, the bureau remembered from the browser's last login, or the deployment's."""

import pytest

from safecampus.accounts.login_bureau import COOKIE
from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import PASSWORD, BureauFactory, UserFactory, user_with_role


@pytest.fixture
def city(db):
    """A city bureau over districts A and B, an auditor in each."""
    city = BureauFactory(name="上海市教委")
    a = BureauFactory(name="闵行区教育局", parent=city)
    b = BureauFactory(name="徐汇区教育局", parent=city)
    auditors = {
        key: user_with_role(Role.AUDITOR, bureau, username=f"auditor_{key}")
        for key, bureau in (("city", city), ("a", a), ("b", b))
    }
    return city, a, b, auditors


def failed_names_seen_by(client, auditor) -> set[str]:
    client.force_login(auditor)
    page = client.get("/audit/?action=login_failed")
    client.logout()
    return {e.actor_username for e in page.context["page"]}


def test_an_unknown_name_on_bureau_a_s_login_page_reaches_a_s_auditors_only(client, city):
    _city, a, _b, auditors = city
    response = client.post(f"/accounts/login/{a.pk}/", {"username": "ghost", "password": "x"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert (event.actor_id, event.actor_username, event.bureau_id) == (None, "ghost", a.pk)
    assert failed_names_seen_by(client, auditors["a"]) == {"ghost"}
    assert failed_names_seen_by(client, auditors["b"]) == set()
    # the city's auditor oversees its districts
    assert failed_names_seen_by(client, auditors["city"]) == {"ghost"}


def test_the_login_page_names_its_bureau_and_an_unknown_bureau_is_404(client, city):
    _city, a, _b, _auditors = city
    page = client.get(f"/accounts/login/{a.pk}/").content.decode()
    assert '<p class="text-center text-muted mb-3" data-testid="login-bureau">闵行区教育局' in page
    assert client.get("/accounts/login/999999/").status_code == 404
    response = client.post("/accounts/login/999999/", {"username": "g", "password": "x"})
    assert response.status_code == 404
    assert not AuditEvent.objects.exists()


def test_the_plain_login_page_remembers_the_bureau_of_the_last_login(client, city):
    _city, _a, b, auditors = city
    UserFactory(username="teacher_b", bureau=b)
    response = client.post("/accounts/login/", {"username": "teacher_b", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == str(b.pk)
    assert response.cookies[COOKIE]["httponly"] is True
    client.post("/accounts/logout/")
    page = client.get("/accounts/login/").content.decode()
    assert 'data-testid="login-bureau">徐汇区教育局</p>' in page
    client.post("/accounts/login/", {"username": "teacher_bb", "password": "x"})
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).bureau_id == b.pk
    assert failed_names_seen_by(client, auditors["b"]) == {"teacher_bb"}
    assert failed_names_seen_by(client, auditors["a"]) == set()


def test_the_plain_login_page_belongs_to_the_only_top_level_bureau(client, city):
    root, _a, _b, auditors = city
    page = client.get("/accounts/login/").content.decode()
    assert 'data-testid="login-bureau">上海市教委</p>' in page
    client.post("/accounts/login/", {"username": "ghost", "password": "x"})
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).bureau_id == root.pk
    assert failed_names_seen_by(client, auditors["city"]) == {"ghost"}
    assert failed_names_seen_by(client, auditors["a"]) == set()


def test_the_configured_bureau_wins_over_the_top_level_one(client, city, settings):
    _city, a, _b, _auditors = city
    settings.SAFECAMPUS_LOGIN_BUREAU = a.pk
    client.post("/accounts/login/", {"username": "ghost", "password": "x"})
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).bureau_id == a.pk


def test_with_several_top_level_bureaus_and_nothing_remembered_no_bureau_is_guessed(client, world):
    page = client.get("/accounts/login/").content.decode()
    assert 'data-testid="login-bureau"' not in page
    client.post("/accounts/login/", {"username": "ghost", "password": "x"})
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).bureau_id is None


def test_the_api_token_login_attributes_unknown_names_to_the_bureau_given(client, city):
    _city, a, _b, auditors = city
    url = "/api/v1/auth/token/"
    response = client.post(
        url, {"username": "ghost", "password": "x", "bureau": a.pk}, content_type="application/json"
    )
    assert response.status_code in (401, 403)  # refused (the status is the API's concern)
    assert "token" not in response.json()
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).bureau_id == a.pk
    assert failed_names_seen_by(client, auditors["a"]) == {"ghost"}
    assert failed_names_seen_by(client, auditors["b"]) == set()


def test_the_api_token_login_refuses_an_unknown_bureau_and_records_nothing(client, city):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "ghost", "password": "x", "bureau": 999999},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not AuditEvent.objects.exists()


def test_the_api_token_login_without_a_bureau_uses_the_deployment_s(client, city):
    root, _a, _b, _auditors = city
    body = {"username": "ghost", "password": "x"}
    client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).bureau_id == root.pk


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "9" * 5000, "-1", "abc"])
def test_a_forged_bureau_cookie_is_ignored(client, city, value):
    client.cookies[COOKIE] = value
    assert client.get("/accounts/login/").status_code == 200
