"""The rules of forms: generation, saving, completeness, submission into hazards, review."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from safecampus.campaigns import services as campaign_services
from safecampus.campaigns.testing import complete_rows, launched_campaign
from safecampus.core.testing import SchoolFactory
from safecampus.hazards.choices import Source, Status
from safecampus.hazards.models import Hazard
from safecampus.inspections import services
from safecampus.inspections.choices import Answer, FormStatus
from safecampus.inspections.models import FormEvent, InspectionForm

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def _submit(camp, form, non_compliant=frozenset(), user=None):
    user = user or camp.school_user
    services.form_save(
        actor=user, form_id=form.pk, rows=complete_rows(form, non_compliant=non_compliant)
    )
    return services.form_submit(actor=user, form_id=form.pk)


def test_launch_makes_one_form_per_school_with_applicable_items(world):
    from safecampus.hazards.testing import small_catalog

    catalog = small_catalog(world.bureau, world.department)
    catalog.items.filter(code="A01-02").update(stages=["kindergarten"])
    catalog.items.filter(code="A02-01").update(needs_canteen=True)
    canteen = SchoolFactory(bureau=world.bureau, name="丙中学", stage="junior", has_canteen=True)
    campaign = launched_campaign(world.bureau, catalog, world.users["safety_centre"])

    def codes(school):
        form = campaign.forms.get(school=school)
        return list(form.answers.order_by("sort_order").values_list("item__code", flat=True))

    assert codes(world.school_a) == ["A01-01"]  # primary, no canteen
    assert codes(world.school_b) == ["A01-01", "A01-02"]  # kindergarten
    assert codes(canteen) == ["A01-01", "A02-01"]
    assert not campaign.forms.filter(school=world.school_other).exists()  # other bureau
    assert campaign.forms.get(school=canteen).facts["has_canteen"] is True
    # launching again makes only the forms still missing
    SchoolFactory(bureau=world.bureau, name="丁小学")
    assert (
        campaign_services.campaign_launch(
            actor=world.users["safety_centre"], campaign_id=campaign.pk
        )
        == 1
    )
    assert campaign.forms.count() == 4


def test_school_facts_changing_later_do_not_rewrite_a_form(camp):
    before = list(camp.form_a.answers.values_list("item_id", flat=True))
    camp.school_a.stage = "kindergarten"
    camp.school_a.has_canteen = False
    camp.school_a.save()
    camp.form_a.refresh_from_db()
    assert list(camp.form_a.answers.values_list("item_id", flat=True)) == before
    assert camp.form_a.facts["stage"] == "primary"


def test_completeness_rules_name_every_missing_piece(camp):
    rows = complete_rows(camp.form_a)
    ids = list(rows)
    rows[ids[0]] = {"answer": Answer.NON_COMPLIANT, "description": "通道堵塞"}
    rows[ids[1]] = {"answer": Answer.NOT_APPLICABLE}
    rows[ids[2]] = {"answer": ""}
    services.form_save(actor=camp.school_user, form_id=camp.form_a.pk, rows=rows)
    with pytest.raises(ValidationError) as exc:
        services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    rows = exc.value.rows
    assert exc.value.code == "incomplete"
    assert set(rows[str(ids[0])]) == {"plan", "deadline", "responsible_person"}
    assert set(rows[str(ids[1])]) == {"na_reason"}
    assert set(rows[str(ids[2])]) == {"answer"}
    assert len(exc.value.messages) == 5
    assert not Hazard.objects.exists()
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.IN_PROGRESS


def test_bad_values_save_nothing(camp):
    rows = complete_rows(camp.form_a)
    first, second = list(rows)[:2]
    rows[second] = {"answer": "maybe", "deadline": "not a date"}
    with pytest.raises(ValidationError):
        services.form_save(actor=camp.school_user, form_id=camp.form_a.pk, rows=rows)
    assert not camp.form_a.answers.exclude(answer="").exists()


def test_submission_creates_exactly_the_hazards_once(camp):
    result = _submit(camp, camp.form_a, non_compliant={"A01-01", "A02-01"})
    assert len(result["created"]) == 2
    hazards = Hazard.objects.filter(school=camp.school_a).order_by("item_code")
    assert [h.item_code for h in hazards] == ["A01-01", "A02-01"]
    assert {h.source for h in hazards} == {Source.SELF_INSPECTION}
    assert hazards[0].responsible_department == camp.department
    assert hazards[1].responsible_department == camp.other_dept
    assert hazards[0].measures == "限期整改"
    assert hazards[0].deadline == datetime.date(2030, 5, 31)
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.SUBMITTED
    assert camp.form_a.non_compliant_count == 2
    # submitting twice creates nothing twice
    with pytest.raises(ValidationError) as exc:
        services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    assert exc.value.code == "already_submitted"
    assert Hazard.objects.count() == 2
    # and the locked form refuses new answers
    with pytest.raises(ValidationError) as exc:
        services.form_save(
            actor=camp.school_user, form_id=camp.form_a.pk, rows=complete_rows(camp.form_a)
        )
    assert exc.value.code == "locked"


def test_a_failure_midway_leaves_no_half_created_hazards(camp):
    services.form_save(
        actor=camp.school_user,
        form_id=camp.form_a.pk,
        rows=complete_rows(camp.form_a, non_compliant={"A01-01", "A01-02", "A02-01"}),
    )
    real = services.hazard_services.hazard_report
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("storage went away")
        return real(**kwargs)

    with (
        mock.patch.object(services.hazard_services, "hazard_report", side_effect=flaky),
        pytest.raises(RuntimeError),
    ):
        services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    assert len(calls) == 2
    assert not Hazard.objects.exists()
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.IN_PROGRESS
    assert not camp.form_a.answers.filter(hazard__isnull=False).exists()
    # the retry succeeds and numbers the hazards from the start
    result = services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    assert len(result["created"]) == 3
    assert Hazard.objects.order_by("seq").first().seq == 1


def test_return_and_resubmission_update_rather_than_duplicate(camp):
    _submit(camp, camp.form_a, non_compliant={"A01-01"})
    hazard = Hazard.objects.get()
    services.form_review(
        actor=camp.dept_user, form_id=camp.form_a.pk, decision="return", reason="整改措施不具体"
    )
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.RETURNED
    assert camp.form_a.returned_reason == "整改措施不具体"
    answer = camp.form_a.answers.get(item__code="A01-01")
    services.form_save(
        actor=camp.school_user,
        form_id=camp.form_a.pk,
        rows={answer.pk: {"plan": "清理杂物并设置警示标识"}},
    )
    result = services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    assert result["created"] == [] and result["updated"] == [hazard.code]
    assert Hazard.objects.count() == 1
    hazard.refresh_from_db()
    assert hazard.measures == "清理杂物并设置警示标识"
    edit = hazard.events.get(action="edit")
    assert edit.data["measures"] == ["限期整改", "清理杂物并设置警示标识"]
    camp.form_a.refresh_from_db()
    assert camp.form_a.round == 2


def test_resubmitting_as_compliant_withdraws_an_untouched_hazard(camp):
    _submit(camp, camp.form_a, non_compliant={"A01-01"})
    services.form_review(
        actor=camp.dept_user, form_id=camp.form_a.pk, decision="return", reason="核实"
    )
    answer = camp.form_a.answers.get(item__code="A01-01")
    services.form_save(
        actor=camp.school_user, form_id=camp.form_a.pk, rows={answer.pk: {"answer": "compliant"}}
    )
    result = services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    assert len(result["withdrawn"]) == 1
    assert Hazard.objects.get().status == Status.WITHDRAWN


def test_a_hazard_in_a_departments_hands_keeps_its_item_non_compliant(camp):
    from safecampus.hazards.services import hazard_act

    _submit(camp, camp.form_a, non_compliant={"A01-01"})
    hazard = Hazard.objects.get()
    hazard_act(
        actor=camp.dept_user,
        hazard_id=hazard.pk,
        action="confirm",
        version=hazard.version,
        changes={
            "deadline": datetime.date(2030, 6, 30),
            "funds": "2000元",
            "contingency_plan": "专人值守",
        },
    )
    services.form_review(
        actor=camp.dept_user, form_id=camp.form_a.pk, decision="return", reason="补充"
    )
    answer = camp.form_a.answers.get(item__code="A01-01")
    with pytest.raises(ValidationError) as exc:
        services.form_save(
            actor=camp.school_user,
            form_id=camp.form_a.pk,
            rows={answer.pk: {"answer": "compliant"}},
        )
    assert hazard.code in str(exc.value)


def test_form_is_accepted_when_every_department_has_accepted(camp):
    _submit(camp, camp.form_a)
    services.form_review(actor=camp.dept_user, form_id=camp.form_a.pk, decision="accept")
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.SUBMITTED  # 安保科 still to review
    with pytest.raises(ValidationError):
        services.form_review(actor=camp.dept_user, form_id=camp.form_a.pk, decision="accept")
    services.form_review(actor=camp.other_dept_user, form_id=camp.form_a.pk, decision="accept")
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.ACCEPTED
    assert FormEvent.objects.filter(form=camp.form_a, action="complete").count() == 1


def test_return_needs_a_reason_and_the_right_department(camp):
    _submit(camp, camp.form_a)
    with pytest.raises(ValidationError) as exc:
        services.form_review(actor=camp.dept_user, form_id=camp.form_a.pk, decision="return")
    assert exc.value.code == "reason_required"
    with pytest.raises(PermissionDenied):
        services.form_review(
            actor=camp.users["leadership"], form_id=camp.form_a.pk, decision="accept"
        )


@pytest.mark.parametrize(
    ("submitted_at", "late"),
    [
        # the due day is 2026-03-20 in Asia/Shanghai; 23:59 there is 15:59 UTC
        (datetime.datetime(2026, 3, 20, 15, 59, 59, tzinfo=datetime.UTC), False),
        (datetime.datetime(2026, 3, 20, 16, 0, 0, tzinfo=datetime.UTC), True),
    ],
)
def test_late_marking_at_the_deadline_boundary(camp, submitted_at, late):
    services.form_save(
        actor=camp.school_user, form_id=camp.form_a.pk, rows=complete_rows(camp.form_a)
    )
    with mock.patch("django.utils.timezone.now", return_value=submitted_at):
        services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    camp.form_a.refresh_from_db()
    assert camp.form_a.late is late
    assert camp.form_a.status == FormStatus.SUBMITTED  # late is accepted, only marked


def test_a_school_cannot_fill_another_schools_form(camp):
    with pytest.raises(InspectionForm.DoesNotExist):
        services.form_save(
            actor=camp.school_b_user, form_id=camp.form_a.pk, rows=complete_rows(camp.form_a)
        )
    with pytest.raises(InspectionForm.DoesNotExist):
        services.form_submit(actor=camp.school_b_user, form_id=camp.form_a.pk)
    assert (
        not InspectionForm.objects.visible_to(camp.school_b_user).filter(pk=camp.form_a.pk).exists()
    )
    with pytest.raises(PermissionDenied):
        services.form_save(actor=camp.dept_user, form_id=camp.form_a.pk, rows={})


def test_department_inspection_findings_become_hazards(camp):
    item = camp.catalog.items.get(code="A01-02")
    inspection = services.site_inspection_record(
        actor=camp.dept_user,
        school=camp.school_b,
        data={"inspectors": "李四、王五", "department": camp.department.pk},
        findings=[
            {
                "item": item.pk,
                "answer": "non_compliant",
                "description": "灭火器过期",
                "plan": "更换",
                "deadline": "2030-04-30",
                "responsible_person": "赵老师",
                "interim_measures": "停用并设警示",
            },
            {"item": camp.catalog.items.get(code="A01-01").pk, "answer": "compliant"},
        ],
        campaign=camp.campaign,
    )
    hazard = Hazard.objects.get()
    assert hazard.source == Source.DEPARTMENT_INSPECTION
    assert hazard.school == camp.school_b
    assert inspection.findings.count() == 2
    assert inspection.findings.get(item=item).hazard == hazard


def test_an_on_site_inspection_of_a_whole_catalog_is_recorded(camp, client_for):
    """The page posts about 7 fields an item: the shipped catalog's 168 items make ~1,200 fields,
    which Django's default limit (1,000) refused as a bad request, losing the inspection."""
    from safecampus.inspections.models import SiteInspection

    item = camp.form_a.answers.order_by("sort_order").first().item
    data = {
        "school": camp.school_a.pk,
        "inspectors": "李四",
        "inspected_on": "2026-11-18",
        f"i{item.pk}-answer": "compliant",
    }
    # the empty rows of the other items of a 200-item catalog
    for n in range(200):
        for field in ("answer", "note", "description", "plan", "deadline", "responsible_person"):
            data.setdefault(f"i{100000 + n}-{field}", "")
    assert len(data) > 1000
    response = client_for(camp.dept_user).post(
        reverse("inspections:site_inspection_new", args=[camp.campaign.pk]), data
    )
    assert response.status_code == 302
    assert SiteInspection.objects.filter(school=camp.school_a).count() == 1


def test_a_request_that_cannot_be_read_gets_a_page_in_chinese(camp, client_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    data = {f"x{n}": "" for n in range(20)}
    response = client_for(camp.dept_user).post(
        reverse("inspections:site_inspection_new", args=[camp.campaign.pk]), data
    )
    assert response.status_code == 400
    assert "无法读取本次请求" in response.content.decode()


def test_a_refused_submission_keeps_the_deadlines_it_was_given(camp, client_for):
    """After a refused submit the page shows what was posted: the date fields kept their value
    (the date filter gave '' for posted text, so the next submit saved an empty deadline)."""
    from safecampus.campaigns.tests.test_views import _post_rows

    rows = complete_rows(camp.form_a, non_compliant={"A01-01"})
    aid = next(iter(rows))
    rows[aid] = {
        "answer": "non_compliant",
        "description": "消防通道堆放杂物",
        "deadline": "2026-12-20",
    }
    response = client_for(camp.school_user).post(
        reverse("inspections:form_submit", args=[camp.form_a.pk]), _post_rows(camp.form_a, rows)
    )
    assert response.status_code == 400
    assert f'name="a{aid}-deadline" id="a{aid}-deadline" value="2026-12-20"' in (
        response.content.decode()
    )
