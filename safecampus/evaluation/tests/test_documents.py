"""The written summary (final and draft) and each department's written material are 公文 of
``core.documents``, named in Chinese; the material is read by its department and the centre."""

from urllib.parse import unquote

import pytest
from django.utils import timezone

from safecampus.campaigns.models import CampaignPhase
from safecampus.core.documents import chinese_date
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.core.testing_documents import assert_gongwen, docx_text
from safecampus.evaluation import services
from safecampus.evaluation.models import EvaluationEvent

from .conftest import DAY
from .test_scope import sc  # noqa: F401  (the scope fixture)

pytestmark = pytest.mark.django_db


def download_name(response) -> str:
    return unquote(response["Content-Disposition"].split("filename*=UTF-8''", 1)[1])


def run_summary(client, url, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url)
    assert r.status_code == 302
    return Job.objects.filter(kind="evaluation.summary_docx").latest("pk")


def job_content(client, job) -> bytes:
    assert job.status == Job.Status.SUCCEEDED, job.result
    download = client.get(f"/jobs/{job.pk}/download/")
    return b"".join(download.streaming_content)


def test_a_draft_summary_before_archiving_then_the_final_one(
    camp, hazards, client_for, django_capture_on_commit_callbacks
):
    leader = client_for(camp.leader)
    page = leader.get(f"/evaluation/campaigns/{camp.campaign.pk}/").content.decode()
    assert 'data-testid="summary-draft"' in page
    job = run_summary(
        leader,
        f"/evaluation/campaigns/{camp.campaign.pk}/summary/draft/",
        django_capture_on_commit_callbacks,
    )
    title = f"{camp.campaign.name}书面材料"
    assert job.output_name == f"闵行区教育局_{camp.campaign.name}_书面材料_草稿.docx"
    doc = assert_gongwen(
        job_content(leader, job), title=title, date=chinese_date(camp.today), headings=10
    )
    texts = [p.text for p in doc.paragraphs]
    assert texts[texts.index(title) + 1].startswith("（草稿：根据截至")
    # the addressee names the bureau's leadership group, not a bare "局…领导小组"
    (addressee,) = [t for t in texts if t.endswith("领导小组：")]
    assert addressee.startswith("闵行区教育局") or addressee.startswith("上海市闵行区教育局")
    # dates in the text are written the Chinese way, never 2026-11-18
    assert camp.today.isoformat() not in docx_text(doc)
    assert f"{camp.today.year}年{camp.today.month}月{camp.today.day}日" in docx_text(doc)
    assert "灭火器过期" in docx_text(doc) or "设置警戒线，专人看守" in docx_text(doc)
    event = EvaluationEvent.objects.get(action="summary")
    assert event.data == {"draft": True, "file": job.output_name} and event.actor == camp.leader

    archive = services.campaign_archive(
        actor=camp.centre,
        campaign_id=camp.campaign.pk,
        override_reason="年底前按局务会要求提前归档",
    )
    # archived: no more drafts, the final one from the archive
    centre = client_for(camp.centre)
    page = centre.get(f"/evaluation/campaigns/{camp.campaign.pk}/").content.decode()
    assert 'data-testid="summary-draft"' not in page
    r = centre.post(f"/evaluation/campaigns/{camp.campaign.pk}/summary/draft/")
    assert r.status_code == 302 and Job.objects.count() == 1
    job = run_summary(
        centre,
        f"/evaluation/campaigns/{camp.campaign.pk}/summary/",
        django_capture_on_commit_callbacks,
    )
    assert job.output_name == f"闵行区教育局_{camp.campaign.name}_书面材料.docx"
    archived_on = timezone.localtime(archive.archived_at).date()
    doc = assert_gongwen(
        job_content(centre, job), title=title, date=chinese_date(archived_on), headings=10
    )
    assert not any("草稿" in p.text for p in doc.paragraphs)


def test_the_draft_summary_scope(sc, client):  # noqa: F811
    scope_matrix(
        client,
        f"/evaluation/campaigns/{sc.campaign.pk}/summary/draft/",
        method="post",
        permitted=sc.centre,
        out_of_scope=[sc.xh_centre, sc.xh_leader],
        wrong_role=[*sc.no_role, sc.dept_user],
    )


def test_the_department_material_scope(sc, client):  # noqa: F811
    url = f"/evaluation/campaigns/{sc.campaign.pk}/departments/{sc.department.pk}/material.docx"
    scope_matrix(
        client,
        url,
        permitted=sc.dept_user,
        # another bureau's centre and officer; 安保科's officer asking for 普教一科's material
        out_of_scope=[sc.xh_centre, sc.xh_dept, sc.other_dept_user],
        wrong_role=[*sc.no_role, sc.leader],
    )
    client.force_login(sc.centre)
    other = f"/evaluation/campaigns/{sc.campaign.pk}/departments/{sc.other_dept.pk}/material.docx"
    assert client.get(other).status_code == 200


def test_the_department_material_is_a_gongwen_of_its_hazards(camp, hazards, client_for):
    url = f"/evaluation/campaigns/{camp.campaign.pk}/departments/{camp.department.pk}/"
    client = client_for(camp.dept_user)
    page = client.get(f"/evaluation/campaigns/{camp.campaign.pk}/").content.decode()
    assert url + "material.docx" in page and "安保科" not in page.split("department-materials")[1]
    r = client.get(url + "material.docx")
    name = camp.department.name
    assert download_name(r) == f"闵行区教育局_{camp.campaign.name}_书面材料_{name}.docx"
    title = f"{name}关于{camp.campaign.name}风险隐患整改情况的书面材料"
    doc = assert_gongwen(r.content, title=title, date=chinese_date(camp.today), headings=4)
    text = docx_text(doc)
    # its own hazards in the three categories, the withdrawn one and 安保科's left out
    assert "本部门职责范围内的风险隐患共3处" in text
    assert "消防通道已清理" in text and "灭火器过期" in text and "设置警戒线，专人看守" in text
    assert "误报" not in text and "食堂证照过期" not in text
    assert f"闵行区教育局{name}" in [p.text for p in doc.paragraphs]
    assert not any("草稿" in p.text for p in doc.paragraphs)  # the rectification phase ended


def test_the_material_is_a_draft_while_the_rectification_phase_runs(camp, hazards, client_for):
    CampaignPhase.objects.filter(campaign=camp.campaign, kind="rectification").update(
        ends_on=camp.today + DAY
    )
    url = f"/evaluation/campaigns/{camp.campaign.pk}/departments/{camp.department.pk}/"
    r = client_for(camp.users[Role.SAFETY_CENTRE]).get(url + "material.docx")
    assert download_name(r).endswith(f"_{camp.department.name}_草稿.docx")
    doc = assert_gongwen(
        r.content,
        title=f"{camp.department.name}关于{camp.campaign.name}风险隐患整改情况的书面材料",
        headings=4,
    )
    assert any(p.text.startswith("（草稿：专项整治阶段尚未结束") for p in doc.paragraphs)


def test_the_material_of_a_closed_campaign_is_final(camp, hazards, client_for):
    """A campaign archived (so closed) before its rectification phase ended: its departments'
    material is final, not a draft for ever."""
    CampaignPhase.objects.filter(campaign=camp.campaign, kind="rectification").update(
        ends_on=camp.today + DAY
    )
    type(camp.campaign).objects.filter(pk=camp.campaign.pk).update(status="closed")
    url = f"/evaluation/campaigns/{camp.campaign.pk}/departments/{camp.department.pk}/"
    r = client_for(camp.users[Role.SAFETY_CENTRE]).get(url + "material.docx")
    assert download_name(r) == (
        f"闵行区教育局_{camp.campaign.name}_书面材料_{camp.department.name}.docx"
    )


def test_the_material_counts_missing_reports_as_the_weekly_matrix_does(camp, hazards):
    """A report is missing once its due day has passed (``weekly.selectors.week_state``), not
    on the due day itself."""
    from safecampus.evaluation import material
    from safecampus.weekly.weeks import report_weeks

    weeks = report_weeks(camp.campaign)
    due_day = weeks[1].due
    m = material.material_collect(
        user=camp.centre, campaign=camp.campaign, department=camp.department, today=due_day
    )
    assert m.reports == []
    assert (m.weeks_due, m.missing) == (1, 1)  # the first week's; the second is due today
