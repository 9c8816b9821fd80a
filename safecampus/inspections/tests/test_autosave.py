"""Autosave of a form's cards under pressure: an answer the page says is saved stays saved, a
late request never overwrites a newer choice, a refused one says so, and a double-click on
Submit answers "already submitted"."""

from __future__ import annotations

import random
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from safecampus.campaigns.testing import complete_rows, launched_campaign
from safecampus.catalog.services import catalog_load
from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.hazards.models import Hazard
from safecampus.inspections import services
from safecampus.inspections.choices import Answer, FormStatus
from safecampus.inspections.models import FormAnswer

CHOICES = [Answer.COMPLIANT, Answer.NON_COMPLIANT, Answer.NOT_APPLICABLE]
ITEMS = 24
CHANGES = 3  # each item is changed this many times, the last value is the one that counts


def _htmx_save(client, form, answer, value: str, seq: int, **extra):
    """The card's autosave as HTMX sends it: the whole form's fields (here the card's), the
    card as target, and the card's sequence number."""
    data = {f"a{answer.pk}-answer": value, f"a{answer.pk}-seq": str(seq), f"a{answer.pk}-note": ""}
    if value == Answer.NOT_APPLICABLE:
        data[f"a{answer.pk}-na_reason"] = "本校无此设施"
    data.update(extra)
    return client.post(
        reverse("inspections:form_save", args=[form.pk]),
        data,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"a{answer.pk}",
    )


def _checked_on_page(client, form) -> dict[int, str]:
    """What the form's page shows as chosen, by answer id (the reload after filling)."""
    body = client.get(reverse("inspections:form_detail", args=[form.pk])).content.decode()
    return {
        int(aid): value
        for aid, value in re.findall(r'name="a(\d+)-answer" id="[^"]+" value="(\w+)" checked', body)
    }


# --- a late request and a refused one ------------------------------------------------------------


@pytest.mark.django_db
def test_a_late_autosave_does_not_overwrite_the_newer_choice(camp, client_for):
    c = client_for(camp.school_user)
    answer = camp.form_a.answers.select_related("item").first()
    code = answer.item.code
    # the phone sent "not applicable" (seq 1000) then "compliant" (seq 2000); the second arrived
    # first
    newer = _htmx_save(c, camp.form_a, answer, Answer.COMPLIANT, 2000)
    assert newer.status_code == 200
    assert f'data-testid="saved-{code}"' in newer.content.decode()
    late = _htmx_save(c, camp.form_a, answer, Answer.NOT_APPLICABLE, 1000)
    assert late.status_code == 200
    body = late.content.decode()
    # the card shows the newer answer, its number (so the page keeps its own newer card), and
    # says so
    assert f'value="{Answer.COMPLIANT}" checked' in body
    assert f'value="{Answer.NOT_APPLICABLE}" checked' not in body
    assert 'data-seq="2000"' in body
    assert "已保存了更新的答案" in body
    answer.refresh_from_db()
    assert (answer.answer, answer.na_reason, answer.client_seq) == (Answer.COMPLIANT, "", 2000)
    # a newer change of mind is kept, and the same change sent twice is harmless
    for _ in range(2):
        assert _htmx_save(c, camp.form_a, answer, Answer.NON_COMPLIANT, 3000).status_code == 200
    answer.refresh_from_db()
    assert (answer.answer, answer.client_seq) == (Answer.NON_COMPLIANT, 3000)


@pytest.mark.django_db
def test_the_same_answer_sent_again_still_outranks_an_older_change(camp, client_for):
    c = client_for(camp.school_user)
    answer = camp.form_a.answers.first()
    _htmx_save(c, camp.form_a, answer, Answer.COMPLIANT, 1000)  # tap 符合
    # tap 不符合 (2000) then 符合 again (3000): 3000 arrives before 2000 and changes no field
    _htmx_save(c, camp.form_a, answer, Answer.COMPLIANT, 3000)
    _htmx_save(c, camp.form_a, answer, Answer.NON_COMPLIANT, 2000)
    answer.refresh_from_db()
    assert (answer.answer, answer.client_seq) == (Answer.COMPLIANT, 3000)


@pytest.mark.django_db
def test_the_whole_page_save_skips_rows_changed_meanwhile(camp, client_for):
    c = client_for(camp.school_user)
    first, second = camp.form_a.answers.order_by("sort_order")[:2]
    _htmx_save(c, camp.form_a, first, Answer.COMPLIANT, 5000)  # another tab, later
    r = c.post(
        reverse("inspections:form_save", args=[camp.form_a.pk]),
        {
            f"a{first.pk}-answer": Answer.NON_COMPLIANT,
            f"a{first.pk}-seq": "4000",
            f"a{second.pk}-answer": Answer.COMPLIANT,
            f"a{second.pk}-seq": "4000",
        },
        follow=True,
    )
    assert r.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.answer, first.client_seq) == (Answer.COMPLIANT, 5000)
    assert (second.answer, second.client_seq) == (Answer.COMPLIANT, 4000)
    assert "有 1 项在此期间已保存了更新的答案，已予保留。" in r.content.decode()


def test_a_card_never_changed_on_this_page_does_not_overwrite_another_devices_save(
    camp, client_for
):
    """Phone B autosaves an item; phone A, which never touched that card (its seq is still 0),
    then presses the whole-page Save: B's answer stays."""
    c = client_for(camp.school_user)
    first, second = camp.form_a.answers.order_by("sort_order")[:2]
    _htmx_save(c, camp.form_a, first, Answer.COMPLIANT, 5000)  # phone B
    r = c.post(
        reverse("inspections:form_save", args=[camp.form_a.pk]),
        {
            f"a{first.pk}-answer": "",
            f"a{first.pk}-seq": "0",
            f"a{second.pk}-answer": Answer.COMPLIANT,
            f"a{second.pk}-seq": "0",
        },
        follow=True,
    )
    assert r.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.answer, first.client_seq) == (Answer.COMPLIANT, 5000)
    assert (second.answer, second.client_seq) == (Answer.COMPLIANT, 0)


@pytest.mark.django_db
def test_a_refused_autosave_says_not_saved_and_changes_nothing(camp, client_for):
    c = client_for(camp.school_user)
    services.form_save(
        actor=camp.school_user, form_id=camp.form_a.pk, rows=complete_rows(camp.form_a)
    )
    services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
    answer = camp.form_a.answers.select_related("item").first()
    # a late autosave of another answer after the form was submitted
    r = _htmx_save(c, camp.form_a, answer, Answer.NOT_APPLICABLE, 9000)
    assert r.status_code == 200
    body = r.content.decode()
    assert f'data-testid="unsaved-{answer.item.code}"' in body
    assert "未保存" in body and "已提交并锁定" in body
    assert f'data-testid="saved-{answer.item.code}"' not in body
    answer.refresh_from_db()
    assert (answer.answer, answer.client_seq) == (Answer.COMPLIANT, 0)
    # the same answer again is no change: it is saved (there is nothing to refuse)
    r = _htmx_save(c, camp.form_a, answer, Answer.COMPLIANT, 9001)
    assert f'data-testid="saved-{answer.item.code}"' in r.content.decode()
    answer.refresh_from_db()
    assert (answer.answer, answer.client_seq) == (Answer.COMPLIANT, 0)


@pytest.mark.django_db
def test_autosave_of_another_schools_form_is_404_and_a_reviewer_gets_403(camp, client_for):
    answer = camp.form_a.answers.first()
    r = _htmx_save(client_for(camp.school_b_user), camp.form_a, answer, Answer.COMPLIANT, 1)
    assert r.status_code == 404
    r = _htmx_save(client_for(camp.dept_user), camp.form_a, answer, Answer.COMPLIANT, 1)
    assert r.status_code == 403
    answer.refresh_from_db()
    assert (answer.answer, answer.client_seq) == ("", 0)


# --- double-click on Submit ---------------------------------------------------------------------


def _page_rows(form, rows):
    data = {}
    for aid, row in rows.items():
        for field, value in row.items():
            data[f"a{aid}-{field}"] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


@pytest.mark.django_db
def test_a_double_click_on_submit_answers_already_submitted(camp, client_for):
    c = client_for(camp.school_user)
    url = reverse("inspections:form_submit", args=[camp.form_a.pk])
    data = _page_rows(camp.form_a, complete_rows(camp.form_a, non_compliant={"A01-01"}))
    first = c.post(url, data)
    assert first.status_code == 302
    camp.form_a.refresh_from_db()
    submitted_at, round_ = camp.form_a.submitted_at, camp.form_a.round
    events = camp.form_a.events.count()
    second = c.post(url, data, follow=True)
    assert second.status_code == 200
    body = second.content.decode()
    assert "已提交：表单已收到，内容没有变化。" in body
    assert "alert-info" in body and "alert-danger" not in body
    camp.form_a.refresh_from_db()
    assert camp.form_a.status == FormStatus.SUBMITTED
    assert (camp.form_a.submitted_at, camp.form_a.round) == (submitted_at, round_)
    assert camp.form_a.events.count() == events
    assert Hazard.objects.filter(school=camp.school_a).count() == 1


@pytest.mark.django_db
def test_resubmitting_other_content_after_submission_is_refused(camp, client_for):
    c = client_for(camp.school_user)
    url = reverse("inspections:form_submit", args=[camp.form_a.pk])
    rows = complete_rows(camp.form_a)
    assert c.post(url, _page_rows(camp.form_a, rows)).status_code == 302
    aid = next(iter(rows))
    rows[aid] = {"answer": Answer.NOT_APPLICABLE, "na_reason": "无"}
    r = c.post(url, _page_rows(camp.form_a, rows))
    assert r.status_code == 400
    assert "已提交并锁定" in r.content.decode()
    assert FormAnswer.objects.get(pk=aid).answer == Answer.COMPLIANT


# --- two schools at once, rapid changes ---------------------------------------------------------


@pytest.fixture
def two_forms(world):
    """A campaign of ``ITEMS`` items over the bureau: school A's and school B's forms."""
    data = {
        "title": "并发测试排查标准",
        "areas": [
            {
                "code": "B01",
                "name": "校舍安全",
                "items": [
                    {"code": f"B01-{n:02d}", "text": f"检查项 {n}", "responsible": []}
                    for n in range(1, ITEMS + 1)
                ],
            }
        ],
    }
    version, _warnings = catalog_load(bureau=world.bureau, data=data)
    centre = world.users[Role.SAFETY_CENTRE]
    campaign = launched_campaign(world.bureau, version, centre)
    school_b_user = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    return [
        (campaign.forms.get(school=world.school_a), world.users[Role.SCHOOL_OFFICER]),
        (campaign.forms.get(school=world.school_b), school_b_user),
    ]


def _plan(form, rng) -> tuple[list[tuple], dict[int, str]]:
    """Every item changed ``CHANGES`` times with growing numbers, the requests shuffled (as a
    phone's requests overtake each other on the way); returns them and each item's last value."""
    requests, last = [], {}
    for answer in form.answers.order_by("sort_order"):
        seq = 1_000
        for _ in range(CHANGES):
            seq += rng.randrange(1, 500)
            value = rng.choice(CHOICES)
            requests.append((answer, value, seq))
            last[answer.pk] = value
    rng.shuffle(requests)
    return requests, last


@pytest.mark.django_db(transaction=True)
def test_two_schools_changing_many_items_at_once_keep_every_last_choice(two_forms):
    rng = random.Random(13)
    plans = [(form, user, *_plan(form, rng)) for form, user in two_forms]
    threads_per_school = 3
    start = threading.Barrier(threads_per_school * len(plans))
    failures: list[str] = []
    # SQLite's shared in-memory test database refuses concurrent writers outright ("table is
    # locked", not a wait): there, requests take turns at a lock; their order stays random
    turn = threading.Lock() if connection.vendor == "sqlite" else None

    def school(client, form, requests, part):
        start.wait(timeout=20)
        try:
            for answer, value, seq in requests[part::threads_per_school]:
                if turn:
                    with turn:
                        r = _htmx_save(client, form, answer, value, seq)
                else:
                    r = _htmx_save(client, form, answer, value, seq)
                if r.status_code != 200 or "unsaved-" in r.content.decode():
                    failures.append(f"{form.pk}/{answer.pk}: {r.status_code}")
        except Exception as exc:  # noqa: BLE001 (reported below, in the test's thread)
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = []
    for form, user, requests, _last in plans:
        for part in range(threads_per_school):
            client = Client()
            client.force_login(user)  # here: logging in writes the session
            threads.append(threading.Thread(target=school, args=(client, form, requests, part)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not failures
    for form, user, _requests, last in plans:
        client = Client()
        client.force_login(user)
        assert _checked_on_page(client, form) == last
        form.refresh_from_db()
        assert form.answered_count == ITEMS
        assert form.non_compliant_count == sum(v == Answer.NON_COMPLIANT for v in last.values())
