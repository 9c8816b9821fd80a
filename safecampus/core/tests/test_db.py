"""Write transactions that queue for SQLite's lock instead of failing under a burst."""

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError, connection, transaction

from safecampus.core.db import in_write_transaction

pytestmark = pytest.mark.django_db(transaction=True)  # retries happen outside any transaction


def _locked_then(result, failures: int):
    calls = []

    def fn():
        calls.append(1)
        Group.objects.create(name=f"区{len(calls)}")
        if len(calls) <= failures:
            raise OperationalError("database is locked")
        return result

    return fn, calls


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's lock only")
def test_a_locked_write_is_run_again_and_its_failed_attempt_left_nothing():
    fn, calls = _locked_then("done", failures=2)
    assert in_write_transaction(fn) == "done"
    assert len(calls) == 3
    # the two failed attempts rolled back: only the third attempt's row is there
    assert list(Group.objects.filter(name__startswith="区").values_list("name", flat=True)) == [
        "区3"
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's lock only")
def test_retries_are_bounded():
    fn, calls = _locked_then("done", failures=10)
    with pytest.raises(OperationalError):
        in_write_transaction(fn, retries=2)
    assert len(calls) == 3
    assert not Group.objects.filter(name__startswith="区").exists()


def test_other_database_errors_are_not_retried():
    calls = []

    def fn():
        calls.append(1)
        raise OperationalError("no such column: x")

    with pytest.raises(OperationalError):
        in_write_transaction(fn)
    assert len(calls) == 1


def test_inside_an_outer_transaction_nothing_is_retried():
    fn, calls = _locked_then("done", failures=1)
    with pytest.raises(OperationalError), transaction.atomic():
        in_write_transaction(fn)
    assert len(calls) == 1
