"""What the schema conformance test (``core/tests/test_api_conformance.py``) found in the
incident API, pinned: a school filter past the database's integers is no school's (not a 500),
and an incident time before 1970 is refused (it would be written with Shanghai's local-mean-time
offset, ``+08:05:43``, which no client reads as a date-time)."""

from __future__ import annotations

import pytest

from safecampus.core.roles import Role
from safecampus.incidents.models import Incident, IncidentStep

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_a_school_filter_past_the_databases_integers_finds_nothing(world, client, clock):
    client.force_login(world.users[Role.SAFETY_CENTRE])
    for school in ("629934578218214359040", str(2**63)):
        response = client.get("/api/v1/illness-records/", {"school": school})
        assert response.status_code == 200, response.content
        assert response.json()["results"] == []


def test_an_incident_before_1970_is_refused_and_nothing_saved(world, client, clock):
    client.force_login(world.users[Role.SCHOOL_OFFICER])
    body = {
        "school": world.school_a.pk,
        "incident_type": "injury",
        "severity": "general",
        "title": "学生课间摔伤",
        "occurred_at": "0006-01-01T01:00:01Z",
        "place": "操场",
        "description": "课间一名学生在操场跑动时摔倒，右臂擦伤。",
    }
    response = client.post("/api/v1/incidents/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]["occurred_at"][0] == "该时间过早。"
    assert not Incident.objects.exists()
    assert not IncidentStep.objects.exists()
    # the same incident this year is taken
    body["occurred_at"] = clock.now.isoformat()
    response = client.post("/api/v1/incidents/", body, content_type="application/json")
    assert response.status_code == 201, response.content
