"""Test builders for incidents and disputes: a report's data with sensible defaults, one call
to report it, and a second centre officer (the one *not* named on restricted cases)."""

from __future__ import annotations

import datetime

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role

from . import services
from .choices import IncidentType, Severity


def report_data(school, *, occurred_at: datetime.datetime, **overrides) -> dict:
    """The fields of a first report, as the form posts them (``occurred_at`` is required:
    tests never read the clock)."""
    data = {
        "school": school.pk,
        "incident_type": IncidentType.INJURY,
        "severity": Severity.GENERAL,
        "title": "学生课间摔伤",
        "occurred_at": occurred_at,
        "place": "操场",
        "description": "课间一名学生在操场跑动时摔倒，右臂擦伤。",
        "measures": "校医现场处置，已通知家长。",
        "affected_students": 1,
        "injured": 1,
    }
    data.update(overrides)
    return data


def report(actor, school, *, now: datetime.datetime, minutes_after: int = 10, **overrides):
    """Report an incident that happened ``minutes_after`` minutes before ``now``."""
    occurred = overrides.pop("occurred_at", now - datetime.timedelta(minutes=minutes_after))
    return services.incident_report(
        actor=actor, data=report_data(school, occurred_at=occurred, **overrides), now=now
    )


def second_centre_officer(world, username: str = "centre2"):
    """Another safety-centre officer of the world's bureau (sees everything unrestricted, is
    named on nothing unless the settings say so)."""
    return user_with_role(Role.SAFETY_CENTRE, world.bureau, username=username)


def designate(world, *users):
    """Name ``users`` as the officers on every restricted case of the world's bureau."""
    settings = services.settings_for(world.bureau.pk)
    settings.restricted_officers.set([u.pk for u in users])
    return settings
