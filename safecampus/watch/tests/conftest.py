import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.watch.testing import BEFORE, watch_world


@pytest.fixture
def w(world, clock):
    clock.move_to(BEFORE)
    return watch_world(world)


@pytest.fixture
def others(world):
    """The right roles elsewhere: school B's officer, the other bureau's centre."""
    return {
        "school_b": user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b"),
        "centre_other": user_with_role(
            Role.SAFETY_CENTRE, world.other_bureau, username="centre_other"
        ),
    }
