""" "All compliant in this section": the unanswered items of one section marked compliant in one
request and one history line, through the autosave's path (lifecycle, locks); answered items
kept; each item changeable afterwards. And a refused submission that names its items and keeps
their marks on the next visit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from safecampus.campaigns.testing import complete_rows
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.inspections import services
from safecampus.inspections.choices import Answer, FormAction, FormStatus
from safecampus.inspections.models import FormEvent

pytestmark = pytest.mark.django_db


def _answers(form) -> dict[str, str]:
    return dict(form.answers.values_list("item__code", "answer"))


def _area(form, code: str) -> int:
    return form.answers.get(item__code=code).item.area_id


def _events(form) -> list[str]:
    return list(form.events.order_by("id").values_list("action", flat=True))


# --- the service ---------------------------------------------------------------------------------


def test_marks_the_unanswered_items_of_the_section_only(camp):
    form = camp.form_a
    a0101 = form.answers.get(item__code="A01-01")
    services.form_save(
        actor=camp.school_user,
        form_id=form.pk,
        rows={a0101.pk: {"answer": Answer.NOT_APPLICABLE, "na_reason": "本校无此设施"}},
    )
    events_before = _events(form)

    form, codes = services.form_mark_section(
        actor=camp.school_user, form_id=form.pk, area_id=_area(form, "A01-01")
    )

    assert codes == ["A01-02"]
    # A01-01 kept its answer; A02-01 is another section
    assert _answers(form) == {
        "A01-01": Answer.NOT_APPLICABLE,
        "A01-02": Answer.COMPLIANT,
        "A02-01": "",
    }
    form.refresh_from_db()
    assert (form.status, form.answered_count) == (FormStatus.IN_PROGRESS, 2)
    # one new history line of its own, even right after a save of the same sitting
    assert _events(form) == [*events_before, FormAction.SAVE]
    event = form.events.order_by("id").last()
    assert event.actor == camp.school_user
    assert event.data == {"items": [form.answers.get(item__code="A01-02").item_id]}
    assert "A01" in event.comment


def test_starts_a_form_not_started_and_each_item_stays_changeable(camp):
    form = camp.form_a
    area = _area(form, "A01-01")
    form, codes = services.form_mark_section(actor=camp.school_user, form_id=form.pk, area_id=area)
    assert codes == ["A01-01", "A01-02"]
    assert form.status == FormStatus.IN_PROGRESS
    assert _events(form) == [FormAction.GENERATE, FormAction.SAVE]

    # the undo: one item changed back by itself, as the card's autosave does
    a0102 = form.answers.get(item__code="A01-02")
    services.form_save(actor=camp.school_user, form_id=form.pk, rows={a0102.pk: {"answer": ""}})
    assert _answers(form)["A01-02"] == ""
    assert _answers(form)["A01-01"] == Answer.COMPLIANT


def test_a_section_already_answered_changes_nothing(camp):
    form = camp.form_a
    area = _area(form, "A01-01")
    services.form_mark_section(actor=camp.school_user, form_id=form.pk, area_id=area)
    before = (_answers(form), _events(form))

    form, codes = services.form_mark_section(actor=camp.school_user, form_id=form.pk, area_id=area)

    assert codes == []
    assert (_answers(form), _events(form)) == before


def test_a_section_not_on_the_form_is_refused(camp):
    with pytest.raises(ValidationError) as refused:
        services.form_mark_section(actor=camp.school_user, form_id=camp.form_a.pk, area_id=-1)
    assert refused.value.code == "invalid"
    assert _events(camp.form_a) == [FormAction.GENERATE]


def test_a_submitted_form_is_locked(camp):
    form = camp.form_a
    services.form_save(actor=camp.school_user, form_id=form.pk, rows=complete_rows(form))
    services.form_submit(actor=camp.school_user, form_id=form.pk)
    a0101 = form.answers.get(item__code="A01-01")
    form.answers.filter(pk=a0101.pk).update(answer="")  # an unanswered item, to be sure
    before = (_answers(form), _events(form))

    with pytest.raises(ValidationError) as refused:
        services.form_mark_section(
            actor=camp.school_user, form_id=form.pk, area_id=a0101.item.area_id
        )

    assert refused.value.code == "locked"
    assert (_answers(form), _events(form)) == before


def test_only_who_fills_the_form_may_mark(camp):
    with pytest.raises(PermissionDenied):
        services.form_mark_section(
            actor=camp.dept_user, form_id=camp.form_a.pk, area_id=_area(camp.form_a, "A01-01")
        )
    assert _answers(camp.form_a)["A01-01"] == ""


# --- the page ------------------------------------------------------------------------------------


def test_scope_of_marking_a_section(camp, client):
    form = camp.form_a
    far = user_with_role(Role.SAFETY_CENTRE, camp.other_bureau, username="xc")
    seen = scope_matrix(
        client,
        reverse("inspections:form_mark_section", args=[form.pk]),
        method="post",
        data={"area": _area(form, "A01-01")},
        permitted=camp.school_user,
        wrong_role=[camp.users[Role.LEADERSHIP], camp.dept_user],
        out_of_scope=[camp.school_b_user, far],
    )
    assert seen["anonymous"] == 302
    assert _answers(form) == {
        "A01-01": Answer.COMPLIANT,
        "A01-02": Answer.COMPLIANT,
        "A02-01": "",
    }


def test_the_button_posts_the_page_then_marks_the_section(camp, client_for):
    form = camp.form_a
    client = client_for(camp.school_user)
    page = client.get(form.get_absolute_url()).content.decode()
    area = _area(form, "A01-01")
    assert 'data-testid="mark-section-A01"' in page
    a0101 = form.answers.get(item__code="A01-01")
    a0201 = form.answers.get(item__code="A02-01")

    response = client.post(
        reverse("inspections:form_mark_section", args=[form.pk]),
        {
            "area": str(area),
            # the page's input not saved yet travels with the button
            f"a{a0101.pk}-answer": Answer.NON_COMPLIANT,
            f"a{a0101.pk}-description": "围墙破损",
            f"a{a0201.pk}-note": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == form.get_absolute_url() + f"#area-{area}"
    assert _answers(form) == {
        "A01-01": Answer.NON_COMPLIANT,
        "A01-02": Answer.COMPLIANT,
        "A02-01": "",
    }
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="mark-section-A01"' not in page  # nothing left to mark there
    assert 'data-testid="mark-section-A02"' in page


def test_a_missing_area_is_not_found(camp, client_for):
    client = client_for(camp.school_user)
    url = reverse("inspections:form_mark_section", args=[camp.form_a.pk])
    assert client.post(url, {"area": "x"}).status_code == 404
    assert FormEvent.objects.filter(form=camp.form_a).count() == 1


# --- a refused submission names its items, and the marks stay -------------------------------------


def test_a_refused_submission_lists_the_items_and_keeps_the_marks(camp, client_for):
    form = camp.form_a
    client = client_for(camp.school_user)
    a0101 = form.answers.get(item__code="A01-01")
    a0201 = form.answers.get(item__code="A02-01")
    services.form_save(
        actor=camp.school_user,
        form_id=form.pk,
        rows={a0201.pk: {"answer": Answer.COMPLIANT}},
    )

    refused = client.post(reverse("inspections:form_submit", args=[form.pk]), {})

    assert refused.status_code == 400
    body = refused.content.decode()
    for code in ("A01-01", "A01-02"):
        assert f'data-testid="faulty-{code}"' in body
    assert 'data-testid="faulty-A02-01"' not in body
    assert f'href="#a{a0101.pk}"' in body

    # the next visit (a reload, coming back later) shows the same marks
    again = client.get(form.get_absolute_url()).content.decode()
    assert 'data-testid="form-errors"' in again
    assert 'data-testid="faulty-A01-01"' in again and 'data-testid="faulty-A01-02"' in again

    # a fixed item loses its mark; once submitted, no marks at all
    services.form_save(
        actor=camp.school_user,
        form_id=form.pk,
        rows={a0101.pk: {"answer": Answer.COMPLIANT}},
    )
    again = client.get(form.get_absolute_url()).content.decode()
    assert 'data-testid="faulty-A01-01"' not in again
    assert 'data-testid="faulty-A01-02"' in again
    client.post(
        reverse("inspections:form_submit", args=[form.pk]),
        {f"a{a.pk}-answer": Answer.COMPLIANT for a in form.answers.all()},
    )
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    assert 'data-testid="form-errors"' not in client.get(form.get_absolute_url()).content.decode()


def test_a_form_never_refused_shows_no_marks(camp, client_for):
    body = client_for(camp.school_user).get(camp.form_a.get_absolute_url()).content.decode()
    assert 'data-testid="form-errors"' not in body
