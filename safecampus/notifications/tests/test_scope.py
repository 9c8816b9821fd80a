"""A digest is its recipient's only, whatever their roles: another person's digest is a 404."""

import datetime

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "method"), [("notification_detail", "get"), ("notification_read", "post")]
)
def test_a_digest_is_its_recipients(world, client, name, method):
    owner = world.users[Role.SCHOOL_OFFICER]
    digest = Notification.objects.create(
        recipient=owner, date=datetime.date(2026, 11, 18), title="2026-11-18"
    )
    scope_matrix(
        client,
        reverse(f"notifications:{name}", args=[digest.pk]),
        method=method,
        data={} if method == "post" else None,
        permitted=owner,
        out_of_scope=[world.users[Role.SAFETY_CENTRE], world.users[Role.PRINCIPAL]],
    )
    digest.refresh_from_db()
    assert digest.read_at is not None
