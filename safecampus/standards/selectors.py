"""Reading security standards: a school's card, compliance figures, the "4个100%".

Figures for bureau-wide scopes come from ``StandardsTally`` (kept exact by every evaluation), so a
province's page counts a few hundred rows, not 40,000 cards. Everything goes through the scoped
querysets and ``access``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from safecampus.core.access import scope_for

from . import access, engine
from .choices import FindingStatus, Four100, Outcome, Pillar
from .facts import label as fact_label
from .models import Finding, RuleSet, SchoolStanding, StandardsTally

FOUR100_KEY = "4x100."


@dataclass
class CardLine:
    key: str
    title: str
    pillar: str
    outcome: str
    explanation: str = ""
    clause: str = ""
    rule_set: str = ""
    required: object = None
    actual: object = None
    missing: list[str] = field(default_factory=list)
    finding: Finding | None = None


def card(school) -> dict:
    """A school's 人防物防技防 card: each requirement's outcome under its bureau's rules, which
    rule set decided it, the explanation, the facts still missing, the open finding."""
    standing = SchoolStanding.objects.filter(school=school).first()
    effective = engine.effective_rules(school.bureau_id)
    names = dict(RuleSet.objects.values_list("code", "name"))
    findings = {
        f.key: f
        for f in Finding.objects.filter(school=school, status=FindingStatus.OPEN).select_related(
            "hazard"
        )
    }
    lines: dict[str, list[CardLine]] = {p: [] for p in Pillar.values}
    results = standing.results if standing else {}
    for key, candidates in effective.keys.items():
        res = results.get(key, {"o": Outcome.UNKNOWN})
        rule = next((c for c in candidates if c.id == res.get("r")), candidates[0])
        lines.setdefault(rule.pillar, []).append(
            CardLine(
                key=key,
                title=rule.title,
                pillar=rule.pillar,
                outcome=res["o"],
                explanation=res.get("why", ""),
                clause=rule.clause,
                rule_set=names.get(res.get("set", rule.set_code), rule.set_code),
                required=res.get("req"),
                actual=res.get("act"),
                missing=[fact_label(m) for m in res.get("missing", [])],
                finding=findings.get(key),
            )
        )
    return {
        "standing": standing,
        "pillars": [(p, Pillar(p).label, lines.get(p, [])) for p in Pillar.values],
        "mode": effective.mode,
        "four100": {
            part: getattr(standing, f"four_{part}", None) if standing else None
            for part in Four100.values
        },
    }


def _tally(user, **filters):
    bureaus = access.compliance_bureaus(scope_for(user))
    return StandardsTally.objects.filter(bureau_id__in=bureaus, **filters)


def by_rule(user, *, stage: str | None = None) -> list[dict]:
    """Per requirement: schools complying, failing, with facts missing, and the rate (of those
    it applies to) over the bureaus ``user`` reads whole."""
    qs = _tally(user).exclude(key__startswith=FOUR100_KEY)
    if stage:
        qs = qs.filter(stage=stage)
    rows: dict[str, dict] = defaultdict(lambda: dict.fromkeys(Outcome.values, 0))
    for key, outcome, n in (
        qs.values_list("key", "outcome").annotate(n=Sum("count")).values_list("key", "outcome", "n")
    ):
        rows[key][outcome] += n or 0
    out = []
    for key, counts in sorted(rows.items()):
        applies = counts[Outcome.PASS] + counts[Outcome.FAIL] + counts[Outcome.UNKNOWN]
        out.append(
            {
                "key": key,
                **counts,
                "applies": applies,
                "rate": round(100 * counts[Outcome.PASS] / applies, 1) if applies else None,
            }
        )
    return out


def by_stage(user, key: str | None = None) -> list[dict]:
    """Per school type: schools failing any requirement (or ``key``) and evaluated."""
    qs = _tally(user).exclude(key__startswith=FOUR100_KEY)
    if key:
        qs = qs.filter(key=key)
    rows: dict[str, dict] = defaultdict(lambda: dict.fromkeys(Outcome.values, 0))
    for stage, outcome, n in (
        qs.values("stage", "outcome").annotate(n=Sum("count")).values_list("stage", "outcome", "n")
    ):
        rows[stage][outcome] += n or 0
    return [{"stage": s, **c} for s, c in sorted(rows.items())]


def four100_rates(user) -> dict[str, dict]:
    """The "4个100%" of the bureaus ``user`` reads whole: per part, schools meeting it, all
    schools it was judged for, and the rate."""
    out = {part: {"pass": 0, "fail": 0, "unknown": 0} for part in Four100.values}
    for key, outcome, n in (
        _tally(user, key__startswith=FOUR100_KEY)
        .values("key", "outcome")
        .annotate(n=Sum("count"))
        .values_list("key", "outcome", "n")
    ):
        part = key[len(FOUR100_KEY) :]
        if part in out and outcome in out[part]:
            out[part][outcome] += n or 0
    for counts in out.values():
        total = counts["pass"] + counts["fail"] + counts["unknown"]
        counts["total"] = total
        counts["rate"] = round(100 * counts["pass"] / total, 1) if total else None
    return out


def open_findings_by_key(user) -> dict[str, int]:
    """Open findings per requirement among those ``user`` sees (a department: its own)."""
    return dict(
        Finding.objects.visible_to(user)
        .filter(status=FindingStatus.OPEN)
        .values("key")
        .annotate(n=Count("pk"))
        .values_list("key", "n")
    )


def failing_schools_q(key: str) -> Q:
    """The condition for schools with an open finding of ``key`` (the link behind a figure)."""
    return Q(pk__in=Finding.objects.filter(key=key, status=FindingStatus.OPEN).values("school_id"))
