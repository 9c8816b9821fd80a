"""Every change of a campaign leaves an audit row, as the other configuration does: creating and
editing the plan, launching and closing. The row is the transaction's last write, so a refused
change leaves none."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safecampus.audit.models import Action, AuditEvent
from safecampus.campaigns import services
from safecampus.campaigns.choices import CampaignStatus
from safecampus.core.testing import SchoolFactory

pytestmark = pytest.mark.django_db

PHASE = {
    "name": "集中排查",
    "kind": "inspection",
    "starts_on": datetime.date(2027, 3, 1),
    "ends_on": datetime.date(2027, 3, 20),
}


def _rows(campaign):
    return AuditEvent.objects.filter(
        target_type="campaigns.campaign", target_id=str(campaign.pk)
    ).order_by("seq")


def _draft(camp, **data):
    return services.campaign_save(
        actor=camp.centre,
        bureau=camp.bureau,
        data={
            "name": "2027年专项行动",
            "forms_due": datetime.date(2027, 3, 20),
            "catalog_version": camp.catalog,
            **data,
        },
        phases=[PHASE],
    )


def test_saving_a_campaign_is_audited(camp):
    draft = _draft(camp)
    [created] = _rows(draft)
    assert (created.action, created.actor, created.bureau_id) == (
        Action.CONFIG_CREATED,
        camp.centre,
        camp.bureau.pk,
    )
    assert created.data["after"]["name"] == "2027年专项行动"
    assert created.data["plan"]["phases"] == [
        ["集中排查", "inspection", "2027-03-01", "2027-03-20", False]
    ]

    services.campaign_save(
        actor=camp.centre,
        bureau=camp.bureau,
        campaign=draft,
        data={
            "name": "2027年校园安全专项行动",
            "forms_due": datetime.date(2027, 3, 25),
            "catalog_version": camp.catalog,
        },
        phases=[PHASE],
    )
    changed = _rows(draft).last()
    assert changed.action == Action.CONFIG_CHANGED
    assert changed.data["changes"]["name"] == ["2027年专项行动", "2027年校园安全专项行动"]
    assert changed.data["changes"]["forms_due"] == ["2027-03-20", "2027-03-25"]
    assert "plan" not in changed.data  # the phases did not change

    with pytest.raises(ValidationError):
        services.campaign_save(
            actor=camp.centre,
            bureau=camp.bureau,
            campaign=draft,
            data={"name": "", "forms_due": datetime.date(2027, 3, 25)},
            phases=[PHASE],
        )
    assert _rows(draft).count() == 2


def test_launching_and_closing_are_audited(camp, client_for):
    draft = _draft(camp)
    client = client_for(camp.centre)
    assert client.post(reverse("campaigns:campaign_launch", args=[draft.pk])).status_code == 302
    launched = _rows(draft).last()
    assert launched.action == Action.CONFIG_CHANGED
    assert launched.data["changes"] == {"status": ["draft", "launched"]}
    assert launched.data["launch"] == {"forms_made": draft.forms.count()} and draft.forms.exists()

    # launching again after a school joined the bureau makes its form, and says so
    SchoolFactory(bureau=camp.bureau, name="新开小学", stage="primary")
    services.campaign_launch(actor=camp.centre, campaign_id=draft.pk)
    again = _rows(draft).last()
    assert again.data == {"launch": {"forms_made": 1}, "changes": {}}

    assert client.post(reverse("campaigns:campaign_close", args=[draft.pk])).status_code == 302
    closed = _rows(draft).last()
    assert closed.data == {"changes": {"status": ["launched", "closed"]}}
    assert closed.actor == camp.centre
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.CLOSED

    # a refused close writes nothing
    count = _rows(draft).count()
    with pytest.raises(ValidationError):
        services.campaign_close(actor=camp.centre, campaign_id=draft.pk)
    assert _rows(draft).count() == count
