"""Rules over facts: which rules a bureau applies, and what they say of one school.

``effective_rules(bureau)`` resolves the bureau's policy into candidates per requirement key: each
listed rule set's published version, over the rules of the set it extends (a rule of the same
key overrides the parent's). ``judge(candidates, ctx, mode)`` decides one key for one school:

- ``specific``: the first listed set with an applicable rule decides;
- ``stricter`` (就高不就低): every applicable rule counts; among minimums the largest required
  value wins, among maximums the smallest, and every condition must hold. The result names the
  rule (and so the rule set) that won, or the one that failed.

No database access happens in ``judge``: bulk evaluation runs it for 40,000 schools.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import expressions
from .choices import Outcome, PolicyMode, RuleKind, VersionStatus
from .expressions import MissingFact
from .facts import RULE_FACTS


@dataclass(frozen=True)
class Candidate:
    """One rule as the engine uses it (a plain copy of ``models.Rule``)."""

    id: int
    key: str
    title: str
    pillar: str
    kind: str
    applies: str
    measure: str
    threshold: str
    condition: str
    clause: str
    explanation: str
    level: str
    item_code: str
    four100: str
    set_code: str
    set_name: str
    sort_order: int = 0

    @classmethod
    def of(cls, rule, rule_set) -> Candidate:
        return cls(
            id=rule.pk,
            key=rule.key,
            title=rule.title,
            pillar=rule.pillar,
            kind=rule.kind,
            applies=rule.applies,
            measure=rule.measure,
            threshold=rule.threshold,
            condition=rule.condition,
            clause=rule.clause,
            explanation=rule.explanation,
            level=rule.level,
            item_code=rule.item_code,
            four100=rule.four100,
            set_code=rule_set.code,
            set_name=rule_set.name,
            sort_order=rule.sort_order,
        )


@dataclass
class Result:
    key: str
    outcome: str
    rule: Candidate | None = None
    required: float | int | None = None
    actual: float | int | bool | None = None
    explanation: str = ""
    missing: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        out = {"o": self.outcome}
        if self.rule is not None:
            out.update(r=self.rule.id, set=self.rule.set_code)
        if self.required is not None:
            out["req"] = self.required
        if self.actual is not None:
            out["act"] = self.actual
        if self.explanation:
            out["why"] = self.explanation
        if self.missing:
            out["missing"] = self.missing
        return out


@dataclass
class Effective:
    """A bureau's rules: candidates per key in policy order, and how they combine."""

    mode: str
    keys: dict[str, list[Candidate]]
    #: the rule set versions used (for "as evaluated under")
    versions: list[int] = field(default_factory=list)

    def four100_of(self, key: str) -> str:
        return next((c.four100 for c in self.keys.get(key, ()) if c.four100), "")


# --- resolving a policy -------------------------------------------------------------------------


def resolved_chain(rule_set, substitute=None, *, _seen=None) -> tuple[dict[str, list], list[int]]:
    """The rules of ``rule_set`` and of the sets it extends, per key: its own rule first, then
    the parent's, and so on; with the version ids used. ``substitute`` maps a rule set id to
    the version to read instead of its published one (a draft, for the what-if preview), at
    every level of the chain."""
    seen = set(_seen or ())
    if rule_set.pk in seen:
        raise ValueError(_("Rule sets extend each other in a circle."))
    seen.add(rule_set.pk)
    substitute = substitute or {}
    chain: dict[str, list[Candidate]] = {}
    versions: list[int] = []
    version = substitute.get(rule_set.pk) or (
        rule_set.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
    )
    if version is not None:
        versions.append(version.pk)
        for rule in version.rules.all():
            chain[rule.key] = [Candidate.of(rule, rule_set)]
    if rule_set.extends_id:
        parent, used = resolved_chain(rule_set.extends, substitute, _seen=seen)
        versions = used + versions
        for key, cands in parent.items():
            chain.setdefault(key, []).extend(cands)
    return chain, versions


def resolved(rule_set, version=None) -> tuple[dict[str, Candidate], list[int]]:
    """The rules of ``rule_set`` as the set reads on its own (its ``version``, else its
    published one): its own rule of each key over the inherited one."""
    chain, versions = resolved_chain(rule_set, {rule_set.pk: version} if version else None)
    return {key: cands[0] for key, cands in chain.items()}, versions


def effective_rules(bureau, *, substitute=None, first=None) -> Effective:
    """The rules ``bureau`` applies: for each key, the candidates of every listed rule set in
    policy order. Under "take the stricter" a set's inherited rules stay candidates beside its
    own (extending never weakens a parent's requirement); under "the first set" a set's own
    rule stands for its chain. ``substitute`` maps a rule set id to a (draft) version to use
    instead of its published one (the what-if preview); ``first`` is a rule set to read as if
    the policy listed it first (the preview for a bureau that does not apply it yet)."""
    from .models import StandardsPolicy

    policy = (
        StandardsPolicy.objects.filter(bureau_id=getattr(bureau, "pk", bureau))
        .prefetch_related("entries__rule_set")
        .first()
    )
    if policy is None and first is None:
        return Effective(PolicyMode.STRICTER, {})
    mode = policy.mode if policy is not None else PolicyMode.STRICTER
    sets = [first] if first is not None else []
    sets += [e.rule_set for e in policy.entries.all()] if policy is not None else []
    keys: dict[str, list[Candidate]] = {}
    versions: list[int] = []
    for rule_set in sets:
        chain, used = resolved_chain(rule_set, substitute)
        versions += [v for v in used if v not in versions]
        for key, cands in chain.items():
            taken = cands if mode == PolicyMode.STRICTER else cands[:1]
            have = keys.setdefault(key, [])
            have.extend(c for c in taken if all(c.id != h.id for h in have))
    ordered = dict(sorted(keys.items(), key=lambda kv: (kv[1][0].sort_order, kv[0])))
    return Effective(mode, ordered, versions)


# --- judging one school -------------------------------------------------------------------------


def _value(text, ctx):
    return expressions.evaluate(text, ctx)


def _plain(number):
    if isinstance(number, bool) or number is None:
        return number
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def judge(candidates: list[Candidate], ctx: dict, mode: str) -> Result:
    key = candidates[0].key
    applicable: list[Candidate] = []
    missing: set[str] = set()
    for cand in candidates:
        if not cand.applies:
            applicable.append(cand)
            continue
        try:
            if _value(cand.applies, ctx):
                applicable.append(cand)
        except MissingFact as exc:
            missing.add(exc.name)
    if mode == PolicyMode.SPECIFIC and applicable:
        applicable = applicable[:1]
    if not applicable:
        if missing:
            return Result(key, Outcome.UNKNOWN, candidates[0], missing=sorted(missing))
        return Result(key, Outcome.NA, candidates[0])

    # every applicable rule is judged against its own measure: the key fails when any fails
    # (so the result never depends on the order of the policy)
    judged: list[Result] = []
    for cand in applicable:
        try:
            judged.append(_judge_one(cand, ctx))
        except MissingFact as exc:
            missing.add(exc.name)
    failed = [r for r in judged if r.outcome == Outcome.FAIL]
    if failed:
        return _strictest(failed)
    if missing:
        return Result(key, Outcome.UNKNOWN, applicable[0], missing=sorted(missing))
    return _strictest(judged)


def _judge_one(cand: Candidate, ctx: dict) -> Result:
    if cand.kind == RuleKind.CHECK:
        ok = bool(_value(cand.condition, ctx))
        return Result(
            cand.key,
            Outcome.PASS if ok else Outcome.FAIL,
            cand,
            explanation="" if ok else explain(cand, ctx, None, None),
        )
    required = _plain(_value(cand.threshold, ctx))
    actual = _plain(_value(cand.measure, ctx))
    ok = actual >= required if cand.kind == RuleKind.MIN else actual <= required
    return Result(
        cand.key,
        Outcome.PASS if ok else Outcome.FAIL,
        cand,
        required=required,
        actual=actual,
        # the sentence says what is wanting: a rule that is met has none
        explanation="" if ok else explain(cand, ctx, required, actual),
    )


def _strictest(results: list[Result]) -> Result:
    """The result that names the key: among minimums the largest required value, among
    maximums the smallest, then conditions (the first in policy order on a tie)."""

    def rank(indexed):
        i, r = indexed
        if r.rule.kind == RuleKind.MIN:
            return (0, -r.required, i)
        if r.rule.kind == RuleKind.MAX:
            return (1, r.required, i)
        return (2, 0, i)

    return min(enumerate(results), key=rank)[1]


def evaluate(effective: Effective, ctx: dict) -> dict[str, Result]:
    return {key: judge(cands, ctx, effective.mode) for key, cands in effective.keys.items()}


def four100(effective: Effective, results: dict[str, Result]) -> dict[str, bool | None]:
    """Each part of the "4个100%": True when every requirement counted toward it complies (and
    at least one applies), False when one fails, None when facts are missing."""
    out: dict[str, bool | None] = {}
    for key, result in results.items():
        part = effective.four100_of(key)
        if not part or result.outcome == Outcome.NA:
            continue
        now = out.get(part, True)
        if result.outcome == Outcome.FAIL:
            out[part] = False
        elif result.outcome == Outcome.UNKNOWN:
            out[part] = None if now is not False else False
        else:
            out[part] = now
    return out


# --- explanations -------------------------------------------------------------------------------

EXPLANATION_FIELDS = frozenset({"required", "actual", *RULE_FACTS})


def explanation_problem(template: str) -> str | None:
    """Why ``template`` cannot explain a rule, or ``None``: only ``{required}``, ``{actual}``
    and fact names may appear in braces."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return _("Unbalanced braces in the explanation.")
    for _text, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in EXPLANATION_FIELDS or spec or conversion:
            return _(
                "The explanation may only name {required}, {actual} and facts; “%(name)s” "
                "is not one."
            ) % {"name": name}
    return None


def _shown(value):
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def explain(cand: Candidate, ctx: dict, required, actual) -> str:
    """The rule's sentence in the school's own numbers ("本校3个校门，白天应至少配备6名保安员，
    现有4名")."""
    values = _Shown(ctx, required=_shown(required), actual=_shown(actual))
    try:
        return cand.explanation.format_map(values)
    except (KeyError, ValueError, IndexError):
        return cand.explanation


class _Shown(dict):
    """The facts as an explanation shows them, each formatted only when the template names it
    (40,000 schools × every rule: formatting every fact each time was most of the run)."""

    def __init__(self, ctx: dict, **given):
        super().__init__(given)
        self.ctx = ctx

    def __missing__(self, name):
        if name not in RULE_FACTS:
            raise KeyError(name)
        value = self[name] = _shown(self.ctx.get(name))
        return value
