"""The draw as a pure function: strata, proportions, minimum, reproducibility."""

import random
from decimal import Decimal

import pytest

from safecampus.spotchecks.draw import (
    draw,
    parse_stratum,
    sample_size,
    strata,
    stratum_key,
)


def population(*sizes):
    """``population(("d1", 30), ("d2", 7))``: ids numbered on from 1 across the strata."""
    out, n = [], 0
    for key, size in sizes:
        for _ in range(size):
            n += 1
            out.append([n, key])
    return out


@pytest.mark.parametrize(
    ("dept", "colour", "by_colour", "key"),
    [
        (12, "red", False, "d12"),
        (None, "red", False, "d-"),
        (12, "red", True, "d12/red"),
        (12, "", True, "d12/-"),
        (None, "", True, "d-/-"),
    ],
)
def test_stratum_keys_name_department_and_colour(dept, colour, by_colour, key):
    assert stratum_key(dept, colour, by_colour=by_colour) == key
    assert parse_stratum(key) == (dept, (colour or "") if by_colour else None)


@pytest.mark.parametrize(
    ("size", "proportion", "minimum", "n"),
    [
        (30, Decimal("0.1"), 0, 3),  # exactly 3, not ceil(3.0000000000000004) = 4
        (30, 0.1, 0, 3),  # a float proportion is taken as written
        (25, Decimal("0.1"), 0, 3),  # ceil(2.5)
        (7, Decimal("0.1"), 0, 1),  # ceil(0.7)
        (200, Decimal("0.125"), 1, 25),
        (5, Decimal("0.1"), 2, 2),  # the minimum lifts ceil(0.5) = 1 to 2
        (4, Decimal("0.1"), 10, 4),  # the minimum is capped at the stratum's size
        (3, Decimal("1"), 1, 3),
    ],
)
def test_sample_size_is_ceil_of_share_at_least_minimum_at_most_size(size, proportion, minimum, n):
    assert sample_size(size, proportion=proportion, minimum=minimum) == n


def test_each_stratum_is_drawn_by_its_own_seeded_generator():
    pop = population(("d1", 30), ("d2", 7), ("d-", 4))
    got = draw(pop, proportion=Decimal("0.1"), minimum=2, seed=42)
    expected = sorted(
        random.Random("42:d1").sample(list(range(1, 31)), 3)
        + random.Random("42:d2").sample(list(range(31, 38)), 2)
        + random.Random("42:d-").sample([38, 39, 40, 41], 2)
    )
    assert got == expected
    by_stratum = strata(pop)
    assert [sum(i in by_stratum[k] for i in got) for k in ("d1", "d2", "d-")] == [3, 2, 2]


def test_stratified_by_colour_draws_per_department_and_colour():
    pop = population(("d1/red", 10), ("d1/blue", 10), ("d2/red", 1))
    got = draw(pop, proportion=Decimal("0.2"), minimum=1, seed=7)
    keys = dict(pop)
    assert sorted(keys[i] for i in got) == ["d1/blue", "d1/blue", "d1/red", "d1/red", "d2/red"]


def test_same_seed_same_sample_whatever_the_order_of_the_population():
    pop = population(("d1", 100), ("d2", 50))
    shuffled = pop[:]
    random.Random(1).shuffle(shuffled)
    first = draw(pop, proportion=Decimal("0.1"), minimum=1, seed=2**62 + 5)
    assert draw(shuffled, proportion=Decimal("0.1"), minimum=1, seed=2**62 + 5) == first
    assert first == sorted(first) and len(first) == 15


def test_different_seed_different_sample():
    # 500 of 1,000: the chance of two seeds giving the same half is nil (1 in 10^299)
    pop = population(("d1", 1000))
    a = draw(pop, proportion=Decimal("0.5"), minimum=1, seed=1)
    b = draw(pop, proportion=Decimal("0.5"), minimum=1, seed=2)
    assert len(a) == len(b) == 500
    assert a != b


def test_empty_population_draws_nothing():
    assert draw([], proportion=Decimal("0.1"), minimum=1, seed=1) == []
