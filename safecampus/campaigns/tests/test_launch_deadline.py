"""Launching a campaign whose forms deadline has already passed: the page warns that every
school will be late at once and asks for an explicit confirmation; the service refuses without
``confirm_past_deadline=True`` and changes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safecampus.campaigns import services
from safecampus.campaigns.choices import CampaignStatus
from safecampus.core.refusals import Code

from .test_audit import _draft, _rows

pytestmark = pytest.mark.django_db

PAST = datetime.date(2026, 11, 10)  # the clock stands at 2026-11-18


def test_launch_past_the_deadline_is_refused_without_confirmation(camp):
    draft = _draft(camp, forms_due=PAST)
    audit_rows = _rows(draft).count()
    with pytest.raises(ValidationError) as exc:
        services.campaign_launch(actor=camp.centre, campaign_id=draft.pk)
    assert exc.value.code == Code.CONFIRM_REQUIRED
    assert "2026年11月10日" in exc.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.DRAFT and draft.launched_at is None
    assert not draft.forms.exists() and _rows(draft).count() == audit_rows


def test_launch_past_the_deadline_with_confirmation(camp):
    draft = _draft(camp, forms_due=PAST)
    made = services.campaign_launch(
        actor=camp.centre, campaign_id=draft.pk, confirm_past_deadline=True
    )
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.LAUNCHED and made == draft.forms.count() > 0
    assert _rows(draft).last().data["launch"] == {
        "forms_made": made,
        "past_deadline_confirmed": True,
    }
    # adding forms for new schools later asks nothing again
    assert services.campaign_launch(actor=camp.centre, campaign_id=draft.pk) == 0


def test_deadline_today_needs_no_confirmation(camp, clock):
    draft = _draft(camp, forms_due=clock.today)
    services.campaign_launch(actor=camp.centre, campaign_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.LAUNCHED


def test_page_warns_and_launches_only_when_confirmed(camp, client_for):
    draft = _draft(camp, forms_due=PAST)
    client = client_for(camp.centre)
    page = client.get(draft.get_absolute_url())
    assert page.context["past_deadline_warning"]
    # the deadline is named as the page names it, the date written the Chinese way
    warning = page.context["past_deadline_warning"]
    assert warning.startswith("排查表报送截止日期（") and f"{PAST.year}年{PAST.month}月" in warning
    assert 'data-testid="past-deadline-warning"' in page.content.decode()
    assert 'name="confirm_past_deadline"' in page.content.decode()
    url = reverse("campaigns:campaign_launch", args=[draft.pk])

    r = client.post(url, follow=True)
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.DRAFT and not draft.forms.exists()
    assert [str(m) for m in r.context["messages"]] == [page.context["past_deadline_warning"]]

    client.post(url, {"confirm_past_deadline": "1"})
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.LAUNCHED and draft.forms.exists()


def test_no_warning_before_the_deadline(camp, client_for):
    draft = _draft(camp)
    page = client_for(camp.centre).get(draft.get_absolute_url())
    assert page.context["past_deadline_warning"] is None
    assert "past-deadline-warning" not in page.content.decode()
