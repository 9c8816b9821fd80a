"""A school's home page shows the form it has to fill (campaign, status, deadline, progress, a
button to open it), a form returned to it with the reason, and its hazards sent back for
rework; nothing of another school."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from safecampus.campaigns.testing import complete_rows
from safecampus.campaigns.tests.conftest import camp  # noqa: F401 (a fixture, found by name)
from safecampus.core.roles import Role
from safecampus.hazards import services as hazard_services
from safecampus.hazards.choices import Action, Status
from safecampus.hazards.testing import hazard_at
from safecampus.inspections import services
from safecampus.inspections.choices import Answer, FormStatus

pytestmark = pytest.mark.django_db


def _home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


def test_the_school_sees_its_form_to_fill_with_a_button(camp, client):  # noqa: F811
    form = camp.form_a
    first = form.answers.order_by("sort_order").first()
    services.form_save(
        actor=camp.school_user, form_id=form.pk, rows={first.pk: {"answer": Answer.COMPLIANT}}
    )

    response = _home(client, camp.school_user)

    [school] = [s for s, _people in response.context["my_schools"]]
    assert [f.pk for f in school.forms_to_fill] == [form.pk]  # not school B's
    body = response.content.decode()
    assert body.count('data-testid="form-to-fill"') == 1
    assert camp.campaign.name in body
    assert f'href="{form.get_absolute_url()}" data-testid="open-form"' in body
    assert "继续填写" in body and "已填报 1 项，共 3 项" in body
    assert 'value="1" max="3"' in body
    assert "已逾期" in body  # the campaign's forms were due on 20 March


def test_a_submitted_form_leaves_the_home_page_and_a_returned_one_comes_back(camp, client):  # noqa: F811
    form = camp.form_a
    services.form_save(actor=camp.school_user, form_id=form.pk, rows=complete_rows(form))
    services.form_submit(actor=camp.school_user, form_id=form.pk)
    assert 'data-testid="form-to-fill"' not in _home(client, camp.school_user).content.decode()

    services.form_review(
        actor=camp.dept_user, form_id=form.pk, decision="return", reason="整改措施不具体"
    )
    form.refresh_from_db()
    assert form.status == FormStatus.RETURNED
    body = _home(client, camp.school_user).content.decode()
    assert 'data-testid="form-to-fill"' in body
    assert 'data-testid="form-returned-reason"' in body and "整改措施不具体" in body


def test_the_school_sees_hazards_returned_for_rework(camp, client, settings, tmp_path):  # noqa: F811
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    deadline = timezone.localdate() + datetime.timedelta(days=20)
    mine = hazard_at(
        Status.SUBMITTED,
        school=camp.school_a,
        school_user=camp.school_user,
        dept_user=camp.dept_user,
        deadline=deadline,
    )
    other = hazard_at(
        Status.SUBMITTED,
        school=camp.school_b,
        school_user=camp.school_b_user,
        dept_user=camp.dept_user,
        deadline=deadline,
    )
    for h in (mine, other):
        hazard_services.hazard_act(
            actor=camp.dept_user,
            hazard_id=h.pk,
            action=Action.REJECT,
            version=h.version,
            comment="通道仍有杂物，重新整改",
        )

    body = _home(client, camp.school_user).content.decode()

    assert 'data-testid="returned-hazards"' in body
    assert f'data-testid="returned-{mine.code}"' in body
    assert f'data-testid="returned-{other.code}"' not in body
    assert "通道仍有杂物，重新整改" in body


def test_other_roles_see_no_school_work(camp, client):  # noqa: F811
    for user in (camp.centre, camp.dept_user, camp.users[Role.LEADERSHIP]):
        body = _home(client, user).content.decode()
        assert 'data-testid="form-to-fill"' not in body
