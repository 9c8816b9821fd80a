"""The pages: ordering with a preview, the check page and its verification, assigning, the
inspector's assignments and the record form."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.accountability.models import AccountabilityRecord
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.testing import jpeg_upload
from safecampus.spotchecks.models import Result, SpotCheck, SpotCheckItem

pytestmark = pytest.mark.django_db

NEW = reverse("spotchecks:check_create")


def order_data(sc, **kw):
    data = {
        "bureau": sc.bureau.pk,
        "title": "春季抽查",
        "percent": "50",
        "claims": ["resolved", "in_progress"],
        "minimum_per_stratum": "1",
        "campaign": "",
        "seed": "",
        "note": "",
    }
    data.update(kw)
    return data


def test_order_form_previews_the_strata_without_drawing(sc, client_for):
    client = client_for(sc.leader)
    r = client.post(NEW, {**order_data(sc), "preview": "1"})
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="preview-table"' in body
    assert "普教一科" in body and "安保科" in body
    assert not SpotCheck.objects.exists()


def test_order_draws_and_shows_the_check(sc, client_for):
    client = client_for(sc.centre)
    r = client.post(NEW, {**order_data(sc, seed="42"), "order": "1"})
    check = SpotCheck.objects.get()
    assert r.status_code == 302 and r["Location"] == check.get_absolute_url()
    assert (check.seed, check.proportion, check.sample_size) == (42, Decimal("0.5"), 3)
    body = client.get(check.get_absolute_url()).content.decode()
    assert body.count('data-testid="item-link"') == 3
    assert 'data-testid="seed">42<' in body


def test_order_with_bad_input_is_400_and_keeps_what_was_typed(sc, client_for):
    client = client_for(sc.leader)
    r = client.post(NEW, {**order_data(sc, percent="0", title="保留的标题"), "order": "1"})
    assert r.status_code == 400
    assert 'value="保留的标题"' in r.content.decode()
    assert not SpotCheck.objects.exists()


def test_order_of_an_empty_population_is_400(sc, client_for):
    r = client_for(sc.leader).post(NEW, {**order_data(sc, claims=["resolved"]), "order": "1"})
    assert r.status_code == 302  # one resolved hazard
    Hazard.objects.filter(status=Status.CLOSED).update(status=Status.HARD)
    r = client_for(sc.leader).post(NEW, {**order_data(sc, claims=["resolved"]), "order": "1"})
    assert r.status_code == 400 and SpotCheck.objects.count() == 1


def test_verify_the_draw_shows_match_and_mismatch(sc, client_for):
    check = sc.order(proportion=Decimal("0.5"))
    client = client_for(sc.inspector)
    url = reverse("spotchecks:check_verify", args=[check.pk])
    body = client.get(url).content.decode()
    assert 'data-testid="verification"' in body and "alert-success" in body
    # someone swaps the drawn hazard of 普教一科 for the one not drawn
    drawn = SpotCheckItem.objects.get(spot_check=check, stratum=f"d{sc.department.pk}")
    spared = ({sc.closed.pk, sc.rectifying.pk} - {drawn.hazard_id}).pop()
    SpotCheckItem.objects.filter(pk=drawn.pk).update(hazard_id=spared)
    body = client.get(url).content.decode()
    assert "alert-danger" in body and "alert-success" not in body


def test_assign_a_stratum_from_the_check_page(sc, client_for):
    check = sc.order()
    client = client_for(sc.leader)
    r = client.post(
        reverse("spotchecks:check_assign", args=[check.pk]),
        {"inspector": sc.dept_user.pk, "stratum": f"d{sc.department.pk}"},
    )
    assert r.status_code == 302
    assigned = SpotCheckItem.objects.filter(inspector=sc.dept_user)
    assert {i.hazard_id for i in assigned} == {sc.closed.pk, sc.rectifying.pk}


def test_assign_refused_is_400_and_changes_nothing(sc, client_for):
    check = sc.order()
    other = SpotCheckItem.objects.get(spot_check=check, hazard=sc.other)
    r = client_for(sc.leader).post(
        reverse("spotchecks:check_assign", args=[check.pk]),
        {"inspector": sc.dept_user.pk, "items": [other.pk]},
    )
    assert r.status_code == 400
    assert not SpotCheckItem.objects.filter(inspector__isnull=False).exists()


def test_assign_is_for_the_orderers_only(sc, client_for):
    check = sc.order()
    r = client_for(sc.inspector).post(
        reverse("spotchecks:check_assign", args=[check.pk]),
        {"inspector": sc.inspector.pk, "stratum": "d-"},
    )
    assert r.status_code == 403


def assign(sc, check, hazard, inspector):
    from safecampus.spotchecks import services

    item = SpotCheckItem.objects.get(spot_check=check, hazard=hazard)
    services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=inspector, item_ids=[item.pk]
    )
    return item


def test_my_assignments_and_the_record_form(sc, client_for):
    check = sc.order()
    item = assign(sc, check, sc.closed, sc.inspector)
    client = client_for(sc.inspector)
    body = client.get(reverse("spotchecks:my_assignments")).content.decode()
    assert body.count('data-testid="assignment"') == 1 and sc.closed.code in body
    url = reverse("spotchecks:item_detail", args=[item.pk])
    page = client.get(url).content.decode()
    assert 'capture="environment"' in page and 'type="file"' in page
    r = client.post(
        url,
        {
            "result": Result.NOT_AS_CLAIMED,
            "finding": "整改未落实",
            "checked_on": timezone.localdate().isoformat(),
            "files": [jpeg_upload()],
        },
    )
    assert r.status_code == 302
    assert Hazard.objects.get(pk=sc.closed.pk).status == Status.RECTIFYING
    assert AccountabilityRecord.objects.count() == 1
    page = client.get(url).content.decode()
    assert 'data-testid="recorded"' in page and 'data-testid="record-form"' not in page


def test_record_without_details_is_400_keeping_the_input(sc, client_for):
    check = sc.order()
    item = assign(sc, check, sc.closed, sc.inspector)
    r = client_for(sc.inspector).post(
        reverse("spotchecks:item_detail", args=[item.pk]),
        {
            "result": Result.NOT_AS_CLAIMED,
            "finding": "",
            "checked_on": "2020-01-01",
            "files": [jpeg_upload()],
        },
    )
    assert r.status_code == 400
    assert 'value="2020-01-01"' in r.content.decode()
    item.refresh_from_db()
    assert item.result == Result.PENDING


def test_a_second_result_is_refused_with_a_message(sc, client_for):
    check = sc.order()
    item = assign(sc, check, sc.closed, sc.inspector)
    client = client_for(sc.inspector)
    url = reverse("spotchecks:item_detail", args=[item.pk])
    data = {"result": Result.CONFIRMED, "checked_on": timezone.localdate().isoformat()}
    assert client.post(url, {**data, "files": [jpeg_upload()]}).status_code == 302
    r = client.post(url, {**data, "result": Result.NOT_AS_CLAIMED, "finding": "x"})
    assert r.status_code == 400 and "不可更改" in r.content.decode()
    item.refresh_from_db()
    assert item.result == Result.CONFIRMED and not AccountabilityRecord.objects.exists()


def test_a_person_not_assigned_gets_no_form_and_403_on_post(sc, client_for):
    check = sc.order()
    item = assign(sc, check, sc.closed, sc.inspector)
    client = client_for(sc.dept_user)  # sees its department's item, is not assigned
    url = reverse("spotchecks:item_detail", args=[item.pk])
    assert 'data-testid="record-form"' not in client.get(url).content.decode()
    r = client.post(url, {"result": Result.CONFIRMED, "checked_on": "2026-01-01"})
    assert r.status_code == 403
