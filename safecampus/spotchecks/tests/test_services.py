"""Ordering, assigning and recording through the services."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safecampus.accountability.models import AccountabilityRecord, RecordBasis, RecordKind
from safecampus.hazards.choices import Action, Status
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.hazards.testing import jpeg_upload
from safecampus.notifications.models import Notice, NoticeKind
from safecampus.spotchecks import selectors, services
from safecampus.spotchecks.draw import draw
from safecampus.spotchecks.models import (
    EventAction,
    Result,
    SpotCheck,
    SpotCheckEvent,
    SpotCheckEvidence,
    SpotCheckItem,
    SpotCheckStatus,
)

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def codes(exc: ValidationError) -> set:
    if hasattr(exc, "error_dict"):
        return {e.code for errs in exc.error_dict.values() for e in errs}
    return {e.code for e in exc.error_list}


# --- the population and the order ---------------------------------------------------------------


def test_population_is_stratified_by_department(sc):
    pop = selectors.population_of(
        actor=sc.leader, bureau=sc.bureau, claims=["resolved", "in_progress"], by_colour=False
    )
    d1, d2 = f"d{sc.department.pk}", f"d{sc.other_dept.pk}"
    assert pop == sorted(
        [[sc.closed.pk, d1], [sc.rectifying.pk, d1], [sc.nodept.pk, "d-"], [sc.other.pk, d2]]
    )


def test_population_is_stratified_by_department_and_colour(sc):
    pop = selectors.population_of(
        actor=sc.leader, bureau=sc.bureau, claims=["resolved", "in_progress"], by_colour=True
    )
    d1, d2 = f"d{sc.department.pk}", f"d{sc.other_dept.pk}"
    assert dict(pop) == {
        sc.closed.pk: f"{d1}/red",
        sc.rectifying.pk: f"{d1}/yellow",
        sc.nodept.pk: "d-/-",
        sc.other.pk: f"{d2}/-",
    }


def test_population_of_one_claim(sc):
    resolved = selectors.population_of(
        actor=sc.leader, bureau=sc.bureau, claims=["resolved"], by_colour=False
    )
    assert resolved == [[sc.closed.pk, f"d{sc.department.pk}"]]


def test_order_stores_population_seed_and_sample_and_verifies(sc):
    check = sc.order(proportion=Decimal("0.5"), minimum_per_stratum=1, seed=987654321)
    check.refresh_from_db()
    expected = draw(check.population, proportion=Decimal("0.5"), minimum=1, seed=987654321)
    items = {i.hazard_id: i for i in check.items.all()}
    assert sorted(items) == expected
    # 普教一科 has 2 (ceil 1 of them), 安保科 1, no department 1: three drawn of four
    assert (check.population_size, check.sample_size, len(expected)) == (4, 3, 3)
    assert check.seed == 987654321 and check.ordered_role == "leadership"
    for hazard_id, item in items.items():
        hazard = Hazard.objects.get(pk=hazard_id)
        assert item.claimed_status == hazard.status
        assert item.claim == ("resolved" if hazard.status == Status.CLOSED else "in_progress")
        assert item.stratum == dict(check.population)[hazard_id]
    event = SpotCheckEvent.objects.get(spot_check=check)
    assert (event.action, event.actor, event.data["sample"]) == (
        EventAction.ORDER,
        sc.leader,
        expected,
    )
    assert selectors.verify(check).match is True


def test_order_without_seed_takes_a_random_63_bit_seed(sc):
    seeds = {sc.order(seed=None, proportion=Decimal("0.5")).seed for _ in range(2)}
    assert len(seeds) == 2
    assert all(0 <= s < 2**63 for s in seeds)


def test_order_limited_to_a_campaign_draws_only_its_hazards(sc):
    from safecampus.campaigns.testing import launched_campaign

    campaign = launched_campaign(sc.bureau, sc.catalog, sc.centre)
    Hazard.objects.filter(pk=sc.closed.pk).update(campaign=campaign)
    check = sc.order(actor=sc.centre, campaign=campaign)
    assert [i.hazard_id for i in check.items.all()] == [sc.closed.pk]
    assert check.ordered_role == "safety_centre"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"proportion": Decimal("0")}, "proportion"),
        ({"proportion": Decimal("1.5")}, "proportion"),
        ({"claims": []}, "claims"),
        ({"claims": ["hard"]}, "claims"),
        ({"title": "  "}, "title"),
        ({"seed": -1}, "seed"),
    ],
)
def test_order_refuses_bad_input_and_creates_nothing(sc, kw, field):
    with pytest.raises(ValidationError) as exc:
        sc.order(**kw)
    assert field in exc.value.message_dict
    assert not SpotCheck.objects.exists() and not SpotCheckEvent.objects.exists()


def test_order_refuses_an_empty_population(sc):
    """The other bureau has no hazards: nothing to draw from."""
    with pytest.raises(ValidationError) as exc:
        services.spot_check_order(
            actor=sc.other_centre,
            bureau=sc.other_bureau,
            title="空",
            proportion=Decimal("0.1"),
            claims=["resolved"],
        )
    assert codes(exc.value) == {"empty"}
    assert not SpotCheck.objects.exists()


@pytest.mark.parametrize("who", ["inspector", "dept_user", "school_user", "other_centre"])
def test_only_leaders_and_the_centre_of_the_bureau_order(sc, who):
    with pytest.raises(PermissionDenied):
        sc.order(actor=getattr(sc, who))
    assert not SpotCheck.objects.exists()


# --- assigning ----------------------------------------------------------------------------------


def item_of(check, hazard):
    return SpotCheckItem.objects.get(spot_check=check, hazard=hazard)


def test_assign_one_by_one_and_by_stratum_notifies_once_per_check(sc):
    check = sc.order()
    closed = item_of(check, sc.closed)
    n = services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=sc.inspector, item_ids=[closed.pk]
    )
    n2 = services.spot_check_assign(
        actor=sc.centre,
        spot_check=check,
        inspector=sc.inspector,
        stratum=f"d{sc.department.pk}",
    )
    assert (n, n2) == (1, 1)  # the stratum's second hazard; the first was already assigned
    assert set(
        SpotCheckItem.objects.filter(inspector=sc.inspector).values_list("hazard_id", flat=True)
    ) == {sc.closed.pk, sc.rectifying.pk}
    notices = Notice.objects.filter(recipient=sc.inspector)
    assert [(x.kind, x.key) for x in notices] == [
        (NoticeKind.SPOT_CHECK_ASSIGNED, f"spotcheck:{check.pk}:{sc.inspector.pk}")
    ]
    assigns = SpotCheckEvent.objects.filter(spot_check=check, action=EventAction.ASSIGN)
    assert [e.data["items"] for e in assigns] == [
        [[closed.pk, None]],
        [[item_of(check, sc.rectifying).pk, None]],
    ]


def test_a_department_officer_is_assigned_only_its_departments_hazards(sc):
    check = sc.order()
    own, foreign = item_of(check, sc.closed), item_of(check, sc.other)
    services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=sc.dept_user, item_ids=[own.pk]
    )
    with pytest.raises(ValidationError) as exc:
        services.spot_check_assign(
            actor=sc.leader, spot_check=check, inspector=sc.dept_user, item_ids=[foreign.pk]
        )
    assert codes(exc.value) == {"wrong_department"}
    foreign.refresh_from_db()
    assert foreign.inspector is None


@pytest.mark.parametrize("who", ["school_user", "other_centre"])
def test_assign_refuses_someone_who_cannot_record(sc, who):
    check = sc.order()
    item = item_of(check, sc.closed)
    with pytest.raises(ValidationError) as exc:
        services.spot_check_assign(
            actor=sc.leader, spot_check=check, inspector=getattr(sc, who), item_ids=[item.pk]
        )
    assert "inspector" in exc.value.message_dict
    assert not Notice.objects.exists()


def test_only_the_orderers_assign(sc):
    check = sc.order()
    with pytest.raises(PermissionDenied):
        services.spot_check_assign(
            actor=sc.inspector,
            spot_check=check,
            inspector=sc.inspector,
            item_ids=[item_of(check, sc.closed).pk],
        )


# --- recording ----------------------------------------------------------------------------------


def assigned(sc, hazard, inspector=None):
    check = sc.order()
    item = item_of(check, hazard)
    services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=inspector or sc.inspector, item_ids=[item.pk]
    )
    return check, item


def record(item, actor, **kw):
    kw.setdefault("result", Result.NOT_AS_CLAIMED)
    kw.setdefault("finding", "疏散通道仍堆放杂物，整改照片系摆拍")
    kw.setdefault("checked_on", timezone.localdate())
    kw.setdefault("files", [jpeg_upload()])
    return services.spot_check_record(actor=actor, item=item, **kw)


def test_not_as_claimed_reopens_the_hazard_and_opens_one_accountability_record(sc):
    check, item = assigned(sc, sc.closed)
    record(item, sc.inspector)
    hazard = Hazard.objects.get(pk=sc.closed.pk)
    assert (hazard.status, hazard.closed_on) == (Status.RECTIFYING, None)
    event = HazardEvent.objects.filter(hazard=hazard).latest("id")
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        Action.REOPEN,
        Status.CLOSED,
        Status.RECTIFYING,
        sc.inspector,
    )
    assert event.data["spot_check"] == check.pk and event.data["item"] == item.pk
    assert event.comment == "疏散通道仍堆放杂物，整改照片系摆拍"
    record_ = AccountabilityRecord.objects.get()
    assert (
        record_.kind,
        record_.basis,
        record_.school,
        record_.department,
        record_.spot_check_item_id,
        list(record_.hazards.all()),
    ) == (
        RecordKind.CRITICISM,
        RecordBasis.SPOT_CHECK,
        sc.school_a,
        sc.department,
        item.pk,
        [hazard],
    )
    item.refresh_from_db()
    assert (item.result, item.recorded_by, item.checked_on) == (
        Result.NOT_AS_CLAIMED,
        sc.inspector,
        timezone.localdate(),
    )
    ev = SpotCheckEvidence.objects.get(item=item)
    assert ev.content_type == "image/jpeg" and ev.thumbnail
    rec = SpotCheckEvent.objects.get(item=item, action=EventAction.RECORD)
    assert rec.data["accountability_record"] == record_.pk and rec.data["evidence"] == [ev.pk]


def test_confirmed_changes_nothing_on_the_hazard(sc):
    _check, item = assigned(sc, sc.closed)
    before = Hazard.objects.get(pk=sc.closed.pk)
    events = HazardEvent.objects.filter(hazard=before).count()
    record(item, sc.inspector, result=Result.CONFIRMED, finding="")
    after = Hazard.objects.get(pk=sc.closed.pk)
    assert (after.status, after.closed_on, after.version) == (
        before.status,
        before.closed_on,
        before.version,
    )
    assert HazardEvent.objects.filter(hazard=after).count() == events
    assert not AccountabilityRecord.objects.exists()
    item.refresh_from_db()
    assert item.result == Result.CONFIRMED


def assert_nothing_recorded(sc, item, status=Status.CLOSED):
    item.refresh_from_db()
    assert (item.result, item.recorded_by, item.checked_on) == (Result.PENDING, None, None)
    assert not SpotCheckEvidence.objects.exists()
    assert not AccountabilityRecord.objects.exists()
    assert not SpotCheckEvent.objects.filter(action=EventAction.RECORD).exists()
    assert Hazard.objects.get(pk=item.hazard_id).status == status


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"finding": "  "}, "finding"),
        ({"result": "pending"}, "result"),
        ({"checked_on": None}, "checked_on"),
        ({"files": []}, "files"),
    ],
)
def test_refused_input_changes_nothing(sc, kw, field):
    _check, item = assigned(sc, sc.closed)
    with pytest.raises(ValidationError) as exc:
        record(item, sc.inspector, **kw)
    assert field in exc.value.message_dict
    assert_nothing_recorded(sc, item)


def test_checked_on_in_the_future_is_refused(sc):
    import datetime

    _check, item = assigned(sc, sc.closed)
    with pytest.raises(ValidationError) as exc:
        record(item, sc.inspector, checked_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "checked_on" in exc.value.message_dict
    assert_nothing_recorded(sc, item)


def test_a_result_is_final(sc):
    _check, item = assigned(sc, sc.closed)
    record(item, sc.inspector, result=Result.CONFIRMED, finding="")
    with pytest.raises(ValidationError) as exc:
        record(item, sc.inspector)
    assert codes(exc.value) == {"already_recorded"}
    item.refresh_from_db()
    assert item.result == Result.CONFIRMED
    assert Hazard.objects.get(pk=sc.closed.pk).status == Status.CLOSED
    assert SpotCheckEvidence.objects.count() == 1 and not AccountabilityRecord.objects.exists()


@pytest.mark.parametrize("who", ["dept_user", "other_dept_user", "school_user"])
def test_someone_not_assigned_is_refused(sc, who):
    _check, item = assigned(sc, sc.closed)
    with pytest.raises(PermissionDenied):
        record(item, getattr(sc, who))
    assert_nothing_recorded(sc, item)


def test_the_centre_records_for_an_unassigned_hazard(sc):
    check, _item = assigned(sc, sc.closed)
    item = item_of(check, sc.other)
    record(item, sc.centre)
    assert Hazard.objects.get(pk=sc.other.pk).status == Status.RECTIFYING
    record_ = AccountabilityRecord.objects.get()
    assert (record_.school, record_.department) == (sc.school_a, sc.other_dept)


def test_a_department_officer_assigned_records_its_hazard(sc):
    _check, item = assigned(sc, sc.rectifying, inspector=sc.dept_user)
    record(item, sc.dept_user)
    assert AccountabilityRecord.objects.get().school == sc.school_b


def test_the_check_completes_when_every_item_has_a_result(sc):
    check = sc.order(claims=["resolved"])
    (item,) = check.items.all()
    services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=sc.inspector, item_ids=[item.pk]
    )
    record(item, sc.inspector, result=Result.CONFIRMED, finding="")
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.DONE and check.completed_at is not None
    assert SpotCheckEvent.objects.filter(spot_check=check, action=EventAction.COMPLETE).count() == 1


def test_assigning_a_stratum_after_a_result_assigns_the_rest_of_it(sc):
    check, first = assigned(sc, sc.closed)  # 普教一科's stratum: closed and rectifying
    record(first, sc.inspector, result=Result.CONFIRMED, finding="")
    stratum = f"d{sc.department.pk}"
    n = services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=sc.centre, stratum=stratum
    )
    assert n == 1
    rest = check.items.get(hazard=sc.rectifying)
    first.refresh_from_db()
    assert (rest.inspector, first.inspector) == (sc.centre, sc.inspector)


def test_the_register_filters_by_the_result_spot_checks_add(client):
    """The register knows no spot checks; the spot-check app adds its filter, and the register's
    page, export and API all filter by it."""
    from safecampus.hazards.filtersets import HazardFilterSet

    assert "spot_check" in HazardFilterSet.base_filters
    assert list(HazardFilterSet.base_filters).index("spot_check") < list(
        HazardFilterSet.base_filters
    ).index("sort")
    choices = dict(HazardFilterSet.base_filters["spot_check"].extra["choices"])
    assert set(choices) == {"pending", "confirmed", "not_as_claimed"}
