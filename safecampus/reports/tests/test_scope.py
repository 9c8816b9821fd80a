"""The dashboards through ``core.testing.scope_matrix``: anonymous → the login page, a role
that does not reach the page → 403, another school or bureau → 404, the permitted user → 200."""

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["school_dashboard_for", "school_dashboard_print", "school_dashboard_xlsx"]
)
def test_school_dashboard_pages(world, client, name):
    school_b = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="oc")
    scope_matrix(
        client,
        reverse(f"reports:{name}", args=[world.school_a.pk]),
        permitted=world.users[Role.PRINCIPAL],
        # another school of the bureau, another bureau's centre
        out_of_scope=[school_b, other_centre],
        # a department sees the school but not all its hazards; a partner unit none of them;
        # the system admin sees the school list but no business data (the auditor does not
        # see schools at all: 404, as before)
        wrong_role=[
            world.users[Role.DEPARTMENT_OFFICER],
            world.users[Role.PARTNER],
            world.users[Role.SYSTEM_ADMIN],
        ],
    )


def test_my_school_dashboard(world, client):
    scope_matrix(
        client,
        reverse("reports:school_dashboard"),
        permitted=world.users[Role.SCHOOL_OFFICER],
        wrong_role=[world.users[Role.DEPARTMENT_OFFICER], world.users[Role.AUDITOR]],
    )


@pytest.mark.parametrize(
    "name", ["dashboard", "dashboard_print", "dashboard_export", "dashboard_map"]
)
def test_bureau_dashboard_pages(world, client, name):
    scope_matrix(
        client,
        reverse(f"reports:{name}"),
        permitted=world.users[Role.DEPARTMENT_OFFICER],
        wrong_role=[
            world.users[Role.PARTNER],
            world.users[Role.AUDITOR],
            world.users[Role.SYSTEM_ADMIN],
        ],
    )
