"""A page refused by ``core.access.require`` says why in the user's language: a department
officer who opens an archived campaign's archive page gets the 403 page in Chinese."""

import pytest

from safecampus.evaluation import services

pytestmark = pytest.mark.django_db


def test_archive_page_refused_to_a_department_in_chinese(camp, hazards, client):
    services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason="提前归档"
    )
    client.force_login(camp.dept_user)
    response = client.get(
        f"/evaluation/campaigns/{camp.campaign.pk}/archive/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 403
    text = response.content.decode()
    assert "您的角色无权访问此页面。" in text
    assert "Your roles do not reach this page." not in text
