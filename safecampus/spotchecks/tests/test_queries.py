"""Query counts of the spot check pages: pinned, and the same for a few rows as for many."""

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import count_queries
from safecampus.hazards.testing import jpeg_upload
from safecampus.spotchecks import services
from safecampus.spotchecks.models import Result

pytestmark = pytest.mark.django_db


def grow(sc, n: int):
    """``n`` more hazards of 普教一科 claimed in progress, a check of them all, assigned to the
    inspector (the first recorded with a photo)."""
    for i in range(n):
        sc.make("assigned", school=(sc.school_a, sc.school_b)[i % 2])
    check = sc.order(title=f"抽查{n}")
    items = [i for i in check.items.all() if i.stratum != "d-"]
    services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=sc.inspector, item_ids=[i.pk for i in items]
    )
    services.spot_check_record(
        actor=sc.inspector,
        item=items[0],
        result=Result.CONFIRMED,
        finding="",
        checked_on=timezone.localdate(),
        files=[jpeg_upload()],
    )
    return check


PAGES = {
    "check_list": lambda check: reverse("spotchecks:check_list"),
    "check_detail": lambda check: check.get_absolute_url(),
    "check_verify": lambda check: reverse("spotchecks:check_verify", args=[check.pk]),
    "my_assignments": lambda check: reverse("spotchecks:my_assignments"),
}


@pytest.mark.parametrize(
    ("page", "role", "expected"),
    [
        ("check_list", Role.LEADERSHIP, 7),
        ("check_list", Role.DEPARTMENT_OFFICER, 7),
        ("check_detail", Role.LEADERSHIP, 11),  # with the inspectors to choose from
        ("check_detail", Role.DEPARTMENT_OFFICER, 10),
        ("check_detail", Role.INSPECTOR, 10),
        ("check_verify", Role.INSPECTOR, 11),
        ("my_assignments", Role.INSPECTOR, 7),
    ],
)
def test_pages_do_not_query_per_row(sc, client_for, page, role, expected):
    """A check of 4 hazards, then of 16 with a second check listed: the same queries."""
    client = client_for(sc.users[role])
    small = count_queries(client, PAGES[page](grow(sc, 0)))
    large_check = grow(sc, 12)
    large = count_queries(client, PAGES[page](large_check))
    assert (small, large) == (expected, expected)
    assert large_check.sample_size == 16
