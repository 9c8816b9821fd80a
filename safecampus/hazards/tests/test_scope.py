"""Who sees which hazard: a department officer (responsible or cooperating), alone or together
with a bureau-wide role, on the register page, the API, the hazard page, events and evidence."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.accounts.models import RoleAssignment
from safecampus.core.roles import Role
from safecampus.core.testing import (
    BureauFactory,
    DepartmentFactory,
    SchoolFactory,
    scope_matrix,
    user_with_role,
)
from safecampus.hazards.models import Hazard, HazardEvent, HazardEvidence
from safecampus.hazards.testing import hazard_at, small_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def four(reg):
    """h1: A01-01 at school A, 普教一科 responsible, 安保科 cooperating; h2: A02-01 at school B,
    no department; h3: A01-02 at school B, 普教一科 alone; h4: at the other bureau's school,
    its 外区普教科 responsible. ``reg.other_bureau_dept`` is that department."""
    items = {i.code: i for i in reg.catalog.items.all()}
    reg.other_bureau_dept = DepartmentFactory(bureau=reg.other_bureau, name="外区普教科")
    small_catalog(reg.other_bureau, reg.other_bureau_dept)
    other_school_user = user_with_role(Role.SCHOOL_OFFICER, reg.school_other, username="s_other")
    reg.h = {
        "h1": reg.make("submitted"),
        "h2": reg.make("reported", school=reg.school_b, item=items["A02-01"]),
        "h3": reg.make("reported", school=reg.school_b, item=items["A01-02"], level="general"),
        "h4": hazard_at(
            "reported",
            school=reg.school_other,
            school_user=other_school_user,
            dept_user=None,
        ),
    }
    return reg


def _user(four, who: str):
    """A user named by its roles: "dept", "coop" (安保科), "dept+centre" (centre of the same
    bureau), "dept+centre_other", "other_dept+centre", "dept+city" (centre of a parent)."""
    dept, _, extra = who.partition("+")
    org = {
        "dept": four.department,
        "coop": four.other_dept,
        "other_dept": four.other_bureau_dept,
    }[dept]
    user = user_with_role(Role.DEPARTMENT_OFFICER, org, username=f"u_{who}")
    centre_of = {
        "": None,
        "centre": four.bureau,
        "centre_other": four.other_bureau,
        "city": _parent_of(four.bureau),
    }[extra]
    if centre_of is not None:
        RoleAssignment.objects.create(user=user, role=Role.SAFETY_CENTRE, bureau=centre_of)
    return user


def _parent_of(bureau):
    city = BureauFactory(name="市教委")
    bureau.parent, bureau.path = city, f"{city.path}{bureau.pk}/"
    bureau.save(update_fields=["parent", "path"])
    return city


SEES = {
    "dept": {"h1", "h3"},
    "coop": {"h1"},
    "dept+centre": {"h1", "h2", "h3"},
    "dept+centre_other": {"h1", "h3", "h4"},
    "other_dept+centre": {"h1", "h2", "h3", "h4"},
    "dept+city": {"h1", "h2", "h3"},
}


@pytest.mark.parametrize("who", SEES)
def test_register_page_and_api_show_exactly_the_scope(four, client_for, who):
    user = _user(four, who)
    expected = {four.h[k].pk for k in SEES[who]}
    client = client_for(user)
    page = client.get("/hazards/")
    api = client.get("/api/v1/hazards/")
    assert {h.pk for h in page.context["page"].object_list} == expected
    assert {row["id"] for row in api.json()["results"]} == expected
    assert api.json()["count"] == len(expected)


@pytest.mark.parametrize("who", SEES)
def test_hazard_page_events_and_evidence_follow_the_scope(four, client_for, who):
    user = _user(four, who)
    client = client_for(user)
    for key, hazard in four.h.items():
        visible = key in SEES[who]
        assert client.get(hazard.get_absolute_url()).status_code == (200 if visible else 404)
        assert client.get(f"/api/v1/hazards/{hazard.pk}/").status_code == (200 if visible else 404)
    events = set(HazardEvent.objects.visible_to(user).values_list("hazard_id", flat=True))
    assert events == {four.h[k].pk for k in SEES[who]}
    evidence = HazardEvidence.objects.visible_to(user)
    assert set(evidence.values_list("hazard_id", flat=True)) == (
        {four.h["h1"].pk} if "h1" in SEES[who] else set()
    )
    h1_photo = four.h["h1"].evidence.filter(phase="after").first()
    assert client.get(h1_photo.get_absolute_url()).status_code == (
        200 if "h1" in SEES[who] else 404
    )


def _scope_sql(user) -> str:
    with CaptureQueriesContext(connection) as ctx:
        list(Hazard.objects.visible_to(user).values_list("pk", flat=True))
    return ctx.captured_queries[-1]["sql"]


@pytest.mark.parametrize(
    "who, union",
    [
        ("dept", True),
        ("dept+centre_other", True),  # the centre's bureau is not the department's
        ("other_dept+centre", True),
        ("dept+centre", False),  # the centre sees all its bureau: the department adds nothing
        ("dept+city", False),  # so does a centre of the parent bureau
    ],
)
def test_department_branch_is_one_union_or_left_out(four, who, union):
    sql = _scope_sql(_user(four, who))
    assert ("UNION ALL" in sql) is union
    assert " OR " not in sql or "bureau_id" in sql  # never ``responsible IN … OR id IN …``


def test_cooperation_alone_makes_a_hazard_visible(four):
    """安保科 cooperates on h1 only; taking h3 over makes h3 visible through responsibility,
    and a cooperation added to h2 makes h2 visible."""
    coop = _user(four, "coop")
    h2, h3 = four.h["h2"], four.h["h3"]
    Hazard.objects.filter(pk=h3.pk).update(responsible_department=four.other_dept)
    h2.cooperations.create(department=four.other_dept)
    assert set(Hazard.objects.visible_to(coop)) == {four.h["h1"], h2, h3}


def test_a_school_of_another_bureau_stays_out(four, client_for):
    """A hazard at a new school of the other bureau is out of every 闵行 scope."""
    school = SchoolFactory(bureau=four.other_bureau, name="外区小学")
    user = user_with_role(Role.SCHOOL_OFFICER, school, username="s_new")
    hazard = hazard_at("reported", school=school, school_user=user, dept_user=None)
    for who in ("dept", "coop", "dept+centre"):
        client = client_for(_user(four, who))
        assert client.get(hazard.get_absolute_url()).status_code == 404


# --- the scope matrix of every page and endpoint -------------------------------------------------


@pytest.fixture
def matrix(reg, media_root):
    """An assigned hazard of school A with one evidence file, and the people of the matrix: out of
    scope (school B's officer, the other bureau's centre), wrong role (a partner unit, an auditor;
    on the report pages also a leader, who sees but does not report)."""
    from safecampus.hazards import services
    from safecampus.hazards.choices import Action
    from safecampus.hazards.testing import jpeg_upload

    hazard = reg.make("assigned")
    services.hazard_act(
        actor=reg.users[Role.SCHOOL_OFFICER],
        hazard_id=hazard.pk,
        action=Action.ADD_EVIDENCE,
        version=hazard.version,
        files=[jpeg_upload("before.jpg")],
    )
    reg.hazard = Hazard.objects.get(pk=hazard.pk)
    reg.evidence = reg.hazard.evidence.get()
    reg.out_of_scope = [
        reg.school_b_user,
        user_with_role(Role.SAFETY_CENTRE, reg.other_bureau, username="centre_other"),
    ]
    reg.wrong_role = [reg.users[Role.PARTNER], reg.users[Role.AUDITOR]]
    return reg


@pytest.fixture
def media_root(settings, tmp_path):
    from .helpers import temporary_media

    temporary_media(settings, tmp_path)


def test_scope_matrix_of_the_register_pages(client, matrix):
    from django.urls import reverse

    officer = matrix.users[Role.SCHOOL_OFFICER]
    for url in (reverse("hazards:hazard_list"), reverse("hazards:hazard_export")):
        scope_matrix(client, url, permitted=officer, wrong_role=matrix.wrong_role)
    scope_matrix(
        client,
        reverse("hazards:hazard_create"),
        permitted=officer,
        wrong_role=[*matrix.wrong_role, matrix.users[Role.LEADERSHIP]],
    )


def test_scope_matrix_of_a_hazard_page_and_its_evidence(client, matrix):
    officer = matrix.users[Role.SCHOOL_OFFICER]
    ev = matrix.evidence
    urls = [matrix.hazard.get_absolute_url(), ev.get_absolute_url()]
    if ev.thumbnail:
        urls.append(ev.thumbnail_url())
    for url in urls:
        scope_matrix(
            client,
            url,
            permitted=officer,
            out_of_scope=matrix.out_of_scope,
            wrong_role=matrix.wrong_role,
        )


def test_scope_matrix_of_a_hazard_action_page(client, matrix):
    from django.urls import reverse

    hazard = matrix.hazard
    url = reverse("hazards:hazard_action", args=[hazard.pk, "explain"])
    seen = scope_matrix(
        client,
        url,
        method="post",
        data={"explain-version": hazard.version, "explain-comment": "施工队进场推迟"},
        permitted=matrix.users[Role.SCHOOL_OFFICER],
        out_of_scope=matrix.out_of_scope,
        wrong_role=matrix.wrong_role,
        ok=(302,),
    )
    assert seen[str(matrix.users[Role.SCHOOL_OFFICER])] == 302
    hazard.refresh_from_db()
    assert hazard.delay_explanation == "施工队进场推迟"  # only the permitted person acted


#: every action endpoint of the API, by its path
API_ACTIONS = [
    "confirm",
    "start",
    "submit",
    "accept",
    "reject",
    "withdraw",
    "mark-hard",
    "decide",
    "edit",
    "extend",
    "transfer",
    "explain",
    "evidence",
]


def test_scope_matrix_of_the_api(client, matrix):
    officer = matrix.users[Role.SCHOOL_OFFICER]
    hazard = matrix.hazard
    scope_matrix(client, "/api/v1/hazards/", permitted=officer, wrong_role=matrix.wrong_role)
    scope_matrix(
        client,
        f"/api/v1/hazards/{hazard.pk}/",
        permitted=officer,
        out_of_scope=matrix.out_of_scope,
        wrong_role=matrix.wrong_role,
    )
    scope_matrix(
        client,
        "/api/v1/hazards/",
        method="post",
        data={"description": "x"},  # (an empty body is not sent as JSON by the helper)
        wrong_role=matrix.wrong_role,
    )
    for path in API_ACTIONS:
        scope_matrix(
            client,
            f"/api/v1/hazards/{hazard.pk}/{path}/",
            method="post",
            data={"version": hazard.version, "comment": "说明"},
            out_of_scope=matrix.out_of_scope,
            wrong_role=matrix.wrong_role,
        )
    # the permitted person, last: the action is taken
    seen = scope_matrix(
        client,
        f"/api/v1/hazards/{hazard.pk}/explain/",
        method="post",
        data={"version": hazard.version, "comment": "施工队进场推迟"},
        permitted=officer,
        ok=(200,),
    )
    assert seen[str(officer)] == 200
    hazard.refresh_from_db()
    assert hazard.delay_explanation == "施工队进场推迟"


def test_scope_matrix_of_the_registers_files(client, matrix):
    officer = matrix.users[Role.SCHOOL_OFFICER]
    scope_matrix(client, "/api/v1/hazards/export/", permitted=officer, wrong_role=matrix.wrong_role)
    scope_matrix(
        client,
        f"/api/v1/hazard-evidence/{matrix.evidence.pk}/",
        permitted=officer,
        out_of_scope=matrix.out_of_scope,
        wrong_role=matrix.wrong_role,
    )
