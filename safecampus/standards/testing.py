"""Test builders for security standards: the shipped rule sets, a catalog holding the check
items the rules file hazards under, a policy, and facts that comply with everything."""

from __future__ import annotations

from safecampus.catalog.services import catalog_load

from . import services
from .defaults import RULE_SETS
from .loading import ensure_policy, load_rule_sets

RULE_ITEMS = sorted({rule["item_code"] for data in RULE_SETS for rule in data["rules"]})


def standards_catalog(bureau, department):
    """A published catalog with every check item the shipped rules name, each taken by
    ``department``."""
    areas: dict[str, list] = {}
    for code in RULE_ITEMS:
        areas.setdefault(code[:3], []).append(
            {"code": code, "text": f"检查项 {code}", "responsible": [department.name]}
        )
    data = {
        "title": "测试排查标准（安防）",
        "areas": [
            {"code": area, "name": f"领域 {area}", "items": items}
            for area, items in sorted(areas.items())
        ],
    }
    version, _warnings = catalog_load(bureau=bureau, data=data)
    return version


def standards_world(world, codes=("shanghai", "gb29315"), mode="stricter"):
    """The shipped rule sets, the catalog and a policy for ``world.bureau``."""
    load_rule_sets()
    standards_catalog(world.bureau, world.department)
    return ensure_policy(world.bureau, list(codes), mode)


def compliant_values(**overrides) -> dict:
    """School-level facts that comply with every shipped rule set."""
    values = {
        "guards_fulltime": True,
        "guards_total": 12,
        "guards_certified": 12,
        "guard_max_age": 45,
        "guard_training_on": "2026-09-01",
        "gatehouse_24h": True,
        "patrols_per_day": 6,
        "escort_members": 6,
        "escort_led_by_leader": True,
        "escort_with_police": True,
        "dorm_managers": 2,
        "safety_teachers": 1,
        "closed_management": True,
        "lab_security_door": True,
        "lab_safe": True,
        "alarm_installed": True,
        "alarm_linked": True,
        "alarm_tested_on": "2026-11-20",
        "perimeter_alarm": True,
        "perimeter_armed_24h": True,
        "video_days": 30,
        "video_canteen": True,
        "video_canteen_linked": True,
        "video_lab": True,
        "lab_intrusion": True,
        "video_dorm": True,
        "food_trace_online": True,
    }
    values.update(overrides)
    return values


def compliant_gate(**overrides) -> dict:
    gate = {
        "guards_day": 3,
        "guards_night": 2,
        "guards_peak": 4,
        "barrier": True,
        "video": True,
        "video_linked": True,
        "alarm": True,
    }
    gate.update(overrides)
    return gate


def record_facts(school, user, *, values=None, gates=None, now=None, **kw):
    """Record ``values`` (default: all compliant) and ``gates`` (default: every gate compliant)
    through the service, as ``user``."""
    if values is None:
        values = compliant_values()
    if gates is None:
        gates = [compliant_gate() for _ in range(school.gate_count or 0)]
    return services.update_facts(
        actor=user, school_id=school.pk, values=values, gates=gates, now=now, **kw
    )
