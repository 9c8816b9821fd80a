"""Risk catalog: loading, versions (publishing freezes), applicability, scope, Excel round trip."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from safecampus.catalog import services
from safecampus.catalog.models import CatalogVersion, CheckItem
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, SchoolFactory
from safecampus.core.testing_excel import header_row

DATA = {
    "title": "测试标准",
    "areas": [
        {
            "code": "A01",
            "name": "消防安全",
            "source": "000 §四(一)2",
            "items": [
                {
                    "code": "A01-01",
                    "text": "疏散通道畅通",
                    "responsible": ["安全管理中心"],
                    "cooperating": ["普教一科"],
                    "default_level": "major",
                },
                {
                    "code": "A01-02",
                    "text": "化学实验室安装视频监控和入侵报警",
                    "needs_chem_lab": True,
                    "responsible": ["安全管理中心", "不存在科"],
                },
            ],
        },
        {
            "code": "A02",
            "name": "应急演练",
            "items": [
                {"code": "A02-01", "text": "幼儿园每季度开展疏散演练", "stages": ["kindergarten"]},
                {"code": "A02-02", "text": "寄宿生夜间疏散演练", "boarding_only": True},
                {
                    "code": "A02-03",
                    "text": "区教育学院配备公共安全教育教研员",
                    "responsible_body": "区教育学院",
                },
            ],
        },
    ],
}


@pytest.fixture
def catalog(world):
    DepartmentFactory(bureau=world.bureau, name="安全管理中心")
    version, warnings = services.catalog_load(bureau=world.bureau, data=DATA)
    return version, warnings


def test_load_publishes_a_version_with_departments(catalog):
    version, warnings = catalog
    assert version.status == "published" and version.number == 1
    assert version.items.count() == 5
    item = version.items.get(code="A01-01")
    assert [d.name for d in item.responsible_departments.all()] == ["安全管理中心"]
    assert [d.name for d in item.cooperating_departments.all()] == ["普教一科"]
    assert item.default_level == "major"
    assert len(warnings) == 1 and "不存在科" in str(warnings[0])


def test_shipped_default_catalog_loads_with_every_department_resolved(world):
    from safecampus.catalog.management.commands.load_default_catalog import default_catalog_data
    from safecampus.demo.organisations import DEPARTMENTS

    for name, kind in DEPARTMENTS:
        if name != "普教一科":
            DepartmentFactory(bureau=world.bureau, name=name, kind=kind)
    data = default_catalog_data()
    version, warnings = services.catalog_load(bureau=world.bureau, data=data)
    assert warnings == []
    assert version.items.count() >= 60
    assert version.areas.count() >= 10
    # a seed file, or a national standard by its number (test_citation_sections checks both)
    assert all(
        source.split(" ")[0].endswith(".txt") or source.startswith("GB")
        for source in version.items.values_list("source", flat=True)
    )


@pytest.mark.parametrize(
    "code, facts, expected",
    [
        ("A01-01", {}, True),
        ("A01-02", {"has_chem_lab": False}, False),
        ("A01-02", {"has_chem_lab": True}, True),
        ("A02-01", {"stage": "primary"}, False),
        ("A02-01", {"stage": "kindergarten"}, True),
        ("A02-02", {"boarding": False}, False),
        ("A02-02", {"boarding": True, "boarders": 10}, True),
        ("A02-03", {}, False),  # a named body's task, not on school forms
    ],
)
def test_applicability_follows_school_facts(catalog, world, code, facts, expected):
    school = SchoolFactory.build(bureau=world.bureau, **facts)
    assert catalog[0].items.get(code=code).applies_to(school) is expected


def test_published_version_never_changes(catalog, world):
    version, _w = catalog
    item = version.items.get(code="A01-01")
    with pytest.raises(ValidationError) as exc:
        services.item_save(
            actor=world.users[Role.SAFETY_CENTRE], version=version, data={"text": "改过"}, item=item
        )
    assert exc.value.code == "published_frozen"
    item.refresh_from_db()
    assert item.text == "疏散通道畅通"


def test_draft_copies_edits_and_publishes_without_touching_v1(catalog, world):
    v1, _w = catalog
    centre = world.users[Role.SAFETY_CENTRE]
    draft = services.version_create_draft(actor=centre, bureau=world.bureau)
    assert draft.number == 2 and draft.based_on == v1 and draft.items.count() == 5
    item = draft.items.get(code="A01-01")
    services.item_save(
        actor=centre,
        version=draft,
        data={"text": "疏散通道、安全出口畅通"},
        item=item,
        responsible=list(item.responsible_departments.all()),
    )
    with pytest.raises(ValidationError):
        services.version_create_draft(actor=centre, bureau=world.bureau)  # one draft at a time
    services.version_publish(actor=centre, version=draft)
    assert v1.items.get(code="A01-01").text == "疏散通道畅通"
    assert (
        CatalogVersion.objects.get(pk=draft.pk)
        .items.get(code="A01-01")
        .text.startswith("疏散通道、")
    )


@pytest.mark.parametrize(
    "role, status",
    [
        (Role.SAFETY_CENTRE, 200),
        (Role.SCHOOL_OFFICER, 200),
        (Role.DEPARTMENT_OFFICER, 200),
        (Role.AUDITOR, 404),
        (Role.SECURITY_ADMIN, 404),
    ],
)
def test_version_page_scope(catalog, world, client_for, role, status):
    response = client_for(world.users[role]).get(f"/catalog/versions/{catalog[0].pk}/")
    assert response.status_code == status


def test_other_bureau_cannot_see_or_draft(catalog, world, client_for):
    from safecampus.core.testing import user_with_role

    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau)
    client = client_for(outsider)
    assert client.get(f"/catalog/versions/{catalog[0].pk}/").status_code == 404
    assert client.get(f"/catalog/versions/{catalog[0].pk}/export/").status_code == 404
    assert client.post(f"/catalog/bureaus/{world.bureau.pk}/draft/").status_code == 404
    ids = {r["id"] for r in client.get("/api/v1/catalog/items/").json()["results"]}
    assert ids == set()


def test_school_reads_but_cannot_draft(catalog, world, client_for):
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    response = client.post(f"/catalog/bureaus/{world.bureau.pk}/draft/")
    assert response.status_code == 403
    assert CatalogVersion.objects.count() == 1
    api = client.get(f"/api/v1/catalog/items/?version={catalog[0].pk}").json()
    assert api["count"] == 5


def _export(client, version):
    return b"".join(client.get(f"/catalog/versions/{version.pk}/export/").streaming_content)


def test_excel_round_trip_into_a_draft(
    catalog, world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    content = _export(client, catalog[0])
    draft = services.version_create_draft(
        actor=world.users[Role.SAFETY_CENTRE], bureau=world.bureau
    )
    draft.items.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/catalog/versions/{draft.pk}/import/",
            {"file": SimpleUploadedFile("标准.xlsx", content)},
        )
    job = Job.objects.get()
    assert job.status == "succeeded", job.errors
    assert job.result == {"areas": 2, "items": 5}
    chem = draft.items.get(code="A01-02")
    assert chem.needs_chem_lab and not chem.boarding_only
    assert draft.items.get(code="A02-03").school_facing is False


def test_excel_import_with_bad_rows_changes_nothing(
    catalog, world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    draft = services.version_create_draft(
        actor=world.users[Role.SAFETY_CENTRE], bureau=world.bureau
    )
    wb = load_workbook(io.BytesIO(_export(client, catalog[0])))
    ws = wb.active
    at = header_row(ws)
    ws[f"H{at + 2}"] = "大学"  # stage
    ws[f"N{at + 3}"] = "无此科"  # responsible department
    ws[f"D{at + 4}"] = None  # item text
    buf = io.BytesIO()
    wb.save(buf)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/catalog/versions/{draft.pk}/import/",
            {"file": SimpleUploadedFile("标准.xlsx", buf.getvalue())},
        )
    job = Job.objects.get()
    assert job.status == "failed"
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (at + 2, "适用学段"),
        (at + 3, "责任部门"),
        (at + 4, "排查项"),
    }
    assert draft.items.count() == 5


def test_import_into_a_published_version_is_refused(catalog, world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    client.post(
        f"/catalog/versions/{catalog[0].pk}/import/",
        {"file": SimpleUploadedFile("a.xlsx", _export(client, catalog[0]))},
    )
    assert not Job.objects.exists()
    assert CheckItem.objects.filter(version=catalog[0]).count() == 5


def test_version_page_query_count_does_not_grow_with_items(catalog, world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.users[Role.SAFETY_CENTRE])
    client.get(f"/catalog/versions/{catalog[0].pk}/")
    with CaptureQueriesContext(connection) as small:
        client.get(f"/catalog/versions/{catalog[0].pk}/")
    draft = services.version_create_draft(
        actor=world.users[Role.SAFETY_CENTRE], bureau=world.bureau
    )
    area = draft.areas.first()
    for n in range(20):
        CheckItem.objects.create(version=draft, area=area, code=f"X-{n:02d}", text="新增")
    services.version_publish(actor=world.users[Role.SAFETY_CENTRE], version=draft)
    with CaptureQueriesContext(connection) as large:
        client.get(f"/catalog/versions/{draft.pk}/")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_areas_are_created_and_renamed_in_a_draft_only(catalog, world, client_for):
    v1, _w = catalog
    centre = world.users[Role.SAFETY_CENTRE]
    client = client_for(centre)
    # a published version refuses a new area
    resp = client.post(
        f"/catalog/versions/{v1.pk}/areas/new/",
        {"code": "A09", "name": "防汛防台", "sort_order": 9},
    )
    assert resp.status_code == 200 and v1.areas.count() == 2
    draft = services.version_create_draft(actor=centre, bureau=world.bureau)
    resp = client.post(
        f"/catalog/versions/{draft.pk}/areas/new/",
        {"code": "A09", "name": "防汛防台", "sort_order": 9},
    )
    assert resp.status_code == 302
    assert draft.areas.get(code="A09").name == "防汛防台"
    area = draft.areas.get(code="A01")
    resp = client.post(
        f"/catalog/versions/{draft.pk}/areas/{area.pk}/edit/",
        {"code": "A02", "name": "消防", "sort_order": 0},
    )
    assert resp.status_code == 200  # duplicate code refused with a message
    area.refresh_from_db()
    assert area.code == "A01"
    resp = client.post(
        f"/catalog/versions/{draft.pk}/areas/{area.pk}/edit/",
        {"code": "A01", "name": "消防与疏散", "sort_order": 0},
    )
    assert resp.status_code == 302
    area.refresh_from_db()
    assert area.name == "消防与疏散"
    assert v1.areas.get(code="A01").name == "消防安全"
    # a school officer cannot reach the editor
    school = client_for(world.users[Role.SCHOOL_OFFICER])
    assert school.get(f"/catalog/versions/{draft.pk}/areas/new/").status_code == 403


def test_removing_a_draft_item_is_audited_with_the_item(catalog, world, client_for):
    from safecampus.audit.models import Action, AuditEvent

    actor = world.users[Role.SAFETY_CENTRE]
    draft = services.version_create_draft(actor=actor, bureau=world.bureau)
    item = draft.items.get(code="A01-01")
    response = client_for(actor).post(f"/catalog/versions/{draft.pk}/items/{item.pk}/delete/")
    assert response.status_code == 302
    assert not draft.items.filter(code="A01-01").exists()
    event = AuditEvent.objects.filter(action=Action.CONFIG_CHANGED).order_by("-seq").first()
    removed = event.data["item_removed_from_draft"]
    assert (removed["id"], removed["code"], event.target_id) == (item.pk, "A01-01", str(draft.pk))
