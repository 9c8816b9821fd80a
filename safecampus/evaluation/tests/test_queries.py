"""Query counts of the evaluation pages: pinned, and the same for a few hazards as for many."""

import pytest

from safecampus.campaigns.testing import launched_campaign
from safecampus.core.roles import Role
from safecampus.core.testing import count_queries
from safecampus.evaluation import services
from safecampus.hazards.choices import Status

from .conftest import DAY, campaign_hazard, in_evaluation

pytestmark = pytest.mark.django_db


def add_hazards(camp, n: int) -> None:
    """``n`` hazards of each department in various statuses, half of them confirmed, and one
    more campaign in evaluation."""
    made = []
    for i in range(n):
        status = (Status.CLOSED, Status.RECTIFYING, Status.ASSIGNED)[i % 3]
        made.append(campaign_hazard(camp, status))
        made.append(campaign_hazard(camp, status, item_code="A02-01"))
    for h in made[::2]:
        services.summary_confirm(
            actor=camp.centre,
            hazard_id=h.pk,
            category=h.summary,
            complete_by=h.deadline if h.summary == "in_progress" else None,
        )
    other = launched_campaign(camp.bureau, camp.catalog, camp.centre, name=f"行动{n}")
    in_evaluation(other, starts=camp.today - DAY, feedback=camp.today + DAY)


PAGES = {
    "list": lambda camp: "/evaluation/",
    "campaign": lambda camp: f"/evaluation/campaigns/{camp.campaign.pk}/",
}


@pytest.mark.parametrize(
    ("page", "role", "expected"),
    [
        ("list", Role.SAFETY_CENTRE, 9),
        ("list", Role.DEPARTMENT_OFFICER, 9),
        ("campaign", Role.SAFETY_CENTRE, 20),  # + what is incomplete, + the departments' material
        ("campaign", Role.DEPARTMENT_OFFICER, 15),  # + its own written material
        ("campaign", Role.LEADERSHIP, 15),
    ],
)
def test_list_pages_do_not_query_per_row(camp, hazards, client_for, page, role, expected):
    add_hazards(camp, 1)
    client = client_for(camp.users[role])
    small = count_queries(client, PAGES[page](camp))
    add_hazards(camp, 9)
    large = count_queries(client, PAGES[page](camp))
    assert (small, large) == (expected, expected)
    if page == "campaign":
        rows = client.get(PAGES[page](camp)).content.decode().count('data-testid="confirm-row"')
        assert rows == (13 if role == Role.DEPARTMENT_OFFICER else 24)  # its 3 + 10, or all 24


def test_archive_page_reads_the_snapshot_not_the_register(camp, hazards, client_for):
    add_hazards(camp, 30)  # 64 rows: two pages
    services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason="提前归档"
    )
    client = client_for(camp.leader)
    url = f"/evaluation/campaigns/{camp.campaign.pk}/archive/"
    assert count_queries(client, url) == 6
    assert count_queries(client, url + "?page=2") == 6
    body = client.get(url + "?page=2").content.decode()
    assert body.count('data-testid="archive-row"') == 64 - 50
