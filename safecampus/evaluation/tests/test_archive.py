"""Archiving a campaign (归档留存) and the written summary (书面材料) made from the archive."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from docx import Document

from safecampus.accountability.models import (
    AccountabilityRecord,
    Consultation,
    ConsultationItem,
)
from safecampus.campaigns.choices import CampaignStatus
from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.evaluation import services
from safecampus.evaluation.models import CampaignArchive, EvaluationEvent
from safecampus.hazards import services as hazard_services
from safecampus.hazards.choices import Action, Summary
from safecampus.hazards.testing import jpeg_upload
from safecampus.spotchecks.models import SpotCheck, SpotCheckItem
from safecampus.weekly.models import WeeklyReport
from safecampus.weekly.weeks import report_weeks

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def supervised(camp, hazards):
    """Weekly reports (普教一科 on time, then late; 安保科 none), a spot check that found one
    claim false, a consultation on the hard hazard and an accountability record."""
    weeks = report_weeks(camp.campaign)
    for week, late in ((weeks[0], False), (weeks[1], True)):
        WeeklyReport.objects.create(
            campaign=camp.campaign,
            bureau=camp.bureau,
            department=camp.department,
            week_start=week.start,
            week_end=week.end,
            due_on=week.due,
            status="submitted",
            figures={"new": 1},
            progress="推进整改",
            created_by=camp.dept_user,
            submitted_by=camp.dept_user,
            late=late,
        )
    check = SpotCheck.objects.create(
        bureau=camp.bureau,
        campaign=camp.campaign,
        title="第一批抽查",
        proportion=Decimal("0.5"),
        claims=["resolved", "in_progress"],
        seed=7,
        ordered_by=camp.leader,
        ordered_role="leadership",
    )
    SpotCheckItem.objects.create(
        spot_check=check,
        hazard=hazards.closed,
        stratum="a",
        claimed_status="closed",
        claim="resolved",
        result="confirmed",
    )
    failed = SpotCheckItem.objects.create(
        spot_check=check,
        hazard=hazards.rectifying,
        stratum="a",
        claimed_status="rectifying",
        claim="in_progress",
        result="not_as_claimed",
        finding="整改未落实",
    )
    consultation = Consultation.objects.create(
        bureau=camp.bureau,
        campaign=camp.campaign,
        kind="study",
        title="专题研商会",
        held_on=camp.today,
        attendees="领导小组",
        created_by=camp.leader,
    )
    ConsultationItem.objects.create(
        consultation=consultation, hazard=hazards.hard, reason="hard", decisions=["supervise"]
    )
    record = AccountabilityRecord.objects.create(
        bureau=camp.bureau,
        kind="criticism",
        basis="spot_check",
        department=camp.department,
        reason="抽查发现整改不实",
        spot_check_item=failed,
        opened_by=camp.leader,
    )
    record.hazards.add(hazards.rectifying)
    return camp


def archive_through_the_page(client, camp, capture):
    with capture(execute=True):
        response = client.post(
            f"/evaluation/campaigns/{camp.campaign.pk}/archive/start/",
            {"override_reason": "提前归档"},
        )
    job = Job.objects.get(kind="evaluation.archive")
    assert response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.result
    return job


def summary_rows(content: bytes) -> list[list[str]]:
    doc = Document(io.BytesIO(content))
    return [[c.text for c in row.cells] for t in doc.tables for row in t.rows]


def test_archive_is_frozen_against_later_register_changes(
    supervised, hazards, client_for, django_capture_on_commit_callbacks
):
    camp = supervised
    services.summary_confirm_all(actor=camp.dept_user, campaign_id=camp.campaign.pk)
    client = client_for(camp.centre)
    job = archive_through_the_page(client, camp, django_capture_on_commit_callbacks)
    archive = CampaignArchive.objects.get(campaign=camp.campaign)
    assert job.result["url"] == f"/evaluation/campaigns/{camp.campaign.pk}/archive/"
    assert archive.totals["by_category"] == {"resolved": 1, "in_progress": 2, "hard": 1}
    assert (archive.totals["hazards"], archive.totals["confirmed"]) == (4, 3)
    assert (archive.totals["not_as_claimed"], archive.totals["accountability"]) == (1, 1)
    camp.campaign.refresh_from_db()
    assert camp.campaign.status == CampaignStatus.CLOSED  # archiving closed it
    event = EvaluationEvent.objects.get(campaign=camp.campaign)
    assert (event.action, event.actor, event.actor_role) == (
        "archive",
        camp.centre,
        "safety_centre",
    )
    assert event.data["closed_campaign"] is True

    # later, the register moves on: the rectifying hazard is corrected and closed, the hard
    # one's interim measures rewritten
    h = hazard_services.hazard_act(
        actor=camp.dept_user,
        hazard_id=hazards.rectifying.pk,
        action=Action.EDIT,
        version=hazards.rectifying.version,
        comment="更正",
        changes={"description": "灭火器已全部更换"},
    )
    h = hazard_services.hazard_act(
        actor=camp.school_user,
        hazard_id=h.pk,
        action=Action.SUBMIT,
        version=h.version,
        files=[jpeg_upload()],
    )
    hazard_services.hazard_act(
        actor=camp.dept_user, hazard_id=h.pk, action=Action.ACCEPT, version=h.version
    )
    hazard_services.hazard_act(
        actor=camp.dept_user,
        hazard_id=hazards.hard.pk,
        action=Action.EDIT,
        version=hazards.hard.version,
        comment="更正",
        changes={"interim_measures": "已撤除警戒线"},
    )

    page = client.get(f"/evaluation/campaigns/{camp.campaign.pk}/archive/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "灭火器过期" in body and "灭火器已全部更换" not in body
    assert "设置警戒线，专人看守" in body and "已撤除警戒线" not in body
    assert 'data-category="resolved">1<' in body and 'data-category="in_progress">2<' in body
    assert "整改未落实" in body and "抽查发现整改不实" in body and "专题研商会" in body

    leader = client_for(camp.leader)
    with django_capture_on_commit_callbacks(execute=True):
        leader.post(f"/evaluation/campaigns/{camp.campaign.pk}/summary/")
    doc_job = Job.objects.get(kind="evaluation.summary_docx")
    assert doc_job.status == Job.Status.SUCCEEDED, doc_job.result
    download = leader.get(f"/jobs/{doc_job.pk}/download/")
    content = b"".join(download.streaming_content)
    rows = summary_rows(content)
    with translation.override(doc_job.params["language"]):
        labels = {c: str(Summary(c).label) for c in Summary.values}
    assert [labels[Summary.RESOLVED], "1", "25.0"] in rows
    assert [labels[Summary.IN_PROGRESS], "2", "50.0"] in rows
    assert [labels[Summary.HARD], "1", "25.0"] in rows
    text = "\n".join("|".join(r) for r in rows)
    assert "设置警戒线，专人看守" in text and "已撤除警戒线" not in text
    assert "灭火器已全部更换" not in text
    assert ["第一批抽查", "2", "2", "1", "1"] in rows  # drawn, checked, confirmed, not as claimed
    due = str(sum(1 for w in report_weeks(camp.campaign) if w.due <= camp.today))
    # weeks due, on time, late, missing
    assert ["普教一科", due, "1", "1", str(int(due) - 2)] in rows
    assert ["安保科", due, "0", "0", due] in rows
    assert EvaluationEvent.objects.filter(action="summary", actor=camp.leader).count() == 1


def test_archiving_twice_is_refused(camp, hazards, client_for, django_capture_on_commit_callbacks):
    archive = services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason="提前归档"
    )
    with pytest.raises(ValidationError) as exc:
        services.campaign_archive(
            actor=camp.centre, campaign_id=camp.campaign.pk, override_reason="提前归档"
        )
    assert exc.value.code == "already_archived"
    client = client_for(camp.centre)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/evaluation/campaigns/{camp.campaign.pk}/archive/start/",
            {"override_reason": "提前归档"},
        )
    assert response.status_code == 302
    assert response["Location"] == f"/evaluation/campaigns/{camp.campaign.pk}/"
    assert not Job.objects.exists()
    assert list(CampaignArchive.objects.all()) == [archive]
    # a job that finds the campaign archived meanwhile fails with the reason, nothing saved
    job = Job.objects.create(
        kind="evaluation.archive",
        title="t",
        created_by=camp.centre,
        params={"campaign": camp.campaign.pk},
    )
    assert job_run(job.pk).status == Job.Status.FAILED
    assert CampaignArchive.objects.count() == 1


def test_no_confirmation_after_archiving(camp, hazards, client_for):
    services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason="提前归档"
    )
    with pytest.raises(ValidationError) as exc:
        services.summary_confirm(
            actor=camp.dept_user, hazard_id=hazards.closed.pk, category=Summary.RESOLVED
        )
    assert exc.value.code == "archived"
    body = client_for(camp.dept_user).get(f"/evaluation/campaigns/{camp.campaign.pk}/")
    assert 'data-testid="closed-reason"' in body.content.decode()
    assert 'data-testid="confirm-all"' not in body.content.decode()


def test_the_snapshot_downloads_as_gzipped_json(camp, hazards, client_for):
    import gzip
    import json

    services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason="提前归档"
    )
    response = client_for(camp.leader).get(
        f"/evaluation/campaigns/{camp.campaign.pk}/archive.json.gz"
    )
    data = json.loads(gzip.decompress(b"".join(response.streaming_content)))
    assert sorted(h["code"] for h in data["hazards"]) == sorted(
        h.code for h in (hazards.closed, hazards.rectifying, hazards.hard, hazards.other)
    )
