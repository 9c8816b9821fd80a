"""The evaluation pages: who reaches them (403 by role, 404 out of scope), the confirmation
list of each department, and confirming through the pages."""

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.evaluation import services
from safecampus.evaluation.models import SummaryConfirmation
from safecampus.hazards.choices import Summary

pytestmark = pytest.mark.django_db


def urls(camp, hazards) -> dict[str, str]:
    c = camp.campaign.pk
    return {
        "list": "/evaluation/",
        "campaign": f"/evaluation/campaigns/{c}/",
        "hazard": f"/evaluation/hazards/{hazards.closed.pk}/",
        "archive": f"/evaluation/campaigns/{c}/archive/",
        "snapshot": f"/evaluation/campaigns/{c}/archive.json.gz",
    }


@pytest.mark.parametrize("page", ["list", "campaign", "hazard", "archive", "snapshot"])
def test_school_staff_get_403(camp, hazards, client_for, page):
    services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason="提前归档"
    )
    client = client_for(camp.school_user)
    assert client.get(urls(camp, hazards)[page]).status_code == 403


@pytest.mark.parametrize("page", ["campaign", "hazard", "archive", "snapshot"])
def test_another_bureau_gets_404(camp, hazards, client_for, page):
    services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason="提前归档"
    )
    outsider = user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="xuhui_centre")
    client = client_for(outsider)
    assert client.get(urls(camp, hazards)[page]).status_code == 404
    assert client.get("/evaluation/").content.decode().count(camp.campaign.name) == 0


def test_posts_out_of_scope_or_role(camp, hazards, client_for):
    c = camp.campaign.pk
    outsider = user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="xuhui_centre")
    client = client_for(outsider)
    assert client.post(f"/evaluation/campaigns/{c}/archive/start/").status_code == 404
    assert client.post(f"/evaluation/campaigns/{c}/confirm-all/").status_code == 404
    # the leadership group reads but neither confirms nor archives
    leader = client_for(camp.leader)
    assert (
        leader.post(f"/evaluation/hazards/{hazards.closed.pk}/", {"as_derived": "1"}).status_code
        == 403
    )
    assert leader.post(f"/evaluation/campaigns/{c}/archive/start/").status_code == 403
    assert leader.post(f"/evaluation/campaigns/{c}/confirm-all/").status_code == 403
    # a department reaches neither the archive nor another department's hazard
    dept = client_for(camp.dept_user)
    assert dept.post(f"/evaluation/campaigns/{c}/archive/start/").status_code == 403
    assert dept.post(f"/evaluation/campaigns/{c}/summary/").status_code == 403
    assert dept.get(f"/evaluation/hazards/{hazards.other.pk}/").status_code == 404
    assert (
        dept.post(f"/evaluation/hazards/{hazards.other.pk}/", {"as_derived": "1"}).status_code
        == 404
    )
    assert not SummaryConfirmation.objects.exists()


def test_a_department_sees_only_its_own_confirmation_rows(camp, hazards, client_for):
    body = client_for(camp.other_dept_user).get(f"/evaluation/campaigns/{camp.campaign.pk}/")
    html = body.content.decode()
    assert html.count('data-testid="confirm-row"') == 1
    assert f'data-code="{hazards.other.code}"' in html
    assert 'data-department="普教一科"' not in html
    centre = client_for(camp.centre).get(f"/evaluation/campaigns/{camp.campaign.pk}/")
    assert centre.content.decode().count('data-testid="confirm-row"') == 4  # not the withdrawn


def test_confirm_all_and_one_by_one_through_the_page(camp, hazards, client_for):
    client = client_for(camp.dept_user)
    c = camp.campaign.pk
    response = client.post(f"/evaluation/campaigns/{c}/confirm-all/", {"query": "state=pending"})
    assert response["Location"] == f"/evaluation/campaigns/{c}/?state=pending"
    assert SummaryConfirmation.objects.count() == 3
    pending = client.get(f"/evaluation/campaigns/{c}/?state=pending").content.decode()
    assert 'data-testid="confirm-row"' not in pending
    response = client.post(f"/evaluation/hazards/{hazards.rectifying.pk}/", {"as_derived": "1"})
    assert response.status_code == 302
    latest = SummaryConfirmation.objects.filter(hazard=hazards.rectifying).latest("id")
    assert (latest.category, latest.complete_by) == (
        Summary.IN_PROGRESS,
        hazards.rectifying.deadline,
    )
    assert SummaryConfirmation.objects.filter(hazard=hazards.rectifying).count() == 2


def test_bad_input_is_a_400_keeping_what_was_typed(camp, hazards, client_for):
    client = client_for(camp.dept_user)
    url = f"/evaluation/hazards/{hazards.hard.pk}/"
    response = client.post(
        url, {"category": Summary.IN_PROGRESS, "complete_by": "", "note": "资金已落实"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "资金已落实" in html and 'class="invalid-feedback d-block"' in html
    response = client.post(
        url, {"category": Summary.RESOLVED, "complete_by": "not a date", "note": ""}
    )
    assert response.status_code == 400
    assert not SummaryConfirmation.objects.exists()
    response = client.post(
        url, {"category": Summary.IN_PROGRESS, "complete_by": str(camp.today), "note": "资金已落实"}
    )
    assert response.status_code == 302
    assert SummaryConfirmation.objects.get().note == "资金已落实"
    history = client.get(url).content.decode()
    assert "资金已落实" in history


@pytest.mark.parametrize("value", ["²", "abc", "9" * 30])
def test_a_department_filter_that_is_not_an_id_is_ignored_not_a_500(
    camp, hazards, client_for, value
):
    url = f"/evaluation/campaigns/{camp.campaign.pk}/"
    body = client_for(camp.centre).get(url, {"department": value})
    assert body.status_code == 200
    assert body.content.decode().count('data-testid="confirm-row"') == 4
