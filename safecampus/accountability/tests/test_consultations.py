"""Consultations: planned on candidate hazards, decisions applied as hazard events, all or
nothing; the pages and who reaches them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from safecampus.accountability import services
from safecampus.accountability.models import Consultation, ConsultationStatus, ItemReason
from safecampus.accountability.testing import make_disputed, make_hazard, make_without_department
from safecampus.hazards.choices import Action, Decision, Status
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.hazards.testing import hazard_at

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def new_deadline() -> datetime.date:
    """90 days after the test's today (``sup`` sets the clock)."""
    return timezone.localdate() + datetime.timedelta(days=90)


def _plan(sup, hazards, actor=None):
    return services.consultation_create(
        actor=actor or sup.leader,
        data={
            "kind": "study",
            "title": "难点隐患专题研商",
            "held_on": timezone.localdate(),
            "location": "局三楼会议室",
            "attendees": "分管局长、安全中心、普教一科",
            "notes": "逐项研究",
        },
        hazards=hazards,
    )


def _item(consultation, hazard):
    return consultation.items.get(hazard=hazard)


def test_hard_hazard_goes_back_to_rectifying_with_the_new_deadline(sup):
    hard = make_hazard(sup, Status.HARD)
    consultation = _plan(sup, [hard])
    item = _item(consultation, hard)
    assert item.reason == ItemReason.HARD

    services.consultation_apply(
        actor=sup.leader,
        consultation_id=consultation.pk,
        decisions={
            item.pk: {
                "decisions": [Decision.NEW_DEADLINE, Decision.SUPERVISE],
                "deadline": new_deadline(),
                "comment": "申请专项资金，限期完成",
            }
        },
    )

    hard.refresh_from_db()
    expected = (Status.RECTIFYING, new_deadline(), True)
    assert (hard.status, hard.deadline, hard.supervised) == expected
    event = HazardEvent.objects.get(hazard=hard, action=Action.CONSULT)
    assert (event.from_status, event.to_status, event.actor) == (
        Status.HARD,
        Status.RECTIFYING,
        sup.leader,
    )
    assert event.data["consultation"] == consultation.pk
    item.refresh_from_db()
    assert item.hazard_event == event and item.applied_at is not None
    assert item.decisions == [Decision.NEW_DEADLINE, Decision.SUPERVISE]
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.DECIDED
    assert consultation.decided_by == sup.leader


def test_disputed_hazard_gets_the_named_department_and_the_flag_cleared(sup):
    disputed = make_disputed(sup)
    consultation = _plan(sup, [disputed], actor=sup.centre)
    item = _item(consultation, disputed)
    assert item.reason == ItemReason.DISPUTED

    services.consultation_apply(
        actor=sup.centre,
        consultation_id=consultation.pk,
        decisions={
            item.pk: {
                "decisions": [Decision.NEW_DEPARTMENT],
                "department": sup.other_dept,
                "comment": "由安保科牵头",
            }
        },
    )

    disputed.refresh_from_db()
    assert disputed.responsible_department == sup.other_dept
    assert disputed.responsibility_disputed is False
    event = HazardEvent.objects.get(hazard=disputed, action=Action.CONSULT)
    assert event.data["responsibility_disputed"] == [True, False]
    item.refresh_from_db()
    assert item.department == sup.other_dept


def test_a_refusal_on_one_hazard_applies_nothing(sup):
    hard = make_hazard(sup, Status.HARD)
    disputed = make_disputed(sup)
    consultation = _plan(sup, [hard, disputed])
    hard_item, disputed_item = _item(consultation, hard), _item(consultation, disputed)
    before = HazardEvent.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.consultation_apply(
            actor=sup.leader,
            consultation_id=consultation.pk,
            decisions={
                hard_item.pk: {"decisions": [Decision.NEW_DEADLINE], "deadline": new_deadline()},
                # disputed, but no department named
                disputed_item.pk: {"decisions": [Decision.SUPERVISE], "comment": "再议"},
            },
        )

    assert list(exc.value.error_dict) == [f"item_{disputed_item.pk}"]
    assert disputed.code in exc.value.messages[0]
    hard.refresh_from_db()
    assert (hard.status, hard.supervised) == (Status.HARD, False)
    assert HazardEvent.objects.count() == before
    hard_item.refresh_from_db()
    assert hard_item.applied_at is None and hard_item.decisions == []
    assert Consultation.objects.get(pk=consultation.pk).status == ConsultationStatus.PLANNED


def test_a_hazard_without_department_needs_one_named(sup):
    orphan = make_without_department(sup)
    consultation = _plan(sup, [orphan])
    item = _item(consultation, orphan)
    with pytest.raises(ValidationError):
        services.consultation_apply(
            actor=sup.leader,
            consultation_id=consultation.pk,
            decisions={item.pk: {"decisions": [Decision.NEW_DEADLINE], "deadline": new_deadline()}},
        )
    assert Hazard.objects.get(pk=orphan.pk).responsible_department is None


def test_only_candidates_of_the_managers_bureau_may_be_discussed(sup):
    ordinary = make_hazard(sup, Status.RECTIFYING)
    with pytest.raises(ValidationError) as exc:
        _plan(sup, [ordinary])
    assert ordinary.code in exc.value.messages[0]
    hard = make_hazard(sup, Status.HARD)
    with pytest.raises(PermissionDenied):
        _plan(sup, [hard], actor=sup.other_centre)
    assert not Consultation.objects.exists()


def test_decided_consultation_is_read_only(sup, client_for):
    hard = make_hazard(sup, Status.HARD)
    consultation = _plan(sup, [hard])
    item = _item(consultation, hard)
    decisions = {item.pk: {"decisions": [Decision.ESCALATE], "comment": "请区领导现场督办"}}
    services.consultation_apply(
        actor=sup.leader, consultation_id=consultation.pk, decisions=decisions
    )
    with pytest.raises(ValidationError) as exc:
        services.consultation_apply(
            actor=sup.leader, consultation_id=consultation.pk, decisions=decisions
        )
    assert exc.value.code == "invalid_transition"
    client = client_for(sup.leader)
    page = client.get(consultation.get_absolute_url())
    assert b'data-testid="decision-form"' not in page.content
    assert "请区领导现场督办" in page.content.decode()
    assert client.post(consultation.get_absolute_url(), {}).status_code == 403


# --- pages --------------------------------------------------------------------------------------


def test_new_consultation_page_lists_candidates_and_creates(sup, client_for):
    hard = make_hazard(sup, Status.HARD)
    disputed = make_disputed(sup)
    make_hazard(sup, Status.RECTIFYING)  # not a candidate
    client = client_for(sup.leader)
    url = reverse("accountability:consultation_new")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('name="hazards"') == 2
    assert hard.code in html and disputed.code in html

    bad = client.post(url, {"kind": "study", "title": "缺少与会人员", "held_on": "2026-04-10"})
    assert bad.status_code == 400
    assert "缺少与会人员" in bad.content.decode()  # what was typed is kept
    assert not Consultation.objects.exists()

    response = client.post(
        url,
        {
            "kind": "coordination",
            "title": "职责不清隐患协调会",
            "held_on": "2026-04-10",
            "attendees": "安全中心、普教一科、安保科",
            "hazards": [disputed.pk],
        },
    )
    consultation = Consultation.objects.get()
    assert response.status_code == 302 and response.url == consultation.get_absolute_url()
    assert list(consultation.items.values_list("hazard", "reason")) == [
        (disputed.pk, ItemReason.DISPUTED)
    ]
    # a hazard on a planned consultation is no longer offered
    assert disputed.code not in client.get(url).content.decode()


def test_apply_page_shows_which_hazard_was_refused_and_keeps_input(sup, client_for):
    hard = make_hazard(sup, Status.HARD)
    disputed = make_disputed(sup)
    consultation = _plan(sup, [hard, disputed])
    h_item, d_item = _item(consultation, hard), _item(consultation, disputed)
    client = client_for(sup.leader)
    data = {
        f"item-{h_item.pk}-decisions": [Decision.NEW_DEADLINE],
        f"item-{h_item.pk}-deadline": new_deadline().isoformat(),
        f"item-{h_item.pk}-comment": "资金已落实",
        f"item-{d_item.pk}-decisions": [Decision.SUPERVISE],
    }
    refused = client.post(consultation.get_absolute_url(), data)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'data-testid="item-error"' in html and disputed.code in html
    assert "资金已落实" in html
    assert Hazard.objects.get(pk=hard.pk).status == Status.HARD

    data[f"item-{d_item.pk}-decisions"] = [Decision.NEW_DEPARTMENT]
    data[f"item-{d_item.pk}-department"] = sup.other_dept.pk
    done = client.post(consultation.get_absolute_url(), data)
    assert done.status_code == 302
    assert Hazard.objects.get(pk=hard.pk).status == Status.RECTIFYING
    assert Hazard.objects.get(pk=disputed.pk).responsible_department == sup.other_dept


def test_who_reaches_the_consultation_pages(sup, client_for):
    disputed = make_disputed(sup)  # 普教一科's hazard
    consultation = _plan(sup, [disputed])
    detail = consultation.get_absolute_url()
    lst = reverse("accountability:consultation_list")
    new = reverse("accountability:consultation_new")

    dept = client_for(sup.dept_user)
    assert dept.get(detail).status_code == 200
    assert consultation.title in dept.get(lst).content.decode()
    assert dept.get(new).status_code == 403
    assert dept.post(detail, {}).status_code == 403

    other_dept = client_for(sup.other_dept_user)
    assert other_dept.get(detail).status_code == 404
    assert consultation.title not in other_dept.get(lst).content.decode()

    assert client_for(sup.other_centre).get(detail).status_code == 404
    assert client_for(sup.school_user).get(lst).status_code == 403
    assert client_for(sup.school_user).get(detail).status_code == 403
    assert client_for(sup.leader).get(lst).status_code == 200


def test_a_department_reads_only_its_own_hazards_of_a_consultation(sup, client_for):
    mine = make_disputed(sup)  # 普教一科's hazard
    item = sup.catalog.items.get(code="A02-01")
    item.responsible_departments.set([sup.other_dept])
    theirs = hazard_at(
        Status.HARD,
        school=sup.school_a,
        school_user=sup.school_user,
        dept_user=sup.other_dept_user,
        item=item,
    )
    consultation = _plan(sup, [mine, theirs])
    dept = client_for(sup.dept_user)
    html = dept.get(consultation.get_absolute_url()).content.decode()
    assert mine.code in html and theirs.code not in html
    listed = dept.get(reverse("accountability:consultation_list")).context["page"].object_list
    assert [c.n_items for c in listed] == [1]
    # the centre reads both
    html = client_for(sup.centre).get(consultation.get_absolute_url()).content.decode()
    assert mine.code in html and theirs.code in html


def test_a_hazard_already_on_a_planned_consultation_is_not_planned_twice(sup):
    hazard = make_disputed(sup)
    _plan(sup, [hazard])
    with pytest.raises(ValidationError) as exc:
        _plan(sup, [hazard])
    assert hazard.code in str(exc.value.message_dict["hazards"])
    assert Consultation.objects.count() == 1
