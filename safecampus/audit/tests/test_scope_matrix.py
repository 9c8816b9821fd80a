"""The audit log's pages, checked the one way (``core.testing.scope_matrix``): only the
auditor reads it (三员分立: 403 for the system and security admins and every business role), and
an auditor only the events of the bureaus they audit."""

import pytest
from django.urls import reverse

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role

pytestmark = pytest.mark.django_db


def test_only_the_auditor_reads_the_log(world, client):
    u = world.users
    for name in ("event_list", "event_export"):
        scope_matrix(
            client,
            reverse(f"audit:{name}"),
            permitted=u[Role.AUDITOR],
            wrong_role=[
                u[Role.SYSTEM_ADMIN],
                u[Role.SECURITY_ADMIN],
                u[Role.SAFETY_CENTRE],
                u[Role.SCHOOL_OFFICER],
            ],
        )


def test_an_auditor_of_another_bureau_sees_none_of_its_events(world, client):
    audit_record(
        action=Action.EXPORT,
        actor=world.users[Role.SAFETY_CENTRE],
        bureau_id=world.bureau.pk,
        data={"kind": "schools", "rows": 7},
    )
    other = user_with_role(Role.AUDITOR, world.other_bureau, username="other_auditor")
    url = reverse("audit:event_list")
    client.force_login(other)
    assert "centre" not in client.get(url).content.decode()
    client.force_login(world.users[Role.AUDITOR])
    assert "centre" in client.get(url).content.decode()
