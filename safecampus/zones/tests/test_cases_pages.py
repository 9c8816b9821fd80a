"""The zone case pages: the list with its filters, a case with its finding, timeline, evidence
and action forms, every action posted from the page (and refused with nothing changed), scope."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import (
    PartnerUnitFactory,
    count_queries,
    scope_matrix,
    user_with_role,
)
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.zones import services
from safecampus.zones.choices import CaseAction, CaseStatus, VenueStatus
from safecampus.zones.models import Venue, ZoneCase
from safecampus.zones.testing import ORIGIN, away, gate_at, venue_data

from .test_cases_helpers import case_world, photo

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

NOW = "2026-12-01T10:00"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


@pytest.fixture
def cw(world, clock):
    clock.move_to(NOW)
    return case_world(world)


def _act_url(case, action):
    return reverse("zones:case_act", args=[case.pk, action])


def _post(client, case, action, **fields):
    data = {f"{action}-version": case.version}
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    return client.post(_act_url(case, action), data)


def _state(cw) -> tuple:
    case = cw.fresh()
    venue = Venue.objects.get(pk=cw.venue.pk)
    return (
        case.status,
        case.version,
        case.deadline,
        case.events.count(),
        case.evidence.count(),
        venue.status,
        sorted(case.partner_id_set()),
    )


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_the_case_with_its_finding(cw, client_for):
    client = client_for(cw.z.law_officer)
    response = client.get(reverse("zones:case_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "星空网吧" in html and "甲小学" in html and cw.case.summary in html
    assert reverse("zones:case_detail", args=[cw.case.pk]) in html
    assert reverse("zones:case_export") in html  # the export button


def test_the_list_filters(cw, client_for):
    client = client_for(cw.users[Role.SAFETY_CENTRE])
    url = reverse("zones:case_list")
    assert "星空网吧" in client.get(url, {"status": "open"}).content.decode()
    assert "星空网吧" not in client.get(url, {"status": "closed"}).content.decode()
    assert "星空网吧" in client.get(url, {"q": "星空"}).content.decode()
    assert "星空网吧" not in client.get(url, {"q": "无此"}).content.decode()
    assert "星空网吧" in client.get(url, {"kind": "internet_cafe"}).content.decode()
    assert "星空网吧" not in client.get(url, {"kind": "bar"}).content.decode()
    assert "星空网吧" in client.get(url, {"school": cw.world.school_a.pk}).content.decode()
    assert "星空网吧" not in client.get(url, {"school": cw.world.school_b.pk}).content.decode()
    assert "星空网吧" in client.get(url, {"department": cw.z.law.pk}).content.decode()
    # a bad value is ignored, not a 500
    assert client.get(url, {"school": "x", "status": "nonsense"}).status_code == 200
    # overdue: none yet; a passed deadline shows the case, in red
    assert "星空网吧" not in client.get(url, {"overdue": "on"}).content.decode()
    ZoneCase.objects.filter(pk=cw.case.pk).update(
        status=CaseStatus.RECTIFYING, deadline="2026-11-20"
    )
    html = client.get(url, {"overdue": "on"}).content.decode()
    assert "星空网吧" in html and 'data-testid="overdue"' in html


def test_the_list_query_count_is_pinned(cw, client_for):
    client = client_for(cw.z.law_officer)
    url = reverse("zones:case_list")
    one = count_queries(client, url)
    for n, metres in enumerate((120, 90, 60)):
        services.register_venue(
            actor=cw.users[Role.SAFETY_CENTRE],
            bureau_id=cw.world.bureau.pk,
            data=venue_data(away(ORIGIN, metres, azimuth=200 + n * 40), name=f"网吧{n}"),
        )
    assert ZoneCase.objects.count() == 4
    assert count_queries(client, url) == one
    assert one <= 14


def test_a_partner_sees_only_the_cases_naming_it(cw, client_for):
    other = PartnerUnitFactory(bureau=cw.world.bureau, name="市场监管所")
    stranger = user_with_role(Role.PARTNER, other, username="market")
    client = client_for(stranger)
    assert "星空网吧" not in client.get(reverse("zones:case_list")).content.decode()
    assert client.get(reverse("zones:case_detail", args=[cw.case.pk])).status_code == 404
    client = client_for(cw.users[Role.PARTNER])
    assert "星空网吧" in client.get(reverse("zones:case_list")).content.decode()


# --- the case page ------------------------------------------------------------------------------


def _buttons(html: str) -> list[str]:
    return re.findall(r'data-testid="do-([a-z_]+)"', html)


def test_the_case_page_shows_the_finding_and_the_actions_of_each_person(cw, client_for):
    client = client_for(cw.z.law_officer)
    html = client.get(reverse("zones:case_detail", args=[cw.case.pk])).content.decode()
    assert cw.case.summary in html
    assert f"/zones/venues/{cw.venue.pk}/" in html
    assert "莘庄派出所" in html  # the partner unit
    assert "互联网上网服务营业场所管理条例" in html  # the rule's clause, cited
    assert 'data-testid="event-open"' in html
    assert _buttons(html) == [
        "assign",
        "inspect",
        "record_closure",
        "record_relocation",
        "exempt",
        "extend",
        "comment",
        "add_evidence",
    ]
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    partner = client_for(cw.users[Role.PARTNER])
    html = partner.get(reverse("zones:case_detail", args=[cw.case.pk])).content.decode()
    assert _buttons(html) == [
        "inspect",
        "record_closure",
        "record_relocation",
        "comment",
        "add_evidence",
    ]
    school = client_for(cw.users[Role.SCHOOL_OFFICER])
    html = school.get(reverse("zones:case_detail", args=[cw.case.pk])).content.decode()
    assert _buttons(html) == ["comment"]


def test_every_action_from_the_page(cw, client_for):
    law = client_for(cw.z.law_officer)
    r = _post(
        law,
        cw.fresh(),
        "assign",
        deadline="2026-12-20",
        note="限期整改",
        partners=cw.world.partner.pk,
    )
    assert r.status_code == 302
    case = cw.fresh()
    assert (case.status, str(case.deadline)) == (CaseStatus.RECTIFYING, "2026-12-20")
    assert Venue.objects.get(pk=cw.venue.pk).status == VenueStatus.RECTIFYING
    assert _post(law, case, "extend", deadline="2026-12-28", note="延期").status_code == 302
    assert str(cw.fresh().deadline) == "2026-12-28"
    assert _post(law, cw.fresh(), "inspect", note="现场检查", files=photo()).status_code == 302
    assert _post(law, cw.fresh(), "comment", note="请尽快").status_code == 302
    assert _post(law, cw.fresh(), "add_evidence", files=photo("补充.jpg")).status_code == 302
    assert cw.fresh().evidence.count() == 2
    school = client_for(cw.users[Role.SCHOOL_OFFICER])
    assert _post(school, cw.fresh(), "comment", note="学校已知悉").status_code == 302
    partner = client_for(cw.users[Role.PARTNER])
    assert (
        _post(partner, cw.fresh(), "record_closure", note="已关停", files=photo()).status_code
        == 302
    )
    assert cw.fresh().status == CaseStatus.SUBMITTED
    law = client_for(cw.z.law_officer)
    assert _post(law, cw.fresh(), "reject", note="仍在营业").status_code == 302
    assert cw.fresh().status == CaseStatus.RECTIFYING
    assert (
        _post(law, cw.fresh(), "record_relocation", note="已搬迁", address="远处路9号").status_code
        == 302
    )
    assert _post(law, cw.fresh(), "verify", note="核实").status_code == 302
    case = cw.fresh()
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    actions = list(case.events.order_by("pk").values_list("action", flat=True))
    assert actions == [
        "open",
        "assign",
        "extend",
        "inspect",
        "comment",
        "add_evidence",
        "comment",
        "record_closure",
        "reject",
        "record_relocation",
        "verify",
    ]
    html = law.get(reverse("zones:case_detail", args=[case.pk])).content.decode()
    assert cw.z.law_officer.display_name in html and "已关停" in html


def test_exempt_from_the_page(cw, client_for):
    law = client_for(cw.z.law_officer)
    assert _post(law, cw.fresh(), "exempt", note="").status_code == 400
    assert _post(law, cw.fresh(), "exempt", note="经批准保留").status_code == 302
    assert cw.fresh().status == CaseStatus.CLOSED
    assert Venue.objects.get(pk=cw.venue.pk).status == VenueStatus.EXEMPT


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("inspect", {"note": ""}, "说明"),
        ("assign", {"deadline": "2026-11-01", "note": "x"}, "过去"),
        ("assign", {"deadline": "", "note": "x"}, None),
        ("extend", {"deadline": "2026-11-30", "note": "x"}, "过去"),
        ("record_relocation", {"note": "搬走", "longitude": "121.41", "latitude": "31.10"}, None),
        ("add_evidence", {"note": "x"}, None),
        ("comment", {"note": ""}, None),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_changes(
    cw, client_for, action, fields, message
):
    if action == "extend":
        ZoneCase.objects.filter(pk=cw.case.pk).update(status=CaseStatus.RECTIFYING)
    law = client_for(cw.z.law_officer)
    before = _state(cw)
    response = _post(law, cw.fresh(), action, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert "invalid-feedback" in html or "action-error" in html
    if message:
        assert message in html
    assert _state(cw) == before


def test_relocation_coordinates_need_their_system(cw, client_for):
    law = client_for(cw.z.law_officer)
    before = _state(cw)
    response = _post(
        law,
        cw.fresh(),
        "record_relocation",
        note="搬走",
        address="远处",
        longitude="121.41",
        latitude="31.10",
    )
    assert response.status_code == 400
    assert 'data-testid="action-error"' in response.content.decode()
    assert _state(cw) == before
    response = _post(
        law,
        cw.fresh(),
        "record_relocation",
        note="搬走",
        address="远处路1号",
        longitude="121.42",
        latitude="31.10",
        coord_system="wgs84",
    )
    assert response.status_code == 302
    venue = Venue.objects.get(pk=cw.venue.pk)
    # the new place enters the register when the department verifies the relocation
    assert venue.status == VenueStatus.RELOCATED and venue.relocated_to is None
    assert _post(law, cw.fresh(), "verify", note="已核实").status_code == 302
    venue.refresh_from_db()
    assert venue.relocated_to is not None
    assert venue.relocated_to.address == "远处路1号"
    assert venue.relocated_to.source == "relocation"


def test_a_rejected_relocation_sends_the_other_schools_case_back(cw, client_for):
    """A venue between two schools: its relocation recorded on one case moves the other to
    verification; rejected, both are rectified again and no new venue is registered."""
    from safecampus.zones.models import ZoneCase

    law = client_for(cw.z.law_officer)
    case = cw.fresh()
    others = ZoneCase.objects.filter(venue=case.venue).exclude(pk=case.pk)
    response = _post(law, case, "record_relocation", note="搬走", address="远处路1号")
    assert response.status_code == 302
    assert _post(law, cw.fresh(), "reject", note="仍在营业").status_code == 302
    venue = Venue.objects.get(pk=cw.venue.pk)
    assert venue.status == VenueStatus.RECTIFYING and venue.relocated_to is None
    for other in others:
        other.refresh_from_db()
        assert other.status != "submitted"


def test_a_stale_version_is_409_and_changes_nothing(cw, client_for):
    law = client_for(cw.z.law_officer)
    old = cw.fresh()
    assert _post(law, old, "comment", note="第一").status_code == 302
    before = _state(cw)
    response = _post(law, old, "comment", note="第二")
    assert response.status_code == 409
    html = response.content.decode()
    assert "第二" in html  # what the person wrote is kept
    assert "重新" in html or "刷新" in html
    assert _state(cw) == before


def test_an_action_the_role_may_not_take_is_403(cw, client_for):
    school = client_for(cw.users[Role.SCHOOL_OFFICER])
    before = _state(cw)
    response = _post(school, cw.fresh(), "assign", deadline="2026-12-20", note="x")
    assert response.status_code == 403
    assert _state(cw) == before
    # the check's own moves are not posted by hand
    assert _post(school, cw.fresh(), "lapse", note="x").status_code == 404
    law = client_for(cw.z.law_officer)
    response = _post(law, cw.fresh(), "verify", note="x")  # not submitted yet
    assert response.status_code == 409
    assert _state(cw) == before


def test_a_partner_records_the_closure(cw, client_for):
    partner = client_for(cw.users[Role.PARTNER])
    response = _post(partner, cw.fresh(), "record_closure", note="已关停", files=photo())
    assert response.status_code == 302
    assert cw.fresh().status == CaseStatus.SUBMITTED
    assert Venue.objects.get(pk=cw.venue.pk).status == VenueStatus.CLOSED
    event = cw.fresh().events.order_by("pk").last()
    assert (event.actor, event.actor_role) == (cw.users[Role.PARTNER], Role.PARTNER)


def test_a_closure_at_one_school_moves_the_other_schools_case(world, clock, client_for):
    clock.move_to(NOW)
    # school B gets a gate 300 m east of A's: the café 150 m east lies in both zones
    gate_at(world.school_b, *map(float, away(ORIGIN, 300)), name="2号门")
    cw = case_world(world)
    other = ZoneCase.objects.get(venue=cw.venue, school=world.school_b)
    assert other.status == CaseStatus.OPEN
    partner = client_for(cw.users[Role.PARTNER])
    assert _post(partner, cw.fresh(), "record_closure", note="已关停").status_code == 302
    other.refresh_from_db()
    assert other.status == CaseStatus.SUBMITTED
    assert other.events.order_by("pk").last().action == CaseAction.VENUE_GONE


def test_evidence_is_served_within_the_scope(cw, client_for):
    law = client_for(cw.z.law_officer)
    assert _post(law, cw.fresh(), "add_evidence", files=photo()).status_code == 302
    ev = cw.fresh().evidence.get()
    url = reverse("zones:case_evidence", args=[cw.case.pk, ev.pk])
    html = law.get(reverse("zones:case_detail", args=[cw.case.pk])).content.decode()
    assert url in html
    assert law.get(url).status_code == 200
    assert law.get(url + "?thumb=1").status_code == 200
    outsider = user_with_role(Role.SCHOOL_OFFICER, cw.world.school_b, username="school_b")
    # evidence of another case through this case's URL: 404
    missing = reverse("zones:case_evidence", args=[cw.case.pk, ev.pk + 1000])
    assert law.get(missing).status_code == 404
    scope_matrix(
        law,
        url,
        permitted=cw.users[Role.PARTNER],
        out_of_scope=[outsider],
        wrong_role=[cw.users[Role.AUDITOR]],
    )


# --- scope --------------------------------------------------------------------------------------


def test_scope_of_every_page(cw, client):
    outsider = user_with_role(Role.SCHOOL_OFFICER, cw.world.school_b, username="school_b")
    other_dept = cw.users[Role.SAFETY_CENTRE].__class__.objects.get(username="dept")
    auditor = cw.users[Role.AUDITOR]
    detail = reverse("zones:case_detail", args=[cw.case.pk])
    scope_matrix(client, reverse("zones:case_list"), permitted=outsider, wrong_role=[auditor])
    scope_matrix(
        client,
        detail,
        permitted=cw.users[Role.PRINCIPAL],
        out_of_scope=[outsider, other_dept],
        wrong_role=[auditor],
    )
    scope_matrix(
        client,
        _act_url(cw.case, "comment"),
        method="post",
        data={"comment-version": cw.case.version, "comment-note": "看过"},
        permitted=cw.users[Role.SCHOOL_OFFICER],
        out_of_scope=[outsider, other_dept],
        wrong_role=[auditor],
    )
    scope_matrix(
        client,
        reverse("zones:case_export"),
        method="post",
        data={"status": "open"},
        permitted=cw.users[Role.PARTNER],
        wrong_role=[auditor, cw.users[Role.SCHOOL_OFFICER]],
    )
