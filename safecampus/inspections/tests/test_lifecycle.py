"""The form's lifecycle table against the services: from every status, every action taken by a
user holding each role on the form succeeds exactly when the table allows it; and the form page
offers exactly the buttons the table allows."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from safecampus.campaigns.testing import complete_rows
from safecampus.core.access import roles_on
from safecampus.core.roles import Role
from safecampus.core.testing import lifecycle_cases
from safecampus.inspections import lifecycle, services
from safecampus.inspections.choices import Answer, FormStatus
from safecampus.inspections.lifecycle import FORM
from safecampus.inspections.models import FormAnswer, FormEvent, InspectionForm

pytestmark = pytest.mark.django_db

ROLES = [
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.SAFETY_CENTRE,
    Role.DEPARTMENT_OFFICER,
    Role.LEADERSHIP,
    Role.INSPECTOR,
]


def _form_in(camp, status: str) -> InspectionForm:
    """School A's form brought to ``status`` through the services (answers all compliant)."""
    form = camp.form_a
    if status == FormStatus.NOT_STARTED:
        # answered without a save (as a generated form that the school has not touched would be
        # if it held no item), so a submission has nothing missing
        FormAnswer.objects.filter(form=form).update(answer=Answer.COMPLIANT)
        InspectionForm.objects.filter(pk=form.pk).update(answered_count=form.item_count)
        return InspectionForm.objects.get(pk=form.pk)
    services.form_save(actor=camp.school_user, form_id=form.pk, rows=complete_rows(form))
    if status in (FormStatus.SUBMITTED, FormStatus.RETURNED, FormStatus.ACCEPTED):
        services.form_submit(actor=camp.school_user, form_id=form.pk)
    if status == FormStatus.RETURNED:
        services.form_review(
            actor=camp.centre, form_id=form.pk, decision="return", reason="缺少照片"
        )
    if status == FormStatus.ACCEPTED:
        services.form_review(actor=camp.centre, form_id=form.pk, decision="accept")
    form = InspectionForm.objects.get(pk=form.pk)
    assert form.status == status
    return form


def _user(camp, role):
    return {Role.SAFETY_CENTRE: camp.centre, Role.DEPARTMENT_OFFICER: camp.dept_user}.get(
        role, camp.users[role]
    )


def _take(camp, form, action, user):
    """Take ``action`` on ``form`` through the service a page would call."""
    if action == lifecycle.SAVE:
        answer = form.answers.order_by("sort_order").first()
        new = Answer.NOT_APPLICABLE if answer.answer == Answer.COMPLIANT else Answer.COMPLIANT
        row = {"answer": new, "na_reason": "本校无此设施"}
        return services.form_save(actor=user, form_id=form.pk, rows={answer.pk: row})
    if action == lifecycle.SUBMIT:
        return services.form_submit(actor=user, form_id=form.pk)
    if action == lifecycle.RETURN:
        return services.form_review(
            actor=user, form_id=form.pk, decision="return", reason="请补充整改措施"
        )
    return services.form_review(actor=user, form_id=form.pk, decision="accept")


@pytest.mark.parametrize(
    ("status", "action", "role", "allowed"), list(lifecycle_cases(FORM, ROLES))
)
def test_every_move_obeys_the_table(camp, status, action, role, allowed):
    form = _form_in(camp, status)
    user = _user(camp, role)
    if action == lifecycle.COMPLETE and status == FormStatus.SUBMITTED:
        # the last department's acceptance completes the form: the other department first
        services.form_review(actor=camp.other_dept_user, form_id=form.pk, decision="accept")
    events = set(FormEvent.objects.filter(form=form).values_list("pk", flat=True))
    if not allowed:
        with pytest.raises((ValidationError, PermissionDenied)):
            _take(camp, form, action, user)
        form.refresh_from_db()
        assert form.status == status
        assert set(FormEvent.objects.filter(form=form).values_list("pk", flat=True)) == events
        return
    result = _take(camp, form, action, user)
    form.refresh_from_db()
    new = FormEvent.objects.filter(form=form).exclude(pk__in=events)
    if action == lifecycle.SAVE:
        assert result[1] == 1  # the answer changed
        assert form.status == FORM.find(action, status).leads(status)
    else:
        assert new.filter(action=action, actor=user).exists()
    if action == lifecycle.SUBMIT:
        assert form.status == FormStatus.SUBMITTED
    if action == lifecycle.RETURN:
        assert form.status == FormStatus.RETURNED
    if action == lifecycle.COMPLETE:
        assert form.status == FormStatus.ACCEPTED


def test_every_pair_of_the_table_is_known():
    assert FORM.pairs() == {
        (FormStatus.NOT_STARTED, FormStatus.IN_PROGRESS),
        (FormStatus.IN_PROGRESS, FormStatus.IN_PROGRESS),
        (FormStatus.RETURNED, FormStatus.RETURNED),
        (FormStatus.NOT_STARTED, FormStatus.SUBMITTED),
        (FormStatus.IN_PROGRESS, FormStatus.SUBMITTED),
        (FormStatus.RETURNED, FormStatus.SUBMITTED),
        (FormStatus.SUBMITTED, FormStatus.SUBMITTED),
        (FormStatus.SUBMITTED, FormStatus.RETURNED),
        (FormStatus.SUBMITTED, FormStatus.ACCEPTED),
    }


@pytest.mark.parametrize("status", FormStatus.values)
@pytest.mark.parametrize(
    "role", [Role.SCHOOL_OFFICER, Role.SAFETY_CENTRE, Role.DEPARTMENT_OFFICER, Role.LEADERSHIP]
)
def test_the_page_offers_the_buttons_the_table_allows(camp, client_for, status, role):
    form = _form_in(camp, status)
    user = _user(camp, role)
    html = client_for(user).get(reverse("inspections:form_detail", args=[form.pk])).content
    html = html.decode()
    allowed = FORM.allowed(form, roles_on(user, form))
    assert ('data-testid="form-submit"' in html) == (lifecycle.SUBMIT in allowed)
    assert ('data-testid="fill-form"' in html) == (lifecycle.SAVE in allowed)
    assert ('data-testid="review-accept"' in html) == (lifecycle.ACCEPT in allowed)
    assert ('data-testid="review-return"' in html) == (lifecycle.RETURN in allowed)
