"""The final written summary's document number (发文字号): taken once when the archive is made,
stored on the archive, shown on the archive page and above the title of every download; an
archive that fails gives it back; a draft (草稿) carries none."""

import pytest

from safecampus.core.testing_documents import assert_gongwen
from safecampus.evaluation import services
from safecampus.evaluation.document import summary_title
from safecampus.evaluation.models import CampaignArchive
from safecampus.orgs.models import Bureau

from .test_documents import job_content, run_summary

pytestmark = pytest.mark.django_db

REASON = "年底前按局务会要求提前归档"


@pytest.fixture
def numbered(camp, hazards):
    Bureau.objects.filter(pk=camp.bureau.pk).update(doc_number_prefix="闵教安")
    camp.bureau.refresh_from_db()
    return camp


def above_title(doc, title: str) -> list[str]:
    texts = [p.text for p in doc.paragraphs]
    return [t for t in texts[: texts.index(title)] if t]


def archive(camp):
    return services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason=REASON
    )


def test_the_final_summary_carries_the_number_the_archive_took(
    numbered, client_for, django_capture_on_commit_callbacks
):
    camp = numbered
    title = summary_title(camp.campaign.name)
    leader = client_for(camp.leader)
    job = run_summary(
        leader,
        f"/evaluation/campaigns/{camp.campaign.pk}/summary/draft/",
        django_capture_on_commit_callbacks,
    )
    draft = assert_gongwen(job_content(leader, job), title=title, headings=10)
    assert above_title(draft, title) == []  # a draft carries no number

    made = archive(camp)
    number = f"闵教安〔{camp.today.year}〕1号"
    assert made.doc_number == number
    centre = client_for(camp.centre)
    assert number in centre.get(made.get_absolute_url()).content.decode()
    for _n in range(2):
        job = run_summary(
            centre,
            f"/evaluation/campaigns/{camp.campaign.pk}/summary/",
            django_capture_on_commit_callbacks,
        )
        doc = assert_gongwen(job_content(centre, job), title=title, number=number, headings=10)
        assert above_title(doc, title) == [number]
    assert CampaignArchive.objects.get().doc_number == number


def test_a_failed_archive_gives_its_number_back(numbered, monkeypatch):
    camp = numbered

    def fail(**kwargs):
        raise RuntimeError("the audit log refused")

    monkeypatch.setattr(services, "audit_record", fail)
    with pytest.raises(RuntimeError):
        archive(camp)
    monkeypatch.undo()
    assert not CampaignArchive.objects.exists()
    assert archive(camp).doc_number == f"闵教安〔{camp.today.year}〕1号"


def test_a_bureau_without_a_prefix_archives_without_a_number(camp, hazards):
    assert archive(camp).doc_number == ""
