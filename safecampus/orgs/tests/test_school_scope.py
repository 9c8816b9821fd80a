"""Scope matrix: each role × school list, detail, edit, export and API. Out of scope → 404."""

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing_excel import table

R = Role
#: role → schools of the world it sees ("a", "b"); None = the feature is not for this role
VISIBLE = {
    R.SYSTEM_ADMIN: {"a", "b"},
    R.SAFETY_CENTRE: {"a", "b"},
    R.LEADERSHIP: {"a", "b"},
    R.DEPARTMENT_OFFICER: {"a", "b"},
    R.INSPECTOR: {"a", "b"},
    R.SCHOOL_OFFICER: {"a"},
    R.PRINCIPAL: {"a"},
    R.PARTNER: {"a"},
    R.SECURITY_ADMIN: None,
    R.AUDITOR: None,
}
MANAGERS = {R.SYSTEM_ADMIN, R.SAFETY_CENTRE}


def _schools(world):
    return {"a": world.school_a, "b": world.school_b, "other": world.school_other}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_list_page_shows_exactly_the_scope(world, client_for, role):
    response = client_for(world.users[role]).get("/orgs/schools/")
    expected = VISIBLE[role]
    if expected is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = {key for key, s in _schools(world).items() if s.name in response.content.decode()}
    assert shown == expected


@pytest.mark.parametrize("role", list(VISIBLE))
@pytest.mark.parametrize("key", ["a", "b", "other"])
def test_detail_page_is_404_outside_scope(world, client_for, role, key):
    school = _schools(world)[key]
    response = client_for(world.users[role]).get(f"/orgs/schools/{school.pk}/")
    assert response.status_code == (200 if key in (VISIBLE[role] or set()) else 404)


@pytest.mark.parametrize("role", list(VISIBLE))
@pytest.mark.parametrize("key", ["a", "other"])
def test_edit_page_needs_manage_role_and_scope(world, client_for, role, key):
    school = _schools(world)[key]
    response = client_for(world.users[role]).get(f"/orgs/schools/{school.pk}/edit/")
    if key == "other" or key not in (VISIBLE[role] or set()):
        assert response.status_code == 404
    else:
        assert response.status_code == (200 if role in MANAGERS else 403)


@pytest.mark.parametrize("role", list(VISIBLE))
def test_export_contains_only_the_scope(world, client_for, role):
    response = client_for(world.users[role]).get("/orgs/schools/export/")
    if role not in MANAGERS:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    _headers, rows = table(b"".join(response.streaming_content))
    codes = {row[0] for row in rows}
    assert codes == {world.school_a.code, world.school_b.code}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_api_list_and_detail_obey_scope(world, client_for, role):
    client = client_for(world.users[role])
    response = client.get("/api/v1/schools/")
    expected = VISIBLE[role]
    if expected is None:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {_schools(world)[k].pk for k in expected}
    for key, school in _schools(world).items():
        detail = client.get(f"/api/v1/schools/{school.pk}/")
        assert detail.status_code == (200 if key in expected else 404), key
        if detail.status_code == 404:
            assert detail.json()["code"] == "not_found"


@pytest.mark.parametrize("role", list(VISIBLE))
def test_api_update_needs_manage_role(world, client_for, role):
    client = client_for(world.users[role])
    response = client.patch(
        f"/api/v1/schools/{world.school_a.pk}/", {"students": 999}, content_type="application/json"
    )
    world.school_a.refresh_from_db()
    if role in MANAGERS:
        assert response.status_code == 200
        assert world.school_a.students == 999
    else:
        assert response.status_code in (403, 404)
        assert world.school_a.students == 800


def test_centre_cannot_update_another_bureaus_school_by_api(world, client_for):
    client = client_for(world.users[R.SAFETY_CENTRE])
    response = client.patch(
        f"/api/v1/schools/{world.school_other.pk}/",
        {"name": "改名"},
        content_type="application/json",
    )
    assert response.status_code == 404
    world.school_other.refresh_from_db()
    assert world.school_other.name == "外区中学"


def test_centre_cannot_move_a_school_to_a_bureau_outside_scope(world, client_for):
    client = client_for(world.users[R.SAFETY_CENTRE])
    response = client.patch(
        f"/api/v1/schools/{world.school_a.pk}/",
        {"bureau": world.other_bureau.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    world.school_a.refresh_from_db()
    assert world.school_a.bureau_id == world.bureau.pk


def test_anonymous_is_sent_to_login_and_api_says_401_or_403(client, world):
    response = client.get(f"/orgs/schools/{world.school_a.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/schools/").status_code in (401, 403)


def test_city_bureau_sees_its_district_subtree(world, client_for):
    from safecampus.core.testing import BureauFactory, user_with_role

    city = BureauFactory(name="市教委")
    world.bureau.parent = city
    world.bureau.path = f"{city.path}{world.bureau.pk}/"
    world.bureau.save()
    city_centre = user_with_role(R.SAFETY_CENTRE, city)
    response = client_for(city_centre).get("/api/v1/schools/")
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {world.school_a.pk, world.school_b.pk}
