"""Before archiving, the page lists what is incomplete; archiving before the departments'
feedback deadline needs a written reason, which is kept (archive, event row, audit log)."""

import pytest
from django.core.exceptions import ValidationError

from safecampus.audit.models import AuditEvent
from safecampus.campaigns.choices import CampaignStatus
from safecampus.core.models import Job
from safecampus.core.refusals import Code
from safecampus.evaluation import services
from safecampus.evaluation.models import CampaignArchive, EvaluationEvent
from safecampus.evaluation.selectors import archive_readiness
from safecampus.weekly.weeks import report_weeks

from .conftest import DAY

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

REASON = "区教育局要求12月1日前报送总结，提前归档"


def _archive_audit(camp):
    return [
        e
        for e in AuditEvent.objects.filter(
            target_type="campaigns.campaign", target_id=str(camp.campaign.pk)
        )
        if "archive" in e.data
    ]


def test_refused_before_the_deadline_without_a_reason(camp, hazards):
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            services.campaign_archive(
                actor=camp.centre, campaign_id=camp.campaign.pk, override_reason=reason
            )
        assert exc.value.code == Code.REASON_REQUIRED
        assert (camp.today + 9 * DAY).isoformat() in exc.value.messages[0]
    camp.campaign.refresh_from_db()
    assert camp.campaign.status == CampaignStatus.LAUNCHED  # not closed either
    assert not CampaignArchive.objects.exists()
    assert not EvaluationEvent.objects.filter(action="archive").exists()
    assert _archive_audit(camp) == []


def test_allowed_before_the_deadline_with_a_reason_that_is_kept(camp, hazards, client_for):
    archive = services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason=f"  {REASON}\n"
    )
    assert archive.override_reason == REASON
    keys = [i["key"] for i in archive.incomplete["items"]]
    assert keys == ["forms", "confirmations", "weekly", "deadline"]
    event = EvaluationEvent.objects.get(action="archive")
    assert event.data["override_reason"] == REASON
    [audit] = _archive_audit(camp)
    assert audit.data["archive"]["override_reason"] == REASON
    assert audit.data["archive"]["archive_id"] == archive.pk
    page = client_for(camp.leader).get(archive.get_absolute_url())
    html = page.content.decode()
    assert 'data-testid="override-reason"' in html and REASON in html
    assert 'data-testid="archive-incomplete"' in html


def test_allowed_after_the_deadline_without_a_reason(camp, hazards, clock):
    clock.move_to(camp.today + 10 * DAY)
    archive = services.campaign_archive(actor=camp.centre, campaign_id=camp.campaign.pk)
    assert archive.override_reason == ""
    assert "deadline" not in [i["key"] for i in archive.incomplete["items"]]
    assert EvaluationEvent.objects.get(action="archive").data["override_reason"] == ""


def test_on_the_deadline_day_a_reason_is_still_needed(camp, hazards, clock):
    clock.move_to(camp.today + 9 * DAY)
    with pytest.raises(ValidationError) as exc:
        services.campaign_archive(actor=camp.centre, campaign_id=camp.campaign.pk)
    assert exc.value.code == Code.REASON_REQUIRED


def test_readiness_counts_what_is_incomplete(camp, hazards):
    r = archive_readiness(camp.campaign, camp.today)
    # two schools' forms, none submitted; four hazards (the withdrawn one left out), none
    # confirmed; every report week already due (4 on a Wednesday; it depends on the weekday)
    # × 2 departments owing, none submitted
    assert (r["forms_open"], r["forms_total"]) == (2, 2)
    assert (r["hazards_unconfirmed"], r["hazards_total"]) == (4, 4)
    due = [w for w in report_weeks(camp.campaign) if w.due < camp.today]
    assert len(due) >= 3
    assert r["weekly_missing"] == len(due) * 2
    assert (r["deadline"], r["deadline_passed"]) == (camp.today + 9 * DAY, False)
    services.summary_confirm_all(actor=camp.dept_user, campaign_id=camp.campaign.pk)
    after = archive_readiness(camp.campaign, camp.today)
    assert after["hazards_unconfirmed"] == 1  # 安保科's is still to confirm


def test_page_lists_what_is_incomplete_and_asks_for_the_reason(
    camp, hazards, client_for, django_capture_on_commit_callbacks
):
    client = client_for(camp.centre)
    url = f"/evaluation/campaigns/{camp.campaign.pk}/"
    html = client.get(url).content.decode()
    assert 'data-testid="archive-readiness"' in html
    for key in ("forms", "confirmations", "weekly", "deadline"):
        assert f'data-key="{key}"' in html
    assert 'name="override_reason"' in html
    # posted without a reason: refused on the page, no job started
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{url}archive/start/")
    assert response["Location"] == url and not Job.objects.exists()
    # with one: the job archives and keeps it
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{url}archive/start/", {"override_reason": REASON})
    assert Job.objects.get(kind="evaluation.archive").status == Job.Status.SUCCEEDED
    assert CampaignArchive.objects.get().override_reason == REASON


def test_department_sees_no_archive_checklist(camp, hazards, client_for):
    html = client_for(camp.dept_user).get(f"/evaluation/campaigns/{camp.campaign.pk}/")
    assert 'data-testid="archive-readiness"' not in html.content.decode()
