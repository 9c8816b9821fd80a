"""The zone case API: list and retrieve in the caller's scope, one endpoint per action with the
same effect and event as the page, refusals as ``{"code", "message", "errors"}``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.zones import services
from safecampus.zones.choices import CaseStatus, VenueStatus
from safecampus.zones.models import Venue, ZoneCase
from safecampus.zones.testing import ORIGIN, away, venue_data

from .test_cases_helpers import case_world, photo

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

#: each endpoint's path part, the action it takes and a valid input
ENDPOINTS = [
    ("assign", "assign", {"deadline": "2026-12-20", "note": "限期整改"}),
    ("inspect", "inspect", {"note": "现场检查"}),
    ("record-closure", "record_closure", {"note": "已关停"}),
    ("record-relocation", "record_relocation", {"note": "已搬迁", "address": "远处路9号"}),
    ("exempt", "exempt", {"note": "经批准保留"}),
    ("extend", "extend", {"deadline": "2026-12-28", "note": "延期"}),
    ("comment", "comment", {"note": "请尽快"}),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


@pytest.fixture
def cw(world, clock):
    clock.move_to("2026-12-01T10:00")
    return case_world(world)


def _url(case, path=None):
    if path is None:
        return reverse("zone-case-detail", args=[case.pk])
    return f"/api/v1/zone-cases/{case.pk}/{path}/"


def test_list_and_retrieve(cw, client_for):
    client = client_for(cw.z.law_officer)
    body = client.get(reverse("zone-case-list"), {"status": "open"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["venue"]["name"] == "星空网吧" and row["school"]["name"] == "甲小学"
    assert row["status"] == "open" and 149 < row["distance_m"] < 151
    assert client.get(reverse("zone-case-list"), {"status": "closed"}).json()["count"] == 0
    detail = client.get(_url(cw.case)).json()
    assert [e["action"] for e in detail["events"]] == ["open"]
    assert "assign" in detail["allowed_actions"]
    assert [p["name"] for p in detail["partners"]] == ["莘庄派出所"]


def test_a_partner_lists_only_its_cases(cw, client_for):
    client = client_for(cw.users[Role.PARTNER])
    assert client.get(reverse("zone-case-list")).json()["count"] == 1
    outsider = user_with_role(Role.SCHOOL_OFFICER, cw.world.school_b, username="school_b")
    assert client_for(outsider).get(reverse("zone-case-list")).json()["count"] == 0


@pytest.mark.parametrize(("path", "action", "data"), ENDPOINTS)
def test_each_endpoint_has_the_pages_effect(cw, client_for, path, action, data):
    """The same input through the API (one café) and through the page (another): the same
    status, deadline, partners, venue status and event (action, statuses, role, note)."""
    second = services.register_venue(
        actor=cw.users[Role.SAFETY_CENTRE],
        bureau_id=cw.world.bureau.pk,
        data=venue_data(away(ORIGIN, 120, azimuth=270), name="月光网吧"),
    )
    pairs = [(cw.case.pk, cw.venue.pk), (ZoneCase.objects.get(venue=second).pk, second.pk)]
    if action == "extend":
        ZoneCase.objects.filter(pk__in=[p[0] for p in pairs]).update(status=CaseStatus.RECTIFYING)
    client = client_for(cw.z.law_officer)
    outcomes = []
    for way, (case_pk, venue_pk) in zip(("api", "page"), pairs, strict=True):
        case = ZoneCase.objects.get(pk=case_pk)
        if way == "api":
            r = client.post(
                _url(case, path),
                {"version": case.version, **data},
                content_type="application/json",
            )
            assert r.status_code == 200, r.json()
        else:
            form = {f"{action}-version": case.version}
            form.update({f"{action}-{k}": v for k, v in data.items()})
            if action == "assign":
                form[f"{action}-partners"] = list(case.partner_id_set())
            r = client.post(reverse("zones:case_act", args=[case.pk, action]), form)
            assert r.status_code == 302
        case = ZoneCase.objects.get(pk=case_pk)
        event = case.events.order_by("pk").last()
        outcomes.append(
            (
                case.status,
                case.deadline,
                case.version,
                sorted(case.partner_id_set()),
                Venue.objects.get(pk=venue_pk).status,
                (event.action, event.from_status, event.to_status, event.actor, event.note),
                event.actor_role,
            )
        )
    assert outcomes[0] == outcomes[1]


def test_verify_and_reject_through_the_api(cw, client_for):
    partner = client_for(cw.users[Role.PARTNER])
    case = cw.fresh()
    r = partner.post(
        _url(case, "record-closure"),
        {"version": case.version, "note": "已关停"},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert Venue.objects.get(pk=cw.venue.pk).status == VenueStatus.CLOSED
    law = client_for(cw.z.law_officer)
    case = cw.fresh()
    r = law.post(
        _url(case, "reject"), {"version": case.version, "note": "仍在经营"}, "application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "rectifying"
    case = cw.fresh()
    law.post(
        _url(case, "record-closure"), {"version": case.version, "note": "关"}, "application/json"
    )
    case = cw.fresh()
    r = law.post(_url(case, "verify"), {"version": case.version}, "application/json")
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_add_evidence_is_multipart(cw, client_for):
    law = client_for(cw.z.law_officer)
    case = cw.fresh()
    r = law.post(_url(case, "add-evidence"), {"version": case.version, "files": [photo()]})
    assert r.status_code == 200, r.json()
    assert len(r.json()["evidence"]) == 1
    case = cw.fresh()
    r = law.post(_url(case, "add-evidence"), {"version": case.version})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert cw.fresh().evidence.count() == 1


@pytest.mark.parametrize(
    ("path", "data", "status", "code"),
    [
        ("inspect", {"note": ""}, 400, "comment_required"),
        ("assign", {"deadline": "2026-11-01", "note": "x"}, 400, "invalid"),
        ("assign", {"note": "x"}, 400, "invalid"),
        ("record-relocation", {"note": "x", "longitude": "121", "latitude": "31"}, 400, "invalid"),
        ("verify", {}, 409, "invalid_transition"),
    ],
)  # fmt: skip
def test_refusals_are_coded_and_change_nothing(cw, client_for, path, data, status, code):
    law = client_for(cw.z.law_officer)
    case = cw.fresh()
    before = (case.status, case.version, case.events.count())
    r = law.post(_url(case, path), {"version": case.version, **data}, "application/json")
    assert r.status_code == status
    body = r.json()
    assert body["code"] == code and body["message"]
    case = cw.fresh()
    assert (case.status, case.version, case.events.count()) == before


def test_stale_and_not_allowed(cw, client_for):
    law = client_for(cw.z.law_officer)
    case = cw.fresh()
    url = _url(case, "comment")
    assert (
        law.post(url, {"version": case.version, "note": "一"}, "application/json").status_code
        == 200
    )
    r = law.post(url, {"version": case.version, "note": "二"}, "application/json")
    assert (r.status_code, r.json()["code"]) == (409, "stale")
    school = client_for(cw.users[Role.SCHOOL_OFFICER])
    case = cw.fresh()
    r = school.post(
        _url(case, "assign"),
        {"version": case.version, "deadline": "2026-12-20", "note": "x"},
        "application/json",
    )
    assert (r.status_code, r.json()["code"]) == (403, "not_allowed")


def test_scope_of_every_endpoint(cw, client):
    outsider = user_with_role(Role.SCHOOL_OFFICER, cw.world.school_b, username="school_b")
    other_dept = type(cw.z.law_officer).objects.get(username="dept")
    auditor = cw.users[Role.AUDITOR]
    scope_matrix(client, reverse("zone-case-list"), permitted=outsider, wrong_role=[auditor])
    scope_matrix(
        client,
        _url(cw.case),
        permitted=cw.users[Role.PARTNER],
        out_of_scope=[outsider, other_dept],
        wrong_role=[auditor],
    )
    for path, _action, data in [*ENDPOINTS, ("verify", None, {}), ("reject", None, {"note": "x"})]:
        scope_matrix(
            client,
            _url(cw.case, path),
            method="post",
            data={"version": cw.fresh().version, **data},
            out_of_scope=[outsider, other_dept],
            wrong_role=[auditor],
        )
    scope_matrix(
        client,
        _url(cw.case, "comment"),
        method="post",
        data={"version": cw.fresh().version, "note": "学校已知悉"},
        permitted=cw.users[Role.SCHOOL_OFFICER],
        out_of_scope=[outsider],
        wrong_role=[auditor],
    )


def test_a_note_absent_is_refused_as_a_blank_one_and_the_schema_requires_it(cw, client_for):
    law = client_for(cw.z.law_officer)
    case = cw.fresh()
    before = (case.status, case.version, case.events.count())
    r = law.post(_url(case, "comment"), {"version": case.version}, "application/json")
    assert r.status_code == 400 and r.json()["code"] == "comment_required"
    case = cw.fresh()
    assert (case.status, case.version, case.events.count()) == before
    schemas = law.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert "note" in schemas["CaseNoteRequest"]["required"]
