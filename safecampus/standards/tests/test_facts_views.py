"""A school's card and facts pages: scope, the form re-evaluating, bad input, conflicts,
verification, history as of a date, evidence."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix, user_with_role
from safecampus.hazards.tests.test_browser import _media  # noqa: F401 (fixture)
from safecampus.standards.choices import FactsStatus, FindingStatus
from safecampus.standards.facts import GATE_FACTS, SCHOOL_FACTS
from safecampus.standards.models import (
    FactsEvidence,
    FactsRevision,
    Finding,
    SecurityFacts,
    StandardsPolicy,
)
from safecampus.standards.testing import (
    compliant_gate,
    compliant_values,
    record_facts,
    standards_world,
)

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))


@pytest.fixture
def sw(world):
    """School A: a non-boarding primary school with 2 gates, no night guard at either."""
    standards_world(world)
    world.school_a.gate_count = 2
    world.school_a.boarding = False
    world.school_a.boarders = 0
    world.school_a.save()
    record_facts(
        world.school_a,
        world.users[Role.SCHOOL_OFFICER],
        gates=[compliant_gate(guards_night=0), compliant_gate(guards_night=0)],
        now=NOW,
    )
    return world


def card_url(school):
    return reverse("standards:card", args=[school.pk])


def edit_url(school):
    return reverse("standards:facts_edit", args=[school.pk])


def form_data(school, values=None, gates=None, version=None):
    """What the facts form posts: every school fact, every gate's facts."""
    values = compliant_values() if values is None else values
    gates = [compliant_gate() for _ in range(school.gate_count)] if gates is None else gates

    def text(v):
        if v is True:
            return "yes"
        if v is False:
            return "no"
        return "" if v is None else str(v)

    data = {f.name: text(values.get(f.name)) for f in SCHOOL_FACTS}
    for n, gate in enumerate(gates, start=1):
        data[f"gate{n}.name"] = f"{n}号门"
        for f in GATE_FACTS:
            data[f"gate{n}.{f.name}"] = text(gate.get(f.name))
    if version is None:
        version = SecurityFacts.objects.get(school=school).version
    data["version"] = str(version)
    return data


def test_card_scope(client, sw):
    """School B's staff and the other bureau: 404; the centre: 200."""
    other = user_with_role(Role.SAFETY_CENTRE, sw.other_bureau, username="other_centre")
    school_b_user = user_with_role(Role.SCHOOL_OFFICER, sw.school_b, username="b_officer")
    scope_matrix(
        client,
        card_url(sw.school_a),
        permitted=sw.users[Role.SAFETY_CENTRE],
        out_of_scope=[school_b_user, other, sw.users[Role.PARTNER]],
        wrong_role=[sw.users[Role.SYSTEM_ADMIN]],
    )


def test_card_shows_night_guards_finding_and_basis(client_for, sw):
    page = client_for(sw.users[Role.SCHOOL_OFFICER]).get(card_url(sw.school_a))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="req-guards.night" data-outcome="fail"' in html
    assert "上海市" in html
    assert 'data-testid="edit-facts"' in html
    assert 'data-testid="verify-form"' not in html


def test_partner_sees_the_card_only_when_granted(client_for, sw):
    c = client_for(sw.users[Role.PARTNER])
    assert c.get(card_url(sw.school_a)).status_code == 404
    StandardsPolicy.objects.get(bureau=sw.bureau).granted_partners.add(sw.partner)
    page = c.get(card_url(sw.school_a))
    assert page.status_code == 200
    assert b'data-testid="edit-facts"' not in page.content
    assert c.get(edit_url(sw.school_a)).status_code == 403
    # it covers school A only
    assert c.get(card_url(sw.school_b)).status_code == 404


def test_leader_reads_but_may_not_edit(client_for, sw):
    c = client_for(sw.users[Role.LEADERSHIP])
    page = c.get(card_url(sw.school_a))
    assert page.status_code == 200
    assert b'data-testid="edit-facts"' not in page.content
    assert c.get(edit_url(sw.school_a)).status_code == 403
    assert c.post(edit_url(sw.school_a), form_data(sw.school_a)).status_code == 403


def test_edit_scope(client, sw):
    other = user_with_role(Role.SAFETY_CENTRE, sw.other_bureau, username="other_centre")
    school_b_user = user_with_role(Role.SCHOOL_OFFICER, sw.school_b, username="b_officer")
    scope_matrix(
        client,
        edit_url(sw.school_a),
        permitted=sw.users[Role.PRINCIPAL],
        out_of_scope=[school_b_user, other],
        wrong_role=[sw.users[Role.INSPECTOR], sw.users[Role.DEPARTMENT_OFFICER]],
    )


def test_my_card_redirects_a_school_user_and_lists_for_the_bureau(client_for, sw):
    r = client_for(sw.users[Role.SCHOOL_OFFICER]).get(reverse("standards:my_card"))
    assert r.status_code == 302 and r["Location"] == card_url(sw.school_a)
    page = client_for(sw.users[Role.SAFETY_CENTRE]).get(reverse("standards:my_card"))
    assert page.status_code == 200
    html = page.content.decode()
    assert sw.school_a.name in html and sw.school_b.name in html
    assert sw.school_other.name not in html


def test_card_query_count_does_not_grow_with_requirements_or_gates(client_for, sw):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    first = count_queries(c, card_url(sw.school_a))
    sw.school_a.gate_count = 5
    sw.school_a.save()
    record_facts(sw.school_a, sw.users[Role.SCHOOL_OFFICER], now=NOW)
    assert count_queries(c, card_url(sw.school_a)) == first
    # session, user, roles, school, standing, policy and its rule sets (3 per set), names,
    # findings, facts, notifications
    assert first == 19


def test_saving_the_form_resolves_the_finding(client_for, sw):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    assert Finding.objects.get(key="guards.night").status == FindingStatus.OPEN
    r = c.post(edit_url(sw.school_a), form_data(sw.school_a), follow=True)
    assert r.status_code == 200
    assert Finding.objects.get(key="guards.night").status == FindingStatus.RESOLVED
    html = r.content.decode()
    assert 'data-testid="req-guards.night" data-outcome="pass"' in html
    assert "已解决：1" in html or "resolved: 1" in html


def test_saving_the_form_opens_a_finding(client_for, sw):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    data = form_data(sw.school_a, values=compliant_values(video_days=7))
    assert c.post(edit_url(sw.school_a), data).status_code == 302
    assert Finding.objects.filter(status=FindingStatus.OPEN, key__startswith="video").exists()
    assert SecurityFacts.objects.get(school=sw.school_a).video_days == 7


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gate1.guards_night", "-1"),
        ("video_days", "10000"),
        ("guards_total", "十二"),
        ("alarm_tested_on", "2026-13-45"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_saved(client_for, sw, field, value):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    before = FactsRevision.objects.count()
    data = form_data(sw.school_a)
    data[field] = value
    r = c.post(edit_url(sw.school_a), data)
    assert r.status_code == 400
    html = r.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert "未保存" in html or "Nothing was saved" in html
    assert FactsRevision.objects.count() == before
    gate = sw.school_a.gate_facts.get(position=1)
    assert gate.guards_night == 0


def test_chinese_error_messages(client_for, sw):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    data = form_data(sw.school_a)
    data["video_days"] = "10000"
    data["guards_total"] = "abc"
    html = c.post(edit_url(sw.school_a), data, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "不得大于3650" in html or "至多" in html
    assert "整数" in html


def test_version_conflict(client_for, sw):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    stale = form_data(sw.school_a)
    record_facts(sw.school_a, sw.users[Role.PRINCIPAL], values=compliant_values(guards_total=20))
    stale["version"] = str(int(stale["version"]))
    r = c.post(edit_url(sw.school_a), stale)
    assert r.status_code == 400
    assert "重新" in r.content.decode() or "Reload" in r.content.decode()
    assert SecurityFacts.objects.get(school=sw.school_a).guards_total == 20


def test_gate_name_too_long_is_refused_and_nothing_saved(client_for, sw):
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    before = FactsRevision.objects.count()
    data = form_data(sw.school_a)
    data["gate1.name"] = "门" * 33
    r = c.post(edit_url(sw.school_a), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400
    assert "门的名称至多32个字" in r.content.decode()
    assert FactsRevision.objects.count() == before
    assert sw.school_a.gate_facts.get(position=1).name != "门" * 32


def test_verify_form_sends_the_version_and_a_post_without_it_changes_nothing(client_for, sw):
    url = reverse("standards:facts_verify", args=[sw.school_a.pk])
    dept = client_for(sw.users[Role.DEPARTMENT_OFFICER])
    facts = SecurityFacts.objects.get(school=sw.school_a)
    page = dept.get(card_url(sw.school_a)).content.decode()
    assert f'name="version" value="{facts.version}"' in page
    for version in ("", "abc", "99999999999999999999"):
        r = dept.post(url, {"decision": "verify", "version": version}, follow=True)
        assert r.status_code == 200
        assert SecurityFacts.objects.get(school=sw.school_a).status == FactsStatus.SUBMITTED


def test_verify_with_a_stale_version_is_refused(client_for, sw):
    url = reverse("standards:facts_verify", args=[sw.school_a.pk])
    dept = client_for(sw.users[Role.DEPARTMENT_OFFICER])
    seen = SecurityFacts.objects.get(school=sw.school_a).version
    record_facts(sw.school_a, sw.users[Role.PRINCIPAL], values=compliant_values(guards_total=20))
    r = dept.post(url, {"decision": "verify", "version": str(seen)}, follow=True)
    assert r.status_code == 200
    assert SecurityFacts.objects.get(school=sw.school_a).status == FactsStatus.SUBMITTED


def test_department_verifies_and_returns_a_school_may_not(client_for, sw):
    url = reverse("standards:facts_verify", args=[sw.school_a.pk])

    def version():
        return str(SecurityFacts.objects.get(school=sw.school_a).version)

    school = client_for(sw.users[Role.SCHOOL_OFFICER])
    assert school.post(url, {"decision": "verify", "version": version()}).status_code == 403
    dept = client_for(sw.users[Role.DEPARTMENT_OFFICER])
    page = dept.get(card_url(sw.school_a))
    assert b'data-testid="verify-form"' in page.content
    r = dept.post(url, {"decision": "return", "reason": "", "version": version()}, follow=True)
    assert SecurityFacts.objects.get(school=sw.school_a).status == FactsStatus.SUBMITTED
    r = dept.post(
        url,
        {"decision": "return", "reason": "夜间值守人数与台账不符", "version": version()},
        follow=True,
    )
    facts = SecurityFacts.objects.get(school=sw.school_a)
    assert facts.status == FactsStatus.RETURNED
    assert "夜间值守人数与台账不符" in r.content.decode()
    # the school corrects: submitted again; then verified
    fixed = form_data(sw.school_a, values=compliant_values(guards_total=14, guards_certified=14))
    school = client_for(sw.users[Role.SCHOOL_OFFICER])
    assert school.post(edit_url(sw.school_a), fixed).status_code == 302
    dept = client_for(sw.users[Role.DEPARTMENT_OFFICER])
    assert SecurityFacts.objects.get(school=sw.school_a).status == FactsStatus.SUBMITTED
    dept.post(url, {"decision": "verify", "version": version()})
    facts.refresh_from_db()
    assert facts.status == FactsStatus.VERIFIED
    assert facts.verified_by == sw.users[Role.DEPARTMENT_OFFICER]


def test_verify_out_of_scope(client, sw):
    other = user_with_role(Role.SAFETY_CENTRE, sw.other_bureau, username="other_centre")
    scope_matrix(
        client,
        reverse("standards:facts_verify", args=[sw.school_a.pk]),
        method="post",
        data={"decision": "verify"},
        permitted=sw.users[Role.DEPARTMENT_OFFICER],
        out_of_scope=[other],
        wrong_role=[sw.users[Role.PRINCIPAL], sw.users[Role.LEADERSHIP]],
    )


def test_history_as_of_a_past_date_shows_the_older_value(client_for, sw):
    later = NOW + datetime.timedelta(days=3)
    record_facts(
        sw.school_a,
        sw.users[Role.SCHOOL_OFFICER],
        values=compliant_values(video_days=90),
        now=later,
    )
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    url = reverse("standards:facts_history", args=[sw.school_a.pk])
    page = c.get(url).content.decode()
    assert "30 → 90" in page
    past = c.get(url, {"as_of": "2026-12-02"}).content.decode()
    assert 'data-testid="as-of"' in past
    sheet = past.split('data-testid="as-of"')[1].split('data-testid="revisions"')[0]
    assert "30" in sheet and "90" not in sheet
    now = c.get(url, {"as_of": "2026-12-05"}).content.decode()
    sheet = now.split('data-testid="as-of"')[1].split('data-testid="revisions"')[0]
    assert "90" in sheet
    assert c.get(url, {"as_of": "yesterday"}).status_code == 400


def test_history_scope(client, sw):
    other = user_with_role(Role.SAFETY_CENTRE, sw.other_bureau, username="other_centre")
    school_b_user = user_with_role(Role.SCHOOL_OFFICER, sw.school_b, username="b_officer")
    scope_matrix(
        client,
        reverse("standards:facts_history", args=[sw.school_a.pk]),
        permitted=sw.users[Role.INSPECTOR],
        out_of_scope=[school_b_user, other],
        wrong_role=[sw.users[Role.SYSTEM_ADMIN]],
    )


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buf, "JPEG")
    return buf.getvalue()


def test_evidence_is_uploaded_and_served_in_scope(client_for, client, sw, _media):  # noqa: F811
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    data = form_data(sw.school_a)
    data["files"] = [SimpleUploadedFile("夜间值守.jpg", _jpeg(), content_type="image/jpeg")]
    assert c.post(edit_url(sw.school_a), data).status_code == 302
    ev = FactsEvidence.objects.get()
    history = c.get(reverse("standards:facts_history", args=[sw.school_a.pk])).content.decode()
    assert reverse("standards:facts_evidence", args=[ev.pk]) in history
    other = user_with_role(Role.SAFETY_CENTRE, sw.other_bureau, username="other_centre")
    school_b_user = user_with_role(Role.SCHOOL_OFFICER, sw.school_b, username="b_officer")
    scope_matrix(
        client,
        reverse("standards:facts_evidence", args=[ev.pk]),
        permitted=sw.users[Role.SAFETY_CENTRE],
        out_of_scope=[school_b_user, other],
        wrong_role=[sw.users[Role.SYSTEM_ADMIN]],
    )


def test_card_of_a_school_with_no_facts_yet(client_for, sw):
    c = client_for(sw.users[Role.SAFETY_CENTRE])
    html = c.get(card_url(sw.school_b)).content.decode()
    assert "尚未评估" in html or "Not evaluated yet" in html
    assert 'data-outcome="unknown"' in html
    assert 'data-outcome="fail"' not in html
    form = c.get(edit_url(sw.school_b))
    assert form.status_code == 200
    assert b'name="gate1.guards_day"' in form.content
