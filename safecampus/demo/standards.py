"""Security standards of the demo district (人防、物防、技防): the shipped rule sets, a policy
for 闵行区 (Shanghai over the national standard, take the stricter), a sheet of security facts
for its schools, the first evaluation and two findings already turned into hazards.

The facts are written in bulk (one revision each, as an import would leave them), then
``services.evaluate_bureau`` judges every school as the nightly run does. Most schools comply;
some are short of a night guard, some keep video only 15 days, the demo kindergarten is missing
its peak-hour guards, and one school has not filled in its sheet yet. Everything is relative to
the day the demo is seeded on, so the alarm tests are recent on any date.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.orgs.models import School
from safecampus.standards import services
from safecampus.standards.choices import FactsAction, FactsStatus, FindingStatus, PolicyMode
from safecampus.standards.facts import GATE_NAMES, KEPT_NAMES
from safecampus.standards.loading import ensure_policy, load_rule_sets
from safecampus.standards.models import FactsRevision, Finding, GateFacts, SecurityFacts

#: shares of the district's schools with one shortfall each (the rest comply)
SHORT_NIGHT, SHORT_VIDEO = 0.08, 0.06


def compliant(today: datetime.date, rng: random.Random, school) -> tuple[dict, list[dict]]:
    """Facts that comply with the Shanghai and national rule sets for ``school``."""
    gates = school.gate_count or 1
    night = 2 if school.boarding else 1
    peak = 2 * gates + 2
    gate_rows = [
        {
            "guards_day": 2 if g else 3,
            "guards_night": night if g == 0 else 0,
            "guards_peak": peak // gates + (peak % gates if g == 0 else 0),
            "barrier": True,
            "video": True,
            "video_linked": True,
            "alarm": True,
        }
        for g in range(gates)
    ]
    day = sum(r["guards_day"] for r in gate_rows)
    total = day + night + 1
    values = {
        "guards_fulltime": True,
        "guards_total": total,
        "guards_certified": total,
        "guard_max_age": rng.randint(42, 54),
        "guard_training_on": today - datetime.timedelta(days=rng.randint(20, 200)),
        "gatehouse_24h": True,
        "patrols_per_day": rng.choice([5, 6, 6, 8]),
        "escort_members": rng.randint(5, 12),
        "escort_led_by_leader": True,
        "escort_with_police": True,
        "dorm_managers": 2 if school.boarding else 0,
        "safety_teachers": rng.choice([1, 1, 2]),
        "closed_management": True,
        "lab_security_door": True,
        "lab_safe": True,
        "alarm_installed": True,
        "alarm_linked": True,
        "alarm_tested_on": today - datetime.timedelta(days=rng.randint(1, 25)),
        "perimeter_alarm": True,
        "perimeter_armed_24h": True,
        "video_days": rng.choice([30, 30, 60, 90]),
        "video_canteen": True,
        "video_canteen_linked": True,
        "video_lab": True,
        "lab_intrusion": True,
        "video_dorm": True,
        "food_trace_online": True,
    }
    return values, gate_rows


def profile(
    i: int, school, *, kindergarten_id: int, keep: frozenset, today, rng
) -> tuple[dict, list[dict]]:
    values, gates = compliant(today, rng, school)
    spread = (i * 37) % 100  # spread the shortfalls over the list, whatever its length
    if school.pk == kindergarten_id:
        for gate in gates:  # the peak-hour guards not added on top of 一门两保安
            gate["guards_peak"] = 2
    elif school.pk in keep:
        pass
    elif spread < SHORT_NIGHT * 100:
        for gate in gates:
            gate["guards_night"] = 0
    elif spread < (SHORT_NIGHT + SHORT_VIDEO) * 100:
        values["video_days"] = 15
    return values, gates


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def write_facts(
    schools, *, now, kindergarten_id: int = 0, keep=frozenset(), seed: int = 2026
) -> int:
    """Facts, gate facts and a first revision for ``schools``, in bulk (``keep``: ids of
    schools left compliant). Returns the count."""
    rng = random.Random(seed)
    today = timezone.localdate(now)
    facts, gate_rows, revisions = [], [], []
    for i, school in enumerate(schools):
        values, gates = profile(
            i, school, kindergarten_id=kindergarten_id, keep=keep, today=today, rng=rng
        )
        facts.append(
            SecurityFacts(
                school=school,
                bureau_id=school.bureau_id,
                version=1,
                status=FactsStatus.SUBMITTED,
                updated_at=now,
                **values,
            )
        )
        named = []
        for n, gate in enumerate(gates, start=1):
            row = GateFacts(school=school, position=n, name=f"{n}号门", **gate)
            gate_rows.append(row)
            named.append({"position": n, "name": row.name, **gate})
        revisions.append(
            FactsRevision(
                school=school,
                bureau_id=school.bureau_id,
                number=1,
                action=FactsAction.IMPORT,
                at=now,
                actor_role="import",
                status=FactsStatus.SUBMITTED,
                data={
                    "school": {k: _plain(values.get(k)) for k in KEPT_NAMES},
                    "gates": [
                        {k: g.get(k) for k in ("position", "name", *GATE_NAMES)} for g in named
                    ],
                },
            )
        )
    SecurityFacts.objects.bulk_create(facts, batch_size=1000)
    GateFacts.objects.bulk_create(gate_rows, batch_size=1000)
    FactsRevision.objects.bulk_create(revisions, batch_size=1000)
    return len(facts)


INTERIM = {
    "interim_measures": "整改到位前由学校行政人员在夜间和上放学时段轮流补位值守",
    "interim_person": "分管安全副校长",
}


def seed_demo_standards(*, district, now=None) -> dict:
    now = now or timezone.now()
    load_rule_sets(now=now)
    ensure_policy(district, ["shanghai", "gb29315"], PolicyMode.STRICTER)
    schools = list(School.objects.filter(bureau=district, is_active=True).order_by("pk"))
    kg_user = User.objects.filter(username="kg").first()
    kindergarten = kg_user.role_assignments.first().school if kg_user else None
    demo_users = {
        ra.school_id
        for u in User.objects.filter(username__in=["school", "kg"])
        for ra in u.role_assignments.all()
    }
    # one school has not filled in its sheet yet (not one of the demo accounts' schools)
    blank = next((s for s in reversed(schools) if s.pk not in demo_users), None)
    written = write_facts(
        [s for s in schools if blank is None or s.pk != blank.pk],
        now=now,
        kindergarten_id=kindergarten.pk if kindergarten else 0,
        keep=frozenset(demo_users),
    )
    totals = services.evaluate_bureau(district, now=now)
    # two findings already in the hazard register, raised by the safety centre
    centre = User.objects.filter(username="centre").first()
    hazards = 0
    if centre is not None:
        picked = []
        for key in ("guards.night", "video.days"):
            finding = (
                Finding.objects.filter(bureau=district, key=key, status=FindingStatus.OPEN)
                .order_by("pk")
                .first()
            )
            if finding is not None:
                picked.append(finding.pk)
        if picked:
            interim = {
                **INTERIM,
                "interim_unit": "闵行区教育局安全管理中心",
                "interim_deadline": timezone.localdate(now) + datetime.timedelta(days=30),
            }
            hazards = len(
                services.raise_hazards(actor=centre, finding_ids=picked, interim=interim, now=now)
            )
    return {
        "schools": len(schools),
        "facts": written,
        "blank": blank.name if blank else "",
        "findings": Finding.objects.filter(bureau=district, status=FindingStatus.OPEN).count(),
        "hazards": hazards,
        **{k: v for k, v in totals.items() if k != "schools"},
    }
