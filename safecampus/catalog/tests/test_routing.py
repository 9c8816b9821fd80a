"""Routing by stage or subject (000 §四(一)3④, §四(一)4①): which department takes an item at a
school, on its form, on a hazard reported from it, on the catalog pages and in the workbook."""

import io

import pytest

from safecampus.campaigns.testing import launched_campaign
from safecampus.catalog import services
from safecampus.catalog.excel import catalog_import, write_catalog_workbook
from safecampus.catalog.management.commands.load_default_catalog import default_catalog_data
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, SchoolFactory, user_with_role
from safecampus.hazards.services import hazard_report
from safecampus.inspections.models import FormAnswer


@pytest.fixture
def default_catalog(world):
    from safecampus.demo.organisations import DEPARTMENTS

    for name, kind in DEPARTMENTS:
        if name != "普教一科":
            DepartmentFactory(bureau=world.bureau, name=name, kind=kind)
    version, warnings = services.catalog_load(bureau=world.bureau, data=default_catalog_data())
    assert warnings == []
    return version


def _taker(version, code, school):
    item = version.items.get(code=code)
    return item.department_for(school).name


def test_health_items_go_by_the_schools_stage(default_catalog, world):
    junior = SchoolFactory(bureau=world.bureau, name="丙中学", stage="junior")
    for code in ("A03-09", "A03-10", "A03-11"):
        assert _taker(default_catalog, code, world.school_b) == "学前科"  # kindergarten
        assert _taker(default_catalog, code, world.school_a) == "普教一科"  # primary
        assert _taker(default_catalog, code, junior) == "普教一科"


def test_psychological_items_go_by_their_subject(default_catalog, world):
    assert _taker(default_catalog, "A04-01", world.school_a) == "人事科"  # teachers
    assert _taker(default_catalog, "A04-02", world.school_a) == "普教一科"  # students
    assert _taker(default_catalog, "A04-03", world.school_a) == "人事科"  # teachers
    assert _taker(default_catalog, "A04-16", world.school_a) == "普教一科"  # students
    # teachers' items go to 人事科 at a kindergarten too
    assert _taker(default_catalog, "A04-01", world.school_b) == "人事科"


def test_an_item_without_routes_goes_to_its_first_responsible_department(default_catalog, world):
    item = default_catalog.items.get(code="A01-01")
    assert not item.routes.exists()
    first = sorted(item.responsible_departments.all(), key=lambda d: (d.sort_order, d.pk))[0]
    assert item.department_for(world.school_a) == first


def test_each_forms_answers_are_routed(default_catalog, world):
    campaign = launched_campaign(world.bureau, default_catalog, world.users[Role.SAFETY_CENTRE])
    answers = FormAnswer.objects.filter(form__campaign=campaign).select_related(
        "department", "item", "form__school"
    )
    taken = {(a.form.school.name, a.item.code): a.department.name for a in answers}
    assert taken["乙幼儿园", "A03-09"] == "学前科"
    assert taken["甲小学", "A03-09"] == "普教一科"
    assert taken["甲小学", "A04-01"] == "人事科"
    assert taken["甲小学", "A04-02"] == "普教一科"
    assert taken["乙幼儿园", "A04-03"] == "人事科"


def test_a_hazard_reported_from_an_item_goes_to_the_routed_department(default_catalog, world):
    officer = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    item = default_catalog.items.get(code="A03-10")
    hazard = hazard_report(
        actor=officer,
        school=world.school_b,
        item=item,
        data={"description": "预案未修订", "responsible_person": "赵园长"},
    )
    assert hazard.responsible_department.name == "学前科"


def test_routes_survive_a_draft_and_the_excel_round_trip(default_catalog, world):
    centre = world.users[Role.SAFETY_CENTRE]
    draft = services.version_create_draft(actor=centre, bureau=world.bureau)
    routes = lambda v, code: [  # noqa: E731
        (r.department.name, r.stages, r.subject) for r in v.items.get(code=code).routes.all()
    ]
    assert routes(draft, "A03-09") == routes(default_catalog, "A03-09")
    assert draft.items.get(code="A04-01").subject == "teachers"
    buf = io.BytesIO()
    write_catalog_workbook(buf, default_catalog)
    buf.seek(0)
    catalog_import(fileobj=buf, version=draft, actor=centre, name="标准.xlsx")
    assert routes(draft, "A03-09") == routes(default_catalog, "A03-09")
    assert routes(draft, "A04-02") == [("人事科", [], "teachers"), ("普教一科", [], "students")]
    assert draft.items.get(code="A04-02").subject == "students"


def test_the_catalog_page_shows_the_routes(default_catalog, world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    page = client.get(default_catalog.get_absolute_url()).content.decode()
    assert "学前科（幼儿园）" in page
    assert "人事科（教师）" in page


def test_the_item_form_edits_the_routes(default_catalog, world, client_for):
    centre = world.users[Role.SAFETY_CENTRE]
    draft = services.version_create_draft(actor=centre, bureau=world.bureau)
    item = draft.items.get(code="A03-09")
    client = client_for(centre)
    url = f"/catalog/versions/{draft.pk}/items/{item.pk}/edit/"
    form = client.get(url).context["form"]
    assert form.initial["routes"].startswith("普教一科：")
    data = {
        k: v
        for k, v in {**form.initial, "area": item.area_id}.items()
        if v is not None and k not in ("responsible", "cooperating", "stages", "id")
    }
    data["responsible"] = [d.pk for d in item.responsible_departments.all()]
    data["routes"] = "学前科：幼儿园；普教一科：小学"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert [(r.department.name, r.stages) for r in item.routes.all()] == [
        ("学前科", ["kindergarten"]),
        ("普教一科", ["primary"]),
    ]
    data["routes"] = "学前科：大学"
    response = client.post(url, data)
    assert response.status_code == 200 and "routes" in response.context["form"].errors


def test_the_api_gives_the_routes(default_catalog, world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    item = default_catalog.items.get(code="A04-01")
    body = client.get(f"/api/v1/catalog/items/{item.pk}/").json()
    assert body["subject"] == "teachers"
    names = dict(default_catalog.bureau.departments.values_list("pk", "name"))
    assert [(names[r["department"]], r["subject"]) for r in body["routes"]] == [
        ("人事科", "teachers"),
        ("普教一科", "students"),
    ]


def test_the_subjects_read_as_people_not_as_a_count():
    from django.utils import translation

    from safecampus.catalog.choices import RouteSubject

    with translation.override("zh-hans"):
        assert (str(RouteSubject.TEACHERS.label), str(RouteSubject.STUDENTS.label)) == (
            "教师",
            "学生",
        )


def test_an_item_about_no_subject_is_not_given_to_the_first_subjects_department(
    default_catalog, world
):
    """Subject routes (人事科 for teachers, 普教一科 for students) on an item that names no subject:
    none applies, so the item goes to its first responsible department, not to 人事科 because
    that route happens to come first."""
    item = default_catalog.items.get(code="A04-01")
    assert [r.subject for r in item.routes.all()][0] == "teachers"
    type(item).objects.filter(pk=item.pk).update(subject="")
    item.refresh_from_db()
    first = sorted(item.responsible_departments.all(), key=lambda d: (d.sort_order, d.pk))[0]
    assert item.department_for(world.school_a) == first
