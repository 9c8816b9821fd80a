"""Fixtures of the register tests: the shared ``world`` plus a published catalog."""

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.hazards.testing import hazard_at, small_catalog


@pytest.fixture
def reg(clock, world):
    """``world`` with a published catalog, a second department and its officer, and a helper
    ``reg.make(status, school=..., **fields)`` that builds a hazard in that status."""
    other_dept = DepartmentFactory(bureau=world.bureau, name="安保科")
    world.catalog = small_catalog(world.bureau, world.department, cooperating=other_dept)
    world.other_dept = other_dept
    world.other_dept_user = user_with_role(
        Role.DEPARTMENT_OFFICER, other_dept, username="dept_other"
    )
    world.school_b_user = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    world.item = world.catalog.items.get(code="A01-01")

    def make(status="reported", *, school=None, school_user=None, **data):
        school = school or world.school_a
        if school_user is None:
            school_user = (
                world.users[Role.SCHOOL_OFFICER]
                if school == world.school_a
                else world.school_b_user
            )
        return hazard_at(
            status,
            school=school,
            school_user=school_user,
            dept_user=world.users[Role.DEPARTMENT_OFFICER],
            **data,
        )

    world.make = make
    return world


@pytest.fixture
def robots(settings):
    """A local imitation of DingTalk's and WeCom's robot services; the settings point at it
    (as in the messaging tests)."""
    from safecampus.messaging.testing import RobotImitation

    imitation = RobotImitation()
    base = imitation.start()
    settings.SAFECAMPUS_DINGTALK_API = base
    settings.SAFECAMPUS_WECOM_API = base
    yield imitation
    imitation.stop()
