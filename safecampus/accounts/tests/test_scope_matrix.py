"""Every page and endpoint of accounts, checked the one way (``core.testing.scope_matrix``):
only the security admin manages accounts (403 for every other role, 三员分立), only those of
their bureau subtree (404 for another bureau's), and a token is only ever its owner's (404)."""

import pytest
from django.urls import reverse

from safecampus.accounts.models import ApiToken, RoleAssignment
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_admin(world):
    return user_with_role(Role.SECURITY_ADMIN, world.other_bureau, username="other_secadmin")


def test_account_lists(world, client):
    u = world.users
    for name in ("user_list", "user_create"):
        scope_matrix(
            client,
            reverse(f"accounts:{name}"),
            permitted=u[Role.SECURITY_ADMIN],
            wrong_role=[u[Role.SYSTEM_ADMIN], u[Role.AUDITOR], u[Role.SAFETY_CENTRE]],
        )


def test_pages_of_one_account(world, client, other_admin):
    u = world.users
    target = u[Role.SCHOOL_OFFICER]
    wrong = [u[Role.SYSTEM_ADMIN], u[Role.SAFETY_CENTRE]]
    scope_matrix(
        client,
        reverse("accounts:user_detail", args=[target.pk]),
        permitted=u[Role.SECURITY_ADMIN],
        wrong_role=wrong,
        out_of_scope=[other_admin],
    )
    for name in ("user_edit", "user_grant", "user_reset_password", "user_unlock"):
        scope_matrix(
            client,
            reverse(f"accounts:{name}", args=[target.pk]),
            method="post",
            data={},
            permitted=u[Role.SECURITY_ADMIN],
            wrong_role=wrong,
            out_of_scope=[other_admin],
        )
    assignment = RoleAssignment.objects.get(user=target)
    scope_matrix(
        client,
        reverse("accounts:user_revoke", args=[target.pk, assignment.pk]),
        method="post",
        permitted=u[Role.SECURITY_ADMIN],
        wrong_role=wrong,
        out_of_scope=[other_admin],
    )
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None


def test_an_assignment_of_another_account_is_not_found_under_this_one(world, client):
    u = world.users
    foreign = RoleAssignment.objects.get(user=u[Role.PRINCIPAL])
    client.force_login(u[Role.SECURITY_ADMIN])
    url = reverse("accounts:user_revoke", args=[u[Role.SCHOOL_OFFICER].pk, foreign.pk])
    assert client.post(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_tokens_are_only_their_owners(world, client):
    u = world.users
    token, _key = ApiToken.issue(u[Role.INSPECTOR])
    scope_matrix(client, reverse("accounts:token_list"), permitted=u[Role.AUDITOR])
    scope_matrix(
        client,
        f"/api/v1/auth/tokens/{token.pk}/",
        permitted=u[Role.INSPECTOR],
        out_of_scope=[u[Role.SECURITY_ADMIN], u[Role.LEADERSHIP]],
    )
    scope_matrix(
        client,
        reverse("accounts:token_revoke", args=[token.pk]),
        method="post",
        permitted=u[Role.INSPECTOR],
        out_of_scope=[u[Role.SECURITY_ADMIN], u[Role.LEADERSHIP]],
    )
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    scope_matrix(client, "/api/v1/me/", permitted=u[Role.PARTNER])
    scope_matrix(client, "/api/v1/auth/tokens/", permitted=u[Role.PARTNER])
