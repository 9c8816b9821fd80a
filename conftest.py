"""Shared fixtures: a small world of two bureaus, departments, schools and people."""

from dataclasses import dataclass

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import (
    BureauFactory,
    DepartmentFactory,
    PartnerUnitFactory,
    SchoolFactory,
    cover,
    user_with_role,
)


@dataclass
class World:
    bureau: object
    other_bureau: object
    department: object
    school_a: object
    school_b: object
    school_other: object
    partner: object
    users: dict


@pytest.fixture
def world(db):
    """Bureau with schools A and B, another bureau with one school, one user per role."""
    bureau = BureauFactory(name="闵行区教育局")
    other = BureauFactory(name="徐汇区教育局")
    dept = DepartmentFactory(bureau=bureau, name="普教一科")
    school_a = SchoolFactory(bureau=bureau, name="甲小学")
    school_b = SchoolFactory(bureau=bureau, name="乙幼儿园", stage="kindergarten", students=300)
    school_other = SchoolFactory(bureau=other, name="外区中学", stage="junior")
    partner = PartnerUnitFactory(bureau=bureau, name="莘庄派出所")
    cover(partner, school_a)
    users = {
        Role.SYSTEM_ADMIN: user_with_role(Role.SYSTEM_ADMIN, bureau, username="sysadmin"),
        Role.SECURITY_ADMIN: user_with_role(Role.SECURITY_ADMIN, bureau, username="secadmin"),
        Role.AUDITOR: user_with_role(Role.AUDITOR, bureau, username="auditor"),
        Role.SAFETY_CENTRE: user_with_role(Role.SAFETY_CENTRE, bureau, username="centre"),
        Role.LEADERSHIP: user_with_role(Role.LEADERSHIP, bureau, username="leader"),
        Role.DEPARTMENT_OFFICER: user_with_role(Role.DEPARTMENT_OFFICER, dept, username="dept"),
        Role.INSPECTOR: user_with_role(Role.INSPECTOR, bureau, username="inspector"),
        Role.SCHOOL_OFFICER: user_with_role(Role.SCHOOL_OFFICER, school_a, username="school_a"),
        Role.PRINCIPAL: user_with_role(Role.PRINCIPAL, school_a, username="principal_a"),
        Role.PARTNER: user_with_role(Role.PARTNER, partner, username="police"),
    }
    return World(bureau, other, dept, school_a, school_b, school_other, partner, users)


@pytest.fixture
def client_for(client):
    """Log a client in as the given user (session auth, no login policy involved)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
