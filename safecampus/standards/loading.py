"""Writing the shipped rule sets (``defaults``) and a bureau's first policy."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .choices import PolicyMode, VersionAction, VersionStatus
from .defaults import RULE_SETS
from .models import (
    PolicyRuleSet,
    Rule,
    RuleSet,
    RuleSetVersion,
    StandardsEvent,
    StandardsPolicy,
)
from .services import RULE_FIELDS


def _same(version, rules: list[dict]) -> bool:
    have = sorted(
        (tuple(getattr(r, f) for f in RULE_FIELDS) for r in version.rules.all()),
    )
    want = sorted(tuple(d[f] for f in RULE_FIELDS) for d in rules)
    return have == want


@transaction.atomic
def load_rule_sets(*, now=None) -> dict[str, RuleSet]:
    """Create the shipped rule sets, or publish a new version of one whose rules changed. A
    shipped version is loaded published (it was never a draft of anyone's) and its loading is
    recorded as an event. A bureau's own set holding a shipped code is refused, never taken
    over."""
    now = now or timezone.now()
    out: dict[str, RuleSet] = {}
    for data in RULE_SETS:
        if RuleSet.objects.filter(code=data["code"], bureau__isnull=False).exists():
            raise ValueError(
                f"rule set code {data['code']} is held by a bureau's own set; rename it first"
            )
        rule_set, _created = RuleSet.objects.update_or_create(
            code=data["code"],
            defaults={
                "name": data["name"],
                "region_name": data["region_name"],
                "description": data["description"],
                "extends": out.get(data["extends"]) if data["extends"] else None,
                "bureau": None,
            },
        )
        out[data["code"]] = rule_set
        published = rule_set.published()
        if published is not None and _same(published, data["rules"]):
            continue
        version = RuleSetVersion.objects.create(
            rule_set=rule_set,
            number=(published.number if published else 0) + 1,
            status=VersionStatus.PUBLISHED,
            published_at=now,
            created_at=now,
            note="随产品发布" if published is None else "随产品更新",
        )
        Rule.objects.bulk_create([Rule(version=version, **rule) for rule in data["rules"]])
        StandardsEvent.objects.create(
            action=VersionAction.LOAD,
            rule_set=rule_set,
            version=version,
            at=now,
            data={"number": version.number, "rules": len(data["rules"])},
        )
    return out


@transaction.atomic
def ensure_policy(bureau, codes: list[str], mode: str = PolicyMode.STRICTER) -> StandardsPolicy:
    """Give ``bureau`` a policy applying the rule sets ``codes`` (in order) if it has none."""
    policy, created = StandardsPolicy.objects.get_or_create(bureau=bureau, defaults={"mode": mode})
    if created:
        sets = {rs.code: rs for rs in RuleSet.objects.filter(code__in=codes)}
        PolicyRuleSet.objects.bulk_create(
            [
                PolicyRuleSet(policy=policy, rule_set=sets[c], position=i)
                for i, c in enumerate(codes)
                if c in sets
            ]
        )
    return policy
