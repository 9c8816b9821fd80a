"""Shared pieces of the standards API tests: the world (rule sets, policy, school A with three
gates), the extra users each scope test needs, JSON helpers."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.standards.testing import compliant_gate, compliant_values, standards_world

NOW = datetime.datetime(2026, 12, 1, 10, 0)
INTERIM = {
    "interim_measures": "夜间由值班教师补位巡查",
    "interim_unit": "甲小学",
    "interim_person": "王校长",
    "interim_deadline": "2026-12-31",
}


@dataclass
class StdWorld:
    w: object
    school_b_user: object
    other_centre: object

    def user(self, role):
        return self.w.users[role]


@pytest.fixture(name="sw")
def sw_fixture(world, clock):
    clock.move_to(NOW)
    standards_world(world)
    world.school_a.gate_count = 3
    world.school_a.students = 800
    world.school_a.save()
    return StdWorld(
        w=world,
        school_b_user=user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b"),
        other_centre=user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="centre2"),
    )


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def assert_json_error(response, status: int, code: str) -> dict:
    """An error of the API: JSON (never HTML), the documented body, this status and code."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "errors"}, body
    assert body["code"] == code, body
    assert is_chinese(body["message"]), body
    return body


def send(client, method: str, url: str, data=None):
    return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")


def sheet(*, night=2, **values) -> dict:
    """A PUT body: every fact compliant, ``night`` guards at each of the three gates."""
    return {
        "facts": compliant_values(**values),
        "gates": [compliant_gate(guards_night=night) for _ in range(3)],
        "comment": "",
    }
