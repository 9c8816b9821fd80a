"""The evaluation API: scoped as the pages (403 by role, 404 out of scope), the same figures as
the evaluation page, confirming and archiving through the same services with the same rows
written, refusals as coded JSON with a Chinese message, jobs answered 202, the snapshot's
download, and fixed query counts of the lists."""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.evaluation import services
from safecampus.evaluation.models import (
    CampaignArchive,
    EvaluationAction,
    EvaluationEvent,
    SummaryConfirmation,
)
from safecampus.hazards.choices import Status, Summary

from .conftest import DAY, campaign_hazard

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

CJK = re.compile(r"[\u4e00-\u9fff]")


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def _file_name(response) -> str:
    """The (UTF-8) file name of a download's Content-Disposition."""
    header = response["Content-Disposition"]
    return unquote(re.search(r"filename\*=utf-8''(.+)$", header, re.I).group(1))


def _outsider(camp):
    return user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="xuhui_centre")


def _archive(camp):
    return services.campaign_archive(
        actor=camp.centre, campaign_id=camp.campaign.pk, override_reason="提前归档"
    )


def _confirmations():
    return list(
        SummaryConfirmation.objects.order_by("id").values_list(
            "hazard_id", "category", "complete_by", "note", "actor_id", "actor_role"
        )
    )


# --- scope --------------------------------------------------------------------------------------


def test_reads_scope_matrix(camp, hazards, client):
    c = camp.campaign.pk
    outsider = _outsider(camp)
    scope_matrix(client, "/api/v1/evaluations/", permitted=camp.centre, wrong_role=camp.school_user)
    for url in (f"/api/v1/evaluations/{c}/", f"/api/v1/evaluations/{c}/hazards/"):
        scope_matrix(
            client,
            url,
            permitted=camp.dept_user,
            out_of_scope=outsider,
            wrong_role=camp.school_user,
        )
    scope_matrix(
        client,
        f"/api/v1/evaluation-hazards/{hazards.closed.pk}/",
        permitted=camp.dept_user,
        # another bureau, and a department that is not the hazard's
        out_of_scope=[outsider, camp.other_dept_user],
        wrong_role=camp.school_user,
    )


def test_the_campaign_list_leaves_other_bureaus_out(camp, hazards, client_for):
    body = client_for(_outsider(camp)).get("/api/v1/evaluations/").json()
    assert camp.campaign.pk not in [r["id"] for r in body["results"]]
    body = client_for(camp.leader).get("/api/v1/evaluations/").json()
    row = next(r for r in body["results"] if r["id"] == camp.campaign.pk)
    assert row["evaluation_phase"]["name"] == "总结评估"
    assert row["feedback_due"] == (camp.today + 9 * DAY).isoformat()
    assert row["archived"] is None


def test_a_path_id_that_is_not_a_number_is_404(camp, client_for):
    client = client_for(camp.centre)
    assert client.get("/api/v1/evaluations/abc/").status_code == 404
    assert client.get("/api/v1/evaluation-hazards/1x/").status_code == 404
    assert _post(client, "/api/v1/evaluations/abc/confirm-all/").status_code == 404
    assert client.get("/api/v1/evaluations/abc/archive.json.gz").status_code == 404


def test_writes_scope_matrix(camp, hazards, client, django_capture_on_commit_callbacks):
    c = camp.campaign.pk
    outsider = _outsider(camp)
    scope_matrix(
        client,
        f"/api/v1/evaluation-hazards/{hazards.closed.pk}/confirm/",
        method="post",
        data={"as_derived": True},
        permitted=camp.dept_user,
        out_of_scope=[outsider, camp.other_dept_user],
        # the leadership group reads the hazard but does not confirm it
        wrong_role=[camp.school_user, camp.leader],
    )
    scope_matrix(
        client,
        f"/api/v1/evaluations/{c}/confirm-all/",
        method="post",
        data={},
        permitted=camp.dept_user,
        out_of_scope=outsider,
        wrong_role=[camp.school_user, camp.leader],
    )
    scope_matrix(
        client,
        f"/api/v1/evaluations/{c}/summary/draft/",
        method="post",
        data={},
        permitted=camp.leader,
        out_of_scope=outsider,
        wrong_role=[camp.school_user, camp.dept_user],
        ok=(202,),
    )
    with django_capture_on_commit_callbacks(execute=True):
        scope_matrix(
            client,
            f"/api/v1/evaluations/{c}/archive/",
            method="post",
            data={"override_reason": "提前归档"},
            permitted=camp.centre,
            out_of_scope=outsider,
            wrong_role=[camp.school_user, camp.dept_user, camp.leader],
            ok=(202,),
        )
    assert CampaignArchive.objects.filter(campaign=camp.campaign).exists()
    for url, method, ok in (
        (f"/api/v1/evaluations/{c}/archive/", "get", (200,)),
        (f"/api/v1/evaluations/{c}/archive/hazards/", "get", (200,)),
        (f"/api/v1/evaluations/{c}/archive.json.gz", "get", (200,)),
        (f"/api/v1/evaluations/{c}/summary/", "post", (202,)),
    ):
        scope_matrix(
            client,
            url,
            method=method,
            data={} if method == "post" else None,
            permitted=camp.leader,
            out_of_scope=outsider,
            wrong_role=[camp.school_user, camp.dept_user],
            ok=ok,
        )


# --- the same figures as the page ---------------------------------------------------------------


def test_the_evaluation_has_the_pages_figures(camp, hazards, client_for):
    services.summary_confirm(actor=camp.dept_user, hazard_id=hazards.closed.pk, category="resolved")
    for user in (camp.centre, camp.dept_user, camp.other_dept_user, camp.leader):
        client = client_for(user)
        page = client.get(f"/evaluation/campaigns/{camp.campaign.pk}/")
        api = client.get(f"/api/v1/evaluations/{camp.campaign.pk}/").json()
        progress = page.context["progress"]
        assert api["progress"]["totals"] == progress["totals"]
        assert api["progress"]["departments"] == progress["departments"]
        assert api["progress"]["past_deadline"] == progress["past_deadline"]
        assert api["can_confirm"] == page.context["can_confirm"]
        assert api["can_archive"] == page.context["can_archive"]
        assert api["closed_reason"] == page.context["closed_reason"]
        assert api["can_draft_summary"] == page.context["can_draft_summary"]
        assert (api["readiness"] is None) == (page.context["readiness"] is None)
        if api["readiness"] is not None:
            assert api["readiness"]["items"] == page.context["readiness"]["items"]
        assert [d["id"] for d in api["material_departments"]] == [
            d.pk for d in page.context["material_departments"]
        ]
        rows = client.get(f"/api/v1/evaluations/{camp.campaign.pk}/hazards/").json()
        assert [r["code"] for r in rows["results"]] == [
            h.code for h in page.context["page"].object_list
        ]
    centre = client_for(camp.centre).get(f"/api/v1/evaluations/{camp.campaign.pk}/").json()
    assert centre["progress"]["totals"]["total"] == 4  # not the withdrawn report
    assert centre["progress"]["totals"]["confirmed"] == 1
    assert centre["can_archive"] and centre["readiness"] is not None


def test_the_confirmation_list_filters_as_the_page(camp, hazards, client_for):
    services.summary_confirm(actor=camp.dept_user, hazard_id=hazards.closed.pk, category="resolved")
    client = client_for(camp.centre)
    url = f"/api/v1/evaluations/{camp.campaign.pk}/hazards/"
    for query in (
        {"state": "pending"},
        {"state": "confirmed"},
        {"category": "hard"},
        {"department": camp.other_dept.pk},
    ):
        page = client.get(f"/evaluation/campaigns/{camp.campaign.pk}/", query)
        api = client.get(url, query).json()
        assert [r["code"] for r in api["results"]] == [
            h.code for h in page.context["page"].object_list
        ], query
    confirmed = client.get(url, {"state": "confirmed"}).json()["results"]
    assert [r["id"] for r in confirmed] == [hazards.closed.pk]
    assert confirmed[0]["latest"]["category"] == "resolved"
    response = client.get(url, {"state": "nonsense"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_the_lists_read_a_fixed_number_of_queries(camp, hazards, client_for):
    services.summary_confirm(actor=camp.centre, hazard_id=hazards.closed.pk, category="resolved")
    client = client_for(camp.centre)
    urls = ["/api/v1/evaluations/", f"/api/v1/evaluations/{camp.campaign.pk}/hazards/"]

    def counts():
        out = []
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx))
        return out

    few = counts()
    for _i in range(10):
        h = campaign_hazard(camp, Status.RECTIFYING, description="更多")
        services.summary_confirm(
            actor=camp.centre,
            hazard_id=h.pk,
            category=Summary.IN_PROGRESS,
            complete_by=camp.today + 5 * DAY,
        )
    from safecampus.campaigns.testing import launched_campaign

    for _i in range(3):
        launched_campaign(camp.bureau, camp.catalog, camp.centre)
    assert counts() == few


# --- confirming ---------------------------------------------------------------------------------


def test_confirming_through_the_api_writes_what_the_page_writes(camp, hazards, client_for):
    client = client_for(camp.dept_user)
    page = client.post(f"/evaluation/hazards/{hazards.rectifying.pk}/", {"as_derived": "1"})
    assert page.status_code == 302
    by_page = _confirmations()
    SummaryConfirmation.objects.all()._raw_delete(SummaryConfirmation.objects.db)
    api = _post(
        client, f"/api/v1/evaluation-hazards/{hazards.rectifying.pk}/confirm/", {"as_derived": True}
    )
    assert api.status_code == 200, api.json()
    assert _confirmations() == by_page
    assert by_page[0][1:3] == (Summary.IN_PROGRESS, hazards.rectifying.deadline)
    assert by_page[0][4:] == (camp.dept_user.pk, Role.DEPARTMENT_OFFICER)
    body = api.json()
    assert body["history"][0]["category"] == Summary.IN_PROGRESS
    assert body["can_confirm"] is True


def test_a_category_other_than_the_registers_needs_a_note(camp, hazards, client_for):
    client = client_for(camp.centre)
    url = f"/api/v1/evaluation-hazards/{hazards.closed.pk}/confirm/"
    response = _post(client, url, {"category": Summary.HARD})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "note" in body["errors"]
    assert CJK.search(body["message"])
    response = _post(client, url, {})
    assert response.status_code == 400 and "category" in response.json()["errors"]
    response = _post(client, url, {"category": "bogus"})
    assert response.status_code == 400 and CJK.search(response.json()["message"])
    assert not SummaryConfirmation.objects.exists()
    ok = _post(client, url, {"category": Summary.HARD, "note": "资金未到位"})
    assert ok.status_code == 200
    (row,) = _confirmations()
    assert row[1] == Summary.HARD and row[3] == "资金未到位" and row[5] == Role.SAFETY_CENTRE


def test_confirm_all_through_the_api_as_the_page(camp, hazards, client_for):
    client = client_for(camp.dept_user)
    c = camp.campaign.pk
    assert client.post(f"/evaluation/campaigns/{c}/confirm-all/").status_code == 302
    by_page = _confirmations()
    SummaryConfirmation.objects.all()._raw_delete(SummaryConfirmation.objects.db)
    response = _post(client, f"/api/v1/evaluations/{c}/confirm-all/")
    assert response.status_code == 200
    assert response.json() == {"confirmed": len(by_page), "skipped": []}
    assert _confirmations() == by_page
    assert {r[0] for r in by_page} == {hazards.closed.pk, hazards.rectifying.pk, hazards.hard.pk}


def test_confirmations_are_refused_once_archived(camp, hazards, client_for):
    _archive(camp)
    client = client_for(camp.centre)
    response = _post(client, f"/api/v1/evaluations/{camp.campaign.pk}/confirm-all/")
    assert response.status_code == 400
    assert response.json()["code"] == "archived" and CJK.search(response.json()["message"])
    response = _post(
        client, f"/api/v1/evaluation-hazards/{hazards.closed.pk}/confirm/", {"as_derived": True}
    )
    assert response.status_code == 400 and response.json()["code"] == "archived"
    assert not SummaryConfirmation.objects.exists()


# --- archiving and the written summary ----------------------------------------------------------


def _api(page_url: str) -> str:
    return "/api/v1" + page_url.replace("/evaluation/campaigns", "/evaluations")


def _archive_event():
    return list(EvaluationEvent.objects.values_list("action", "actor_id", "actor_role"))


def test_archiving_through_the_api_as_the_page(
    camp, hazards, client_for, django_capture_on_commit_callbacks
):
    client = client_for(camp.centre)
    c = camp.campaign.pk
    # before the feedback deadline a reason is needed: refused before any job
    response = _post(client, f"/api/v1/evaluations/{c}/archive/")
    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"
    assert "override_reason" in response.json()["errors"]
    assert CJK.search(response.json()["message"])
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, f"/api/v1/evaluations/{c}/archive/", {"override_reason": "提前"})
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert response.json()["url"].endswith(f"/api/v1/jobs/{job.pk}/")
    assert job.kind == "evaluation.archive" and job.params["override_reason"] == "提前"
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert _archive_event() == [(EvaluationAction.ARCHIVE, camp.centre.pk, Role.SAFETY_CENTRE)]
    archive = CampaignArchive.objects.get(campaign=camp.campaign)
    assert archive.override_reason == "提前"
    again = _post(client, f"/api/v1/evaluations/{c}/archive/", {"override_reason": "再次"})
    assert again.status_code == 400 and again.json()["code"] == "already_archived"

    detail = client.get(f"/api/v1/evaluations/{c}/archive/").json()
    page = client.get(f"/evaluation/campaigns/{c}/archive/")
    assert detail["totals"] == page.context["totals"]
    assert detail["tables"]["by_category"] == page.context["tables"]["by_category"]
    assert detail["archive"]["doc_number"] == archive.doc_number
    hazards_page = client.get(f"/api/v1/evaluations/{c}/archive/hazards/", {"category": "hard"})
    assert [h["code"] for h in hazards_page.json()["results"]] == [hazards.hard.code]


def test_archiving_through_the_page_writes_the_same_event(
    camp, hazards, client_for, django_capture_on_commit_callbacks
):
    client = client_for(camp.centre)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/evaluation/campaigns/{camp.campaign.pk}/archive/start/",
            {"override_reason": "提前"},
        )
    assert response.status_code == 302
    assert _archive_event() == [(EvaluationAction.ARCHIVE, camp.centre.pk, Role.SAFETY_CENTRE)]


def test_the_snapshot_downloads_with_the_pages_name(camp, hazards, client_for):
    _archive(camp)
    client = client_for(camp.leader)
    response = client.get(f"/api/v1/evaluations/{camp.campaign.pk}/archive.json.gz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    page = client.get(f"/evaluation/campaigns/{camp.campaign.pk}/archive.json.gz")
    assert response["Content-Disposition"] == page["Content-Disposition"]
    assert f"{camp.campaign.name}_归档.json.gz" in unquote(response["Content-Disposition"])
    data = json.loads(gzip.decompress(b"".join(response.streaming_content)))
    assert data["totals"]["hazards"] == 4
    assert (
        client_for(_outsider(camp))
        .get(f"/api/v1/evaluations/{camp.campaign.pk}/archive.json.gz")
        .status_code
        == 404
    )


def test_the_summary_before_the_archive_is_404_and_the_draft_after_it_refused(
    camp, hazards, client_for
):
    client = client_for(camp.leader)
    c = camp.campaign.pk
    assert _post(client, f"/api/v1/evaluations/{c}/summary/").status_code == 404
    assert client.get(f"/api/v1/evaluations/{c}/archive/").status_code == 404
    _archive(camp)
    response = _post(client, f"/api/v1/evaluations/{c}/summary/draft/")
    assert response.status_code == 400 and response.json()["code"] == "already_archived"
    assert not Job.objects.filter(kind="evaluation.summary_docx").exists()


@pytest.mark.parametrize("via", ["page", "api"])
def test_the_summary_job_writes_the_same_event(
    camp, hazards, client_for, django_capture_on_commit_callbacks, via
):
    _archive(camp)
    EvaluationEvent.objects.all()._raw_delete(EvaluationEvent.objects.db)
    client = client_for(camp.leader)
    url = f"/evaluation/campaigns/{camp.campaign.pk}/summary/"
    with django_capture_on_commit_callbacks(execute=True):
        if via == "page":
            assert client.post(url).status_code == 302
        else:
            response = _post(client, _api(url))
            assert response.status_code == 202
    job = Job.objects.get(kind="evaluation.summary_docx")
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert _archive_event() == [(EvaluationAction.SUMMARY, camp.leader.pk, Role.LEADERSHIP)]
    download = client.get(f"/api/v1/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert ".docx" in unquote(download["Content-Disposition"])


@pytest.mark.parametrize("via", ["page", "api"])
def test_the_draft_summary_writes_the_same_event(
    camp, hazards, client_for, django_capture_on_commit_callbacks, via
):
    client = client_for(camp.centre)
    url = f"/evaluation/campaigns/{camp.campaign.pk}/summary/draft/"
    with django_capture_on_commit_callbacks(execute=True):
        if via == "page":
            assert client.post(url).status_code == 302
        else:
            response = _post(client, _api(url))
            assert response.status_code == 202
    job = Job.objects.get(kind="evaluation.summary_docx")
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert job.params["draft"] is True
    events = list(EvaluationEvent.objects.values_list("action", "actor_id", "actor_role", "data"))
    expected = (EvaluationAction.SUMMARY, camp.centre.pk, Role.SAFETY_CENTRE)
    assert [e[:3] for e in events] == [expected]
    assert events[0][3]["draft"] is True


def test_a_departments_material_downloads_as_the_page(camp, hazards, client):
    c = camp.campaign.pk
    url = f"/api/v1/evaluations/{c}/departments/{camp.department.pk}/material.docx"
    scope_matrix(
        client,
        url,
        permitted=camp.dept_user,
        # another bureau, and another department's officer
        out_of_scope=[_outsider(camp), camp.other_dept_user],
        wrong_role=[camp.school_user, camp.leader],
    )
    client.force_login(camp.centre)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    page = client.get(f"/evaluation/campaigns/{c}/departments/{camp.department.pk}/material.docx")
    assert _file_name(response) == _file_name(page)
    assert "普教一科" in _file_name(response)
    assert b"".join(response.streaming_content)[:2] == b"PK"


# --- one service per job, one check of "confirm as derived", for the page and the API ------------


@pytest.mark.parametrize(
    ("start", "page", "api", "data"),
    [
        ("archive_start", "archive/start/", "archive/", {"override_reason": "提前"}),
        ("summary_draft_start", "summary/draft/", "summary/draft/", {}),
    ],
)
def test_the_page_and_the_api_start_a_job_through_the_same_service(
    camp, hazards, client_for, monkeypatch, start, page, api, data
):
    calls = []
    original = getattr(services, start)

    def spy(**kwargs):
        calls.append(kwargs["actor"].pk)
        return original(**kwargs)

    monkeypatch.setattr(services, start, spy)
    client = client_for(camp.centre)
    c = camp.campaign.pk
    assert client.post(f"/evaluation/campaigns/{c}/{page}", data).status_code == 302
    Job.objects.all().delete()
    assert _post(client, f"/api/v1/evaluations/{c}/{api}", data).status_code == 202
    assert calls == [camp.centre.pk, camp.centre.pk]


def test_the_summary_from_the_archive_starts_through_the_same_service(
    camp, hazards, client_for, monkeypatch
):
    _archive(camp)
    calls = []
    original = services.summary_start

    def spy(**kwargs):
        calls.append(kwargs["archive"].pk)
        return original(**kwargs)

    monkeypatch.setattr(services, "summary_start", spy)
    client = client_for(camp.leader)
    c = camp.campaign.pk
    assert client.post(f"/evaluation/campaigns/{c}/summary/").status_code == 302
    assert _post(client, f"/api/v1/evaluations/{c}/summary/").status_code == 202
    archive = CampaignArchive.objects.get(campaign=camp.campaign)
    assert calls == [archive.pk, archive.pk]


def test_confirm_as_derived_is_checked_by_the_pages_form_in_the_api_too(
    camp, hazards, client_for, monkeypatch
):
    from django import forms as django_forms

    from safecampus.evaluation.forms import ConfirmationForm

    def refuse_all(form):
        raise django_forms.ValidationError("此确认不被接受。")

    monkeypatch.setattr(ConfirmationForm, "clean", refuse_all)
    client = client_for(camp.dept_user)
    page = client.post(f"/evaluation/hazards/{hazards.rectifying.pk}/", {"as_derived": "1"})
    assert page.status_code == 400
    api = _post(
        client, f"/api/v1/evaluation-hazards/{hazards.rectifying.pk}/confirm/", {"as_derived": True}
    )
    assert api.status_code == 400, api.content
    assert api.json()["code"] == "invalid" and api.json()["message"] == "此确认不被接受。"
    assert not SummaryConfirmation.objects.exists()
