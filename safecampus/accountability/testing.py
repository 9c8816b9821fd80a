"""Test helpers: hazards that go to a consultation (hard, disputed, without a department), driven
through the register's services. ``sup`` is the fixture of tests/conftest.py."""

from __future__ import annotations

from safecampus.hazards import services as hazard_services
from safecampus.hazards.choices import Action, Status
from safecampus.hazards.testing import hazard_at


def make_hazard(sup, status=Status.RECTIFYING, **kw):
    return hazard_at(
        status, school=sup.school_a, school_user=sup.school_user, dept_user=sup.dept_user, **kw
    )


def make_disputed(sup):
    hazard = make_hazard(sup, Status.ASSIGNED)
    return hazard_services.hazard_act(
        actor=sup.dept_user,
        hazard_id=hazard.pk,
        action=Action.DISPUTE,
        version=hazard.version,
        comment="不属于本科室职责",
    )


def make_without_department(sup):
    item = sup.catalog.items.get(code="A02-01")
    return hazard_services.hazard_report(
        actor=sup.school_user,
        school=sup.school_a,
        item=item,
        data={"description": "食堂证照过期", "responsible_person": "李老师"},
    )
