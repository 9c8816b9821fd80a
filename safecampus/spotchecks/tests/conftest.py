"""Fixtures of the spot check tests: ``world`` with a catalog, a second department, a few
hazards in every claim, and a helper to order a check."""

from decimal import Decimal

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.hazards.testing import hazard_at, small_catalog
from safecampus.spotchecks import services


@pytest.fixture
def sc(clock, world):
    """Hazards of bureau 闵行: ``closed`` (普教一科, red, school A), ``rectifying`` (普教一科,
    yellow, school B), ``other`` (安保科, submitted, school A), ``nodept`` (no department,
    assigned by the centre, school A) — the population of a check of both claims — and ``hard``,
    ``withdrawn`` and ``reported`` (not yet confirmed), which no check draws.
    ``sc.order(**kw)`` orders a check as the leader."""
    w = world
    w.catalog = small_catalog(w.bureau, w.department)
    w.other_dept = DepartmentFactory(bureau=w.bureau, name="安保科")
    w.other_dept_user = user_with_role(Role.DEPARTMENT_OFFICER, w.other_dept, username="dept2")
    w.school_b_user = user_with_role(Role.SCHOOL_OFFICER, w.school_b, username="school_b")
    w.centre = w.users[Role.SAFETY_CENTRE]
    w.leader = w.users[Role.LEADERSHIP]
    w.inspector = w.users[Role.INSPECTOR]
    w.dept_user = w.users[Role.DEPARTMENT_OFFICER]
    w.school_user = w.users[Role.SCHOOL_OFFICER]
    w.other_centre = user_with_role(Role.SAFETY_CENTRE, w.other_bureau, username="centre2")
    item_b = w.catalog.items.get(code="A02-01")

    def make(status, *, school=None, item=None, dept_user=None, **data):
        school = school or w.school_a
        return hazard_at(
            status,
            school=school,
            school_user=w.school_user if school == w.school_a else w.school_b_user,
            dept_user=dept_user or w.dept_user,
            item=item,
            **data,
        )

    w.make = make
    w.closed = make("closed", risk_colour="red")
    w.rectifying = make("rectifying", school=w.school_b, risk_colour="yellow")
    # A02-01 names no department yet: the centre confirms it without one
    w.nodept = make("assigned", item=item_b, dept_user=w.centre)
    item_b.responsible_departments.set([w.other_dept])
    w.other = make("submitted", item=item_b, dept_user=w.other_dept_user)
    w.hard = make("hard")
    w.withdrawn = make("withdrawn")
    w.reported = make("reported")

    def order(actor=None, **kw):
        kw.setdefault("title", "2026年春季抽查")
        kw.setdefault("proportion", Decimal("1"))
        kw.setdefault("claims", ["resolved", "in_progress"])
        kw.setdefault("seed", 12345)
        return services.spot_check_order(actor=actor or w.leader, bureau=w.bureau, **kw)

    w.order = order
    return w
