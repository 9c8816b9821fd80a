"""Every page and endpoint of the organisation tree, checked the one way
(``core.testing.scope_matrix``): anonymous → login (401/403 in the API), a role that does not
reach the feature → 403, the right role in another bureau → 404, the permitted user → ok."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.orgs.models import LeadershipGroup, LeadershipMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world):
    group = LeadershipGroup.objects.create(bureau=world.bureau, name="领导小组")
    return SimpleNamespace(
        **vars(world),
        other=world.other_bureau,
        dept=world.department,
        other_centre=user_with_role(
            Role.SAFETY_CENTRE, world.other_bureau, username="other_centre"
        ),
        group=group,
        member=LeadershipMember.objects.create(group=group, name="张三", position="head"),
    )


def test_lists_refuse_the_roles_they_do_not_serve(w, client):
    u = w.users
    for name, wrong, permitted in [
        ("school_list", u[Role.AUDITOR], u[Role.PRINCIPAL]),
        ("school_create", u[Role.LEADERSHIP], u[Role.SAFETY_CENTRE]),
        ("school_export", u[Role.LEADERSHIP], u[Role.SAFETY_CENTRE]),
        ("school_import", u[Role.LEADERSHIP], u[Role.SAFETY_CENTRE]),
        ("structure", u[Role.SCHOOL_OFFICER], u[Role.INSPECTOR]),
        ("partner_list", u[Role.PRINCIPAL], u[Role.LEADERSHIP]),
    ]:
        scope_matrix(client, reverse(f"orgs:{name}"), permitted=permitted, wrong_role=[wrong])


def test_school_pages(w, client):
    u = w.users
    detail = reverse("orgs:school_detail", args=[w.school_a.pk])
    scope_matrix(
        client,
        detail,
        permitted=u[Role.PARTNER],  # a partner sees the schools it covers
        out_of_scope=[w.other_centre, u[Role.AUDITOR]],
    )
    edit = reverse("orgs:school_edit", args=[w.school_a.pk])
    scope_matrix(
        client,
        edit,
        permitted=u[Role.SAFETY_CENTRE],
        wrong_role=[u[Role.LEADERSHIP], u[Role.PRINCIPAL]],  # they see the school: 403
        out_of_scope=[w.other_centre],
    )


def test_configuration_pages_of_a_bureau(w, client):
    u = w.users
    partner_edit = reverse("orgs:partner_edit", args=[w.bureau.pk, w.partner.pk])
    for url in [
        reverse("orgs:bureau_documents", args=[w.bureau.pk]),
        reverse("orgs:department_create", args=[w.bureau.pk]),
        reverse("orgs:department_edit", args=[w.bureau.pk, w.dept.pk]),
        reverse("orgs:partner_create", args=[w.bureau.pk]),
        partner_edit,
        reverse("orgs:leadership_member_add", args=[w.group.pk]),
    ]:
        scope_matrix(
            client,
            url,
            permitted=u[Role.SAFETY_CENTRE],
            wrong_role=[u[Role.LEADERSHIP], u[Role.DEPARTMENT_OFFICER]],
            out_of_scope=[w.other_centre],
        )
    scope_matrix(
        client,
        reverse("orgs:leadership_member_remove", args=[w.member.pk]),
        method="post",
        permitted=u[Role.SAFETY_CENTRE],
        wrong_role=[u[Role.LEADERSHIP]],
        out_of_scope=[w.other_centre],
    )
    assert not LeadershipMember.objects.exists()


def test_a_department_of_another_bureau_is_not_found_under_this_one(w, client):
    from safecampus.core.testing import DepartmentFactory

    foreign = DepartmentFactory(bureau=w.other)
    client.force_login(w.users[Role.SAFETY_CENTRE])
    url = reverse("orgs:department_edit", args=[w.bureau.pk, foreign.pk])
    assert client.get(url).status_code == 404


def test_api_endpoints(w, client):
    u = w.users
    scope_matrix(
        client, "/api/v1/schools/", permitted=u[Role.INSPECTOR], wrong_role=[u[Role.AUDITOR]]
    )
    scope_matrix(
        client,
        f"/api/v1/schools/{w.school_a.pk}/",
        permitted=u[Role.SCHOOL_OFFICER],
        wrong_role=[u[Role.AUDITOR]],
        out_of_scope=[w.other_centre],
    )
    scope_matrix(
        client,
        f"/api/v1/schools/{w.school_a.pk}/",
        method="patch",
        data={"phone": "021-1234"},
        permitted=u[Role.SAFETY_CENTRE],
        wrong_role=[u[Role.LEADERSHIP]],
        out_of_scope=[w.other_centre],
    )
    scope_matrix(
        client,
        f"/api/v1/bureaus/{w.bureau.pk}/",
        permitted=u[Role.PRINCIPAL],
        out_of_scope=[w.other_centre],
    )
    scope_matrix(
        client,
        f"/api/v1/departments/{w.dept.pk}/",
        permitted=u[Role.DEPARTMENT_OFFICER],
        out_of_scope=[w.other_centre],
    )
    scope_matrix(client, "/api/v1/regions/", permitted=u[Role.PARTNER])
