"""The forms API, filling side: the same scope, effect and events as the pages (list, detail,
save, mark a section, submit, evidence, Excel export and import jobs)."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from PIL import Image

from safecampus.campaigns.testing import complete_rows, launched_campaign
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory, count_queries, scope_matrix, user_with_role
from safecampus.hazards.models import Hazard
from safecampus.inspections import excel, services
from safecampus.inspections.choices import Answer, FormAction, FormStatus
from safecampus.inspections.models import FormEvidence

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


class Upload:
    """A file for a multipart body that reads the same content every time (the test client
    reads a file object once), so one payload serves every caller of a scope matrix."""

    def __init__(self, name: str, content: bytes):
        self.name, self.content = name, content

    def read(self) -> bytes:
        return self.content


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def fx(camp, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    camp.other_centre = user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="centre_x")
    camp.partner_user = camp.users[Role.PARTNER]
    camp.answers_a = list(camp.form_a.answers.select_related("item").order_by("sort_order"))
    camp.answer_a = camp.answers_a[0]
    return camp


def post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def form_url(form, suffix: str = "") -> str:
    return f"/api/v1/forms/{form.pk}/{suffix}"


def history(form) -> list[tuple]:
    """The form's events after its generation: what the page or the API wrote."""
    return [
        (e.action, e.actor_id, e.actor_role, e.comment)
        for e in form.events.exclude(action=FormAction.GENERATE).order_by("id")
    ]


def refreshed(form):
    form.refresh_from_db()
    return form


# --- list ---------------------------------------------------------------------------------------


def test_the_list_is_scoped_and_filtered_as_the_page(fx, client):
    client.force_login(fx.centre)
    body = client.get("/api/v1/forms/").json()
    assert {r["id"] for r in body["results"]} == {fx.form_a.pk, fx.form_b.pk}
    assert body["results"][0]["campaign"]["name"] == fx.campaign.name
    client.force_login(fx.school_user)
    assert [r["id"] for r in client.get("/api/v1/forms/").json()["results"]] == [fx.form_a.pk]
    client.force_login(fx.other_centre)
    assert client.get("/api/v1/forms/").json()["count"] == 0
    # the page's filters
    services.form_save(
        actor=fx.centre, form_id=fx.form_b.pk, rows={fx.form_b.answers.first().pk: {"note": "x"}}
    )
    client.force_login(fx.centre)

    def ids(**params):
        response = client.get("/api/v1/forms/", params)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids(status=FormStatus.IN_PROGRESS) == [fx.form_b.pk]
    assert ids(stage="kindergarten") == [fx.form_b.pk]
    assert ids(school=fx.school_a.pk) == [fx.form_a.pk]
    assert ids(q="甲小") == [fx.form_a.pk]
    assert ids(campaign=fx.campaign.pk) == ids(campaign=fx.campaign.pk, late="false")
    assert ids(campaign=fx.campaign.pk + 1000) == []
    bad = client.get("/api/v1/forms/", {"status": "lost"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    assert "不是合法选项" in bad.json()["errors"]["status"][0]


def test_the_list_needs_a_reading_role(fx, client):
    scope_matrix(client, "/api/v1/forms/", permitted=fx.school_user, wrong_role=fx.partner_user)


def test_a_campaigns_forms_are_its_page_list(fx, client):
    url = f"/api/v1/campaigns/{fx.campaign.pk}/forms/"
    scope_matrix(
        client,
        url,
        permitted=fx.school_user,
        out_of_scope=[fx.other_centre],
        wrong_role=fx.partner_user,
    )
    client.force_login(fx.centre)
    # by school name, as the page
    assert [r["id"] for r in client.get(url).json()["results"]] == [fx.form_b.pk, fx.form_a.pk]
    assert client.get("/api/v1/campaigns/x/forms/").status_code == 404


def test_the_list_reads_as_many_rows_with_as_few_queries(fx, client):
    many = launched_campaign(fx.bureau, fx.catalog, fx.centre, name="多校专项")
    for n in range(18):
        SchoolFactory(bureau=fx.bureau, name=f"第{n}小学")
    from safecampus.campaigns.services import campaign_launch

    campaign_launch(actor=fx.centre, campaign_id=many.pk)
    assert many.forms.count() == 20
    client.force_login(fx.centre)
    few_q = count_queries(client, f"/api/v1/forms/?campaign={fx.campaign.pk}")
    many_q = count_queries(client, f"/api/v1/forms/?campaign={many.pk}")
    alias_q = count_queries(client, f"/api/v1/campaigns/{many.pk}/forms/")
    assert few_q == many_q
    assert alias_q <= many_q + 2
    assert client.get(f"/api/v1/forms/?campaign={many.pk}").json()["count"] == 20


# --- one form ------------------------------------------------------------------------------------


def test_a_form_with_its_sections_answers_evidence_and_actions(fx, client):
    url = form_url(fx.form_a)
    scope_matrix(
        client,
        url,
        permitted=fx.school_user,
        out_of_scope=[fx.school_b_user, fx.other_centre],
        wrong_role=fx.partner_user,
    )
    services.answer_attach(
        actor=fx.school_user,
        answer_id=fx.answer_a.pk,
        files=[SimpleUploadedFile("现场照片.png", png_bytes())],
    )
    client.force_login(fx.school_user)
    body = client.get(url).json()
    assert body["status"] == FormStatus.NOT_STARTED
    assert body["actions"] == ["save", "submit"] and body["can_fill"] is True
    codes = [[a["item"]["code"] for a in s["answers"]] for s in body["sections"]]
    assert codes == [["A01-01", "A01-02"], ["A02-01"]]
    assert [s["unanswered"] for s in body["sections"]] == [2, 1]
    [evidence] = body["sections"][0]["answers"][0]["evidence"]
    assert evidence["original_name"] == "现场照片.png"
    assert evidence["url"] == f"/api/v1/form-evidence/{evidence['id']}/"
    assert [e["action"] for e in body["events"]] == [FormAction.GENERATE]
    # a department reads the form, but fills in nothing
    client.force_login(fx.dept_user)
    body = client.get(url).json()
    assert body["actions"] == [] and body["can_fill"] is False
    assert client.get("/api/v1/forms/abc/").status_code == 404


def test_a_forms_detail_reads_its_evidence_and_history_without_a_query_per_row(fx, client):
    client.force_login(fx.school_user)
    url = form_url(fx.form_a)
    services.answer_attach(
        actor=fx.school_user,
        answer_id=fx.answer_a.pk,
        files=[SimpleUploadedFile("现场照片.png", png_bytes())],
    )
    services.form_save(
        actor=fx.school_user, form_id=fx.form_a.pk, rows={fx.answer_a.pk: {"note": "初查"}}
    )
    few = count_queries(client, url)
    for answer in fx.answers_a:
        services.answer_attach(
            actor=fx.school_user,
            answer_id=answer.pk,
            files=[SimpleUploadedFile(f"照片{n}.png", png_bytes()) for n in range(3)],
        )
    services.form_save(actor=fx.centre, form_id=fx.form_a.pk, rows=complete_rows(fx.form_a))
    assert fx.form_a.events.count() == 3
    assert count_queries(client, url) == few


# --- saving answers -------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["page", "api"])
def test_saving_one_item_has_the_pages_effect_and_event(fx, client, via):
    client.force_login(fx.school_user)
    answer = fx.answer_a
    if via == "page":
        response = client.post(
            reverse("inspections:form_save", args=[fx.form_a.pk]),
            {f"a{answer.pk}-answer": Answer.COMPLIANT, f"a{answer.pk}-note": "通道畅通"},
        )
        assert response.status_code == 302
    else:
        response = post_json(
            client,
            form_url(fx.form_a, "answers/"),
            {"answers": [{"id": answer.pk, "answer": Answer.COMPLIANT, "note": "通道畅通"}]},
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["changed"], body["stale"]) == (1, [])
        assert body["form"]["status"] == FormStatus.IN_PROGRESS
        assert [(a["id"], a["answer"]) for a in body["answers"]] == [(answer.pk, Answer.COMPLIANT)]
    answer.refresh_from_db()
    assert (answer.answer, answer.note) == (Answer.COMPLIANT, "通道畅通")
    assert refreshed(fx.form_a).status == FormStatus.IN_PROGRESS
    assert refreshed(fx.form_a).answered_count == 1
    assert history(fx.form_a) == [(FormAction.SAVE, fx.school_user.pk, Role.SCHOOL_OFFICER, "")]


def test_several_items_at_once_and_a_late_autosave_is_skipped(fx, client):
    client.force_login(fx.school_user)
    url = form_url(fx.form_a, "answers/")
    a1, a2, a3 = fx.answers_a
    rows = [
        {"id": a1.pk, "answer": Answer.COMPLIANT, "seq": 2000},
        {"id": a2.pk, "answer": Answer.COMPLIANT},
        {"id": a3.pk, "answer": Answer.NOT_APPLICABLE, "na_reason": "学校没有食堂"},
    ]
    assert post_json(client, url, {"answers": rows}).json()["changed"] == 3
    # the phone's earlier change of a1 arrives after the newer one: skipped, not refused
    late = post_json(
        client, url, {"answers": [{"id": a1.pk, "answer": Answer.NOT_APPLICABLE, "seq": 1000}]}
    )
    assert late.status_code == 200
    body = late.json()
    assert (body["changed"], body["stale"]) == (0, [a1.pk])
    assert body["answers"][0]["answer"] == Answer.COMPLIANT and body["answers"][0]["seq"] == 2000
    a1.refresh_from_db()
    assert (a1.answer, a1.client_seq) == (Answer.COMPLIANT, 2000)
    assert refreshed(fx.form_a).answered_count == 3
    # one sitting, one history line
    assert [h[0] for h in history(fx.form_a)] == [FormAction.SAVE]


def test_bad_answers_are_refused_in_chinese_and_nothing_is_saved(fx, client):
    client.force_login(fx.school_user)
    url = form_url(fx.form_a, "answers/")
    a1, a2, _a3 = fx.answers_a
    other = fx.form_b.answers.first()
    response = post_json(
        client,
        url,
        {
            "answers": [
                {"id": a1.pk, "answer": Answer.COMPLIANT},
                {"id": a2.pk, "answer": "maybe", "deadline": "明天"},
                {"id": other.pk, "answer": Answer.COMPLIANT},
            ]
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][f"answers.{a2.pk}.answer"] == [
        _("Choose compliant, non-compliant or not applicable.")
    ]
    assert f"answers.{a2.pk}.deadline" in body["errors"]
    assert f"answers.{other.pk}.answer" in body["errors"]
    assert body["message"].startswith("A01-02 ")
    a1.refresh_from_db()
    assert a1.answer == ""
    assert refreshed(fx.form_a).status == FormStatus.NOT_STARTED
    assert history(fx.form_a) == []
    # an unusable body: a Chinese message, nothing saved
    for data in ({}, {"answers": []}, {"answers": [{"id": "x"}]}, {"answers": "x"}):
        response = post_json(client, url, data)
        assert response.status_code == 400, data
        assert response.json()["code"] == "invalid"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"]), data
    twice = post_json(client, url, {"answers": [{"id": a1.pk}, {"id": a1.pk, "note": "x"}]})
    assert twice.status_code == 400
    assert twice.json()["message"] == "每个检查项只能提交一次。"
    assert history(fx.form_a) == []


def test_saving_is_the_schools_or_the_centres(fx, client):
    scope_matrix(
        client,
        form_url(fx.form_a, "answers/"),
        method="post",
        data={"answers": [{"id": fx.answer_a.pk, "note": "巡查"}]},
        permitted=fx.school_user,
        out_of_scope=[fx.school_b_user, fx.other_centre],
        wrong_role=[fx.dept_user],
    )
    fx.answer_a.refresh_from_db()
    assert fx.answer_a.note == "巡查"


def test_a_submitted_form_is_locked_but_the_same_answer_again_is_harmless(fx, client):
    services.form_save(actor=fx.school_user, form_id=fx.form_a.pk, rows=complete_rows(fx.form_a))
    services.form_submit(actor=fx.school_user, form_id=fx.form_a.pk)
    client.force_login(fx.school_user)
    url = form_url(fx.form_a, "answers/")
    same = post_json(client, url, {"answers": [{"id": fx.answer_a.pk, "answer": "compliant"}]})
    assert same.status_code == 200 and same.json()["changed"] == 0
    changed = post_json(client, url, {"answers": [{"id": fx.answer_a.pk, "note": "改一下"}]})
    assert changed.status_code == 409
    assert changed.json()["code"] == "locked"
    assert "已提交" in changed.json()["message"]
    fx.answer_a.refresh_from_db()
    assert fx.answer_a.note == ""


# --- a whole section -----------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["page", "api"])
def test_marking_a_section_has_the_pages_effect_and_event(fx, client, via):
    client.force_login(fx.school_user)
    area = fx.answer_a.item.area
    services.form_save(
        actor=fx.centre,
        form_id=fx.form_a.pk,
        rows={fx.answers_a[1].pk: {"answer": Answer.NOT_APPLICABLE, "na_reason": "无设施"}},
    )
    if via == "page":
        response = client.post(
            reverse("inspections:form_mark_section", args=[fx.form_a.pk]), {"area": area.pk}
        )
        assert response.status_code == 302
    else:
        response = post_json(client, form_url(fx.form_a, f"sections/{area.pk}/mark-compliant/"))
        assert response.status_code == 200, response.content
        assert response.json()["marked"] == ["A01-01"]
        assert response.json()["form"]["answered_count"] == 2
    answers = {a.item.code: a.answer for a in fx.form_a.answers.select_related("item")}
    assert answers == {
        "A01-01": Answer.COMPLIANT,
        "A01-02": Answer.NOT_APPLICABLE,
        "A02-01": "",
    }
    [event] = history(fx.form_a)[1:]
    assert event == (
        FormAction.SAVE,
        fx.school_user.pk,
        Role.SCHOOL_OFFICER,
        _("%(area)s: %(n)s unanswered items marked compliant") % {"area": "A01 消防安全", "n": 1},
    )


def test_answers_sent_with_marking_a_section_are_saved_in_the_same_step(fx, client):
    client.force_login(fx.school_user)
    a1, a2, _a3 = fx.answers_a
    url = form_url(fx.form_a, f"sections/{a1.item.area_id}/mark-compliant/")
    row = {"id": a2.pk, "answer": Answer.NOT_APPLICABLE, "na_reason": "无设施"}
    response = post_json(client, url, {"answers": [row]})
    assert response.status_code == 200, response.content
    assert response.json()["marked"] == ["A01-01"]
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert (a1.answer, a2.answer) == (Answer.COMPLIANT, Answer.NOT_APPLICABLE)


def test_marking_a_section_scope_and_refusals(fx, client):
    area = fx.answer_a.item.area
    url = form_url(fx.form_a, f"sections/{area.pk}/mark-compliant/")
    scope_matrix(
        client,
        url,
        method="post",
        data={},
        permitted=fx.school_user,
        out_of_scope=[fx.school_b_user, fx.other_centre],
        wrong_role=[fx.dept_user],
    )
    client.force_login(fx.school_user)
    elsewhere = fx.catalog.areas.exclude(pk=area.pk).first()
    fx.form_a.answers.filter(item__area=elsewhere).delete()
    refused = post_json(client, form_url(fx.form_a, f"sections/{elsewhere.pk}/mark-compliant/"))
    assert refused.status_code == 400
    assert refused.json()["message"] == _("This section is not on the form.")
    assert post_json(client, form_url(fx.form_a, "sections/x/mark-compliant/")).status_code == 404
    # and the schema says which: a section not on the form 400, an area id not an integer 404
    schema = client.get("/api/schema/", {"format": "json"}).json()
    op = schema["paths"]["/api/v1/forms/{id}/sections/{area_id}/mark-compliant/"]["post"]
    assert "`area_id` is not an integer" in op["responses"]["404"]["description"]
    assert "not on the form" in op["responses"]["400"]["description"]


# --- submitting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["page", "api"])
def test_submitting_has_the_pages_effect_and_event(fx, client, via):
    services.form_save(
        actor=fx.school_user,
        form_id=fx.form_a.pk,
        rows=complete_rows(fx.form_a, non_compliant={"A01-01"}),
    )
    client.force_login(fx.school_user)
    if via == "page":
        response = client.post(reverse("inspections:form_submit", args=[fx.form_a.pk]), {})
        assert response.status_code == 302
    else:
        response = post_json(client, form_url(fx.form_a, "submit/"))
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["form"]["status"] == FormStatus.SUBMITTED
        assert body["created"] == list(Hazard.objects.values_list("code", flat=True))
        assert body["created_ids"] == list(Hazard.objects.values_list("pk", flat=True))
    form = refreshed(fx.form_a)
    assert (form.status, form.round, form.submitted_by) == (
        FormStatus.SUBMITTED,
        1,
        fx.school_user,
    )
    assert Hazard.objects.filter(form_answer__form=form).count() == 1
    assert [h[:3] for h in history(form)][-1] == (
        FormAction.SUBMIT,
        fx.school_user.pk,
        Role.SCHOOL_OFFICER,
    )


def test_an_incomplete_form_is_refused_with_every_item_named(fx, client):
    client.force_login(fx.school_user)
    response = post_json(client, form_url(fx.form_a, "submit/"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "incomplete"
    assert {k for k in body["errors"] if k.startswith("answers.")} == {
        f"answers.{a.pk}.answer" for a in fx.answers_a
    }
    assert body["message"] == "A01-01 排查结果：" + _("Answer this item.")
    assert refreshed(fx.form_a).status == FormStatus.NOT_STARTED
    assert history(fx.form_a) == []


def test_answers_sent_with_submit_are_saved_first_as_the_pages(fx, client):
    client.force_login(fx.school_user)
    url = form_url(fx.form_a, "submit/")
    a1 = fx.answer_a
    # refused for the items still missing, but the answer sent stays saved (the page's way)
    refused = post_json(client, url, {"answers": [{"id": a1.pk, "answer": Answer.COMPLIANT}]})
    assert refused.status_code == 400 and refused.json()["code"] == "incomplete"
    assert f"answers.{a1.pk}.answer" not in refused.json()["errors"]
    a1.refresh_from_db()
    assert a1.answer == Answer.COMPLIANT
    assert refreshed(fx.form_a).status == FormStatus.IN_PROGRESS
    # a bad answer sent along saves nothing
    bad = post_json(client, url, {"answers": [{"id": a1.pk, "answer": "maybe"}]})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    a1.refresh_from_db()
    assert a1.answer == Answer.COMPLIANT
    rows = [
        {"id": pk, **{k: str(v) for k, v in row.items()}}
        for pk, row in complete_rows(fx.form_a).items()
    ]
    done = post_json(client, url, {"answers": rows})
    assert done.status_code == 200, done.content
    assert done.json()["form"]["status"] == FormStatus.SUBMITTED
    assert [h[0] for h in history(fx.form_a)] == [FormAction.SAVE, FormAction.SUBMIT]


def test_submitting_scope_and_a_second_click(fx, client):
    services.form_save(actor=fx.centre, form_id=fx.form_a.pk, rows=complete_rows(fx.form_a))
    url = form_url(fx.form_a, "submit/")
    scope_matrix(
        client,
        url,
        method="post",
        data={},
        permitted=fx.school_user,
        out_of_scope=[fx.school_b_user, fx.other_centre],
        wrong_role=[fx.dept_user],
    )
    client.force_login(fx.school_user)
    again = post_json(client, url)
    assert again.status_code == 409
    assert again.json()["code"] == "already_submitted"
    assert [h[0] for h in history(fx.form_a)].count(FormAction.SUBMIT) == 1


# --- evidence ------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["page", "api"])
def test_attaching_a_photo_has_the_pages_effect(fx, client, via):
    client.force_login(fx.school_user)
    answer = fx.answer_a
    upload = SimpleUploadedFile("现场照片.png", png_bytes(), content_type="image/png")
    if via == "page":
        response = client.post(
            reverse("inspections:answer_evidence", args=[answer.pk]),
            {f"a{answer.pk}-files": upload},
        )
        assert response.status_code == 302
    else:
        response = client.post(f"/api/v1/answers/{answer.pk}/evidence/", {"files": [upload]})
        assert response.status_code == 201, response.content
        [shown] = response.json()["evidence"]
        assert shown["original_name"] == "现场照片.png"
        assert shown["thumbnail_url"].endswith("?thumbnail=1")
    [evidence] = FormEvidence.objects.filter(answer=answer)
    assert (evidence.original_name, evidence.content_type, evidence.uploaded_by) == (
        "现场照片.png",
        "image/png",
        fx.school_user,
    )
    assert evidence.thumbnail


def test_a_file_that_is_no_photo_or_document_is_refused(fx, client):
    client.force_login(fx.school_user)
    url = f"/api/v1/answers/{fx.answer_a.pk}/evidence/"
    fake = SimpleUploadedFile("照片.jpg", b"not a photo at all", content_type="image/jpeg")
    response = client.post(url, {"files": [fake]})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "照片.jpg" in response.json()["errors"]["files"][0]
    assert not FormEvidence.objects.exists()
    assert client.post(url, {}).status_code == 400
    # a submitted form takes no more evidence
    services.form_save(actor=fx.centre, form_id=fx.form_a.pk, rows=complete_rows(fx.form_a))
    services.form_submit(actor=fx.centre, form_id=fx.form_a.pk)
    photo = SimpleUploadedFile("现场照片.png", png_bytes())
    assert client.post(url, {"files": [photo]}).status_code == 409
    assert not FormEvidence.objects.exists()


def test_attaching_evidence_is_the_schools_or_the_centres(fx, client):
    scope_matrix(
        client,
        f"/api/v1/answers/{fx.answer_a.pk}/evidence/",
        method="post",
        data={"files": [Upload("现场照片.png", png_bytes())]},
        content_type=MULTIPART_CONTENT,
        permitted=fx.school_user,
        out_of_scope=[fx.school_b_user, fx.other_centre],
        wrong_role=[fx.dept_user],
        ok=(201,),
    )
    assert FormEvidence.objects.filter(answer=fx.answer_a).count() == 1


def test_evidence_downloads_as_the_page_serves_it(fx, client):
    [evidence] = services.answer_attach(
        actor=fx.school_user,
        answer_id=fx.answer_a.pk,
        files=[SimpleUploadedFile("现场照片.png", png_bytes())],
    )
    url = f"/api/v1/form-evidence/{evidence.pk}/"
    scope_matrix(
        client,
        url,
        permitted=fx.dept_user,
        out_of_scope=[fx.school_b_user, fx.other_centre],
        wrong_role=fx.partner_user,
    )
    client.force_login(fx.school_user)
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert quote("现场照片.png") in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == png_bytes()
    page = client.get(reverse("inspections:evidence_file", args=[evidence.pk]))
    assert page["Content-Disposition"] == response["Content-Disposition"]
    thumb = client.get(url, {"thumbnail": "1"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert client.get("/api/v1/form-evidence/x/").status_code == 404


# --- Excel ---------------------------------------------------------------------------------------


def test_the_workbook_downloads_with_the_pages_bytes_and_name(fx, client):
    url = form_url(fx.form_a, "export/")
    scope_matrix(
        client,
        url,
        permitted=fx.dept_user,
        out_of_scope=[fx.school_b_user, fx.other_centre],
        wrong_role=fx.partner_user,
    )
    client.force_login(fx.school_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    name = excel.export_name(fx.form_a)
    assert "自查表" in name
    assert quote(name) in response["Content-Disposition"]
    page = client.get(reverse("inspections:form_export", args=[fx.form_a.pk]))
    assert page["Content-Disposition"] == response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert load_workbook(io.BytesIO(data))[excel.SHEET].cell(excel.FIRST_ROW, 2).value == "A01-01"


def filled_workbook(form) -> bytes:
    from openpyxl import load_workbook as load

    wb = load(io.BytesIO(excel.form_workbook_bytes(form)))
    ws = wb[excel.SHEET]
    column = {header: n for n, header in enumerate(excel.HEADERS, start=1)}
    for row in range(excel.FIRST_ROW, ws.max_row + 1):
        ws.cell(row, column["排查结果"], "符合")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("via", ["page", "api"])
def test_importing_a_workbook_starts_the_pages_job_with_its_event(fx, client, via):
    client.force_login(fx.school_user)
    upload = SimpleUploadedFile("甲小学.xlsx", filled_workbook(fx.form_a))
    if via == "page":
        response = client.post(
            reverse("inspections:form_import", args=[fx.form_a.pk]), {"files": upload}
        )
        assert response.status_code == 302
    else:
        response = client.post(form_url(fx.form_a, "import/"), {"files": [upload]})
        assert response.status_code == 202, response.content
        job = Job.objects.get()
        assert response.json()["job"] == job.pk
        assert response.json()["url"].endswith(f"/api/v1/jobs/{job.pk}/")
    job = Job.objects.get()
    assert (job.kind, job.params) == (
        "campaigns.form_import",
        {"campaign": fx.campaign.pk, "form": fx.form_a.pk, "name": "甲小学.xlsx", "submit": False},
    )
    job = job_run(job.pk)
    assert job.result["saved"] == 1
    assert refreshed(fx.form_a).answered_count == 3
    assert history(fx.form_a) == [
        (FormAction.IMPORT, fx.school_user.pk, Role.SCHOOL_OFFICER, "甲小学.xlsx")
    ]


def test_an_import_with_bad_cells_reports_each_in_chinese_and_saves_nothing(fx, client):
    client.force_login(fx.school_user)
    wb = load_workbook(io.BytesIO(filled_workbook(fx.form_a)))
    ws = wb[excel.SHEET]
    column = {header: n for n, header in enumerate(excel.HEADERS, start=1)}
    ws.cell(excel.FIRST_ROW, column["排查结果"], "也许")
    ws.cell(excel.FIRST_ROW + 1, column["排查结果"], "可能")
    buf = io.BytesIO()
    wb.save(buf)
    upload = SimpleUploadedFile("甲小学.xlsx", buf.getvalue())
    response = client.post(form_url(fx.form_a, "import/"), {"files": [upload]})
    assert response.status_code == 202
    job = job_run(Job.objects.get().pk)
    [report] = job.result["workbooks"]
    assert report["status"] == "refused"
    assert len(report["errors"]) >= 2
    assert all(any("\u4e00" <= c <= "\u9fff" for c in e["message"]) for e in report["errors"])
    assert refreshed(fx.form_a).answered_count == 0
    assert history(fx.form_a) == []


def test_an_import_without_a_file_is_refused(fx, client):
    client.force_login(fx.school_user)
    response = client.post(form_url(fx.form_a, "import/"), {})
    assert response.status_code == 400
    assert response.json()["message"] == _("Choose one or more .xlsx workbooks, or a zip of them.")
    assert not Job.objects.exists()


def test_importing_into_a_form_is_the_schools_or_the_centres(fx, client):
    scope_matrix(
        client,
        form_url(fx.form_a, "import/"),
        method="post",
        data={"files": [Upload("甲小学.xlsx", filled_workbook(fx.form_a))]},
        content_type=MULTIPART_CONTENT,
        permitted=fx.school_user,
        out_of_scope=[fx.school_b_user, fx.other_centre],
        wrong_role=[fx.dept_user],
        ok=(202,),
    )
    assert Job.objects.count() == 1


def test_a_campaigns_import_starts_the_pages_job(fx, client):
    url = f"/api/v1/campaigns/{fx.campaign.pk}/forms/import/"
    scope_matrix(
        client,
        url,
        method="post",
        data={
            "files": [
                Upload("甲.xlsx", filled_workbook(fx.form_a)),
                Upload("乙.xlsx", filled_workbook(fx.form_b)),
            ],
            "submit": "true",
        },
        content_type=MULTIPART_CONTENT,
        permitted=fx.centre,
        out_of_scope=[fx.other_centre],
        wrong_role=[fx.dept_user],
        ok=(202,),
    )
    job = Job.objects.get()
    assert (job.kind, job.params) == (
        "campaigns.form_import",
        {"campaign": fx.campaign.pk, "form": None, "name": "2 workbooks.zip", "submit": True},
    )
    job = job_run(job.pk)
    assert job.result["saved"] == 2
    assert refreshed(fx.form_a).status == FormStatus.SUBMITTED
    assert refreshed(fx.form_b).status == FormStatus.SUBMITTED


def test_a_campaigns_forms_zip_is_the_pages_job(fx, client):
    url = f"/api/v1/campaigns/{fx.campaign.pk}/forms/export/"
    scope_matrix(
        client,
        url,
        method="post",
        data={},
        permitted=fx.centre,
        out_of_scope=[fx.other_centre],
        wrong_role=[fx.school_user, fx.dept_user],
        ok=(202,),
    )
    job = Job.objects.get()
    assert (job.kind, job.params, job.created_by) == (
        "campaigns.forms_zip",
        {"campaign": fx.campaign.pk},
        fx.centre,
    )
    client.force_login(fx.centre)
    client.post(reverse("inspections:campaign_forms_zip", args=[fx.campaign.pk]))
    page_job = Job.objects.exclude(pk=job.pk).get()
    assert (page_job.kind, page_job.params, page_job.title) == (job.kind, job.params, job.title)
    job = job_run(job.pk)
    assert job.status == Job.Status.SUCCEEDED and job.result == {"rows": 2}
