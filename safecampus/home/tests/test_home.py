"""Each role's home page (``core:home``, at ``/``) shows what the user's scope holds, and
nothing of another bureau."""

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.orgs.models import LeadershipGroup

pytestmark = pytest.mark.django_db


def test_the_home_page_keeps_its_name_and_path(world, client):
    assert reverse("core:home") == "/"
    for user in world.users.values():
        scope_matrix(client, "/", permitted=user)


def test_each_role_sees_its_own_organisations(world, client):
    LeadershipGroup.objects.create(bureau=world.bureau, name="安全工作领导小组")
    LeadershipGroup.objects.create(bureau=world.other_bureau, name="外区领导小组")
    u = world.users

    def page(role):
        client.force_login(u[role])
        return client.get("/").context

    ctx = page(Role.SCHOOL_OFFICER)
    assert [s for s, _people in ctx["my_schools"]] == [world.school_a]
    ctx = page(Role.DEPARTMENT_OFFICER)
    assert list(ctx["my_departments"]) == [world.department]
    ctx = page(Role.LEADERSHIP)
    assert [g.name for g in ctx["leadership_groups"]] == ["安全工作领导小组"]
    ctx = page(Role.PARTNER)
    assert list(ctx["partners"]) == [world.partner]
    assert list(ctx["covered_schools"]) == [world.school_a]
    ctx = page(Role.INSPECTOR)
    assert list(ctx["bureaus"]) == [world.bureau]
    assert ctx["school_totals"]["n"] == 2

    other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau)
    client.force_login(other_centre)
    ctx = client.get("/").context
    assert [g.name for g in ctx["leadership_groups"]] == ["外区领导小组"]
    assert ctx["school_totals"]["n"] == 1


def test_the_menu_leads_a_school_to_its_own_school(world, client):
    client.force_login(world.users[Role.PRINCIPAL])
    labels = {item.label: item.url for item in client.get("/").context["nav_items"]}
    assert labels["我的学校"] == reverse("orgs:school_detail", args=[world.school_a.pk])
    assert labels["我的工作台"] == reverse("reports:school_dashboard")
