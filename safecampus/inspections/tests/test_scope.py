"""One scope matrix per form page (``core.testing.scope_matrix``): anonymous → log in, a role that
does not reach the page → 403, the right role elsewhere (another school, another bureau) → 404,
the permitted user → done. The pages' fuller matrices are in ``campaigns/tests/test_scope.py``."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safecampus.campaigns.testing import complete_rows
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, scope_matrix, user_with_role
from safecampus.hazards.testing import jpeg_upload
from safecampus.inspections import services
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.models import FormReview, SiteInspection

pytestmark = pytest.mark.django_db


@pytest.fixture
def far(camp):
    """The same roles in another bureau."""
    dept = DepartmentFactory(bureau=camp.other_bureau, name="徐汇普教科")
    return {
        Role.SAFETY_CENTRE: user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="xc"),
        Role.DEPARTMENT_OFFICER: user_with_role(Role.DEPARTMENT_OFFICER, dept, username="xd"),
    }


def _post_rows(rows):
    return {
        f"a{aid}-{field}": value.isoformat() if hasattr(value, "isoformat") else value
        for aid, row in rows.items()
        for field, value in row.items()
    }


def _check(client, name, pk, **kwargs):
    seen = scope_matrix(client, reverse(f"inspections:{name}", args=[pk] if pk else []), **kwargs)
    assert seen["anonymous"] == 302
    return seen


def test_lists(camp, far, client):
    school, auditor = camp.school_user, camp.users[Role.AUDITOR]
    _check(client, "review_queue", None, permitted=camp.dept_user, wrong_role=[school, auditor])
    _check(
        client,
        "form_list",
        camp.campaign.pk,
        permitted=camp.centre,
        wrong_role=[auditor],
        out_of_scope=[far[Role.SAFETY_CENTRE]],
    )


def test_reading_a_form(camp, far, client):
    answer = camp.form_a.answers.order_by("sort_order").first()
    [evidence] = services.answer_attach(
        actor=camp.school_user, answer_id=answer.pk, files=[jpeg_upload()]
    )
    auditor = camp.users[Role.AUDITOR]
    for name, pk in (("form_detail", camp.form_a.pk), ("form_export", camp.form_a.pk)):
        _check(
            client,
            name,
            pk,
            permitted=camp.school_user,
            wrong_role=[auditor],
            out_of_scope=[camp.school_b_user, far[Role.SAFETY_CENTRE]],
        )
    for name in ("evidence_file", "evidence_thumb"):
        # no role gate of its own: whoever does not see the answer does not see its photo
        _check(
            client,
            name,
            evidence.pk,
            permitted=camp.school_user,
            out_of_scope=[camp.school_b_user, auditor, far[Role.SAFETY_CENTRE]],
        )


def test_filling_a_form(camp, far, client):
    rows = complete_rows(camp.form_a)
    answer = camp.form_a.answers.order_by("sort_order").first()
    leader = camp.users[Role.LEADERSHIP]
    out = [camp.school_b_user, far[Role.SAFETY_CENTRE]]
    _check(
        client,
        "answer_evidence",
        answer.pk,
        method="post",
        data={f"a{answer.pk}-files": jpeg_upload()},
        permitted=camp.school_user,
        wrong_role=[leader, camp.dept_user],
        out_of_scope=out,
    )
    _check(
        client,
        "form_save",
        camp.form_a.pk,
        method="post",
        data=_post_rows(rows),
        permitted=camp.school_user,
        wrong_role=[leader, camp.dept_user],
        out_of_scope=out,
    )
    _check(
        client,
        "form_import",
        camp.form_a.pk,
        method="post",
        data={},  # no workbook: the school is sent back with the reason
        permitted=camp.school_user,
        wrong_role=[leader, camp.dept_user],
        out_of_scope=out,
    )
    _check(
        client,
        "form_submit",
        camp.form_a.pk,
        method="post",
        data={},
        permitted=camp.school_user,
        wrong_role=[leader, camp.dept_user],
        out_of_scope=out,
    )
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.SUBMITTED
    _check(
        client,
        "form_review",
        camp.form_a.pk,
        method="post",
        data={"decision": "accept"},
        permitted=camp.dept_user,
        wrong_role=[camp.school_user, leader],
        out_of_scope=[camp.school_b_user, far[Role.DEPARTMENT_OFFICER]],
    )
    assert FormReview.objects.filter(form=camp.form_a, department=camp.department).exists()


def test_campaign_wide_form_actions(camp, far, client, django_capture_on_commit_callbacks):
    _check(
        client,
        "campaign_import",
        camp.campaign.pk,
        method="post",
        data={"files": SimpleUploadedFile("a.txt", b"x")},
        permitted=camp.school_user,
        wrong_role=[camp.dept_user, camp.users[Role.LEADERSHIP]],
        out_of_scope=[far[Role.SAFETY_CENTRE]],
    )
    _check(
        client,
        "campaign_forms_zip",
        camp.campaign.pk,
        method="post",
        data={},
        permitted=camp.centre,
        # only the centre that runs the campaign learns it exists here
        out_of_scope=[far[Role.SAFETY_CENTRE], camp.school_user, camp.dept_user],
    )
    assert Job.objects.filter(created_by=camp.centre).count() == 1


def test_on_site_inspections(camp, far, client):
    answer = camp.form_a.answers.order_by("sort_order").first()
    inspection = services.site_inspection_record(
        actor=camp.dept_user,
        school=camp.school_a,
        data={"inspectors": "李四"},
        findings=[{"item": answer.item_id, "answer": "compliant"}],
        campaign=camp.campaign,
    )
    _check(
        client,
        "site_inspection_new",
        camp.campaign.pk,
        permitted=camp.dept_user,
        wrong_role=[camp.school_user, camp.users[Role.LEADERSHIP]],
        out_of_scope=[far[Role.DEPARTMENT_OFFICER]],
    )
    _check(
        client,
        "site_inspection_detail",
        inspection.pk,
        permitted=camp.school_user,
        wrong_role=[camp.users[Role.AUDITOR]],
        out_of_scope=[camp.school_b_user, far[Role.SAFETY_CENTRE]],
    )
    assert SiteInspection.objects.count() == 1


def test_a_form_knows_no_action_it_cannot_answer(camp):
    """Asking for an action the form's conditions do not define is an error: ``review`` used to
    be declared and answered with the read scope (a school's own staff, leaders and inspectors),
    so ``restrict(user, "review")`` would have let them "review"."""
    from safecampus.core.access import UnknownAction, get_for
    from safecampus.inspections.models import InspectionForm

    with pytest.raises(UnknownAction):
        InspectionForm.objects.restrict(camp.school_user, "review")
    with pytest.raises(UnknownAction):
        get_for(camp.school_user, InspectionForm, camp.form_a.pk, "review")
