"""Every page and endpoint of the risk catalog, checked the one way
(``core.testing.scope_matrix``): a bureau's officers, schools and partners read its catalog,
another bureau gets 404, and only the safety centre edits it (403 for the readers)."""

import pytest
from django.urls import reverse

from safecampus.catalog import services
from safecampus.catalog.choices import VersionStatus
from safecampus.catalog.models import CatalogVersion, CheckItem, RiskArea
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role

pytestmark = pytest.mark.django_db

DATA = {
    "title": "测试标准",
    "areas": [
        {
            "code": "A01",
            "name": "消防安全",
            "items": [
                {"code": "A01-01", "text": "疏散通道畅通"},
                {"code": "A01-02", "text": "灭火器在有效期内"},
            ],
        }
    ],
}


@pytest.fixture
def cat(world):
    version, _warnings = services.catalog_load(bureau=world.bureau, data=DATA, publish=False)
    return {
        "version": version,
        "area": RiskArea.objects.get(version=version),
        "item": CheckItem.objects.get(version=version, code="A01-01"),
        "other_centre": user_with_role(Role.SAFETY_CENTRE, world.other_bureau),
    }


def test_reading_pages(world, cat, client):
    u = world.users
    scope_matrix(client, reverse("catalog:version_list"), permitted=u[Role.PARTNER])
    v = cat["version"]
    for url in [
        reverse("catalog:version_detail", args=[v.pk]),
        reverse("catalog:version_export", args=[v.pk]),
    ]:
        scope_matrix(
            client,
            url,
            permitted=u[Role.PRINCIPAL],
            out_of_scope=[cat["other_centre"], u[Role.AUDITOR]],
        )


def test_editing_pages(world, cat, client):
    u = world.users
    v, area, item = cat["version"], cat["area"], cat["item"]
    readers = [u[Role.LEADERSHIP], u[Role.INSPECTOR], u[Role.SCHOOL_OFFICER]]
    for url in [
        reverse("catalog:area_create", args=[v.pk]),
        reverse("catalog:area_edit", args=[v.pk, area.pk]),
        reverse("catalog:item_create", args=[v.pk]),
        reverse("catalog:item_edit", args=[v.pk, item.pk]),
    ]:
        scope_matrix(
            client,
            url,
            permitted=u[Role.SAFETY_CENTRE],
            wrong_role=readers,
            out_of_scope=[cat["other_centre"]],
        )
    for url in [
        reverse("catalog:item_delete", args=[v.pk, item.pk]),
        reverse("catalog:version_import", args=[v.pk]),
        reverse("catalog:version_publish", args=[v.pk]),
    ]:
        scope_matrix(
            client,
            url,
            method="post",
            permitted=u[Role.SAFETY_CENTRE],
            wrong_role=readers,
            out_of_scope=[cat["other_centre"]],
        )
    assert not CheckItem.objects.filter(pk=item.pk).exists()
    v.refresh_from_db()
    assert not v.is_draft


def _publish(version):
    CatalogVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLISHED)


def test_a_draft_is_created_only_in_a_bureau_one_manages(world, cat, client):
    u = world.users
    _publish(cat["version"])
    scope_matrix(
        client,
        reverse("catalog:draft_create", args=[world.bureau.pk]),
        method="post",
        permitted=u[Role.SAFETY_CENTRE],
        wrong_role=[u[Role.LEADERSHIP]],
        out_of_scope=[cat["other_centre"]],
    )
    assert CatalogVersion.objects.filter(bureau=world.bureau).count() == 2


def test_an_item_of_another_version_is_not_found_under_this_one(world, cat, client):
    _publish(cat["version"])
    other, _w = services.catalog_load(bureau=world.bureau, data=DATA, publish=False)
    foreign = CheckItem.objects.filter(version=other).first()
    client.force_login(world.users[Role.SAFETY_CENTRE])
    url = reverse("catalog:item_edit", args=[cat["version"].pk, foreign.pk])
    assert client.get(url).status_code == 404


def test_api_endpoints(world, cat, client):
    u = world.users
    v, area, item = cat["version"], cat["area"], cat["item"]
    for url in [
        f"/api/v1/catalog/versions/{v.pk}/",
        f"/api/v1/catalog/areas/{area.pk}/",
        f"/api/v1/catalog/items/{item.pk}/",
    ]:
        scope_matrix(
            client,
            url,
            permitted=u[Role.PARTNER],
            wrong_role=[u[Role.AUDITOR], u[Role.SECURITY_ADMIN]],
            out_of_scope=[cat["other_centre"]],
        )
