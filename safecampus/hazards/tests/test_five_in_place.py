"""五落实 (004 §二(三)): a hazard fixed by a deadline is confirmed only with its funds, people
(the responsible person), measures, deadline and contingency plan all in place."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.hazards import services
from safecampus.hazards.choices import Action, RemedyType, Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.testing import FIVE_IN_PLACE

from .helpers import days, state

ALL_FIVE = {"deadline": days(30), **FIVE_IN_PLACE}


def _confirm(reg, hazard, changes):
    return services.hazard_act(
        actor=reg.users[Role.DEPARTMENT_OFFICER],
        hazard_id=hazard.pk,
        action=Action.CONFIRM,
        version=hazard.version,
        changes=changes,
    )


@pytest.mark.parametrize(
    "missing, word",
    [
        ("funds", "尚缺：整改资金。"),
        ("measures", "尚缺：整改措施。"),
        ("deadline", "尚缺：整改时限。"),
        ("contingency_plan", "尚缺：应急预案。"),
        ("responsible_person", "尚缺：人员（责任人）。"),
    ],
)
def test_confirm_is_refused_with_any_of_the_five_missing(reg, missing, word):
    hazard = reg.make(Status.REPORTED)
    if missing == "responsible_person":  # a report made before the person was required
        Hazard.objects.filter(pk=hazard.pk).update(responsible_person="")
        hazard.refresh_from_db()
    before = state(hazard)
    changes = {k: v for k, v in ALL_FIVE.items() if k != missing}
    with pytest.raises(ValidationError) as exc:
        _confirm(reg, hazard, changes)
    assert exc.value.code == "five_in_place_required"
    errors = exc.value.message_dict
    assert set(errors) == {"__all__", missing}
    rule = errors["__all__"][0]
    assert word in rule and "五落实" in rule and "崇义街道" in rule
    assert ".txt" not in rule  # the rule in words, never a file name
    assert state(hazard) == before


def test_the_refusal_names_every_missing_one(reg):
    hazard = reg.make(Status.REPORTED)
    with pytest.raises(ValidationError) as exc:
        _confirm(reg, hazard, {"deadline": days(30)})
    assert set(exc.value.message_dict) == {"__all__", "funds", "measures", "contingency_plan"}
    rule = exc.value.message_dict["__all__"][0]
    assert rule.endswith("尚缺：整改资金、整改措施、应急预案。")


def test_confirm_with_all_five_is_allowed(reg):
    hazard = _confirm(reg, reg.make(Status.REPORTED), ALL_FIVE)
    assert hazard.status == Status.ASSIGNED
    assert (hazard.funds, hazard.contingency_plan) == (
        FIVE_IN_PLACE["funds"],
        FIVE_IN_PLACE["contingency_plan"],
    )


def test_a_hazard_fixed_on_the_spot_needs_none_of_them(reg):
    hazard = reg.make(Status.REPORTED, remedy_type=RemedyType.ON_SPOT)
    assert _confirm(reg, hazard, {}).status == Status.ASSIGNED


def test_the_confirm_form_marks_the_five_required_and_shows_the_rule(reg, client_for):
    hazard = reg.make(Status.REPORTED)
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    page = client.get(hazard.get_absolute_url())
    form = next(f for f in page.context["action_forms"] if f.action == "confirm")
    for name in ("funds", "measures", "deadline", "contingency_plan"):
        assert form.fields[name].required, name
    assert "五落实" in form.rule and hazard.responsible_person in form.rule
    assert 'data-testid="action-rule"' in page.content.decode()
    on_spot = reg.make(Status.REPORTED, remedy_type=RemedyType.ON_SPOT)
    page = client.get(on_spot.get_absolute_url())
    form = next(f for f in page.context["action_forms"] if f.action == "confirm")
    assert not form.fields["funds"].required and not form.rule


def test_the_api_answers_the_code(reg, client_for):
    hazard = reg.make(Status.REPORTED)
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    response = client.post(
        f"/api/v1/hazards/{hazard.pk}/confirm/",
        {"version": hazard.version, "deadline": days(30).isoformat(), "funds": "1000元"},
        content_type="application/json",
    )
    body = response.json()
    assert (response.status_code, body["code"]) == (400, "five_in_place_required")
    assert set(body["errors"]) >= {"measures", "contingency_plan"}


def test_the_page_keeps_the_input_when_refused(reg, client_for):
    hazard = reg.make(Status.REPORTED)
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    url = reverse("hazards:hazard_action", args=[hazard.pk, "confirm"])
    resp = client.post(
        url,
        {
            "confirm-version": hazard.version,
            "confirm-level": "general",
            "confirm-deadline": str(days(40)),
            "confirm-measures": "清理杂物",
        },
    )
    assert resp.status_code == 400
    bound = next(f for f in resp.context["action_forms"] if f.action == "confirm")
    assert {"funds", "contingency_plan"} <= set(bound.errors)
    assert Hazard.objects.get(pk=hazard.pk).status == Status.REPORTED
