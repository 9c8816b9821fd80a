"""Loading the shipped zone rules (``defaults``): the national ones once for every bureau, a
pack into one bureau. Loading again changes nothing that is already there."""

from __future__ import annotations

from django.utils import timezone

from .choices import ZoneEventKind
from .defaults import NATIONAL, PACKS
from .models import ZoneEvent, ZoneRule


def load_national(*, now=None) -> int:
    now = now or timezone.now()
    created = 0
    for spec in NATIONAL:
        _rule, made = ZoneRule.objects.get_or_create(
            bureau=None,
            code=spec["code"],
            defaults={**spec, "pack": "national", "created_at": now, "updated_at": now},
        )
        created += made
    return created


def load_pack(bureau, pack: str, *, actor=None, now=None) -> int:
    """Copy pack ``pack``'s rules into ``bureau`` (a rule whose code it has is left alone)."""
    now = now or timezone.now()
    if pack not in PACKS:
        raise KeyError(pack)
    load_national(now=now)
    created = 0
    for spec in PACKS[pack]["rules"]:
        rule, made = ZoneRule.objects.get_or_create(
            bureau=bureau,
            code=spec["code"],
            defaults={**spec, "pack": pack, "created_at": now, "updated_at": now},
        )
        if made:
            created += 1
            ZoneEvent.objects.create(
                bureau=bureau,
                kind=ZoneEventKind.RULE,
                object_id=rule.pk,
                action="load",
                actor=actor,
                actor_role="system",
                at=now,
                data={"pack": pack, "code": rule.code},
            )
    return created
