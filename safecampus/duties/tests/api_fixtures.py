"""The world of the API tests: the small duty catalog, the terms, occurrences generated up to
the clock's today, and the users each scope test needs. Everything is dated from the clock, so
the tests hold at any instant (``--frozen-now``)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import pytest
from django.test.client import MULTIPART_CONTENT

from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, SchoolFactory, user_with_role
from safecampus.duties import services
from safecampus.duties.models import Occurrence
from safecampus.duties.testing import school_year_terms, small_duty_catalog

OCC_URL = "/api/v1/duty-occurrences/"


class Upload:
    """A file for the test client's multipart body that can be sent again and again (an
    uploaded file is read once), so one payload serves every user of a scope matrix."""

    def __init__(self, name: str, content: bytes, content_type: str):
        self.name, self.content, self.content_type = name, content, content_type

    def read(self) -> bytes:
        return self.content


def jpeg_bytes(colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buf, "JPEG")
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def photo(name="演练.jpg", colour=(200, 30, 30)) -> Upload:
    return Upload(name, jpeg_bytes(colour), "image/jpeg")


@dataclass
class ApiWorld:
    w: object  # the conftest's world
    today: datetime.date
    now: datetime.datetime
    #: school A's evacuation drill of the current month (due)
    occ: Occurrence
    school_c: object
    #: school C's drill of the current month (for the API-vs-service comparison)
    occ_c: Occurrence
    school_b_user: object
    school_c_user: object
    other_dept_user: object
    other_centre: object

    def user(self, who: str):
        extra = {
            "school_b": self.school_b_user,
            "school_c": self.school_c_user,
            "dept_other": self.other_dept_user,
            "centre_other": self.other_centre,
        }
        return extra[who] if who in extra else self.w.users[who]

    def drill_payload(self, **changes) -> dict:
        """A valid multipart record of the drill (held ten minutes ago)."""
        payload = {
            "occurred_at": (self.now - datetime.timedelta(minutes=10)).isoformat(),
            "scenario": "火灾疏散",
            "summary": "全校师生疏散演练",
            "participants": 820,
            "evacuation_seconds": 185,
            "files_photo": [photo()],
            "files_signin": [photo("签到表.jpg", (1, 2, 3))],
        }
        payload.update(changes)
        return {k: v for k, v in payload.items() if v is not None}


def current(code: str, today: datetime.date, **owner) -> Occurrence:
    """The occurrence of ``code`` whose window holds ``today``."""
    return Occurrence.objects.get(
        code=code, window_start__lte=today, window_end__gte=today, **owner
    )


@pytest.fixture(name="aw")
def aw_fixture(world, clock) -> ApiWorld:
    small_duty_catalog(world.bureau, world.department)
    school_year_terms(world.bureau, 2026)
    world.partner.kind = "health"
    world.partner.save()
    school_c = SchoolFactory(bureau=world.bureau, name="丙小学")
    today = clock.today
    services.generate(world.bureau, today=today, since=today - datetime.timedelta(days=70))
    return ApiWorld(
        w=world,
        today=today,
        now=clock.now,
        occ=current("DRILL", today, school=world.school_a),
        school_c=school_c,
        occ_c=current("DRILL", today, school=school_c),
        school_b_user=user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b"),
        school_c_user=user_with_role(Role.SCHOOL_OFFICER, school_c, username="school_c"),
        other_dept_user=user_with_role(
            Role.DEPARTMENT_OFFICER,
            DepartmentFactory(bureau=world.bureau, name="安保科"),
            username="dept_other",
        ),
        other_centre=user_with_role(
            Role.SAFETY_CENTRE, world.other_bureau, username="centre_other"
        ),
    )


def post_record(client, occ, payload):
    return client.post(f"{OCC_URL}{occ.pk}/record/", payload, content_type=MULTIPART_CONTENT)


def post_json(client, occ, path, payload):
    return client.post(f"{OCC_URL}{occ.pk}/{path}/", payload, content_type="application/json")


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def assert_json_error(response, status: int, code: str) -> dict:
    """An error of the API: JSON (never HTML), the documented body, this status and code."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "errors"}, body
    assert body["code"] == code, body
    assert body["message"], body
    return body
