"""Malformed input gets a 4xx or a clear message, never a 500."""

import pytest

from safecampus.core.roles import Role


@pytest.mark.parametrize(
    "query",
    [
        "bureau=99999999999999999999",
        "region=1e30",
        "bureau=abc",
        "page=abc",
        "page=-1",
        "stage=university",
        "boarding=maybe",
        "page_size=100000",
        "q=" + "长" * 500,
    ],
)
def test_malformed_filters_never_crash(world, client_for, query):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    assert client.get(f"/orgs/schools/?{query}").status_code == 200
    assert client.get(f"/api/v1/schools/?{query}").status_code in (200, 400, 404)
    assert client.get(f"/orgs/schools/export/?{query}").status_code == 200


@pytest.mark.parametrize("gates", ["nan,31", "121.4,inf", "abc,def", "121.4"])
def test_malformed_gate_coordinates_are_refused_with_a_message(world, client_for, gates):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        "/orgs/schools/new/",
        {
            "bureau": world.bureau.pk,
            "code": "3101127777",
            "name": "坐标小学",
            "stage": "primary",
            "ownership": "public",
            "students": 1,
            "boarders": 0,
            "staff": 1,
            "gate_count": 1,
            "gates_text": gates,
            "coord_system": "gcj02",
        },
    )
    assert response.status_code == 200
    assert "gates_text" in response.context["form"].errors


def test_overlong_request_id_is_replaced_not_stored(client, db):
    from safecampus.audit.models import AuditEvent

    response = client.post(
        "/accounts/login/",
        {"username": "nobody", "password": "x"},
        HTTP_X_REQUEST_ID="A" * 500,
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert len(event.request_id) <= 64 and event.request_id != "A" * 64
