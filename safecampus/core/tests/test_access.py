"""The one access mechanism, the refusals and the lifecycle table, on their own."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404

from safecampus.core import access
from safecampus.core.lifecycle import Lifecycle, Move
from safecampus.core.refusals import Code, refusal_code, refuse, to_form
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory, lifecycle_cases, user_with_role
from safecampus.orgs.models import School


@pytest.fixture
def world(db):
    school = SchoolFactory()
    other = SchoolFactory()  # another bureau
    return {
        "school": school,
        "other": other,
        "officer": user_with_role(Role.SCHOOL_OFFICER, school),
        "centre": user_with_role(Role.SAFETY_CENTRE, school.bureau),
    }


def test_an_unknown_action_is_an_error_not_an_empty_set(world):
    with pytest.raises(access.UnknownAction):
        School.objects.restrict(world["officer"], "launch")
    with pytest.raises(access.UnknownAction):
        access.get_for(world["officer"], School, world["school"].pk, "launch")


def test_get_for_answers_404_out_of_scope_and_403_when_the_action_is_not_allowed(world):
    officer, school = world["officer"], world["school"]
    assert access.get_for(officer, School, school.pk) == school
    with pytest.raises(Http404):
        access.get_for(officer, School, world["other"].pk)
    with pytest.raises(Http404):
        access.get_for(officer, School, "not-a-number")
    with pytest.raises(PermissionDenied):
        access.get_for(officer, School, school.pk, "edit")
    assert access.get_for(world["centre"], School.objects.all(), school.pk, "edit") == school


def test_require_refuses_a_role_outside_the_capability(world):
    access.require(world["centre"], {Role.SAFETY_CENTRE})
    with pytest.raises(PermissionDenied):
        access.require(world["officer"], {Role.SAFETY_CENTRE})


def test_an_anonymous_or_inactive_user_has_the_empty_scope(world):
    officer = world["officer"]
    officer.is_active = False
    assert access.scope_for(officer) is access.EMPTY_SCOPE
    assert not School.objects.visible_to(officer).exists()


# --- refusals -----------------------------------------------------------------------------------


def test_a_refusal_keeps_its_code_whatever_its_shape():
    assert refusal_code(refuse("no", Code.STALE)) == "stale"
    assert refusal_code(refuse(["a", "b"], Code.LOCKED)) == "locked"
    exc = refuse({"deadline": "late", "comment": ["x", ("y", "reason_required")]}, "no_change")
    assert refusal_code(exc) == "no_change"
    assert [e.code for e in exc.error_dict["comment"]] == ["no_change", "reason_required"]


def test_to_form_puts_messages_on_the_fields_they_name():
    class F(forms.Form):
        deadline = forms.DateField(required=False)

    form = F({})
    assert form.is_valid()
    to_form(form, refuse({"deadline": "太早", "elsewhere": "其他"}, "invalid"))
    assert form.errors["deadline"] == ["太早"]
    assert form.non_field_errors() == ["其他"]


# --- lifecycle ----------------------------------------------------------------------------------


class Thing:
    def __init__(self, status):
        self.status = status
        self.version = 0
        self.saved = 0

    def save(self, update_fields=None):
        self.saved += 1


OWNER = frozenset({Role.SCHOOL_OFFICER})
CHECKER = frozenset({Role.SAFETY_CENTRE})
TABLE = Lifecycle(
    [
        Move("submit", frozenset({"draft"}), "submitted", OWNER),
        Move("accept", frozenset({"submitted"}), "done", CHECKER),
        Move("note", frozenset({"draft", "submitted"}), None, OWNER | CHECKER),
        Move("reopen", frozenset({"done"}), "draft", CHECKER, internal=True),
        Move(
            "fast",
            frozenset({"draft"}),
            "done",
            CHECKER,
            guard=lambda obj: None if obj.version == 0 else "only a new thing",
        ),
    ],
    statuses=("draft", "submitted", "done"),
    version_field="version",
    role_order=(Role.SCHOOL_OFFICER, Role.SAFETY_CENTRE),
)


def test_the_table_lists_its_pairs_and_refuses_what_it_does_not_hold():
    assert TABLE.pairs() == {
        ("draft", "submitted"),
        ("submitted", "done"),
        ("draft", "draft"),
        ("submitted", "submitted"),
        ("done", "draft"),
        ("draft", "done"),
    }
    thing = Thing("draft")
    with pytest.raises(Exception) as refused:
        TABLE.check(thing, "accept", CHECKER)
    assert refusal_code(refused.value) == "invalid_transition"
    with pytest.raises(Exception) as refused:
        TABLE.check(thing, "submit", CHECKER)
    assert refusal_code(refused.value) == "not_allowed"
    thing.version = 3
    with pytest.raises(Exception) as refused:
        TABLE.check(thing, "fast", CHECKER)
    assert refusal_code(refused.value) == "invalid_transition"
    assert TABLE.allowed(Thing("draft"), OWNER) == ["submit", "note"]
    assert TABLE.allowed(Thing("done"), CHECKER) == []
    assert TABLE.allowed(Thing("done"), CHECKER, internal=True) == ["reopen"]


def test_commit_writes_status_version_and_event_once():
    thing = Thing("draft")
    events = []
    move = TABLE.check(thing, "submit", OWNER)
    TABLE.commit(thing, move, event=lambda a, b: events.append((a, b)))
    assert (thing.status, thing.version, thing.saved, events) == (
        "submitted",
        1,
        1,
        [("draft", "submitted")],
    )
    move = TABLE.check(thing, "note", OWNER | CHECKER)
    TABLE.commit(thing, move, event=lambda a, b: events.append((a, b)))
    assert thing.status == "submitted" and events[-1] == ("submitted", "submitted")
    assert TABLE.acting_role(OWNER | CHECKER, move) == Role.SCHOOL_OFFICER


def test_a_table_naming_an_unknown_status_or_a_move_twice_is_refused_when_written():
    with pytest.raises(ValueError):
        Lifecycle([Move("x", frozenset({"a"}), "zzz", OWNER)], statuses=("a",))
    with pytest.raises(ValueError):
        Lifecycle(
            [Move("x", frozenset({"a"}), None, OWNER), Move("x", frozenset({"a"}), None, OWNER)],
            statuses=("a",),
        )


def test_lifecycle_cases_cover_every_status_action_and_role():
    cases = list(lifecycle_cases(TABLE, [Role.SCHOOL_OFFICER, Role.SAFETY_CENTRE]))
    assert len(cases) == 3 * 5 * 2
    allowed = {c.values[:3] for c in cases if c.values[3]}
    assert ("draft", "submit", Role.SCHOOL_OFFICER) in allowed
    assert ("draft", "submit", Role.SAFETY_CENTRE) not in allowed
