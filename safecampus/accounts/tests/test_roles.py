"""Role assignments and 三员分立."""

import pytest
from django.core.exceptions import ValidationError

from safecampus.accounts import services
from safecampus.accounts.models import RoleAssignment
from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import UserFactory


def test_security_admin_grants_and_revokes_with_audit(world, client_for):
    target = UserFactory(bureau=world.bureau)
    client = client_for(world.users[Role.SECURITY_ADMIN])
    response = client.post(
        f"/accounts/users/{target.pk}/grant/",
        {"role": Role.SCHOOL_OFFICER, "school_code": world.school_b.code},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=target)
    assert assignment.school == world.school_b
    response = client.post(f"/accounts/users/{target.pk}/roles/{assignment.pk}/revoke/")
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None  # kept, not deleted
    actions = list(
        AuditEvent.objects.filter(target_id=str(target.pk)).values_list("action", flat=True)
    )
    assert Action.ROLE_GRANTED in actions and Action.ROLE_REVOKED in actions
    # the revoked role no longer opens the school
    client.logout()
    client.force_login(target)
    assert client.get(f"/orgs/schools/{world.school_b.pk}/").status_code == 404


@pytest.mark.parametrize(
    "held, wanted",
    [
        (Role.SYSTEM_ADMIN, Role.AUDITOR),
        (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN),
        (Role.AUDITOR, Role.SECURITY_ADMIN),
        (Role.SYSTEM_ADMIN, Role.SAFETY_CENTRE),
        (Role.AUDITOR, Role.LEADERSHIP),
        (Role.SAFETY_CENTRE, Role.SYSTEM_ADMIN),
        (Role.INSPECTOR, Role.AUDITOR),
    ],
)
def test_separation_of_duties(world, held, wanted):
    admin = world.users[Role.SECURITY_ADMIN]
    target = UserFactory(bureau=world.bureau)
    services.role_grant(actor=admin, user=target, role=held, organisation=world.bureau)
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=admin, user=target, role=wanted, organisation=world.bureau)
    assert exc.value.code == "separation_of_duties"
    assert RoleAssignment.objects.filter(user=target).count() == 1


def test_cannot_grant_oneself(world):
    admin = world.users[Role.SECURITY_ADMIN]
    with pytest.raises(ValidationError) as exc:
        services.role_grant(
            actor=admin, user=admin, role=Role.SAFETY_CENTRE, organisation=world.bureau
        )
    assert exc.value.code == "self_grant"


def test_cannot_grant_in_another_bureau(world, client_for):
    target = UserFactory(bureau=world.bureau)
    response = client_for(world.users[Role.SECURITY_ADMIN]).post(
        f"/accounts/users/{target.pk}/grant/",
        {"role": Role.SCHOOL_OFFICER, "school_code": world.school_other.code},
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_role_at_wrong_org_level_is_refused(world):
    target = UserFactory(bureau=world.bureau)
    with pytest.raises(ValidationError) as exc:
        services.role_grant(
            actor=world.users[Role.SECURITY_ADMIN],
            user=target,
            role=Role.SCHOOL_OFFICER,
            organisation=world.bureau,
        )
    assert exc.value.code == "wrong_org_level"


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SAFETY_CENTRE, Role.AUDITOR])
def test_only_security_admin_manages_accounts(world, client_for, role):
    client = client_for(world.users[role])
    assert client.get("/accounts/users/").status_code == 403
    target = world.users[Role.SCHOOL_OFFICER]
    assert client.get(f"/accounts/users/{target.pk}/").status_code == 403


def test_security_admin_sees_no_accounts_of_other_bureaus(world, client_for):
    outsider = UserFactory(bureau=world.other_bureau, username="outsider")
    client = client_for(world.users[Role.SECURITY_ADMIN])
    assert "outsider" not in client.get("/accounts/users/").content.decode()
    assert client.get(f"/accounts/users/{outsider.pk}/").status_code == 404


def test_security_admin_creates_account(world, client_for):
    client = client_for(world.users[Role.SECURITY_ADMIN])
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "newbie",
            "full_name": "新人",
            "phone": "",
            "bureau": world.bureau.pk,
            "password": "Chushi#2026",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=Action.USER_CREATED, target_repr__contains="newbie")
