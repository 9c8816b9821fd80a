"""Fixtures of the consultation and accountability tests: ``world`` with a published catalog,
a second department with its officer, and hazards that go to a consultation."""

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.hazards.testing import small_catalog


@pytest.fixture
def sup(clock, world):
    """``world`` plus: catalog (A01 → 普教一科, A02-01 → nobody), 安保科 and its officer, the
    usual people as attributes, an other-bureau centre, school B's officer."""
    world.catalog = small_catalog(world.bureau, world.department)
    world.other_dept = DepartmentFactory(bureau=world.bureau, name="安保科")
    world.other_dept_user = user_with_role(
        Role.DEPARTMENT_OFFICER, world.other_dept, username="dept_other"
    )
    world.centre = world.users[Role.SAFETY_CENTRE]
    world.leader = world.users[Role.LEADERSHIP]
    world.dept_user = world.users[Role.DEPARTMENT_OFFICER]
    world.school_user = world.users[Role.SCHOOL_OFFICER]
    world.school_b_user = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    world.other_centre = user_with_role(
        Role.SAFETY_CENTRE, world.other_bureau, username="centre_other"
    )
    return world
