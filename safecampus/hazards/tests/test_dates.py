"""A deadline (or an interim measure's date) before the day the hazard was found is refused,
wherever it is set: report, confirm, extend, the leadership's decision, a correction, a
consultation; on the page (a field error) and in the API (400, the documented JSON). Nothing
changes when it is refused."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.hazards import services
from safecampus.hazards.choices import Decision, Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.testing import FIVE_IN_PLACE, hazard_at

NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)
FOUND = datetime.date(2026, 11, 10)
MESSAGE = "此日期不能早于发现隐患的日期（2026-11-10）。"
URL = "/api/v1/hazards/"

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _make(reg, status, **data):
    return hazard_at(
        status,
        school=reg.school_a,
        school_user=reg.users[Role.SCHOOL_OFFICER],
        dept_user=reg.users[Role.DEPARTMENT_OFFICER],
        found_on=FOUND,
        deadline=datetime.date(2026, 12, 10),
        **data,
    )


def _state(hazard):
    h = Hazard.objects.get(pk=hazard.pk)
    return h.version, h.status, h.deadline, h.interim_deadline, h.events.count()


def _refused_in_api(response, field="deadline"):
    assert response.status_code == 400, response.content
    assert response.json() == {"code": "invalid", "message": MESSAGE, "errors": {field: [MESSAGE]}}


def test_report_in_the_api(reg, client_for):
    client = client_for(reg.users[Role.SCHOOL_OFFICER])
    before = Hazard.objects.count()
    payload = {
        "school": reg.school_a.pk,
        "item": reg.item.pk,
        "description": "疏散通道堆放杂物",
        "responsible_person": "张老师",
        "found_on": "2026-11-10",
        "deadline": "1999-01-01",
    }
    _refused_in_api(client.post(URL, payload, content_type="application/json"))
    assert Hazard.objects.count() == before
    # the day it was found is a possible deadline (fixed the same day)
    ok = client.post(URL, {**payload, "deadline": "2026-11-10"}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["deadline"] == "2026-11-10"


def test_report_on_the_page(reg, client_for):
    client = client_for(reg.users[Role.SCHOOL_OFFICER])
    before = Hazard.objects.count()
    resp = client.post(
        reverse("hazards:hazard_create"),
        {
            "school": reg.school_a.pk,
            "item": reg.item.pk,
            "description": "灭火器过期",
            "location": "一楼走廊",
            "source": "self_inspection",
            "found_on": "2026-11-10",
            "remedy_type": "deadline",
            "level": "general",
            "deadline": "1999-01-01",
            "responsible_person": "王老师",
        },
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors == {"deadline": [MESSAGE]}
    assert Hazard.objects.count() == before


def test_interim_date_of_a_report(reg):
    item = reg.catalog.items.get(code="A01-02")  # a major item: interim measures needed
    with pytest.raises(ValidationError) as exc:
        services.hazard_report(
            actor=reg.users[Role.SCHOOL_OFFICER],
            school=reg.school_a,
            item=item,
            data={
                "description": "消防栓无水",
                "responsible_person": "张老师",
                "found_on": FOUND,
                "remedy_type": "deadline",
                "interim_measures": "设置警示标志",
                "interim_unit": "甲小学",
                "interim_person": "张老师",
                "interim_deadline": datetime.date(2026, 11, 9),
            },
        )
    assert exc.value.message_dict == {"interim_deadline": [MESSAGE]}


def test_confirm_in_the_api(reg, client_for):
    h = _make(reg, Status.REPORTED)
    before = _state(h)
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    resp = client.post(
        f"{URL}{h.pk}/confirm/",
        {"version": h.version, "deadline": "1999-01-01"},
        content_type="application/json",
    )
    _refused_in_api(resp)
    assert _state(h) == before


def test_confirm_on_the_page(reg, client_for):
    h = _make(reg, Status.REPORTED)
    before = _state(h)
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    page = client.get(h.get_absolute_url())
    form = next(f for f in page.context["action_forms"] if f.action == "confirm")
    data = {form.add_prefix(n): f.initial or "" for n, f in form.fields.items()}
    data[form.add_prefix("deadline")] = "1999-01-01"
    data |= {form.add_prefix(n): v for n, v in FIVE_IN_PLACE.items()}
    resp = client.post(reverse("hazards:hazard_action", args=[h.pk, "confirm"]), data)
    assert resp.status_code == 400
    bound = next(f for f in resp.context["action_forms"] if f.action == "confirm")
    assert bound.errors["deadline"] == [MESSAGE]
    assert _state(h) == before


def test_extend_in_the_api(reg, client_for):
    h = _make(reg, Status.ASSIGNED)
    before = _state(h)
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    resp = client.post(
        f"{URL}{h.pk}/extend/",
        {"version": h.version, "deadline": "2026-11-09", "comment": "经费未到位"},
        content_type="application/json",
    )
    _refused_in_api(resp)
    assert _state(h) == before


def test_extend_on_the_page(reg, client_for):
    h = _make(reg, Status.ASSIGNED)
    before = _state(h)
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    resp = client.post(
        reverse("hazards:hazard_action", args=[h.pk, "extend"]),
        {"extend-version": h.version, "extend-deadline": "1999-01-01", "extend-comment": "延期"},
    )
    assert resp.status_code == 400
    bound = next(f for f in resp.context["action_forms"] if f.action == "extend")
    assert bound.errors["deadline"] == [MESSAGE]
    assert _state(h) == before


def test_decide_in_the_api(reg, client_for):
    h = _make(reg, Status.HARD)
    before = _state(h)
    client = client_for(reg.users[Role.SAFETY_CENTRE])
    resp = client.post(
        f"{URL}{h.pk}/decide/",
        {
            "version": h.version,
            "decisions": [Decision.NEW_DEADLINE],
            "deadline": "1999-01-01",
            "comment": "专题研商",
        },
        content_type="application/json",
    )
    _refused_in_api(resp)
    assert _state(h) == before


def test_correction_of_the_interim_date_in_the_api(reg, client_for):
    h = _make(reg, Status.ASSIGNED)
    before = _state(h)
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    resp = client.post(
        f"{URL}{h.pk}/edit/",
        {"version": h.version, "interim_deadline": "2026-01-01", "comment": "更正"},
        content_type="application/json",
    )
    _refused_in_api(resp, "interim_deadline")
    assert _state(h) == before


def test_consultation(reg):
    h = _make(reg, Status.HARD)
    before = _state(h)
    with pytest.raises(ValidationError) as exc:
        services.hazard_apply_consultation(
            actor=reg.users[Role.SAFETY_CENTRE],
            hazard=h,
            decisions={Decision.NEW_DEADLINE},
            deadline=datetime.date(1999, 1, 1),
            comment="专题协调会",
            data={},
        )
    assert exc.value.message_dict == {"deadline": [MESSAGE]}
    assert _state(h) == before


def test_a_later_action_on_an_old_hazard_with_such_a_deadline_still_works(reg):
    """A hazard recorded before the rule, with a deadline before its date found, can still
    move on: only the dates a write sets are checked."""
    h = _make(reg, Status.ASSIGNED)
    Hazard.objects.filter(pk=h.pk).update(deadline=datetime.date(2026, 11, 1))
    h = services.hazard_act(
        actor=reg.users[Role.SCHOOL_OFFICER],
        hazard_id=h.pk,
        action="start",
        version=h.version,
    )
    assert h.status == Status.RECTIFYING
