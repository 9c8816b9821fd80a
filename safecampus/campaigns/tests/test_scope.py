"""Who reaches which campaign page: every URL against other bureaus, other schools and roles."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safecampus.campaigns import services as campaign_services
from safecampus.campaigns.choices import CampaignStatus
from safecampus.campaigns.models import Campaign
from safecampus.campaigns.testing import complete_rows, url_name
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, scope_matrix, user_with_role
from safecampus.hazards.models import Hazard, HazardEvidence
from safecampus.hazards.testing import jpeg_upload
from safecampus.inspections import services
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.models import FormEvidence
from safecampus.inspections.tests.test_excel import workbook

pytestmark = pytest.mark.django_db

#: (url name, the object its pk names, method); lists take no pk
ROUTES = [
    ("campaign_list", None, "get"),
    ("campaign_create", None, "get"),
    ("review_queue", None, "get"),
    ("campaign_detail", "campaign", "get"),
    ("campaign_edit", "campaign", "get"),
    ("campaign_launch", "campaign", "post"),
    ("campaign_close", "campaign", "post"),
    ("form_list", "campaign", "get"),
    ("campaign_forms_zip", "campaign", "post"),
    ("campaign_import", "campaign", "post"),
    ("site_inspection_new", "campaign", "get"),
    ("form_detail", "form", "get"),
    ("form_save", "form", "post"),
    ("form_submit", "form", "post"),
    ("form_review", "form", "post"),
    ("form_export", "form", "get"),
    ("form_import", "form", "post"),
    ("answer_evidence", "answer", "post"),
    ("evidence_file", "evidence", "get"),
    ("evidence_thumb", "evidence", "get"),
    ("site_inspection_detail", "inspection", "get"),
]
OBJECT_ROUTES = [r for r in ROUTES if r[1]]
FORM_ROUTES = [r for r in ROUTES if r[1] in ("form", "answer", "evidence", "inspection")]


@pytest.fixture
def scoped(camp):
    """``camp`` with school A's first item non-compliant and a photo on it, and an on-site
    inspection of school A."""
    answer = camp.form_a.answers.get(item__code="A01-01")
    services.form_save(
        actor=camp.school_user,
        form_id=camp.form_a.pk,
        rows={answer.pk: {"answer": "non_compliant"}},
    )
    [camp.evidence] = services.answer_attach(
        actor=camp.school_user, answer_id=answer.pk, files=[jpeg_upload()]
    )
    camp.answer = answer
    camp.inspection = services.site_inspection_record(
        actor=camp.dept_user,
        school=camp.school_a,
        data={"inspectors": "李四"},
        findings=[{"item": answer.item_id, "answer": "compliant"}],
        campaign=camp.campaign,
    )
    return camp


#: the attribute of ``scoped`` holding the object a route's pk names
OBJECTS = {
    "campaign": "campaign",
    "form": "form_a",
    "answer": "answer",
    "evidence": "evidence",
    "inspection": "inspection",
}


def _request(client, camp, name, obj, method):
    pk = getattr(camp, OBJECTS[obj]).pk if obj else None
    url = reverse(url_name(name), args=[pk] if pk else [])
    data = {
        "form_save": {f"a{camp.answer.pk}-answer": "compliant"},
        "form_review": {"decision": "accept"},
        "answer_evidence": {f"a{camp.answer.pk}-files": jpeg_upload()},
    }.get(name, {})
    return client.post(url, data) if method == "post" else client.get(url)


def _unchanged(camp):
    """Nothing any refused request could have done was done."""
    camp.campaign.refresh_from_db()
    camp.form_a.refresh_from_db()
    assert camp.campaign.status == CampaignStatus.LAUNCHED
    assert camp.form_a.status == FormStatus.IN_PROGRESS
    assert camp.form_a.answers.get(pk=camp.answer.pk).answer == "non_compliant"
    assert FormEvidence.objects.count() == 1
    assert not Job.objects.exists()
    assert not Hazard.objects.exists()


def _matrix(client, camp, routes) -> dict[str, int]:
    return {
        name: _request(client, camp, name, obj, method).status_code for name, obj, method in routes
    }


def test_anonymous_is_sent_to_log_in(scoped, client):
    for name, obj, method in ROUTES:
        r = _request(client, scoped, name, obj, method)
        assert (name, r.status_code, r["Location"].split("?")[0]) == (name, 302, "/accounts/login/")
    _unchanged(scoped)


@pytest.fixture
def outsiders(camp):
    dept = DepartmentFactory(bureau=camp.other_bureau, name="徐汇普教科")
    return {
        Role.SAFETY_CENTRE: user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="xc"),
        Role.DEPARTMENT_OFFICER: user_with_role(Role.DEPARTMENT_OFFICER, dept, username="xd"),
        Role.SCHOOL_OFFICER: user_with_role(Role.SCHOOL_OFFICER, camp.school_other, username="xs"),
    }


@pytest.mark.parametrize(
    ("role", "gated"),
    [
        (Role.SAFETY_CENTRE, set()),
        # the role gate answers before scope is looked at
        (Role.DEPARTMENT_OFFICER, {"campaign_import"}),
        (Role.SCHOOL_OFFICER, {"site_inspection_new"}),
    ],
)
def test_another_bureau_gets_404(scoped, outsiders, client_for, role, gated):
    got = _matrix(client_for(outsiders[role]), scoped, OBJECT_ROUTES)
    assert got == {name: 403 if name in gated else 404 for name, _o, _m in OBJECT_ROUTES}
    _unchanged(scoped)


@pytest.mark.parametrize(
    ("role", "codes"),
    [
        (Role.SAFETY_CENTRE, [200, 200, 200]),
        (Role.DEPARTMENT_OFFICER, [200, 403, 200]),
        (Role.SCHOOL_OFFICER, [200, 403, 403]),
    ],
)
def test_another_bureau_lists_none_of_it(camp, outsiders, client_for, role, codes):
    rows = complete_rows(camp.form_b)
    services.form_save(actor=camp.school_b_user, form_id=camp.form_b.pk, rows=rows)
    services.form_submit(actor=camp.school_b_user, form_id=camp.form_b.pk)
    insider = client_for(camp.centre).get(reverse("inspections:review_queue")).content.decode()
    assert camp.school_b.name in insider
    client = client_for(outsiders[role])
    names = ["campaign_list", "campaign_create", "review_queue"]
    pages = [client.get(reverse(url_name(name))) for name in names]
    assert [p.status_code for p in pages] == codes
    for page in pages:
        assert camp.campaign.name not in page.content.decode()
        assert camp.school_b.name not in page.content.decode()
        assert camp.catalog.title not in page.content.decode()


def test_school_b_gets_404_on_school_as_form(scoped, client_for):
    got = _matrix(client_for(scoped.school_b_user), scoped, FORM_ROUTES)
    assert got == dict.fromkeys((name for name, _o, _m in FORM_ROUTES), 404)
    _unchanged(scoped)


FILLING = [
    r for r in ROUTES if r[0] in ("form_save", "form_submit", "form_import", "answer_evidence")
]


@pytest.mark.parametrize("role", [Role.DEPARTMENT_OFFICER, Role.LEADERSHIP, Role.INSPECTOR])
def test_bureau_readers_read_a_form_but_cannot_fill_it(scoped, client_for, role):
    client = client_for(scoped.users[role])
    assert (
        client.get(reverse("inspections:form_detail", args=[scoped.form_a.pk])).status_code == 200
    )
    assert _matrix(client, scoped, FILLING) == dict.fromkeys((r[0] for r in FILLING), 403)
    _unchanged(scoped)


RUNNING = [r for r in ROUTES if r[0].startswith("campaign_") and r[0] != "campaign_import"]


@pytest.mark.parametrize("role", [Role.SCHOOL_OFFICER, Role.PRINCIPAL])
def test_a_school_cannot_run_a_campaign(scoped, client_for, role):
    got = _matrix(client_for(scoped.users[role]), scoped, RUNNING)
    assert got == {
        "campaign_list": 200,
        "campaign_create": 403,
        # a school's staff are sent on to their own form
        "campaign_detail": 302,
        "campaign_edit": 404,
        "campaign_launch": 404,
        "campaign_close": 404,
        "campaign_forms_zip": 404,
    }
    _unchanged(scoped)


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.DEPARTMENT_OFFICER, Role.INSPECTOR])
def test_bureau_readers_see_a_launched_campaign_but_not_a_draft(camp, client_for, role):
    draft = campaign_services.campaign_save(
        actor=camp.centre,
        bureau=camp.bureau,
        data={
            "name": "2027年草稿行动",
            "forms_due": datetime.date(2027, 3, 20),
            "catalog_version": camp.catalog,
        },
        phases=[],
    )
    client = client_for(camp.users[role])
    detail = "campaigns:campaign_detail"
    assert client.get(reverse(detail, args=[camp.campaign.pk])).status_code == 200
    assert client.get(reverse(detail, args=[draft.pk])).status_code == 404
    assert client.get(reverse("inspections:form_list", args=[draft.pk])).status_code == 404
    listing = client.get(reverse("campaigns:campaign_list")).content.decode()
    assert camp.campaign.name in listing and draft.name not in listing
    assert Campaign.objects.get(pk=draft.pk).status == CampaignStatus.DRAFT


def test_a_job_is_seen_only_by_the_user_who_started_it(
    camp, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(camp.school_user).post(
            reverse("inspections:form_import", args=[camp.form_a.pk]),
            {"files": SimpleUploadedFile("甲.xlsx", workbook(camp.form_a))},
        )
    job = Job.objects.get()
    assert job.created_by == camp.school_user
    assert client_for(camp.school_user).get(job.get_absolute_url()).status_code == 200
    for user in (camp.users[Role.PRINCIPAL], camp.school_b_user, camp.centre):
        client = client_for(user)
        assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404


def test_evidence_stays_with_its_school_and_follows_the_hazard(camp, client_for):
    answer = camp.form_a.answers.get(item__code="A01-01")
    rows = complete_rows(camp.form_a, non_compliant={"A01-01"})
    services.form_save(actor=camp.school_user, form_id=camp.form_a.pk, rows=rows)
    school = client_for(camp.school_user)
    r = school.post(
        reverse("inspections:answer_evidence", args=[answer.pk]),
        {f"a{answer.pk}-files": jpeg_upload("通道.jpg")},
    )
    assert r.status_code == 302
    evidence = FormEvidence.objects.get()
    assert (evidence.answer, evidence.original_name, evidence.uploaded_by) == (
        answer,
        "通道.jpg",
        camp.school_user,
    )
    r = school.get(reverse("inspections:evidence_file", args=[evidence.pk]))
    assert (r.status_code, r["Content-Type"]) == (200, "image/jpeg")
    other = client_for(camp.school_b_user)
    assert other.get(reverse("inspections:evidence_file", args=[evidence.pk])).status_code == 404
    assert other.get(reverse("inspections:evidence_thumb", args=[evidence.pk])).status_code == 404
    school = client_for(camp.school_user)
    r = school.post(reverse("inspections:form_submit", args=[camp.form_a.pk]))
    assert r.status_code == 302
    hazard = Hazard.objects.get()
    carried = HazardEvidence.objects.get(hazard=hazard)
    assert (carried.phase, carried.file.name, carried.sha256, carried.original_name) == (
        "before",
        evidence.file.name,
        evidence.sha256,
        "通道.jpg",
    )


# --- one matrix per campaign page (core.testing.scope_matrix) ------------------------------------


def _campaign_matrix(camp, outsiders, name, method="get"):
    """(permitted, wrong roles → 403, out of scope → 404) of a campaign page."""
    centre, other_centre = camp.centre, outsiders[Role.SAFETY_CENTRE]
    auditor, leader = camp.users[Role.AUDITOR], camp.users[Role.LEADERSHIP]
    return {
        # lists show only what is in scope: there is no one to answer 404
        "campaign_list": (centre, [auditor], []),
        "campaign_create": (centre, [leader, auditor], []),
        "campaign_detail": (centre, [auditor], [other_centre]),
        # running a campaign: whoever does not run it must not learn it exists (404)
        "campaign_edit": (centre, [], [other_centre, leader, camp.school_user]),
        "campaign_launch": (centre, [], [other_centre, leader, camp.school_user]),
        "campaign_close": (centre, [], [other_centre, leader, camp.school_user]),
    }[name]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("campaign_list", "get"),
        ("campaign_create", "get"),
        ("campaign_detail", "get"),
        ("campaign_edit", "get"),
        ("campaign_launch", "post"),
        ("campaign_close", "post"),
    ],
)
def test_campaign_page_scope_matrix(camp, outsiders, client, name, method):
    permitted, wrong, out = _campaign_matrix(camp, outsiders, name)
    args = [] if name in ("campaign_list", "campaign_create") else [camp.campaign.pk]
    seen = scope_matrix(
        client,
        reverse(url_name(name), args=args),
        permitted=permitted,
        wrong_role=wrong,
        out_of_scope=out,
        method=method,
    )
    assert seen["anonymous"] == 302
    if name == "campaign_close":
        camp.campaign.refresh_from_db()
        assert camp.campaign.status == CampaignStatus.CLOSED  # the centre, and only it, closed it


def test_the_campaign_list_counts_only_the_forms_the_user_sees(camp, client_for):
    """A school officer sees its own form in the count, not the whole campaign's (#14)."""
    assert camp.campaign.forms.count() == 2
    services.form_save(
        actor=camp.school_b_user, form_id=camp.form_b.pk, rows=complete_rows(camp.form_b)
    )
    services.form_submit(actor=camp.school_b_user, form_id=camp.form_b.pk)
    url = reverse("campaigns:campaign_list")
    school = client_for(camp.school_user).get(url)
    [row] = school.context["page"].object_list
    assert (row.form_done, row.form_total) == (0, 1)
    assert "0 / 1" in school.content.decode() and "/ 2" not in school.content.decode()
    [row] = client_for(camp.centre).get(url).context["page"].object_list
    assert (row.form_done, row.form_total) == (1, 2)
    [row] = client_for(camp.school_b_user).get(url).context["page"].object_list
    assert (row.form_done, row.form_total) == (1, 1)
