"""Fixtures of the campaign tests: ``world``, a published catalog, a launched campaign."""

import pytest

from safecampus.campaigns.testing import launched_campaign
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.hazards.testing import small_catalog


@pytest.fixture
def camp(clock, world):
    """``world`` with a published catalog (A01 items → 普教一科, A02-01 → 安保科), a second
    department with its officer, school B's officer, and a launched campaign over the bureau."""
    world.other_dept = DepartmentFactory(bureau=world.bureau, name="安保科")
    world.catalog = small_catalog(world.bureau, world.department)
    item = world.catalog.items.get(code="A02-01")
    item.responsible_departments.set([world.other_dept])
    world.other_dept_user = user_with_role(
        Role.DEPARTMENT_OFFICER, world.other_dept, username="dept_other"
    )
    world.school_b_user = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    world.centre = world.users[Role.SAFETY_CENTRE]
    world.school_user = world.users[Role.SCHOOL_OFFICER]
    world.dept_user = world.users[Role.DEPARTMENT_OFFICER]
    world.campaign = launched_campaign(world.bureau, world.catalog, world.centre)
    world.form_a = world.campaign.forms.get(school=world.school_a)
    world.form_b = world.campaign.forms.get(school=world.school_b)
    return world
