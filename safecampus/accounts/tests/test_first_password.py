"""Issue 15: a new account's first password is not a reset, and the page says which it is."""

import pytest

from safecampus.accounts import services
from safecampus.core.roles import Role

pytestmark = pytest.mark.django_db


def test_a_new_account_is_asked_for_its_own_password_not_told_of_a_reset(world, client_for):
    admin = world.users[Role.SECURITY_ADMIN]
    user = services.user_create(
        actor=admin, username="newbie", password="First#2026ab", full_name="新同事",
        bureau=world.bureau,
    )  # fmt: skip
    body = client_for(user).get("/accounts/password/").content.decode()
    assert "初始密码" in body
    assert "已被重置" not in body


def test_a_reset_password_says_it_was_reset(world, client_for):
    admin = world.users[Role.SECURITY_ADMIN]
    user = world.users[Role.SCHOOL_OFFICER]
    services.password_reset(actor=admin, user=user, new_password="Temp#2026ab")
    body = client_for(user).get("/accounts/password/").content.decode()
    assert "您的密码已被重置" in body
    assert "初始密码" not in body


def test_the_api_says_which_too(world, client):
    admin = world.users[Role.SECURITY_ADMIN]
    services.user_create(
        actor=admin, username="newbie", password="First#2026ab", bureau=world.bureau
    )
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "newbie", "password": "First#2026ab"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 403
    assert "初始密码" in response.json()["message"]
