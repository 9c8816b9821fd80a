"""Reading security standards: a school's card, compliance figures, the "4个100%".

Figures for bureau-wide scopes come from ``StandardsTally`` (kept exact by every evaluation), so a
province's page counts a few hundred rows, not 40,000 cards. Everything goes through the scoped
querysets and ``access``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.urls import reverse

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
    tagged = {effective.four100_of(key) for key in effective.keys}
    return {
        "standing": standing,
        "pillars": [(p, Pillar(p).label, lines.get(p, [])) for p in Pillar.values],
        #: the parts of the "4个100%" no rule of the bureau counts toward
        "four100_unset": {part for part in Four100.values if part not in tagged},
        "mode": effective.mode,
        "four100": {
            part: getattr(standing, f"four_{part}", None) if standing else None
            for part in Four100.values
        },
    }


# --- the compliance pages, the export and the dashboard -----------------------------------------

#: the SchoolStanding field of each part of the "4个100%"
FOUR100_FIELDS = {part: f"four_{part}" for part in Four100.values}
#: bureaus whose titles are read from their effective rules (more are named from any rule)
TITLE_BUREAUS = 5


def figure_bureaus(user, bureau_id: int | None = None) -> frozenset[int]:
    """The bureaus whose whole figures ``user`` reads (optionally narrowed to one)."""
    ids = access.compliance_bureaus(scope_for(user))
    if bureau_id:
        ids = ids & {int(bureau_id)}
    return frozenset(ids)


def reads_whole(user) -> bool:
    """True for the bureau-wide roles; a department reads its own findings' figures only."""
    return bool(access.compliance_bureaus(scope_for(user)))


def card_bureaus(user, bureau_id: int | None = None) -> frozenset[int]:
    """The bureaus whose every card ``user`` reads (a department too): the "4个100%"."""
    ids = access.card_bureaus(scope_for(user))
    if bureau_id:
        ids = ids & {int(bureau_id)}
    return frozenset(ids)


def requirement_info(bureau_ids, keys=()) -> dict[str, dict]:
    """{key: {"title", "pillar", "clause", "sort"}} from the bureaus' effective rules (the first
    few bureaus with a policy); a key none of them has is named from any published rule."""
    from .models import Rule, StandardsPolicy

    info: dict[str, dict] = {}
    with_policy = list(
        StandardsPolicy.objects.filter(bureau_id__in=sorted(bureau_ids))
        .order_by("bureau_id")
        .values_list("bureau_id", flat=True)[:TITLE_BUREAUS]
    )
    for bureau_id in with_policy:
        for n, (key, candidates) in enumerate(engine.effective_rules(bureau_id).keys.items()):
            first = candidates[0]
            info.setdefault(
                key,
                {
                    "title": first.title,
                    "pillar": first.pillar,
                    "clause": first.clause,
                    "sets": [c.set_name for c in candidates],
                    "sort": n,
                },
            )
    lacking = sorted(set(keys) - set(info))
    if lacking:
        for key, title, pillar, clause in (
            Rule.objects.filter(key__in=lacking)
            .order_by("key", "-version__number")
            .values_list("key", "title", "pillar", "clause")
        ):
            info.setdefault(
                key,
                {"title": title, "pillar": pillar, "clause": clause, "sets": [], "sort": 999},
            )
    return info


def rule_set_names(bureau_ids) -> list[str]:
    """The rule sets the bureaus apply, in policy order (for "rule sets applied")."""
    from .models import PolicyRuleSet

    return list(
        dict.fromkeys(
            PolicyRuleSet.objects.filter(policy__bureau_id__in=sorted(bureau_ids))
            .order_by("policy__bureau_id", "position")
            .values_list("rule_set__name", flat=True)
        )
    )


def schools_url(**params) -> str:
    """The list of schools (or ``rows="findings"``: open findings) a figure counts."""
    query = {k: str(v) for k, v in params.items() if v not in (None, "", False)}
    return reverse("standards:compliance_schools") + ("?" + urlencode(query) if query else "")


def standings_url(**params) -> str:
    query = {k: str(v) for k, v in params.items() if v not in (None, "", False)}
    return reverse("standards:compliance_standings") + ("?" + urlencode(query) if query else "")


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def requirement_rows(user, *, stage: str | None = None, bureau_id: int | None = None) -> dict:
    """Per requirement, for the compliance page and the export.

    Bureau-wide roles: complying, failing, facts missing and not applicable from the tally, the
    rate of those it applies to, the failing count linked to exactly those schools. A
    department: the open findings that go to it, per requirement (``whole`` False)."""
    whole = reads_whole(user)
    params = {"stage": stage, "bureau": bureau_id}
    if whole:
        bureaus = figure_bureaus(user, bureau_id)
        qs = StandardsTally.objects.filter(bureau_id__in=bureaus).exclude(
            key__startswith=FOUR100_KEY
        )
        if stage:
            qs = qs.filter(stage=stage)
        counts: dict[str, dict] = defaultdict(lambda: dict.fromkeys(Outcome.values, 0))
        for key, outcome, n in (
            qs.values("key", "outcome").annotate(n=Sum("count")).values_list("key", "outcome", "n")
        ):
            if outcome in Outcome.values:
                counts[key][outcome] += n or 0
    else:
        bureaus = card_bureaus(user, bureau_id)
        fq = Finding.objects.visible_to(user).filter(status=FindingStatus.OPEN)
        if stage:
            fq = fq.filter(school__stage=stage)
        if bureau_id:
            fq = fq.filter(bureau_id=bureau_id)
        counts = defaultdict(lambda: dict.fromkeys(Outcome.values, 0))
        for key, n in fq.values("key").annotate(n=Count("pk")).values_list("key", "n"):
            counts[key][Outcome.FAIL] = n
    info = requirement_info(bureaus, counts.keys())
    rows = []
    for key, c in counts.items():
        meta = info.get(key, {"title": key, "pillar": "", "clause": "", "sets": [], "sort": 999})
        applies = c[Outcome.PASS] + c[Outcome.FAIL] + c[Outcome.UNKNOWN]
        rows.append(
            {
                "key": key,
                **meta,
                "pillar_label": str(Pillar(meta["pillar"]).label) if meta["pillar"] else "",
                "pass": c[Outcome.PASS],
                "fail": c[Outcome.FAIL],
                "unknown": c[Outcome.UNKNOWN],
                "na": c[Outcome.NA],
                "applies": applies,
                "rate": _rate(c[Outcome.PASS], applies) if whole else None,
                "fail_url": schools_url(key=key, **params),
            }
        )
    rows.sort(
        key=lambda r: (Pillar.values.index(r["pillar"]) if r["pillar"] else 9, r["sort"], r["key"])
    )
    return {"whole": whole, "rows": rows, "bureaus": bureaus}


def stage_rows(user, *, bureau_id: int | None = None) -> list[dict]:
    """Per school type: requirement results by outcome (a school counts once per requirement),
    failing linked to those open findings; a department: its open findings per type."""
    from safecampus.orgs.choices import SchoolStage

    labels = dict(SchoolStage.choices)
    counts: dict[str, dict] = defaultdict(lambda: dict.fromkeys(Outcome.values, 0))
    whole = reads_whole(user)
    if whole:
        qs = StandardsTally.objects.filter(bureau_id__in=figure_bureaus(user, bureau_id)).exclude(
            key__startswith=FOUR100_KEY
        )
        for stage, outcome, n in (
            qs.values("stage", "outcome")
            .annotate(n=Sum("count"))
            .values_list("stage", "outcome", "n")
        ):
            if outcome in Outcome.values:
                counts[stage][outcome] += n or 0
    else:
        fq = Finding.objects.visible_to(user).filter(status=FindingStatus.OPEN)
        if bureau_id:
            fq = fq.filter(bureau_id=bureau_id)
        for stage, n in (
            fq.values("school__stage").annotate(n=Count("pk")).values_list("school__stage", "n")
        ):
            counts[stage][Outcome.FAIL] = n
    out = []
    for stage, c in sorted(
        counts.items(), key=lambda kv: list(labels).index(kv[0]) if kv[0] in labels else 99
    ):
        applies = c[Outcome.PASS] + c[Outcome.FAIL] + c[Outcome.UNKNOWN]
        out.append(
            {
                "stage": stage,
                "label": str(labels.get(stage, stage)),
                "pass": c[Outcome.PASS],
                "fail": c[Outcome.FAIL],
                "unknown": c[Outcome.UNKNOWN],
                "na": c[Outcome.NA],
                "rate": _rate(c[Outcome.PASS], applies) if whole else None,
                "fail_url": schools_url(stage=stage, bureau=bureau_id, rows="findings"),
                "page_url": reverse("standards:compliance") + "?" + urlencode({"stage": stage}),
            }
        )
    return out


def four100_parts(bureau_ids) -> set[str]:
    """The parts of the "4个100%" some requirement of the bureaus' effective rules counts toward
    (the first few bureaus with a policy, as for the titles): a part none counts is not set by
    the rule sets they apply, which is not the same as no school meeting it."""
    from .models import StandardsPolicy

    parts: set[str] = set()
    for bureau_id in (
        StandardsPolicy.objects.filter(bureau_id__in=sorted(bureau_ids))
        .order_by("bureau_id")
        .values_list("bureau_id", flat=True)[:TITLE_BUREAUS]
    ):
        effective = engine.effective_rules(bureau_id)
        parts.update(filter(None, (effective.four100_of(key) for key in effective.keys)))
    return parts


def four100_figures(user, *, bureau_id: int | None = None, stage: str | None = None) -> list[dict]:
    """The "4个100%" of every card ``user`` reads, from the tally: per part the schools
    meeting it, missing it (linked to exactly those), not known, the total and the rate."""
    counts = {part: dict.fromkeys(Outcome.values, 0) for part in Four100.values}
    qs = StandardsTally.objects.filter(
        bureau_id__in=card_bureaus(user, bureau_id), key__startswith=FOUR100_KEY
    )
    if stage:
        qs = qs.filter(stage=stage)
    for key, outcome, n in (
        qs.values("key", "outcome").annotate(n=Sum("count")).values_list("key", "outcome", "n")
    ):
        part = key[len(FOUR100_KEY) :]
        if part in counts and outcome in counts[part]:
            counts[part][outcome] += n or 0
    out = []
    bureaus = card_bureaus(user, bureau_id)
    tagged: set[str] | None = None
    for part in Four100.values:
        c = counts[part]
        total = c[Outcome.PASS] + c[Outcome.FAIL] + c[Outcome.UNKNOWN]
        unset = False
        # a part no school is counted toward, while others are: is it set at all? (nothing
        # counted yet: no school has been evaluated, nothing to say)
        if total == 0 and any(any(c.values()) for c in counts.values()):
            if tagged is None:
                tagged = four100_parts(bureaus)
            unset = part not in tagged
        out.append(
            {
                "part": part,
                "unset": unset,
                "label": str(Four100(part).label),
                "pass": c[Outcome.PASS],
                "fail": c[Outcome.FAIL],
                "unknown": c[Outcome.UNKNOWN],
                "total": total,
                "rate": _rate(c[Outcome.PASS], total),
                "fail_url": standings_url(four=part, bureau=bureau_id, stage=stage),
            }
        )
    return out


def standings(
    user,
    *,
    stage: str | None = None,
    failing: bool = False,
    four: str | None = None,
    bureau_id: int | None = None,
):
    """The cards ``user`` reads of the bureaus whose figures it reads, most failing first."""
    qs = SchoolStanding.objects.visible_to(user).filter(bureau_id__in=card_bureaus(user, bureau_id))
    if stage:
        qs = qs.filter(stage=stage)
    if failing:
        qs = qs.filter(failing__gt=0)
    if four in FOUR100_FIELDS:
        qs = qs.filter(**{FOUR100_FIELDS[four]: False})
    return (
        qs.select_related("school")
        .defer("results")
        .order_by("-failing", "-unknown", "school__name", "pk")
    )


def open_findings(
    user,
    *,
    key: str | None = None,
    stage: str | None = None,
    bureau_id: int | None = None,
    department_id: int | None = None,
    no_hazard: bool = False,
):
    """The open findings ``user`` sees, narrowed (the rows behind a failing figure)."""
    qs = Finding.objects.visible_to(user).filter(status=FindingStatus.OPEN)
    if key:
        qs = qs.filter(key=key)
    if stage:
        qs = qs.filter(school__stage=stage)
    if bureau_id:
        qs = qs.filter(bureau_id=bureau_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if no_hazard:
        qs = qs.filter(hazard__isnull=True)
    return qs


def failing_schools(user, **filters):
    """The schools with an open finding among ``open_findings(user, **filters)``, with how many
    each has, by name."""
    from safecampus.orgs.models import School

    findings = open_findings(user, **filters)
    return (
        School.objects.filter(pk__in=findings.values("school_id"))
        .annotate(
            open_n=Subquery(
                findings.filter(school_id=OuterRef("pk"))
                .order_by()
                .values("school_id")
                .annotate(c=Count("pk"))
                .values("c")[:1]
            )
        )
        .order_by("name", "pk")
    )


def dashboard_figures(
    user, *, bureau_id: int | None = None, stage: str = "", department_id: int | None = None
) -> dict:
    """The dashboard's 人防物防技防 card as plain values: the "4个100%" (the tally) and the
    schools with open findings and the open findings not yet hazards (the findings ``user``
    sees, narrowed like the dashboard), each with the link to exactly its rows."""
    params = {"bureau": bureau_id, "stage": stage, "department": department_id}
    row = open_findings(
        user, stage=stage or None, bureau_id=bureau_id, department_id=department_id
    ).aggregate(
        schools=Count("school_id", distinct=True),
        findings=Count("pk"),
        no_hazard=Count("pk", filter=Q(hazard__isnull=True)),
    )
    return {
        "four100": four100_figures(user, bureau_id=bureau_id, stage=stage or None),
        "schools": {"n": row["schools"] or 0, "url": schools_url(**params)},
        "findings": {"n": row["findings"] or 0, "url": schools_url(rows="findings", **params)},
        "no_hazard": {
            "n": row["no_hazard"] or 0,
            "url": schools_url(rows="findings", nohazard=1, **params),
        },
    }


def facts_evidence(user, pk):
    """An evidence file of a facts revision ``user`` sees, for the page and the API alike (a
    file of a revision outside the scope, or none, ``Http404``; a role that does not reach
    security standards ``PermissionDenied``)."""
    from django.http import Http404

    from safecampus.core.access import require
    from safecampus.core.capabilities import STANDARDS_VIEW

    from .models import FactsEvidence, FactsRevision

    require(user, STANDARDS_VIEW)
    ev = (
        FactsEvidence.objects.filter(
            pk=pk,
            revision__in=FactsRevision.objects.visible_to(user).values("pk"),
        )
        .only("pk", "file", "thumbnail", "content_type", "original_name")
        .first()
    )
    if ev is None:
        raise Http404
    return ev
