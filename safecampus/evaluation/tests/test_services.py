"""The three-way summary (000 §四(三)): derived categories, confirmations and their rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from safecampus.evaluation import selectors, services
from safecampus.evaluation.models import SummaryConfirmation
from safecampus.hazards.choices import Status, Summary
from safecampus.hazards.models import Hazard, HazardCooperation

from .conftest import DAY, campaign_hazard

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.REPORTED, Summary.IN_PROGRESS),
        (Status.ASSIGNED, Summary.IN_PROGRESS),
        (Status.RECTIFYING, Summary.IN_PROGRESS),
        (Status.SUBMITTED, Summary.IN_PROGRESS),
        (Status.CLOSED, Summary.RESOLVED),
        (Status.HARD, Summary.HARD),
        (Status.WITHDRAWN, None),
    ],
)
def test_derived_category_of_each_status(camp, status, expected):
    hazard = campaign_hazard(camp, status)
    listed = {
        h.pk: h.derived
        for h in selectors.campaign_hazards(user=camp.centre, campaign=camp.campaign)
    }
    assert hazard.summary == expected
    assert listed.get(hazard.pk) == expected  # a withdrawn report is not in the evaluation


def test_confirming_as_derived_and_again_keeps_history(camp, hazards):
    first = services.summary_confirm(
        actor=camp.dept_user, hazard_id=hazards.closed.pk, category=Summary.RESOLVED
    )
    assert (first.derived, first.category, first.actor_role, first.department_id) == (
        Summary.RESOLVED,
        Summary.RESOLVED,
        "department_officer",
        camp.department.pk,
    )
    second = services.summary_confirm(
        actor=camp.centre,
        hazard_id=hazards.closed.pk,
        category=Summary.IN_PROGRESS,
        complete_by=camp.today + 10 * DAY,
        note="复查发现仍有杂物",
    )
    assert second.actor_role == "safety_centre"  # the centre on the department's behalf
    rows = SummaryConfirmation.objects.filter(hazard=hazards.closed).order_by("id")
    assert [(c.category, c.note) for c in rows] == [
        (Summary.RESOLVED, ""),
        (Summary.IN_PROGRESS, "复查发现仍有杂物"),
    ]
    latest = selectors.campaign_hazards(user=camp.centre, campaign=camp.campaign).get(
        pk=hazards.closed.pk
    )
    assert latest.latest_category == Summary.IN_PROGRESS
    with pytest.raises(ValueError):
        first.save()


def test_another_category_needs_a_note(camp, hazards):
    with pytest.raises(ValidationError) as exc:
        services.summary_confirm(
            actor=camp.dept_user, hazard_id=hazards.hard.pk, category=Summary.RESOLVED, note=" "
        )
    assert exc.value.code == "note_required"
    assert exc.value.error_dict["note"][0].code == "note_required"
    assert not SummaryConfirmation.objects.exists()
    c = services.summary_confirm(
        actor=camp.dept_user,
        hazard_id=hazards.hard.pk,
        category=Summary.RESOLVED,
        note="已拆除老化设施",
    )
    assert (c.derived, c.category, c.is_override) == (Summary.HARD, Summary.RESOLVED, True)


def test_being_resolved_needs_a_date_not_in_the_past(camp, hazards):
    for complete_by, code in ((None, "date_required"), (camp.today - DAY, "date_past")):
        with pytest.raises(ValidationError) as exc:
            services.summary_confirm(
                actor=camp.dept_user,
                hazard_id=hazards.rectifying.pk,
                category=Summary.IN_PROGRESS,
                complete_by=complete_by,
            )
        assert exc.value.code == code
    assert not SummaryConfirmation.objects.exists()
    c = services.summary_confirm(
        actor=camp.dept_user,
        hazard_id=hazards.rectifying.pk,
        category=Summary.IN_PROGRESS,
        complete_by=hazards.rectifying.deadline,
    )
    assert c.complete_by == hazards.rectifying.deadline
    # a date given with another category is not kept
    r = services.summary_confirm(
        actor=camp.dept_user,
        hazard_id=hazards.closed.pk,
        category=Summary.RESOLVED,
        complete_by=camp.today,
    )
    assert r.complete_by is None


def test_a_department_cannot_confirm_another_departments_hazard(camp, hazards):
    with pytest.raises(Hazard.DoesNotExist):  # not even in its scope
        services.summary_confirm(
            actor=camp.other_dept_user, hazard_id=hazards.closed.pk, category=Summary.RESOLVED
        )
    HazardCooperation.objects.create(hazard=hazards.closed, department=camp.other_dept)
    with pytest.raises(ValidationError) as exc:  # cooperating is not responsible
        services.summary_confirm(
            actor=camp.other_dept_user, hazard_id=hazards.closed.pk, category=Summary.RESOLVED
        )
    assert exc.value.code == "not_allowed"
    with pytest.raises(ValidationError) as exc:  # the leadership group reads, does not confirm
        services.summary_confirm(
            actor=camp.leader, hazard_id=hazards.closed.pk, category=Summary.RESOLVED
        )
    assert exc.value.code == "not_allowed"
    assert not SummaryConfirmation.objects.exists()


def test_confirmations_wait_for_the_evaluation_phase(camp, hazards):
    camp.campaign.phases.filter(kind="evaluation").update(starts_on=camp.today + DAY)
    with pytest.raises(ValidationError) as exc:
        services.summary_confirm(
            actor=camp.dept_user, hazard_id=hazards.closed.pk, category=Summary.RESOLVED
        )
    assert exc.value.code == "not_started"
    with pytest.raises(ValidationError) as exc:
        services.summary_confirm(
            actor=camp.dept_user, hazard_id=hazards.withdrawn.pk, category=Summary.RESOLVED
        )
    assert exc.value.code == "withdrawn"


def test_confirm_all_as_derived_skips_what_needs_a_date(camp, hazards):
    overdue = campaign_hazard(camp, Status.RECTIFYING, deadline=camp.today + 5 * DAY)
    Hazard.objects.filter(pk=overdue.pk).update(deadline=camp.today - DAY)
    result = services.summary_confirm_all(actor=camp.dept_user, campaign_id=camp.campaign.pk)
    assert result == {"confirmed": 3, "skipped": [overdue.code]}
    got = dict(
        SummaryConfirmation.objects.values_list("hazard_id", "category").order_by("hazard_id")
    )
    assert got == {
        hazards.closed.pk: Summary.RESOLVED,
        hazards.rectifying.pk: Summary.IN_PROGRESS,
        hazards.hard.pk: Summary.HARD,
    }  # 安保科's hazard is not 普教一科's to confirm
    assert SummaryConfirmation.objects.get(hazard=hazards.rectifying).complete_by == (
        hazards.rectifying.deadline
    )
    again = services.summary_confirm_all(actor=camp.dept_user, campaign_id=camp.campaign.pk)
    assert again == {"confirmed": 0, "skipped": [overdue.code]}


def test_progress_per_department(camp, hazards):
    services.summary_confirm(
        actor=camp.dept_user, hazard_id=hazards.closed.pk, category=Summary.RESOLVED
    )
    services.summary_confirm(
        actor=camp.dept_user,
        hazard_id=hazards.rectifying.pk,
        category=Summary.HARD,
        note="需要大修资金",
    )
    progress = selectors.evaluation_progress(user=camp.centre, campaign=camp.campaign)
    rows = {
        d["name"]: (
            d["total"],
            d["confirmed"],
            d["resolved"],
            d["in_progress"],
            d["hard"],
            d["late"],
        )
        for d in progress["departments"]
    }
    assert rows == {"普教一科": (3, 2, 1, 0, 2, False), "安保科": (1, 0, 0, 1, 0, False)}
    assert progress["deadline"] == camp.today + 9 * DAY
    # after the deadline, a department with hazards still to confirm is late
    late = selectors.evaluation_progress(
        user=camp.centre, campaign=camp.campaign, today=camp.today + 10 * DAY
    )
    assert {d["name"]: d["late"] for d in late["departments"]} == {"普教一科": True, "安保科": True}
    # closing the confirmed hazard's category outdated: the register changed since
    Hazard.objects.filter(pk=hazards.closed.pk).update(status=Status.RECTIFYING)
    after = selectors.evaluation_progress(user=camp.dept_user, campaign=camp.campaign)
    assert [(d["name"], d["confirmed"], d["stale"]) for d in after["departments"]] == [
        ("普教一科", 1, 1)
    ]


def test_feedback_deadline_falls_back_to_the_phase_end(camp):
    camp.campaign.milestones.all().delete()
    phase = selectors.evaluation_phase(camp.campaign)
    assert selectors.feedback_deadline(camp.campaign) == phase.ends_on
    camp.campaign.milestones.create(
        name="其他", due_on=phase.starts_on - datetime.timedelta(days=3)
    )
    assert selectors.feedback_deadline(camp.campaign) == phase.ends_on
