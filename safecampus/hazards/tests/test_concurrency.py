"""Two people at once: optimistic locking by version, and gap-free hazard codes per bureau and
year. The threaded tests need PostgreSQL (scripts/test runs them there)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from safecampus.accounts.models import User
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.hazards import services
from safecampus.hazards.choices import Action, Status
from safecampus.hazards.models import Hazard, HazardCounter
from safecampus.hazards.testing import FIVE_IN_PLACE, jpeg_upload, small_catalog

from .helpers import actor, attempt, days, inputs, state, temporary_media

UTC = datetime.UTC


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)
    return tmp_path


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL for real concurrency, this run uses {connection.vendor}: run "
            "with DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> (scripts/test does)"
        )


def report(user, school, item, **data):
    data = {"description": "围墙破损", "responsible_person": "王老师", **data}
    return services.hazard_report(actor=user, school=school, item=item, data=data)


# --- optimistic locking -------------------------------------------------------------------------

RACES = [
    # (status, first: key, action), (second: key, action)
    (Status.REPORTED, ("dept", Action.CONFIRM), ("centre", Action.WITHDRAW)),
    (Status.RECTIFYING, ("principal", Action.EXPLAIN), ("school_officer", Action.SUBMIT)),
    (Status.SUBMITTED, ("dept", Action.ACCEPT), ("centre", Action.REJECT)),
    (Status.HARD, ("leader", Action.DECIDE), ("centre", Action.DECIDE)),
]


@pytest.mark.parametrize(("status", "first", "second"), RACES)
def test_the_second_of_two_people_acting_on_the_same_version_is_told_stale(
    reg, media, status, first, second
):
    # Given two people who both loaded version v of a hazard
    hazard = reg.make(status)
    version = hazard.version
    # When the first acts on v
    assert attempt(actor(reg, first[0]), hazard, first[1], **inputs(first[1])) == "ok"
    after_first = state(hazard)
    files_after_first = sorted(media.rglob("*"))
    # Then the second, acting on v as well, is refused and nothing of theirs is saved
    outcome = attempt(
        actor(reg, second[0]), hazard, second[1], version=version, **inputs(second[1])
    )
    assert outcome == "stale"
    assert state(hazard) == after_first
    assert after_first["version"] == version + 1
    assert sorted(media.rglob("*")) == files_after_first


def test_acting_on_the_current_version_after_a_stale_refusal_works(reg):
    hazard = reg.make(Status.RECTIFYING)
    principal, officer = reg.users[Role.PRINCIPAL], reg.users[Role.SCHOOL_OFFICER]
    assert attempt(principal, hazard, Action.EXPLAIN, comment="等待施工") == "ok"
    assert attempt(officer, hazard, Action.EXPLAIN, version=hazard.version, comment="x") == "stale"
    hazard.refresh_from_db()
    assert attempt(officer, hazard, Action.SUBMIT, files=[jpeg_upload()]) == "ok"
    hazard.refresh_from_db()
    assert (hazard.status, hazard.version) == (Status.SUBMITTED, 5)


# --- codes, sequentially ------------------------------------------------------------------------


def test_codes_count_up_per_bureau_and_start_at_one_in_another(reg):
    # Given a second bureau with its own catalog and school officer
    other_dept = DepartmentFactory(bureau=reg.other_bureau, name="安全科")
    other_item = small_catalog(reg.other_bureau, other_dept).items.get(code="A01-01")
    other_user = user_with_role(Role.SCHOOL_OFFICER, reg.school_other, username="school_other")
    user = reg.users[Role.SCHOOL_OFFICER]
    # When three hazards are reported in the first bureau and two in the second, interleaved
    made = [
        report(user, reg.school_a, reg.item),
        report(other_user, reg.school_other, other_item),
        report(user, reg.school_a, reg.item),
        report(reg.school_b_user, reg.school_b, reg.item),
        report(other_user, reg.school_other, other_item),
    ]
    # Then each bureau counts from 000001 without gaps, in the year of the Shanghai calendar
    year = days(0).year
    a, b = reg.bureau.code_prefix, reg.other_bureau.code_prefix
    assert [(h.code, h.seq, h.year) for h in made] == [
        (f"{a}-{year}-000001", 1, year),
        (f"{b}-{year}-000001", 1, year),
        (f"{a}-{year}-000002", 2, year),
        (f"{a}-{year}-000003", 3, year),
        (f"{b}-{year}-000002", 2, year),
    ]
    assert sorted(HazardCounter.objects.values_list("bureau_id", "year", "last")) == sorted(
        [(reg.bureau.pk, year, 3), (reg.other_bureau.pk, year, 2)]
    )


def test_two_bureaus_with_the_same_prefix_both_get_codes(reg):
    # Given a second bureau whose code prefix is the same (prefixes are not unique)
    reg.other_bureau.code_prefix = reg.bureau.code_prefix
    reg.other_bureau.save(update_fields=["code_prefix"])
    other_item = small_catalog(reg.other_bureau, DepartmentFactory(bureau=reg.other_bureau))
    other_user = user_with_role(Role.SCHOOL_OFFICER, reg.school_other, username="school_other")
    # When each reports its first hazard of the year
    first = report(reg.users[Role.SCHOOL_OFFICER], reg.school_a, reg.item)
    second = report(other_user, reg.school_other, other_item.items.get(code="A01-01"))
    # Then both are numbered 000001 within their bureau
    assert first.code == second.code == f"{reg.bureau.code_prefix}-{first.year}-000001"
    assert (first.bureau, second.bureau) == (reg.bureau, reg.other_bureau)


@pytest.mark.parametrize(
    ("utc", "year"),
    [
        (datetime.datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC), 2026),
        (datetime.datetime(2026, 12, 31, 16, 0, tzinfo=UTC), 2027),  # 00:00 on 1 Jan in Shanghai
    ],
)
def test_the_year_of_a_code_is_the_year_in_shanghai(reg, monkeypatch, utc, year):
    user = reg.users[Role.SCHOOL_OFFICER]
    before = report(user, reg.school_a, reg.item)  # this year's first, on today's date
    monkeypatch.setattr("django.utils.timezone.now", lambda: utc)
    hazard = report(user, reg.school_a, reg.item)
    prefix = reg.bureau.code_prefix
    expected_seq = 2 if year == before.year else 1
    assert (hazard.year, hazard.seq, hazard.code, hazard.found_on) == (
        year,
        expected_seq,
        f"{prefix}-{year}-{expected_seq:06d}",
        utc.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date(),
    )


def test_a_refused_report_does_not_use_up_a_code(reg):
    user = reg.users[Role.SCHOOL_OFFICER]
    with pytest.raises(ValidationError):
        report(user, reg.school_a, reg.item, responsible_person="")
    assert HazardCounter.objects.count() == 0
    assert report(user, reg.school_a, reg.item).seq == 1


# --- real concurrency (PostgreSQL) --------------------------------------------------------------


def at_once(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released together, each on its own connection;
    return each result or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=20)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_reports_get_gap_free_unique_codes(postgres, reg):
    # Given eight people of two schools of the bureau, each with their own connection
    people = [reg.users[Role.SCHOOL_OFFICER], reg.users[Role.PRINCIPAL], reg.school_b_user]
    schools = [reg.school_a, reg.school_a, reg.school_b]

    def work(i):
        user = User.objects.get(pk=people[i % 3].pk)
        return report(user, schools[i % 3], reg.item, description=f"隐患{i}").code

    # When all report at the same moment
    codes = at_once(8, work)
    assert [c for c in codes if not isinstance(c, str)] == []
    # Then the codes are exactly 000001..000008, none lost, none repeated
    year = days(0).year
    assert sorted(codes) == [f"{reg.bureau.code_prefix}-{year}-{n:06d}" for n in range(1, 9)]
    assert sorted(Hazard.objects.values_list("seq", flat=True)) == list(range(1, 9))
    assert HazardCounter.objects.get(bureau=reg.bureau, year=year).last == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_confirmations_of_one_version_one_wins(postgres, reg):
    # Given a new report, loaded at version 1 by the department and by the centre
    hazard = reg.make(Status.REPORTED)
    deciders = [reg.users[Role.DEPARTMENT_OFFICER], reg.users[Role.SAFETY_CENTRE]]

    def work(i):
        user = User.objects.get(pk=deciders[i].pk)
        return attempt(
            user,
            hazard,
            Action.CONFIRM,
            version=1,
            changes={"deadline": days(10 + i), **FIVE_IN_PLACE},
        )

    # When both confirm at the same moment
    outcomes = at_once(2, work)
    # Then exactly one succeeds and the other is told the hazard changed
    assert sorted(outcomes) == ["ok", "stale"]
    hazard.refresh_from_db()
    winner = outcomes.index("ok")
    assert (hazard.status, hazard.version, hazard.deadline) == (
        Status.ASSIGNED,
        2,
        days(10 + winner),
    )
    assert [(e.action, e.actor) for e in hazard.events.all()] == [
        (Action.REPORT, reg.users[Role.SCHOOL_OFFICER]),
        (Action.CONFIRM, deciders[winner]),
    ]
