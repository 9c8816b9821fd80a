"""The serial of the documents a bureau sends (the 12 of 闵教安〔2026〕12号): 1, 2, 3… per
bureau and Shanghai year, without gaps; a rolled-back document gives its serial back."""

import pytest
from django.db import transaction

from safecampus.core.testing import BureauFactory
from safecampus.orgs.models import DocumentCounter
from safecampus.orgs.services import document_number, next_document_serial

pytestmark = pytest.mark.django_db


def test_serials_count_per_bureau_and_year():
    a, b = BureauFactory(), BureauFactory()
    assert [next_document_serial(a, 2026) for _n in range(3)] == [1, 2, 3]
    assert [next_document_serial(b, 2026) for _n in range(2)] == [1, 2]
    assert next_document_serial(a, 2027) == 1
    assert next_document_serial(a, 2026) == 4


def test_a_new_shanghai_year_starts_again_at_one(clock):
    bureau = BureauFactory(doc_number_prefix="闵教安")
    clock.move_to("2026-12-31 23:30")
    assert document_number(bureau) == ("闵教安〔2026〕1号", 1)
    assert document_number(bureau) == ("闵教安〔2026〕2号", 2)
    # 00:30 on 1 January in Shanghai is still 31 December in UTC: the year is Shanghai's
    clock.move_to("2027-01-01 00:30")
    assert document_number(bureau) == ("闵教安〔2027〕1号", 1)
    assert document_number(bureau, clock.now) == ("闵教安〔2027〕2号", 2)


def test_a_rolled_back_document_gives_its_serial_back():
    bureau = BureauFactory()
    assert next_document_serial(bureau, 2026) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_document_serial(bureau, 2026) == 2
        raise RuntimeError("the document was not stored")
    assert next_document_serial(bureau, 2026) == 2


def test_a_bureau_without_a_prefix_takes_no_number(clock):
    bureau = BureauFactory(doc_number_prefix="")
    assert document_number(bureau) == ("", None)
    assert not DocumentCounter.objects.filter(bureau=bureau).exists()
