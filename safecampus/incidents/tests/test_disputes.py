"""The dispute register through its services and selectors: register → mediate → resolve →
reopen with its events; mediation outcomes; bad input refused with nothing saved; restricted
disputes invisible to everyone not named (and every attempt audited); flagged disputes around a
sensitive period at the lead-day edge; the figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.incidents import dispute_selectors, dispute_services
from safecampus.incidents.choices import (
    DisputeAction,
    DisputeStatus,
    DisputeSubject,
    MediationKind,
    MediationOutcome,
    RiskLevel,
)
from safecampus.incidents.models import Dispute, DisputeEvent
from safecampus.incidents.testing import designate, second_centre_officer
from safecampus.notifications.models import Notice

pytestmark = pytest.mark.dates

TZ = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=TZ)
TODAY = NOW.date()


def dispute_data(school, **overrides) -> dict:
    data = {
        "school": school.pk,
        "subject": DisputeSubject.DISCIPLINE,
        "title": "家长对教师批评方式有异议",
        "parties": [{"role": "parent", "count": 2}, {"role": "staff", "count": 1}],
        "summary": "家长认为教师在课堂上批评学生方式不当，要求学校道歉。",
        "risk": RiskLevel.MEDIUM,
        "petition_risk": False,
        "source": "screening",
        "found_on": TODAY.isoformat(),
    }
    data.update(overrides)
    return data


def register(actor, school, *, now=NOW, **overrides) -> Dispute:
    return dispute_services.dispute_register(
        actor=actor, data=dispute_data(school, **overrides), now=now
    )


def act(actor, dispute, action, *, now=NOW, **data):
    return dispute_services.dispute_act(
        actor=actor,
        dispute_id=dispute.pk,
        action=action,
        data=data,
        version=Dispute.objects.get(pk=dispute.pk).version,
        now=now,
    )


@pytest.fixture
def school(world):
    return world.users[Role.SCHOOL_OFFICER]


@pytest.fixture
def centre(world):
    return world.users[Role.SAFETY_CENTRE]


def test_register_mediate_resolve_reopen(world, school):
    d = register(school, world.school_a)
    assert d.status == DisputeStatus.OPEN
    assert d.parties == [{"role": "parent", "count": 2}, {"role": "staff", "count": 1}]
    later = NOW + datetime.timedelta(days=1)
    d = act(
        school,
        d,
        DisputeAction.MEDIATE,
        now=later,
        kind=MediationKind.PEOPLES,
        value=MediationOutcome.SESSION,
        note="人民调解委员会组织双方面谈。",
    )
    assert d.status == DisputeStatus.MEDIATING
    d = act(
        school,
        d,
        DisputeAction.MEDIATE,
        now=later,
        kind=MediationKind.PEOPLES,
        value=MediationOutcome.AGREED,
        note="双方达成调解协议。",
    )
    d = act(school, d, DisputeAction.RESOLVE, now=later, outcome="学校致歉，家长撤回诉求。")
    assert d.status == DisputeStatus.RESOLVED
    assert d.resolved_at == later
    assert d.outcome == "学校致歉，家长撤回诉求。"
    d = act(school, d, DisputeAction.REOPEN, now=later, note="家长再次来校反映。")
    assert d.status == DisputeStatus.MEDIATING
    assert d.resolved_at is None and d.outcome == ""
    events = list(DisputeEvent.objects.filter(dispute=d).order_by("pk"))
    assert [e.action for e in events] == [
        "register",
        "mediate",
        "mediate",
        "resolve",
        "reopen",
    ]
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "open"),
        ("open", "mediating"),
        ("mediating", "mediating"),
        ("mediating", "resolved"),
        ("resolved", "mediating"),
    ]
    assert events[1].data == {"kind": "peoples", "value": "session"}
    assert events[3].data["outcome"] == ["", "学校致歉，家长撤回诉求。"]
    assert events[4].data["outcome"] == ["学校致歉，家长撤回诉求。", ""]
    assert all(e.actor_id == school.pk and e.actor_role == Role.SCHOOL_OFFICER for e in events)


@pytest.mark.parametrize("outcome", MediationOutcome.values)
@pytest.mark.parametrize("kind", MediationKind.values)
def test_mediation_routes_and_outcomes(world, school, kind, outcome):
    d = register(school, world.school_a)
    d = act(school, d, DisputeAction.MEDIATE, kind=kind, value=outcome, note="调解记录")
    event = d.events.order_by("-pk").first()
    assert event.data == {"kind": kind, "value": outcome}
    assert d.status == DisputeStatus.MEDIATING


def test_mediation_needs_route_outcome_and_note(world, school):
    d = register(school, world.school_a)
    with pytest.raises(ValidationError) as exc:
        act(school, d, DisputeAction.MEDIATE, kind="mediator", value="", note="")
    assert set(exc.value.message_dict) == {"kind", "value", "note"}
    assert Dispute.objects.get(pk=d.pk).status == DisputeStatus.OPEN
    assert d.events.count() == 1


def test_resolve_needs_outcome_and_not_twice(world, school):
    d = register(school, world.school_a)
    with pytest.raises(ValidationError) as exc:
        act(school, d, DisputeAction.RESOLVE, outcome="")
    assert "outcome" in exc.value.message_dict
    act(school, d, DisputeAction.RESOLVE, outcome="已化解")
    with pytest.raises(ValidationError) as exc:
        act(school, d, DisputeAction.RESOLVE, outcome="再次")
    assert exc.value.code == "invalid_transition"


def test_escalate_and_assess_record_before_after(world, school, centre):
    d = register(school, world.school_a)
    d = act(school, d, DisputeAction.ASSESS, risk=RiskLevel.HIGH, petition_risk=True, note="升级")
    e = d.events.order_by("-pk").first()
    assert e.data == {"risk": ["medium", "high"], "petition_risk": [False, True]}
    # becoming pressing reaches the centre at once
    assert Notice.objects.filter(recipient=centre, kind="dispute").exists()
    d = act(school, d, DisputeAction.ESCALATE, note="报教育局安全中心", to="区教育局")
    assert d.status == DisputeStatus.ESCALATED and d.escalated_at == NOW
    with pytest.raises(ValidationError) as exc:
        act(school, d, DisputeAction.ESCALATE, note="again")
    assert exc.value.code == "invalid_transition"


def test_a_risk_alert_and_an_escalation_in_the_same_minute_are_both_told(world, school, centre):
    from safecampus.messaging.models import Message, Preference

    Preference.objects.create(user=centre, email="centre@example.cn")
    d = register(school, world.school_a)
    d = act(school, d, DisputeAction.ASSESS, risk=RiskLevel.HIGH, note="升级")
    act(school, d, DisputeAction.ESCALATE, note="报教育局安全中心", to="区教育局")
    assert Notice.objects.filter(recipient=centre, kind="dispute").count() == 2
    emails = Message.objects.filter(recipient=centre, key__startswith=f"alert:dispute:{d.pk}:")
    assert sorted(m.key.split(":")[3] for m in emails) == ["escalated", "risk"]


def test_high_risk_notifies_centre_at_once(world, school, centre):
    register(school, world.school_a, risk=RiskLevel.HIGH)
    notice = Notice.objects.get(recipient=centre, kind="dispute")
    assert "家长对教师" in notice.text
    assert not Notice.objects.filter(recipient=school).exists()


def test_low_risk_does_not_notify(world, school):
    register(school, world.school_a, risk=RiskLevel.LOW)
    assert not Notice.objects.filter(kind="dispute").exists()


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"found_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "found_on", "in_future"),
        ({"parties": [{"role": "parent", "count": 2}]}, "parties", "invalid"),
        (
            {"parties": [{"role": "parent", "count": 0}, {"role": "staff", "count": 1}]},
            "parties",
            "invalid",
        ),
        (
            {"parties": [{"role": "mayor", "count": 1}, {"role": "staff", "count": 1}]},
            "parties",
            "invalid",
        ),
        ({"private_details": "学生张三、家长李四"}, "private_details", "invalid"),
        ({"risk": "extreme"}, "risk", "invalid"),
        ({"title": ""}, "title", "invalid"),
        ({"found_on": "2027-02-30"}, "found_on", "invalid"),
    ],
)
def test_bad_input_nothing_saved(world, school, overrides, field, code):
    with pytest.raises(ValidationError) as exc:
        register(school, world.school_a, **overrides)
    assert field in exc.value.message_dict
    assert exc.value.code == code
    assert not Dispute.objects.exists()
    assert not DisputeEvent.objects.exists()


def test_school_of_another_bureau_refused(world, school):
    with pytest.raises(ValidationError) as exc:
        register(school, world.school_other)
    assert exc.value.code == "out_of_scope"
    with pytest.raises(ValidationError):
        register(school, world.school_b)
    assert not Dispute.objects.exists()


def test_incident_must_be_of_that_school_and_visible(world, school):
    from safecampus.incidents.testing import report

    incident = report(school, world.school_a, now=NOW)
    d = register(school, world.school_a, incident=incident.pk, source="incident")
    assert d.incident_id == incident.pk
    centre = world.users[Role.SAFETY_CENTRE]
    with pytest.raises(ValidationError) as exc:
        register(centre, world.school_b, incident=incident.pk)
    assert "incident" in exc.value.message_dict


def test_bullying_is_restricted_and_private_details_kept(world, school):
    named = world.users[Role.SAFETY_CENTRE]
    designate(world, named)
    other = second_centre_officer(world)
    d = register(
        school,
        world.school_a,
        subject=DisputeSubject.BULLYING,
        title="欺凌纠纷",
        private_details="受害学生王某，家长王某某",
        risk=RiskLevel.HIGH,
    )
    assert d.restricted and d.private_details
    assert set(Dispute.objects.visible_to(named)) == {d}
    assert set(Dispute.objects.visible_to(school)) == {d}
    outsiders = (other, world.users[Role.LEADERSHIP], world.users[Role.PRINCIPAL])
    for user in outsiders:
        assert not Dispute.objects.visible_to(user).exists()
        assert not dispute_selectors.disputes(user).exists()
        assert not dispute_selectors.disputes(
            user, dispute_selectors.DisputeFilters(q="欺凌")
        ).exists()
        assert Dispute.objects.counted_for(user).count() == 1
        assert dispute_selectors.figures(user, now=NOW)["restricted"] == 1
        with pytest.raises(Http404):
            dispute_selectors.dispute_get(user, d.pk)
    dispute_selectors.dispute_get(named, d.pk)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [Action.RESTRICTED_DENIED] * 3 + [Action.RESTRICTED_READ]
    assert all("欺凌" not in a.target_repr for a in AuditEvent.objects.all())
    # the notice names no one and says nothing of the case
    notice = Notice.objects.get(recipient=named, kind="dispute")
    assert "欺凌" not in notice.text and "王" not in notice.text
    assert not Notice.objects.filter(recipient=other).exists()


def test_restrict_grant_revoke(world, school, centre):
    designate(world, centre)
    d = register(school, world.school_a)
    other = second_centre_officer(world)
    with pytest.raises(ValidationError) as exc:
        act(school, d, DisputeAction.RESTRICT, note="涉及未成年人隐私")
    assert exc.value.code == "not_allowed"
    d = act(centre, d, DisputeAction.RESTRICT, note="涉及未成年人隐私")
    assert d.restricted
    assert not Dispute.objects.visible_to(other).exists()
    act(centre, d, DisputeAction.GRANT, user=other.pk)
    assert Dispute.objects.visible_to(other).exists()
    act(centre, d, DisputeAction.REVOKE, user=other.pk)
    assert not Dispute.objects.visible_to(other).exists()
    with pytest.raises(ValidationError):
        act(centre, d, DisputeAction.GRANT, user=world.users[Role.PARTNER].pk + 10_000)


def test_stale_version_refused(world, school):
    d = register(school, world.school_a)
    with pytest.raises(ValidationError) as exc:
        dispute_services.dispute_act(
            actor=school,
            dispute_id=d.pk,
            action=DisputeAction.COMMENT,
            data={"note": "x"},
            version=d.version + 5,
            now=NOW,
        )
    assert exc.value.code == "stale"


def test_another_school_cannot_act(world, school):
    from safecampus.core.testing import user_with_role

    d = register(school, world.school_a)
    other_school = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    with pytest.raises(Http404):
        act(other_school, d, DisputeAction.COMMENT, note="x")


# --- flagged around sensitive periods -----------------------------------------------------------


@dataclass
class Period:
    name: str
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date


def fake_periods(monkeypatch, periods_by_bureau):
    calls = []

    def fake(*, bureau_ids, day, lead_days):
        calls.append((tuple(bureau_ids), day, lead_days))
        return {b: list(ps) for b, ps in periods_by_bureau.items() if b in bureau_ids}

    monkeypatch.setattr(dispute_selectors, "_periods_around", fake)
    return calls


@pytest.mark.parametrize("days_ahead, expected", [(0, True), (7, True), (8, False), (-3, True)])
def test_flagged_at_the_lead_day_edge(world, school, centre, monkeypatch, days_ahead, expected):
    from safecampus.incidents.services import settings_for

    settings = settings_for(world.bureau.pk)
    settings.sensitive_lead_days = 7
    settings.save()
    start = TODAY + datetime.timedelta(days=days_ahead)
    fake_periods(
        monkeypatch,
        {world.bureau.pk: [Period("全国两会", "sensitive", start, start + datetime.timedelta(5))]},
    )
    d = register(school, world.school_a, petition_risk=True)
    register(school, world.school_a, risk=RiskLevel.LOW, title="低风险")
    rows = dispute_selectors.flagged(centre, TODAY)
    if expected:
        assert [r.pk for r in rows] == [d.pk]
        assert rows[0].period.name == "全国两会"
    else:
        assert rows == []


def test_flagged_ignores_other_period_kinds_and_resolved(world, school, centre, monkeypatch):
    fake_periods(
        monkeypatch,
        {
            world.bureau.pk: [
                Period("期末考试", "exam", TODAY, TODAY + datetime.timedelta(3)),
            ]
        },
    )
    d = register(school, world.school_a, risk=RiskLevel.HIGH)
    assert dispute_selectors.flagged(centre, TODAY) == []
    fake_periods(
        monkeypatch,
        {world.bureau.pk: [Period("国庆假期", "holiday", TODAY, TODAY + datetime.timedelta(6))]},
    )
    assert [r.pk for r in dispute_selectors.flagged(centre, TODAY)] == [d.pk]
    act(school, d, DisputeAction.RESOLVE, outcome="已化解")
    assert dispute_selectors.flagged(centre, TODAY) == []


def test_flagged_respects_scope(world, school, monkeypatch):
    from safecampus.core.testing import user_with_role

    fake_periods(
        monkeypatch,
        {world.bureau.pk: [Period("两会", "sensitive", TODAY, TODAY + datetime.timedelta(3))]},
    )
    register(school, world.school_a, petition_risk=True)
    other_school = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    assert dispute_selectors.flagged(other_school, TODAY) == []
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="xh_centre")
    assert dispute_selectors.flagged(outsider, TODAY) == []


# --- figures ------------------------------------------------------------------------------------


def test_figures(world, school, centre):
    register(school, world.school_a, risk=RiskLevel.HIGH, petition_risk=True)
    register(school, world.school_a, risk=RiskLevel.LOW)
    d = register(school, world.school_a, risk=RiskLevel.MEDIUM)
    act(school, d, DisputeAction.RESOLVE, outcome="已化解")
    f = dispute_selectors.figures(centre, now=NOW)
    assert f["open"] == 2 and f["petition"] == 1 and f["resolved_month"] == 1
    assert {r["key"]: r["n"] for r in f["by_risk"]} == {"high": 1, "medium": 0, "low": 1}
    f_next = dispute_selectors.figures(centre, now=NOW + datetime.timedelta(days=40))
    assert f_next["resolved_month"] == 0
    outsider_figures = dispute_selectors.figures(world.users[Role.PARTNER], now=NOW)
    assert outsider_figures["open"] == 0


def test_no_watch_app_means_no_flags(world, school, centre):
    """Until the duty-watch app is installed, nothing is flagged (and nothing breaks)."""
    import importlib.util

    if importlib.util.find_spec("safecampus.watch") is not None:
        pytest.skip("the duty-watch app is installed")
    register(school, world.school_a, petition_risk=True)
    assert dispute_selectors.flagged(centre, TODAY) == []
