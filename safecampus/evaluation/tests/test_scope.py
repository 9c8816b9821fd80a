"""Every evaluation page through ``core.testing.scope_matrix``: anonymous → the login page, a
role that does not reach the page → 403, the right role out of scope → 404 (another bureau's
campaign or archive, another department's hazard), the permitted user → its page."""

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, scope_matrix, user_with_role
from safecampus.evaluation import services
from safecampus.evaluation.models import SummaryConfirmation

pytestmark = pytest.mark.django_db


@pytest.fixture
def sc(camp, hazards):
    camp.hazards = hazards
    camp.xh_centre = user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="xh_centre")
    camp.xh_leader = user_with_role(Role.LEADERSHIP, camp.other_bureau, username="xh_leader")
    camp.xh_dept = user_with_role(
        Role.DEPARTMENT_OFFICER, DepartmentFactory(bureau=camp.other_bureau), username="xh_dept"
    )
    camp.no_role = [
        camp.school_user,
        camp.users[Role.PARTNER],
        camp.users[Role.AUDITOR],
        camp.users[Role.INSPECTOR],
    ]
    return camp


def test_list(sc, client):
    scope_matrix(client, "/evaluation/", permitted=sc.leader, wrong_role=sc.no_role)


def test_campaign(sc, client):
    scope_matrix(
        client,
        f"/evaluation/campaigns/{sc.campaign.pk}/",
        permitted=sc.dept_user,
        out_of_scope=[sc.xh_centre, sc.xh_leader, sc.xh_dept],
        wrong_role=sc.no_role,
    )


def test_confirm_all(sc, client):
    scope_matrix(
        client,
        f"/evaluation/campaigns/{sc.campaign.pk}/confirm-all/",
        method="post",
        data={},
        permitted=sc.dept_user,
        out_of_scope=[sc.xh_centre, sc.xh_dept],
        wrong_role=[*sc.no_role, sc.leader],
    )
    assert set(SummaryConfirmation.objects.values_list("actor__username", flat=True)) == {"dept"}


def test_one_hazard(sc, client):
    scope_matrix(
        client,
        f"/evaluation/hazards/{sc.hazards.closed.pk}/",
        permitted=sc.dept_user,
        out_of_scope=[sc.other_dept_user, sc.xh_centre, sc.xh_dept],
        wrong_role=sc.no_role,
    )


def test_confirming_one_hazard(sc, client):
    scope_matrix(
        client,
        f"/evaluation/hazards/{sc.hazards.closed.pk}/",
        method="post",
        data={"as_derived": "1"},
        permitted=sc.dept_user,
        out_of_scope=[sc.other_dept_user, sc.xh_centre],
        # the leadership group reads the hazard but does not confirm it
        wrong_role=[*sc.no_role, sc.leader],
    )
    assert SummaryConfirmation.objects.get().hazard == sc.hazards.closed


def test_archive_start(sc, client):
    scope_matrix(
        client,
        f"/evaluation/campaigns/{sc.campaign.pk}/archive/start/",
        method="post",
        data={"override_reason": "提前归档"},
        permitted=sc.centre,
        out_of_scope=[sc.xh_centre],
        wrong_role=[*sc.no_role, sc.leader, sc.dept_user],
    )


@pytest.mark.parametrize(
    ("path", "method"),
    [("archive/", "get"), ("archive.json.gz", "get"), ("summary/", "post")],
)
def test_archive_pages(sc, client, path, method):
    services.campaign_archive(
        actor=sc.centre, campaign_id=sc.campaign.pk, override_reason="提前归档"
    )
    scope_matrix(
        client,
        f"/evaluation/campaigns/{sc.campaign.pk}/{path}",
        method=method,
        data={} if method == "post" else None,
        permitted=sc.leader,
        out_of_scope=[sc.xh_centre, sc.xh_leader],
        wrong_role=[*sc.no_role, sc.dept_user],
    )
