"""Fixtures of the duties tests: ``ew``, the engine's edge world."""

import pytest

from safecampus.core.roles import Role
from safecampus.duties import services
from safecampus.duties.models import DutyCatalogVersion, Occurrence
from safecampus.duties.testing import duty, school_year_terms, small_duty_catalog

from .edge_helpers import TODAY, D


@pytest.fixture
def ew(world):
    """The world with the small catalog (plus a 2/month duty and a duty of the centre's own,
    overseen by nobody), the 2026–2027 terms, a health partner, and November's occurrences."""
    version = small_duty_catalog(world.bureau, world.department)
    duty(version, "TWICE", "每月两次安全巡查", "2/month", grace_days=2)
    duty(
        version,
        "OWN",
        "安全管理中心月度督查通报",
        "monthly",
        owed_by_schools=False,
        owed_by_centre=True,
    )
    school_year_terms(world.bureau, 2026)
    world.partner.kind = "health"
    world.partner.save()
    services.generate(world.bureau, today=TODAY, since=D(2026, 11, 1), ahead=0)
    world.version = DutyCatalogVersion.objects.get(pk=version.pk)
    world.school_officer = world.users[Role.SCHOOL_OFFICER]
    world.dept_officer = world.users[Role.DEPARTMENT_OFFICER]
    world.centre = world.users[Role.SAFETY_CENTRE]
    world.drill = Occurrence.objects.get(code="DRILL", school=world.school_a, period_key="2026-M11")
    return world
