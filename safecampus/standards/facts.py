"""The facts rules are written over (DOMAIN.md §8), and the one place they are named.

Three kinds, one namespace:

- **kept facts** (``SCHOOL_FACTS``): what a school records and a department verifies, one
  column each on ``SecurityFacts``; ``None`` means "not yet recorded";
- **gate facts** (``GATE_FACTS``): recorded per gate (``GateFacts``), offered to rules as sums,
  minimums and counts over the school's gates (``guards_day``, ``min_guards_day_per_gate``,
  ``gates_without_barrier``, …);
- **organisation facts**: what ``orgs.School`` already holds (stage, students, boarders, gates,
  canteen, chemistry lab), reused, not copied; and facts derived from a date
  (``days_since_alarm_test``).

A rule naming a fact outside this registry is refused when it is published. A fact that is
``None`` makes a rule that reads it "facts missing" (never a finding).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import Pillar

INT, BOOL, DATE, TEXT = "int", "bool", "date", "text"


@dataclass(frozen=True)
class Fact:
    name: str
    label: object
    type: str
    pillar: str = ""
    unit: object = ""
    min: int | None = None
    max: int | None = None
    help: object = ""

    def check(self, value) -> str | None:
        """Why ``value`` is out of range, or ``None``."""
        if value is None or self.type != INT:
            return None
        if self.min is not None and value < self.min:
            return str(_("must be at least %(n)s")) % {"n": self.min}
        if self.max is not None and value > self.max:
            return str(_("must be at most %(n)s")) % {"n": self.max}
        return None


P, PH, T = Pillar.PEOPLE, Pillar.PHYSICAL, Pillar.TECHNICAL

#: kept per school: one nullable column each on ``SecurityFacts``
SCHOOL_FACTS: tuple[Fact, ...] = (
    # 人防
    Fact(
        "guards_fulltime", _("Guards employed full-time from a licensed security company"), BOOL, P
    ),
    Fact("guards_total", _("Guards employed"), INT, P, _("persons"), 0, 200),
    Fact(
        "guards_certified",
        _("Guards holding a security guard certificate"),
        INT,
        P,
        _("persons"),
        0,
        200,
    ),
    Fact("guard_max_age", _("Age of the oldest guard"), INT, P, _("years"), 16, 80),
    Fact("guard_training_on", _("Last professional training of the guards"), DATE, P),
    Fact("gatehouse_24h", _("Gatehouse staffed 24 hours"), BOOL, P),
    Fact("patrols_per_day", _("Patrols of key areas per day"), INT, P, _("times"), 0, 100),
    Fact(
        "escort_members", _("Members of the 护学岗 / 安全护卫队 team"), INT, P, _("persons"), 0, 500
    ),
    Fact("escort_led_by_leader", _("The team is led by a school leader"), BOOL, P),
    Fact("escort_with_police", _("护学岗 at peak hours with the police"), BOOL, P),
    Fact("dorm_managers", _("Dormitory managers"), INT, P, _("persons"), 0, 500),
    Fact("safety_teachers", _("Public safety education teachers"), INT, P, _("persons"), 0, 200),
    # 物防
    Fact(
        "closed_management",
        _("Closed management: gates locked outside pick-up and drop-off"),
        BOOL,
        PH,
    ),
    Fact("lab_security_door", _("Chemistry lab and hazardous store: security door"), BOOL, PH),
    Fact("lab_safe", _("Chemistry lab and hazardous store: safe"), BOOL, PH),
    # 技防
    Fact("alarm_installed", _("One-button alarm installed"), BOOL, T),
    Fact("alarm_linked", _("One-button alarm linked to the police"), BOOL, T),
    Fact("alarm_tested_on", _("Last test of the one-button alarm"), DATE, T),
    Fact("perimeter_alarm", _("Perimeter intrusion alarm installed"), BOOL, T),
    Fact("perimeter_armed_24h", _("Perimeter intrusion alarm armed 24 hours"), BOOL, T),
    Fact("video_days", _("Days video is kept"), INT, T, _("days"), 0, 3650),
    Fact("video_canteen", _("Video in the canteen"), BOOL, T),
    Fact("video_canteen_linked", _("Canteen video linked to the bureau centre"), BOOL, T),
    Fact("video_lab", _("Video in the chemistry lab and hazardous store"), BOOL, T),
    Fact(
        "lab_intrusion", _("Intrusion detector in the chemistry lab and hazardous store"), BOOL, T
    ),
    Fact("video_dorm", _("Video at the dormitories"), BOOL, T),
    Fact("food_trace_online", _("Online on the food traceability platform"), BOOL, T),
)

#: kept per gate (``GateFacts``)
GATE_FACTS: tuple[Fact, ...] = (
    Fact("guards_day", _("Guards by day"), INT, P, _("persons"), 0, 50),
    Fact("guards_night", _("Guards at night"), INT, P, _("persons"), 0, 50),
    Fact("guards_peak", _("Guards at pick-up and drop-off peaks"), INT, P, _("persons"), 0, 50),
    Fact("barrier", _("Hard anti-ramming barrier"), BOOL, PH),
    Fact("video", _("Video at the gate"), BOOL, T),
    Fact("video_linked", _("Gate video linked to the bureau centre"), BOOL, T),
    Fact("alarm", _("One-button alarm at the gatehouse"), BOOL, T),
)

#: offered to rules from the school's gates
GATE_AGGREGATES: tuple[Fact, ...] = (
    Fact("guards_day", _("Guards by day, all gates"), INT, P, _("persons")),
    Fact("guards_night", _("Guards at night, all gates"), INT, P, _("persons")),
    Fact("guards_peak", _("Guards at peaks, all gates"), INT, P, _("persons")),
    Fact(
        "min_guards_day_per_gate",
        _("Guards by day at the least staffed gate"),
        INT,
        P,
        _("persons"),
    ),
    Fact("gates_without_barrier", _("Gates without an anti-ramming barrier"), INT, PH, _("gates")),
    Fact("gates_without_video", _("Gates without video"), INT, T, _("gates")),
    Fact(
        "gates_video_unlinked",
        _("Gates whose video is not linked to the centre"),
        INT,
        T,
        _("gates"),
    ),
    Fact("gates_without_alarm", _("Gatehouses without a one-button alarm"), INT, T, _("gates")),
)

#: reused from ``orgs.School`` and derived from the date of the evaluation
ORG_FACTS: tuple[Fact, ...] = (
    Fact("stage", _("Stage / type"), TEXT),
    Fact("students", _("Students"), INT, unit=_("persons")),
    Fact("boarders", _("Boarders"), INT, unit=_("persons")),
    Fact("non_boarders", _("Students who do not board"), INT, unit=_("persons")),
    Fact("boarding", _("Boarding school"), BOOL),
    Fact("gate_count", _("Gates"), INT, unit=_("gates")),
    Fact("has_canteen", _("Canteen"), BOOL),
    Fact("has_chem_lab", _("Chemistry lab"), BOOL),
    Fact("primary_or_kindergarten", _("Primary school or kindergarten"), BOOL),
    Fact("guards_uncertified", _("Guards without a certificate"), INT, P, _("persons")),
    Fact("days_since_alarm_test", _("Days since the alarm was tested"), INT, T, _("days")),
    Fact("days_since_guard_training", _("Days since the guards were trained"), INT, P, _("days")),
)

SCHOOL_FACT = {f.name: f for f in SCHOOL_FACTS}
GATE_FACT = {f.name: f for f in GATE_FACTS}
#: every name a rule may read, with its type
RULE_FACTS: dict[str, Fact] = {
    **{f.name: f for f in SCHOOL_FACTS if f.type != DATE},
    **{f.name: f for f in GATE_AGGREGATES},
    **{f.name: f for f in ORG_FACTS},
}
KEPT_NAMES = tuple(f.name for f in SCHOOL_FACTS)
GATE_NAMES = tuple(f.name for f in GATE_FACTS)

PRIMARY_OR_KINDERGARTEN = frozenset({"primary", "kindergarten", "nine_year", "twelve_year"})


def _sum(values):
    return None if any(v is None for v in values) or not values else sum(values)


def _count_false(values):
    return None if any(v is None for v in values) or not values else sum(1 for v in values if not v)


def context_for(school, facts: dict, gates: list[dict], today: datetime.date) -> dict:
    """The values a rule reads for ``school``: its kept facts (``facts``, by name), its gates'
    facts (one dict per gate, as many as the school has gates; a gate not yet recorded is
    missing) and its organisation facts, as of ``today``."""
    ctx = {name: facts.get(name) for name in KEPT_NAMES}
    gate_count = school.gate_count or 0
    rows = list(gates)[:gate_count]
    rows += [dict.fromkeys(GATE_NAMES) for _ in range(gate_count - len(rows))]

    def column(name):
        return [g.get(name) for g in rows]

    ctx["guards_day"] = _sum(column("guards_day"))
    ctx["guards_night"] = _sum(column("guards_night"))
    ctx["guards_peak"] = _sum(column("guards_peak"))
    day = column("guards_day")
    ctx["min_guards_day_per_gate"] = None if not day or None in day else min(day)
    ctx["gates_without_barrier"] = _count_false(column("barrier"))
    ctx["gates_without_video"] = _count_false(column("video"))
    ctx["gates_video_unlinked"] = _count_false(
        [
            (g.get("video") and g.get("video_linked")) if g.get("video") is not None else None
            for g in rows
        ]
    )
    ctx["gates_without_alarm"] = _count_false(column("alarm"))
    ctx.update(
        stage=school.stage,
        students=school.students,
        boarders=school.boarders if school.boarding else 0,
        non_boarders=max(school.students - (school.boarders if school.boarding else 0), 0),
        boarding=bool(school.boarding),
        gate_count=gate_count,
        has_canteen=bool(school.has_canteen),
        has_chem_lab=bool(school.has_chem_lab),
        primary_or_kindergarten=school.stage in PRIMARY_OR_KINDERGARTEN,
    )
    total, certified = ctx["guards_total"], ctx["guards_certified"]
    ctx["guards_uncertified"] = (
        None if total is None or certified is None else max(total - certified, 0)
    )
    ctx["days_since_alarm_test"] = _days(ctx.pop("alarm_tested_on"), today)
    ctx["days_since_guard_training"] = _days(ctx.pop("guard_training_on"), today)
    return ctx


def _days(value, today):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return max((today - value).days, 0)


def label(name: str) -> str:
    fact = RULE_FACTS.get(name) or SCHOOL_FACT.get(name) or GATE_FACT.get(name)
    return str(fact.label) if fact else name
