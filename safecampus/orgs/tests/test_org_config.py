"""Departments, partner units and the leadership group: managed by the centre / system admin."""

import pytest

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.orgs.models import Department, LeadershipGroup, LeadershipMember, PartnerUnit

MANAGERS = [Role.SAFETY_CENTRE, Role.SYSTEM_ADMIN]
OTHERS = [Role.LEADERSHIP, Role.DEPARTMENT_OFFICER, Role.SCHOOL_OFFICER, Role.SECURITY_ADMIN]


@pytest.mark.parametrize("role", MANAGERS)
def test_managers_add_a_department_with_audit(world, client_for, role):
    client = client_for(world.users[role])
    response = client.post(
        f"/orgs/bureaus/{world.bureau.pk}/departments/new/",
        {"name": "法制科", "kind": "section", "head": "", "phone": "", "sort_order": 3},
    )
    assert response.status_code == 302
    dept = Department.objects.get(name="法制科")
    assert dept.bureau == world.bureau
    assert AuditEvent.objects.filter(action=Action.CONFIG_CREATED, target_id=str(dept.pk))


@pytest.mark.parametrize("role", OTHERS)
def test_others_cannot_add_departments(world, client_for, role):
    response = client_for(world.users[role]).post(
        f"/orgs/bureaus/{world.bureau.pk}/departments/new/", {"name": "X", "kind": "section"}
    )
    assert response.status_code in (403, 404)
    assert not Department.objects.filter(name="X").exists()


def test_other_bureau_is_not_found(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    assert client.get(f"/orgs/bureaus/{world.other_bureau.pk}/departments/new/").status_code == 404


def test_partner_unit_covers_schools_by_code(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        f"/orgs/bureaus/{world.bureau.pk}/partners/new/",
        {
            "name": "七宝消防站",
            "kind": "fire",
            "contact": "",
            "phone": "",
            "school_codes": f"{world.school_a.code}\n{world.school_b.code}",
        },
    )
    assert response.status_code == 302
    partner = PartnerUnit.objects.get(name="七宝消防站")
    assert set(partner.schools.all()) == {world.school_a, world.school_b}


def test_partner_unit_refuses_schools_of_another_bureau(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        f"/orgs/bureaus/{world.bureau.pk}/partners/{world.partner.pk}/edit/",
        {
            "name": world.partner.name,
            "kind": "police",
            "contact": "",
            "phone": "",
            "school_codes": world.school_other.code,
        },
    )
    assert response.status_code == 200
    assert world.school_other.code in response.content.decode()
    assert set(world.partner.schools.all()) == {world.school_a}


def test_leadership_member_add_and_remove(world, client_for):
    group = LeadershipGroup.objects.create(bureau=world.bureau, name="领导小组")
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        f"/orgs/leadership/{group.pk}/members/new/",
        {"position": "deputy", "name": "马秀明", "title": "副局长", "department": ""},
    )
    assert response.status_code == 302
    member = LeadershipMember.objects.get(name="马秀明")
    assert client.post(f"/orgs/leadership/members/{member.pk}/remove/").status_code == 302
    assert not LeadershipMember.objects.filter(pk=member.pk).exists()
    changes = AuditEvent.objects.filter(action=Action.CONFIG_CHANGED, target_id=str(group.pk))
    assert changes.count() == 2


def test_school_officer_cannot_remove_a_member(world, client_for):
    group = LeadershipGroup.objects.create(bureau=world.bureau, name="领导小组")
    member = LeadershipMember.objects.create(group=group, name="A", position="member")
    response = client_for(world.users[Role.SCHOOL_OFFICER]).post(
        f"/orgs/leadership/members/{member.pk}/remove/"
    )
    assert response.status_code == 403  # the group of its own bureau is visible, not editable
    assert LeadershipMember.objects.filter(pk=member.pk).exists()


def test_partner_list_is_scoped(world, client_for):
    from safecampus.core.testing import PartnerUnitFactory

    PartnerUnitFactory(bureau=world.other_bureau, name="外区派出所")
    body = client_for(world.users[Role.LEADERSHIP]).get("/orgs/partners/").content.decode()
    assert "莘庄派出所" in body and "外区派出所" not in body


def test_the_leadership_member_form_speaks_chinese(world, client_for):
    group = LeadershipGroup.objects.create(bureau=world.bureau, name="领导小组")
    client = client_for(world.users[Role.SAFETY_CENTRE])
    body = client.get(f"/orgs/leadership/{group.pk}/members/new/").content.decode()
    assert ">科室</label>" in body or ">科室<" in body
    assert ">Department<" not in body


def test_the_centre_sets_the_issuing_body_and_number_prefix(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = f"/orgs/bureaus/{world.bureau.pk}/documents/"
    assert "文号前缀" in client.get(url).content.decode()
    response = client.post(
        url, {"issuing_body": " 上海市闵行区教育局 ", "doc_number_prefix": "闵教安"}
    )
    assert response.status_code == 302
    world.bureau.refresh_from_db()
    assert (world.bureau.issuing_body, world.bureau.doc_number_prefix) == (
        "上海市闵行区教育局",
        "闵教安",
    )
    assert world.bureau.issuer == "上海市闵行区教育局"
    assert AuditEvent.objects.filter(
        action=Action.CONFIG_CHANGED, target_id=str(world.bureau.pk)
    ).exists()
    page = client.get("/orgs/structure/").content.decode()
    assert "闵教安〔" in page and url in page
