"""Issue 15: a hazard made from a form takes each field of the answer into the field of the same
meaning. The school's note (情况说明) is not the location (具体位置); the person who submitted
is the 发现人, not the school's registered safety officer; the 学校责任人 is the person the
school named on the answer, without the school's switchboard as their phone."""

import datetime

import pytest
from django.utils import translation

from safecampus.campaigns.testing import complete_rows
from safecampus.hazards.choices import RemedyType, Source
from safecampus.hazards.models import Hazard
from safecampus.inspections import services
from safecampus.inspections.choices import Answer

pytestmark = [pytest.mark.django_db]

ROW = {
    "answer": Answer.NON_COMPLIANT,
    "note": "东楼消防通道被自行车占用，已通知后勤",
    "description": "消防通道堵塞",
    "plan": "清理车辆，划定停车区",
    "deadline": datetime.date(2030, 5, 31),
    "responsible_person": "张主任",
    "interim_measures": "设置警戒线，专人看守",
}


def _submit_with(camp, row: dict):
    form = camp.form_a
    form.school.safety_officer = "注册安全员李某"
    form.school.phone = "021-64000000"
    form.school.save(update_fields=["safety_officer", "phone"])
    camp.school_user.full_name = "赵老师"
    camp.school_user.save(update_fields=["full_name"])
    rows = complete_rows(form)
    answer = form.answers.get(item__code="A01-01")
    rows[answer.pk] = dict(row)
    with translation.override("zh-hans"):
        services.form_save(actor=camp.school_user, form_id=form.pk, rows=rows)
        services.form_submit(actor=camp.school_user, form_id=form.pk)
    return Hazard.objects.get(), answer


def test_each_answer_field_goes_to_the_hazard_field_of_its_meaning(camp):
    hazard, _answer = _submit_with(camp, ROW)
    # the note is the school's account, kept with the description; the location is not asked
    assert hazard.location == ""
    assert hazard.description == "消防通道堵塞\n学校情况说明：东楼消防通道被自行车占用，已通知后勤"
    # the person who submitted, by name, found it
    assert hazard.found_by == "赵老师"
    assert "李某" not in hazard.found_by
    # the school's responsible person is the one named on the answer, without the switchboard
    assert hazard.responsible_person == "张主任"
    assert hazard.responsible_phone == ""
    # the rest, one by one
    assert hazard.measures == ROW["plan"]
    assert hazard.deadline == ROW["deadline"]
    assert hazard.source == Source.SELF_INSPECTION
    assert hazard.remedy_type == RemedyType.DEADLINE
    assert hazard.interim_measures == ROW["interim_measures"]
    assert hazard.interim_person == "张主任"
    assert hazard.interim_unit == camp.form_a.school.name
    assert hazard.interim_deadline == hazard.found_on
    assert hazard.campaign_id == camp.campaign.pk
    assert hazard.reported_by_id == camp.school_user.pk


def test_without_a_note_the_description_is_the_schools_alone(camp):
    hazard, _answer = _submit_with(camp, {**ROW, "note": ""})
    assert hazard.description == "消防通道堵塞"
    assert hazard.location == ""


def test_a_submitter_without_a_name_is_named_by_username(camp):
    camp.school_user.full_name = ""
    camp.school_user.save(update_fields=["full_name"])
    form = camp.form_a
    rows = complete_rows(form, non_compliant={"A01-01"})
    services.form_save(actor=camp.school_user, form_id=form.pk, rows=rows)
    services.form_submit(actor=camp.school_user, form_id=form.pk)
    assert Hazard.objects.get().found_by == camp.school_user.username


def test_a_resubmission_with_the_same_answer_changes_nothing(camp):
    hazard, answer = _submit_with(camp, ROW)
    services.form_review(
        actor=camp.dept_user, form_id=camp.form_a.pk, decision="return", reason="核实"
    )
    with translation.override("zh-hans"):
        result = services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    assert result["updated"] == []
    hazard.refresh_from_db()
    assert hazard.description.startswith("消防通道堵塞")
