"""What changes security standards records: facts, evaluations, findings, rule sets, the policy.

Every write runs in one transaction retried on SQLite's lock (``core.db.in_write_transaction``);
uploaded evidence is checked before it begins. Statuses move only through ``lifecycle``.
Refusals are ``ValidationError`` with messages in Chinese; out of scope is 404, a wrong role 403
(``core.access.get_for``).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.access import get_for, roles_on, scope_for
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse
from safecampus.hazards.evidence import prepare_uploads, store_upload

from . import access, engine, expressions
from .choices import (
    FactsAction,
    FindingAction,
    FindingStatus,
    Four100,
    Outcome,
    RuleKind,
    VersionAction,
    VersionStatus,
)
from .facts import BOOL, DATE, GATE_FACT, GATE_NAMES, KEPT_NAMES, SCHOOL_FACT, context_for
from .lifecycle import FACTS, FINDINGS, VERSIONS
from .models import (
    FactsEvidence,
    FactsRevision,
    Finding,
    FindingEvent,
    GateFacts,
    PolicyRuleSet,
    Rule,
    RuleSet,
    RuleSetVersion,
    SchoolStanding,
    SecurityFacts,
    StandardsEvent,
    StandardsPolicy,
    StandardsTally,
)

ENGINE_ROLE = "engine"
FOUR100_KEY = "4x100."
FOUR100_FIELDS = {
    Four100.GUARDS: "four_guards",
    Four100.CLOSED: "four_closed",
    Four100.ALARM_VIDEO: "four_alarm_video",
    Four100.ESCORT: "four_escort",
}


# --- facts ----


def facts_for(school) -> tuple[SecurityFacts, list[GateFacts]]:
    """The school's facts row (unsaved and empty when none is recorded yet) and one gate row per
    gate of the school (unsaved where none is recorded)."""
    facts = SecurityFacts.objects.filter(school=school).first() or SecurityFacts(
        school=school, bureau_id=school.bureau_id
    )
    kept = {g.position: g for g in GateFacts.objects.filter(school=school)}
    gates = [
        kept.get(n) or GateFacts(school=school, position=n, name=_("Gate %(n)s") % {"n": n})
        for n in range(1, (school.gate_count or 0) + 1)
    ]
    return facts, gates


def _coerce(fact, raw):
    """A form or API value as the fact's type; ``ValueError`` with a message when it is not."""
    if raw is None or raw == "":
        return None
    if fact.type == BOOL:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on", "是", "有", "y"}:
            return True
        if text in {"0", "false", "no", "off", "否", "无", "n"}:
            return False
        raise ValueError(_("Answer yes or no."))
    if fact.type == DATE:
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if isinstance(raw, bool):
        raise ValueError(_("Enter a whole number."))
    try:
        number = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        raise ValueError(_("Enter a whole number.")) from None
    if isinstance(raw, float) and not raw.is_integer():
        raise ValueError(_("Enter a whole number."))
    problem = fact.check(number)
    if problem:
        raise ValueError(problem)
    return number


def facts_problems(values: dict, gates: list[dict], *, today: datetime.date) -> dict:
    """Every problem with submitted facts, by field (``gate2.guards_day`` for a gate's);
    ``{}`` when there is none. Cleans ``values`` and ``gates`` in place."""
    errors: dict[str, list[str]] = {}
    for name in list(values):
        fact = SCHOOL_FACT.get(name)
        if fact is None:
            errors.setdefault(name, []).append(_("Unknown fact."))
            continue
        try:
            values[name] = _coerce(fact, values[name])
        except ValueError as exc:
            errors.setdefault(name, []).append(str(exc))
            continue
        if fact.type == DATE and values[name] and values[name] > today:
            errors.setdefault(name, []).append(_("The date cannot be in the future."))
    for index, gate in enumerate(gates, start=1):
        for name in list(gate):
            if name in {"name", "position"}:
                continue
            fact = GATE_FACT.get(name)
            if fact is None:
                errors.setdefault(f"gate{index}.{name}", []).append(_("Unknown fact."))
                continue
            try:
                gate[name] = _coerce(fact, gate[name])
            except ValueError as exc:
                errors.setdefault(f"gate{index}.{name}", []).append(str(exc))
    for field in ("guards_certified",):
        total, certified = values.get("guards_total"), values.get(field)
        if (
            isinstance(total, int)
            and isinstance(certified, int)
            and not errors.get("guards_total")
            and not errors.get(field)
            and certified > total
        ):
            errors.setdefault(field, []).append(_("More certified guards than guards employed."))
    return errors


def snapshot(facts: SecurityFacts, gates: list[GateFacts]) -> dict:
    def plain(value):
        return value.isoformat() if isinstance(value, datetime.date) else value

    return {
        "school": {name: plain(getattr(facts, name)) for name in KEPT_NAMES},
        "gates": [
            {"position": g.position, "name": g.name, **{n: getattr(g, n) for n in GATE_NAMES}}
            for g in gates
        ],
    }


def _diff(before: dict, after: dict) -> dict:
    changes = {}
    for name, value in after["school"].items():
        if before["school"].get(name) != value:
            changes[name] = [before["school"].get(name), value]
    old_gates = {g["position"]: g for g in before["gates"]}
    for gate in after["gates"]:
        old = old_gates.get(gate["position"], {})
        for name in ("name", *GATE_NAMES):
            if old.get(name) != gate.get(name):
                changes[f"gate{gate['position']}.{name}"] = [old.get(name), gate.get(name)]
    return changes


def update_facts(
    *,
    actor,
    school_id: int,
    values: dict,
    gates: list[dict] | None = None,
    version: int | None = None,
    comment: str = "",
    files: Iterable = (),
    now: datetime.datetime | None = None,
    action: str = FactsAction.UPDATE,
) -> FactsRevision:
    """Record a school's facts (only those named in ``values``; ``gates``: one dict per gate in
    order, only the facts named). ``version``: the sheet's version the page showed; a newer one
    is refused as a conflict. The school's rules run again in the same transaction, so a
    finding opens or resolves with the change. Returns the new revision."""
    now = now or timezone.now()
    from safecampus.orgs.models import School

    school = get_for(actor, School, school_id)
    scope = scope_for(actor)
    roles = access.facts_roles(scope, school)
    if not access.can_edit_facts(scope, school):
        raise PermissionDenied(_("You may not change this school's security facts."))
    values = dict(values or {})
    gates = [dict(g) for g in (gates or [])]
    if len(gates) > (school.gate_count or 0):
        raise refuse(
            {"gates": [_("The school has %(n)s gates.") % {"n": school.gate_count}]}, Code.INVALID
        )
    errors = facts_problems(values, gates, today=timezone.localdate(now))
    if errors:
        raise refuse(errors, Code.INVALID)
    files = prepare_uploads(list(files)) if files else []

    def write():
        facts, gate_rows = facts_for(school)
        if facts.pk is not None:
            facts = SecurityFacts.objects.select_for_update().get(pk=facts.pk)
        if version is not None and facts.pk is not None and version != facts.version:
            raise refuse(
                _("Someone changed these facts after you opened the page. Reload and try again."),
                Code.STALE,
            )
        before = snapshot(facts, gate_rows)
        for name, value in values.items():
            setattr(facts, name, value)
        # a partial change is checked against what is kept, not only against what was sent
        if (
            facts.guards_total is not None
            and facts.guards_certified is not None
            and facts.guards_certified > facts.guards_total
        ):
            raise refuse(
                {"guards_certified": [_("More certified guards than guards employed.")]},
                Code.INVALID,
            )
        for row, data in zip(gate_rows, gates, strict=False):
            for name, value in data.items():
                if name == "name":
                    row.name = (value or "")[:32] or row.name
                elif name in GATE_NAMES:
                    setattr(row, name, value)
        after = snapshot(facts, gate_rows)
        changes = _diff(before, after)
        if not changes and not files and facts.pk is not None:
            return None
        move = (
            FACTS.check(facts, action, roles)
            if action == FactsAction.UPDATE
            else (FACTS.find(action, facts.status))
        )
        facts.updated_at, facts.updated_by = now, actor
        facts.return_reason = ""
        facts.verified_at = facts.verified_by = None
        if facts.pk is None:
            facts.save()
        for row in gate_rows:
            row.save()
        revision = FACTS.commit(
            facts,
            move,
            now=now,
            event=lambda _from, to: _revision(
                school,
                action,
                to,
                actor,
                FACTS.acting_role(roles, move),
                after,
                changes,
                comment,
                now,
            ),
        )
        for upload in files:
            store_upload(FactsEvidence(revision=revision), upload, actor=actor)
        evaluate_school(school, actor=actor, now=now)
        return revision

    revision = in_write_transaction(write)
    if revision is None:
        return FactsRevision.objects.filter(school=school).order_by("-number").first()
    return revision


def _revision(school, action, status, actor, role, data, changes, comment, now):
    last = (
        FactsRevision.objects.filter(school=school)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    )
    return FactsRevision.objects.create(
        school=school,
        bureau_id=school.bureau_id,
        number=last + 1,
        action=action,
        at=now,
        actor=actor,
        actor_role=role,
        status=status,
        data=data,
        changes=changes,
        comment=(comment or "")[:300],
    )


def verify_facts(
    *,
    actor,
    school_id: int,
    approve: bool,
    reason: str = "",
    version: int | None = None,
    now=None,
) -> FactsRevision:
    """A department or the centre verifies the school's facts as they stand, or returns them
    with a reason. ``version``: the sheet's version the verifier saw (a newer one is refused as
    stale). Nobody verifies facts they changed last themselves."""
    now = now or timezone.now()
    from safecampus.orgs.models import School

    school = get_for(actor, School, school_id)
    scope = scope_for(actor)
    if not access.can_verify_facts(scope, school):
        raise PermissionDenied(_("You may not verify this school's facts."))
    if not approve and not (reason or "").strip():
        raise refuse({"reason": [_("Say why the facts are returned.")]}, Code.INVALID)
    roles = access.facts_roles(scope, school)
    action = FactsAction.VERIFY if approve else FactsAction.RETURN

    def write():
        facts = SecurityFacts.objects.select_for_update().filter(school=school).first()
        if facts is None:
            raise refuse(_("The school has not recorded its facts yet."), Code.INVALID_TRANSITION)
        if version is not None and version != facts.version:
            raise refuse(
                _("The facts changed after you opened the page. Reload and check them again."),
                Code.STALE,
            )
        if approve and facts.updated_by_id == getattr(actor, "pk", None):
            raise refuse(
                _("Facts you changed yourself are verified by someone else."), Code.NOT_ALLOWED
            )
        move = FACTS.check(facts, action, roles)
        if approve:
            facts.verified_by = actor
        else:
            facts.return_reason = reason.strip()[:300]
        _facts, gate_rows = facts_for(school)
        data = snapshot(facts, gate_rows)
        return FACTS.commit(
            facts,
            move,
            now=now,
            event=lambda _from, to: _revision(
                school,
                action,
                to,
                actor,
                FACTS.acting_role(roles, move),
                data,
                {},
                reason,
                now,
            ),
        )

    return in_write_transaction(write)


def facts_as_of(school, day: datetime.date) -> FactsRevision | None:
    """The newest revision recorded by the end of ``day`` (Shanghai): the facts on that date."""
    end = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    return FactsRevision.objects.filter(school=school, at__lte=end).order_by("-number").first()


# --- evaluation ----


def _context(school, facts: SecurityFacts | None, gates: list, today) -> dict:
    values = {n: getattr(facts, n) for n in KEPT_NAMES} if facts is not None else {}
    rows = [{n: getattr(g, n) for n in GATE_NAMES} for g in gates]
    return context_for(school, values, rows, today)


def _summary(effective, results) -> tuple[dict, dict]:
    parts = engine.four100(effective, results)
    fields = {FOUR100_FIELDS[p]: v for p, v in parts.items() if p in FOUR100_FIELDS}
    out = {}
    for key, result in results.items():
        out[key] = result.as_json()
        # the "4个100%" part the requirement counts toward, so that the figures taken off a card
        # later count exactly the parts that were counted onto it
        if part := effective.four100_of(key):
            out[key]["p"] = part
    return out, fields


def _tally_rows(results_json: dict, fours: dict) -> Counter:
    counts: Counter = Counter()
    for key, res in results_json.items():
        counts[(key, res["o"])] += 1
    for part, field in FOUR100_FIELDS.items():
        if field in fours:
            value = fours[field]
            outcome = (
                Outcome.UNKNOWN if value is None else (Outcome.PASS if value else Outcome.FAIL)
            )
            counts[(FOUR100_KEY + part, outcome)] += 1
    return counts


def _bump(deltas: Counter) -> None:
    """Move the live figures by ``deltas`` ((bureau, stage, key, outcome) → change): a
    requirement whose outcome did not change moves nothing, and the rest is three queries
    however many requirements moved (increments are ``F`` expressions, so two schools of one
    bureau changing at once both count)."""
    deltas = {k: n for k, n in deltas.items() if n}
    if not deltas:
        return
    StandardsTally.objects.bulk_create(
        [
            StandardsTally(bureau_id=b, stage=s, key=k, outcome=o, count=0)
            for (b, s, k, o) in deltas
        ],
        ignore_conflicts=True,
    )
    rows = StandardsTally.objects.filter(
        bureau_id__in={b for b, _s, _k, _o in deltas},
        stage__in={s for _b, s, _k, _o in deltas},
        key__in={k for _b, _s, k, _o in deltas},
    ).only("pk", "bureau_id", "stage", "key", "outcome")
    changed = []
    for row in rows:
        n = deltas.get((row.bureau_id, row.stage, row.key, row.outcome))
        if n:
            row.count = F("count") + n
            changed.append(row)
    StandardsTally.objects.bulk_update(changed, ["count"], batch_size=500)


def evaluate_school(
    school, *, actor=None, now: datetime.datetime | None = None, effective=None
) -> SchoolStanding:
    """Run the bureau's rules on one school now: its card, its figures, its findings. The caller
    may hold the transaction (a facts change); otherwise one is opened."""
    now = now or timezone.now()
    effective = effective or engine.effective_rules(school.bureau_id)

    def write():
        facts, gates = facts_for(school)
        ctx = _context(school, facts if facts.pk else None, gates, timezone.localdate(now))
        results = engine.evaluate(effective, ctx)
        results_json, fours = _summary(effective, results)
        old = SchoolStanding.objects.select_for_update().filter(school=school).first()
        deltas: Counter = Counter()
        if old is not None:
            for (key, outcome), n in _tally_rows(old.results, _fours_of(old)).items():
                deltas[(old.bureau_id, old.stage, key, outcome)] -= n
        standing = old or SchoolStanding(school=school)
        standing.bureau_id = school.bureau_id
        standing.stage = school.stage
        standing.evaluated_at = now
        standing.results = results_json
        standing.failing = sum(1 for r in results.values() if r.outcome == Outcome.FAIL)
        standing.unknown = sum(1 for r in results.values() if r.outcome == Outcome.UNKNOWN)
        for field in FOUR100_FIELDS.values():
            setattr(standing, field, fours.get(field))
        standing.save()
        for (key, outcome), n in _tally_rows(results_json, fours).items():
            deltas[(school.bureau_id, school.stage, key, outcome)] += n
        if any(deltas.values()):
            _lock_figures(school.bureau_id)
        _bump(deltas)
        sync_findings(school, results, actor=actor, now=now)
        return standing

    if transaction.get_connection().in_atomic_block:
        return write()
    return in_write_transaction(write)


def _lock_figures(bureau_id: int) -> None:
    """Serialise the writers of a bureau's figures (PostgreSQL; SQLite has one writer)."""
    list(StandardsPolicy.objects.select_for_update().filter(bureau_id=bureau_id).values("pk"))


def _fours_of(standing) -> dict:
    """The "4个100%" parts counted for ``standing``: those with a requirement that applied
    (as ``engine.four100`` decides), not every field of the card (a part no rule set of the
    policy asks for is no "unknown")."""
    present = {r.get("p") for r in (standing.results or {}).values() if r.get("o") != Outcome.NA}
    return {
        field: getattr(standing, field) for part, field in FOUR100_FIELDS.items() if part in present
    }


def _department_for(school, item_code: str, cache: dict):
    """The department a finding under ``item_code`` goes to at ``school`` (the bureau's
    published catalog routes it), or ``None`` for the centre."""
    key = (school.bureau_id, item_code)
    if key not in cache:
        cache[key] = _catalog_item(school.bureau_id, item_code)
    item = cache[key]
    return item.department_for(school) if item is not None else None


def _catalog_item(bureau_id: int, item_code: str):
    """The check item ``item_code`` of the bureau's newest published catalog, or ``None``."""
    from safecampus.catalog.models import CheckItem

    if not item_code:
        return None
    return (
        CheckItem.objects.filter(
            version__bureau_id=bureau_id, version__status="published", code=item_code
        )
        .order_by("-version__published_at")
        .prefetch_related("routes__department", "responsible_departments")
        .first()
    )


def sync_findings(school, results: dict, *, actor=None, now=None, cache=None) -> dict:
    """Open a finding for each failed requirement without one, revise an open finding whose
    numbers changed, resolve those that comply again (offering their hazards for acceptance).
    Returns counts by action."""
    now = now or timezone.now()
    cache = {} if cache is None else cache
    opened = {
        f.key: f
        for f in Finding.objects.select_for_update().filter(
            school=school, status=FindingStatus.OPEN
        )
    }
    counts: Counter = Counter()
    for key, result in results.items():
        finding = opened.get(key)
        if result.outcome == Outcome.FAIL:
            if finding is None:
                _open_finding(school, result, now=now, cache=cache)
                counts["opened"] += 1
            elif _changed(finding, result):
                _revise(finding, result, now)
                counts["revised"] += 1
        elif result.outcome == Outcome.PASS and finding is not None:
            _resolve(finding, actor=actor, now=now, action=FindingAction.RESOLVE)
            counts["resolved"] += 1
        elif result.outcome == Outcome.NA and finding is not None:
            _resolve(finding, actor=actor, now=now, action=FindingAction.LAPSE)
            counts["lapsed"] += 1
    # a requirement no longer in the policy: its finding lapses
    for key, finding in opened.items():
        if key not in results:
            _resolve(finding, actor=actor, now=now, action=FindingAction.LAPSE)
            counts["lapsed"] += 1
    return counts


def _changed(finding, result) -> bool:
    """Whether an open finding no longer says what the failed ``result`` says (its numbers, or
    the rule that decided it: a new version, another rule set)."""
    return finding.explanation != result.explanation[:400] or finding.rule_id != result.rule.id


def _engine_event(finding, action, from_status, to_status, now, *, actor=None, role="", data=None):
    return FindingEvent.objects.create(
        finding=finding,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_role=role or ENGINE_ROLE,
        at=now,
        data=data or {},
    )


def _open_finding(school, result, *, now, cache) -> Finding:
    finding = _new_finding(school, result, now=now, cache=cache)
    finding.save(force_insert=True)
    _opened_event(finding, now).save(force_insert=True)
    return finding


def _opened_event(finding, now) -> FindingEvent:
    return FindingEvent(
        finding=finding,
        action=FindingAction.OPEN,
        from_status="",
        to_status=FindingStatus.OPEN,
        actor=None,
        actor_role=ENGINE_ROLE,
        at=now,
        data={"explanation": finding.explanation},
    )


def _new_finding(school, result, *, now, cache) -> Finding:
    """An open finding for a failed ``result`` (not saved)."""
    rule = result.rule
    return Finding(
        school=school,
        bureau_id=school.bureau_id,
        key=result.key,
        rule_id=rule.id,
        rule_set_code=rule.set_code,
        title=rule.title,
        clause=rule.clause,
        explanation=result.explanation[:400],
        pillar=rule.pillar,
        level=rule.level,
        required=_text(result.required),
        actual=_text(result.actual),
        department=_department_for(school, rule.item_code, cache),
        opened_at=now,
        status_changed_at=now,
    )


def _text(value) -> str:
    return "" if value is None else engine._shown(value)


def _revise(finding, result, now):
    before = finding.explanation
    rule = result.rule
    finding.explanation = result.explanation[:400]
    finding.required, finding.actual = _text(result.required), _text(result.actual)
    finding.rule_id = rule.id
    finding.rule_set_code = rule.set_code
    finding.title, finding.clause, finding.level = rule.title, rule.clause, rule.level
    move = FINDINGS.check(finding, FindingAction.REVISE, {ENGINE_ROLE})
    FINDINGS.commit(
        finding,
        move,
        now=now,
        event=lambda f, t: _engine_event(
            finding,
            FindingAction.REVISE,
            f,
            t,
            now,
            data={"explanation": [before, finding.explanation]},
        ),
    )


def _resolve(finding, *, actor, now, action=FindingAction.RESOLVE):
    """Close an open finding: it complies again (``resolve``: its hazard is offered for
    acceptance, as the person whose change made it comply), or its rule no longer applies or
    left the policy (``lapse``: the hazard stays as it is, for its department to decide).

    With no person (the nightly run), the hazard is not offered: the finding's event says so
    and the department sees it on the finding and the hazard."""
    move = FINDINGS.check(finding, action, {ENGINE_ROLE})
    data = {}
    if finding.hazard_id is not None and action == FindingAction.LAPSE:
        data["hazard_offered"] = False
    elif finding.hazard_id is not None:
        from safecampus.hazards.services import hazard_offer_from_rule

        offered = actor is not None and hazard_offer_from_rule(
            actor=actor,
            hazard=finding.hazard,
            comment=_("The school's security facts comply with “%(title)s” again.")
            % {"title": finding.title},
            data={"finding": finding.pk, "requirement": finding.key},
        )
        data["hazard_offered"] = bool(offered)
    FINDINGS.commit(
        finding,
        move,
        now=now,
        event=lambda f, t: _engine_event(finding, action, f, t, now, actor=actor, data=data),
    )


def evaluate_bureau(
    bureau,
    *,
    actor=None,
    now: datetime.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 500,
) -> dict:
    """Run the rules on every active school of ``bureau``: cards written in bulk, figures
    recounted, findings opened and resolved. Each chunk of schools is one transaction, so a
    worker that dies leaves whole chunks and the next run finishes the rest."""
    from safecampus.orgs.models import School

    now = now or timezone.now()
    bureau_id = getattr(bureau, "pk", bureau)
    effective = engine.effective_rules(bureau_id)
    today = timezone.localdate(now)
    ids = list(
        School.objects.filter(bureau_id=bureau_id, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    totals: Counter = Counter()
    cache: dict = {}
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        totals += in_write_transaction(
            lambda part=part: _evaluate_chunk(
                part, effective, actor=actor, now=now, today=today, cache=cache
            )
        )
        if progress:
            progress(min(start + chunk, len(ids)), len(ids))
    in_write_transaction(lambda: recount_tally(bureau_id))
    totals["schools"] = len(ids)
    return dict(totals)


def _evaluate_chunk(ids, effective, *, actor, now, today, cache) -> Counter:
    from safecampus.orgs.models import School

    schools = list(School.objects.filter(pk__in=ids).order_by("pk"))
    # the chunk's facts and cards are locked (PostgreSQL) so a facts change made meanwhile
    # waits, and its card is not overwritten by this run's older reading
    facts = {
        f.school_id: f
        for f in SecurityFacts.objects.select_for_update().filter(school_id__in=ids).order_by("pk")
    }
    gates: dict[int, list] = {}
    for g in GateFacts.objects.filter(school_id__in=ids).order_by("school_id", "position"):
        gates.setdefault(g.school_id, []).append(g)
    standings = {
        s.school_id: s
        for s in SchoolStanding.objects.select_for_update().filter(school_id__in=ids).order_by("pk")
    }
    open_findings: dict[int, dict[str, Finding]] = {}
    for f in Finding.objects.select_for_update().filter(
        school_id__in=ids, status=FindingStatus.OPEN
    ):
        open_findings.setdefault(f.school_id, {})[f.key] = f
    counts: Counter = Counter()
    new_standings, replaced, unchanged = [], [], []
    opening: list[Finding] = []
    fields = ("bureau_id", "stage", "results", "failing", "unknown", *FOUR100_FIELDS.values())
    for school in schools:
        rows = gates.get(school.pk, [])
        by_position = {g.position: g for g in rows}
        gate_list = [
            by_position.get(n) or GateFacts(position=n)
            for n in range(1, (school.gate_count or 0) + 1)
        ]
        ctx = _context(school, facts.get(school.pk), gate_list, today)
        results = engine.evaluate(effective, ctx)
        results_json, fours = _summary(effective, results)
        standing = standings.get(school.pk) or SchoolStanding(school=school)
        is_new = standing.pk is None
        before = None if is_new else tuple(getattr(standing, f) for f in fields)
        standing.bureau_id, standing.stage, standing.evaluated_at = (
            school.bureau_id,
            school.stage,
            now,
        )
        standing.results = results_json
        standing.failing = sum(1 for r in results.values() if r.outcome == Outcome.FAIL)
        standing.unknown = sum(1 for r in results.values() if r.outcome == Outcome.UNKNOWN)
        for field in FOUR100_FIELDS.values():
            setattr(standing, field, fours.get(field))
        if is_new:
            new_standings.append(standing)
        elif tuple(getattr(standing, f) for f in fields) == before:
            unchanged.append(standing.pk)
        else:
            replaced.append(standing)
        mine = open_findings.get(school.pk, {})
        failing = {k for k, r in results.items() if r.outcome == Outcome.FAIL}
        # the findings change only where an outcome or its numbers changed: the common night
        # (nothing changed) writes no finding at all
        if not mine and failing:
            # only new failures (the first evaluation of most schools): opened in bulk below
            opening += [_new_finding(school, results[k], now=now, cache=cache) for k in failing]
            counts["opened"] += len(failing)
        elif failing != set(mine) or any(
            _changed(mine[k], results[k]) for k in failing & set(mine)
        ):
            counts += sync_findings(school, results, actor=actor, now=now, cache=cache)
    # a card that did not change gets only its time; the changed ones are written again whole
    # under their own ids (a delete and an insert: far cheaper than an UPDATE … CASE per field
    # and row, and no other row refers to a card)
    if unchanged:
        SchoolStanding.objects.filter(pk__in=unchanged).update(evaluated_at=now)
    if replaced:
        SchoolStanding.objects.filter(pk__in=[s.pk for s in replaced])._raw_delete(
            SchoolStanding.objects.db
        )
    SchoolStanding.objects.bulk_create([*replaced, *new_standings], batch_size=500)
    if opening:
        Finding.objects.bulk_create(opening, batch_size=500)
        FindingEvent.objects.bulk_create([_opened_event(f, now) for f in opening], batch_size=500)
    return counts


def recount_tally(bureau_id: int) -> None:
    """Count the bureau's cards again from scratch (after a bulk evaluation), under the lock of
    the bureau's policy row that every single evaluation takes too (``_lock_figures``). The
    cards of schools no longer active leave the figures."""
    _lock_figures(bureau_id)
    SchoolStanding.objects.filter(bureau_id=bureau_id, school__is_active=False).delete()
    counts: Counter = Counter()
    for standing in (
        SchoolStanding.objects.filter(bureau_id=bureau_id)
        .only("stage", "results", *FOUR100_FIELDS.values())
        .iterator(chunk_size=2000)
    ):
        for (key, outcome), n in _tally_rows(standing.results, _fours_of(standing)).items():
            counts[(key, standing.stage, outcome)] += n
    StandardsTally.objects.filter(bureau_id=bureau_id).delete()
    StandardsTally.objects.bulk_create(
        [
            StandardsTally(bureau_id=bureau_id, key=k, stage=s, outcome=o, count=n)
            for (k, s, o), n in counts.items()
        ],
        batch_size=1000,
    )


# --- findings → hazards ----


INTERIM_FIELDS = ("interim_measures", "interim_unit", "interim_person", "interim_deadline")


def raise_hazard(*, actor, finding_id: int, interim: dict | None = None, now=None) -> Finding:
    """Turn one finding into a hazard (source: rule finding) filed under the rule's check item,
    with the clause and the explanation; or link it to the open hazard an earlier finding of the
    same school and requirement opened (never a duplicate)."""
    finding = get_for(actor, Finding, finding_id, access.ACT)
    interim = _interim(interim)
    return in_write_transaction(lambda: _raise(actor, finding.pk, now or timezone.now(), interim))


def raise_hazards(
    *,
    actor,
    finding_ids: Iterable[int] | None = None,
    interim: dict | None = None,
    now=None,
    queryset=None,
) -> list[Finding]:
    """Turn several findings (by default every open finding ``actor`` may act on that is not a
    hazard yet; ``queryset`` narrows them, e.g. to a list's filters) into hazards, all or
    nothing."""
    now = now or timezone.now()
    qs = Finding.objects.restrict(actor, access.ACT).filter(
        status=FindingStatus.OPEN, hazard__isnull=True
    )
    if queryset is not None:
        qs = qs.filter(pk__in=queryset.values("pk"))
    if finding_ids is not None:
        wanted = {int(i) for i in finding_ids}
        qs = qs.filter(pk__in=wanted)
        if qs.count() != len(wanted):
            raise refuse(
                _("Some of the chosen findings are not open, already hazards, or not yours."),
                Code.INVALID,
            )
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    interim = _interim(interim)
    return in_write_transaction(lambda: [_raise(actor, pk, now, interim) for pk in ids])


def _interim(interim: dict | None) -> dict:
    """The interim measures a major hazard needs (002 §三.4), given once for all the findings
    being turned into hazards; the register refuses a major one without them."""
    out = {}
    for field in INTERIM_FIELDS:
        value = (interim or {}).get(field)
        if value in (None, ""):
            continue
        if field == "interim_deadline" and isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                raise refuse({field: [_("Enter a date as YYYY-MM-DD.")]}, Code.INVALID) from None
        out[field] = value
    return out


def _raise(actor, finding_id: int, now, interim: dict) -> Finding:
    from safecampus.hazards.choices import OPEN_STATUSES

    finding = (
        Finding.objects.select_for_update().select_related("school", "rule").get(pk=finding_id)
    )
    roles = roles_on(actor, finding)
    move = FINDINGS.check(finding, FindingAction.RAISE_HAZARD, roles)
    earlier = (
        Finding.objects.filter(
            school_id=finding.school_id, key=finding.key, hazard__status__in=OPEN_STATUSES
        )
        .exclude(pk=finding.pk)
        .select_related("hazard")
        .first()
    )
    if earlier is not None:
        # checked before the hazard is set: the guard refuses a finding that has one
        move = FINDINGS.check(finding, FindingAction.LINK_HAZARD, roles)
        hazard = earlier.hazard
    else:
        hazard = _report_hazard(actor, finding, now, interim)
    finding.hazard = hazard
    FINDINGS.commit(
        finding,
        move,
        now=now,
        update_fields=["hazard"],
        event=lambda f, t: _engine_event(
            finding,
            move.action,
            f,
            t,
            now,
            actor=actor,
            role=FINDINGS.acting_role(roles, move),
            data={"hazard": hazard.code},
        ),
    )
    return finding


def _report_hazard(actor, finding, now, interim: dict):
    """A new hazard for ``finding`` (source rule finding), filed under the rule's check item."""
    from safecampus.hazards.choices import Source
    from safecampus.hazards.services import hazard_report

    school = finding.school
    item = _catalog_item(school.bureau_id, finding.rule.item_code)
    if item is None:
        raise refuse(
            _("The bureau's risk catalog has no check item %(code)s to file this hazard under.")
            % {"code": finding.rule.item_code or "—"},
            Code.INVALID,
        )
    return hazard_report(
        actor=actor,
        school=school,
        item=item,
        responsible_department=finding.department,
        data={
            "description": f"{finding.title}：{finding.explanation}（{finding.clause}）"[:1000],
            "source": Source.RULE_FINDING,
            "level": finding.level,
            "found_on": timezone.localdate(now),
            "responsible_person": school.safety_officer or school.principal or str(school),
            "location": str(_("Whole school")),
            **(interim if finding.level == "major" else {}),
        },
    )


# --- rule sets ----

RULE_FIELDS = (
    "key",
    "title",
    "pillar",
    "kind",
    "applies",
    "measure",
    "threshold",
    "condition",
    "clause",
    "explanation",
    "note",
    "level",
    "item_code",
    "four100",
    "sort_order",
)


def rule_problems(data: dict) -> dict:
    """Every problem with one rule, by field, with the position of an expression's error."""
    errors: dict[str, list[str]] = {}

    def bad(field, message):
        errors.setdefault(field, []).append(message)

    for field in ("key", "title", "pillar", "kind", "clause", "explanation"):
        if not str(data.get(field) or "").strip():
            bad(field, _("This field is required."))
    kind = data.get("kind")
    expressions_needed = {
        RuleKind.MIN: ("measure", "threshold"),
        RuleKind.MAX: ("measure", "threshold"),
        RuleKind.CHECK: ("condition",),
    }.get(kind, ())
    if kind and kind not in RuleKind.values:
        bad("kind", _("Choose minimum, maximum or condition."))
    for field in ("applies", "measure", "threshold", "condition"):
        text = str(data.get(field) or "").strip()
        if not text:
            if field in expressions_needed:
                bad(field, _("This field is required."))
            continue
        try:
            expressions.check(text, boolean=field in ("applies", "condition"))
        except expressions.ExpressionError as exc:
            where = (
                _(" (at character %(n)s)") % {"n": exc.position + 1}
                if exc.position is not None
                and "character" not in exc.message
                and "字符" not in exc.message
                else ""
            )
            bad(field, f"{exc.message}{where}")
    if data.get("explanation") and (problem := engine.explanation_problem(data["explanation"])):
        bad("explanation", problem)
    return errors


def _manage_check(actor, rule_set) -> None:
    if rule_set.bureau_id is None:
        raise PermissionDenied(_("A rule set shipped with the product is not edited; extend it."))
    if rule_set.bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("You may not change this rule set."))


def create_rule_set(
    *, actor, bureau, code: str, name: str, extends=None, region_name="", description=""
) -> RuleSet:
    if bureau.pk not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("You may not keep rule sets of this bureau."))
    from .defaults import RULE_SETS

    errors = {}
    reserved = {data["code"] for data in RULE_SETS}
    if not code or code in reserved or RuleSet.objects.filter(code=code).exists():
        errors["code"] = [_("Choose a code no other rule set has.")]
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    if errors:
        raise refuse(errors, Code.INVALID)

    def write():
        rs = RuleSet.objects.create(
            code=code,
            name=name.strip(),
            bureau=bureau,
            extends=extends,
            region_name=region_name,
            description=description,
        )
        RuleSetVersion.objects.create(rule_set=rs, number=1, created_by=actor)
        StandardsEvent.objects.create(
            action=VersionAction.CREATE,
            rule_set=rs,
            bureau=bureau,
            actor=actor,
            data={"code": code, "extends": extends.code if extends else None},
        )
        return rs

    return in_write_transaction(write)


def draft_of(*, actor, rule_set_id: int) -> RuleSetVersion:
    """The draft of a rule set, begun as a copy of its published version when there is none."""
    rule_set = get_for(actor, RuleSet, rule_set_id, access.EDIT)
    _manage_check(actor, rule_set)

    def write():
        draft = rule_set.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is not None:
            return draft
        published = rule_set.published()
        number = (published.number if published else 0) + 1
        draft = RuleSetVersion.objects.create(rule_set=rule_set, number=number, created_by=actor)
        if published is not None:
            Rule.objects.bulk_create(
                [
                    Rule(version=draft, **{f: getattr(r, f) for f in RULE_FIELDS})
                    for r in published.rules.all()
                ]
            )
        return draft

    return in_write_transaction(write)


def _draft(actor, version_id: int) -> RuleSetVersion:
    version = get_for(actor, RuleSetVersion, version_id, access.EDIT)
    _manage_check(actor, version.rule_set)
    if version.frozen:
        raise refuse(_("A published version is frozen; change its draft."), Code.INVALID_TRANSITION)
    return version


def save_rule(*, actor, version_id: int, data: dict, rule_id: int | None = None) -> Rule:
    """Add or change a rule of a draft. Expressions are checked as they are saved too."""
    version = _draft(actor, version_id)
    data = {f: data.get(f) for f in RULE_FIELDS if f in data}
    for f in ("applies", "measure", "threshold", "condition", "note", "item_code", "four100"):
        data[f] = str(data.get(f) or "").strip()
    errors = rule_problems(data)
    key = str(data.get("key") or "").strip()
    clash = version.rules.filter(key=key)
    if rule_id is not None:
        clash = clash.exclude(pk=rule_id)
    if key and clash.exists():
        errors.setdefault("key", []).append(_("The draft already has a rule for this key."))
    if errors:
        raise refuse(errors, Code.INVALID)
    data["sort_order"] = int(data.get("sort_order") or 0)

    def write():
        if rule_id is None:
            return Rule.objects.create(version=version, **data)
        rule = version.rules.get(pk=rule_id)
        for f, v in data.items():
            setattr(rule, f, v)
        rule.save()
        return rule

    return in_write_transaction(write)


def delete_rule(*, actor, version_id: int, rule_id: int) -> None:
    version = _draft(actor, version_id)
    in_write_transaction(lambda: version.rules.filter(pk=rule_id).delete())


def publish_problems(version: RuleSetVersion) -> list[dict]:
    """Every rule of ``version`` that would be refused, with its fields' errors."""
    out = []
    for rule in version.rules.all():
        errors = rule_problems({f: getattr(rule, f) for f in RULE_FIELDS})
        if errors:
            out.append({"rule": rule.pk, "key": rule.key, "errors": errors})
    return out


def publish(*, actor, version_id: int, note: str = "", now=None) -> RuleSetVersion:
    """Publish a draft: refused, with the position of each error, when a rule does not parse or
    names an unknown fact. The bureaus that apply the set are evaluated again (a job)."""
    now = now or timezone.now()
    version = _draft(actor, version_id)
    problems = publish_problems(version)
    if problems:
        raise refuse(
            {f"{p['key']}.{field}": msgs for p in problems for field, msgs in p["errors"].items()},
            Code.INVALID,
        )
    if not version.rules.exists():
        raise refuse(_("A rule set version needs at least one rule."), Code.INVALID)

    roles = access.ruleset_roles(scope_for(actor), version.rule_set)

    def write():
        locked = RuleSetVersion.objects.select_for_update().get(pk=version.pk)
        move = VERSIONS.check(locked, VersionAction.PUBLISH, roles)
        locked.published_by = actor
        locked.note = (note or locked.note)[:200]
        VERSIONS.commit(
            locked,
            move,
            now=now,
            event=lambda _from, _to: StandardsEvent.objects.create(
                action=VersionAction.PUBLISH,
                rule_set_id=locked.rule_set_id,
                version=locked,
                bureau_id=locked.rule_set.bureau_id,
                actor=actor,
                actor_role=VERSIONS.acting_role(roles, move),
                at=now,
                data={"number": locked.number, "note": locked.note, "rules": locked.rules.count()},
            ),
        )
        return locked

    published = in_write_transaction(write)
    start_evaluations(actor, bureaus_applying(published.rule_set))
    return published


def bureaus_applying(rule_set) -> list[int]:
    """The bureaus whose policy lists ``rule_set`` or a set that extends it."""
    sets = {rule_set.pk}
    frontier = {rule_set.pk}
    while frontier:
        frontier = set(RuleSet.objects.filter(extends_id__in=frontier).values_list("pk", flat=True))
        frontier -= sets
        sets |= frontier
    return sorted(
        set(
            PolicyRuleSet.objects.filter(rule_set_id__in=sets).values_list(
                "policy__bureau_id", flat=True
            )
        )
    )


def start_evaluations(actor, bureau_ids: Iterable[int]):
    """Queue one evaluation job per bureau (after the transaction commits)."""
    from safecampus.core.jobs import job_start
    from safecampus.orgs.models import Bureau

    jobs = []
    for bureau in Bureau.objects.filter(pk__in=list(bureau_ids)):
        jobs.append(
            job_start(
                kind="standards.evaluate",
                title=_("Check the security standards of %(bureau)s") % {"bureau": bureau.name},
                user=actor,
                params={"bureau": bureau.pk},
            )
        )
    return jobs


def set_policy(
    *, actor, bureau, mode: str, rule_set_ids: list[int], partner_ids=(), now=None
) -> StandardsPolicy:
    """Choose the rule sets a bureau applies (in order) and how they combine; its schools are
    evaluated again (a job)."""
    from safecampus.orgs.models import PartnerUnit

    from .choices import PolicyMode

    now = now or timezone.now()
    if bureau.pk not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("You may not change this bureau's standards."))
    errors = {}
    if mode not in PolicyMode.values:
        errors["mode"] = [_("Choose how the rule sets combine.")]
    sets = {rs.pk: rs for rs in RuleSet.objects.visible_to(actor).filter(pk__in=rule_set_ids)}
    if not rule_set_ids or len(sets) != len(set(rule_set_ids)):
        errors["rule_sets"] = [_("Choose one or more rule sets you can see.")]
    partners = list(PartnerUnit.objects.filter(bureau=bureau, pk__in=list(partner_ids)))
    if len(partners) != len(set(partner_ids)):
        errors["partners"] = [_("Choose partner units of this bureau.")]
    if errors:
        raise refuse(errors, Code.INVALID)

    def write():
        policy, _created = StandardsPolicy.objects.get_or_create(bureau=bureau)
        before = _policy_state(policy)
        policy.mode, policy.changed_at, policy.changed_by = mode, now, actor
        policy.save()
        policy.entries.all().delete()
        PolicyRuleSet.objects.bulk_create(
            [
                PolicyRuleSet(policy=policy, rule_set_id=pk, position=i)
                for i, pk in enumerate(dict.fromkeys(rule_set_ids))
            ]
        )
        policy.granted_partners.set(partners)
        StandardsEvent.objects.create(
            action=VersionAction.POLICY,
            bureau=bureau,
            actor=actor,
            actor_role=",".join(sorted(access.policy_roles(scope_for(actor), policy))),
            at=now,
            data={"before": before, "after": _policy_state(policy)},
        )
        return policy

    policy = in_write_transaction(write)
    start_evaluations(actor, [bureau.pk])
    return policy


def _policy_state(policy) -> dict:
    """A policy as its history records it: the mode, the rule sets in order, the partners."""
    if policy.pk is None:
        return {}
    return {
        "mode": policy.mode,
        "rule_sets": list(
            policy.entries.order_by("position").values_list("rule_set__code", flat=True)
        ),
        "partners": sorted(policy.granted_partners.values_list("pk", flat=True)),
    }


# --- what-if ----


def preview(*, actor, version_id: int, bureau=None, now=None) -> dict:
    """What publishing a draft would change for a bureau that applies its set: per requirement,
    how many schools fail now and would fail then; flags a rule that would fail every school.
    Nothing is written."""
    from safecampus.orgs.models import School

    now = now or timezone.now()
    version = get_for(actor, RuleSetVersion, version_id)
    # only the bureaus whose figures the person reads
    readable = access.policy_reader_bureaus(scope_for(actor))
    applying = set(bureaus_applying(version.rule_set))
    not_applied: list[int] = []
    bureau_ids = (
        [getattr(bureau, "pk", bureau)]
        if bureau
        else (bureaus_applying(version.rule_set) or sorted(access.manage_bureaus(scope_for(actor))))
    )
    bureau_ids = [b for b in bureau_ids if b in readable]
    today = timezone.localdate(now)
    rows: dict[str, dict] = {}
    schools_total = 0
    for bureau_id in bureau_ids:
        before = engine.effective_rules(bureau_id)
        applied = bureau_id in applying
        after = engine.effective_rules(
            bureau_id,
            substitute={version.rule_set_id: version},
            # a bureau that does not apply the set yet: as if it were listed first
            first=None if applied else version.rule_set,
        )
        if not applied:
            not_applied.append(bureau_id)
        schools = list(School.objects.filter(bureau_id=bureau_id, is_active=True))
        facts = {f.school_id: f for f in SecurityFacts.objects.filter(school__in=schools)}
        gates: dict[int, list] = {}
        for g in GateFacts.objects.filter(school__in=schools).order_by("school_id", "position"):
            gates.setdefault(g.school_id, []).append(g)
        schools_total += len(schools)
        for school in schools:
            ctx = _context(school, facts.get(school.pk), gates.get(school.pk, []), today)
            for label, eff in (("before", before), ("after", after)):
                for key, result in engine.evaluate(eff, ctx).items():
                    row = rows.setdefault(
                        key,
                        {
                            "key": key,
                            "before": 0,
                            "after": 0,
                            "applies_before": 0,
                            "applies_after": 0,
                            "title": result.rule.title if result.rule else key,
                        },
                    )
                    if label == "after" and result.rule:  # name the rule being published
                        row["title"] = result.rule.title
                    if result.outcome == Outcome.FAIL:
                        row[label] += 1
                    if result.outcome != Outcome.NA:
                        row[f"applies_{label}"] += 1
    out = sorted(rows.values(), key=lambda r: r["key"])
    for row in out:
        row["fails_all"] = bool(row["applies_after"]) and row["after"] == row["applies_after"]
        row["change"] = row["after"] - row["before"]
    return {"schools": schools_total, "rows": out, "not_applied": not_applied}
