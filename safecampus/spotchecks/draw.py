"""The draw of a spot check: pure functions over the stored population, so that anyone can draw
again from the stored population and seed and get the same sample.

A population is a list of ``[hazard id, stratum key]`` pairs. A stratum key names the responsible
department (``d12``; ``d-`` for hazards without one) and, when the check is stratified by risk
colour too, the colour (``d12/red``; ``d12/-`` for a hazard not graded).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from decimal import Decimal

NO_DEPARTMENT = "-"
NO_COLOUR = "-"


def stratum_key(department_id: int | None, colour: str | None, *, by_colour: bool) -> str:
    dept = f"d{department_id}" if department_id else f"d{NO_DEPARTMENT}"
    return f"{dept}/{colour or NO_COLOUR}" if by_colour else dept


def parse_stratum(key: str) -> tuple[int | None, str | None]:
    """(department id or None, colour or None; "" for "not graded" when stratified by colour)."""
    dept, _sep, colour = key.partition("/")
    dept_id = None if dept[1:] == NO_DEPARTMENT else int(dept[1:])
    if not _sep:
        return dept_id, None
    return dept_id, "" if colour == NO_COLOUR else colour


def strata(population: Iterable) -> dict[str, list[int]]:
    """Stratum key → sorted hazard ids, keys sorted."""
    out: dict[str, list[int]] = {}
    for hazard_id, key in population:
        out.setdefault(key, []).append(int(hazard_id))
    return {key: sorted(out[key]) for key in sorted(out)}


def sample_size(size: int, *, proportion, minimum: int) -> int:
    """min(size, max(minimum, ceil(proportion × size))), with the proportion taken exactly
    (0.1 × 30 is 3, not 4)."""
    share = Decimal(str(proportion)) * size
    return min(size, max(int(minimum), math.ceil(share)))


def draw(population: Iterable, *, proportion, minimum: int, seed: int) -> list[int]:
    """The sample: per stratum, ``sample_size`` ids drawn by a generator seeded with
    ``"{seed}:{stratum}"`` from the sorted ids of the stratum; the result sorted."""
    chosen: list[int] = []
    for key, ids in strata(population).items():
        n = sample_size(len(ids), proportion=proportion, minimum=minimum)
        chosen.extend(random.Random(f"{seed}:{key}").sample(ids, n))
    return sorted(chosen)
