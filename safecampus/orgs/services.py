"""Writes to the organisation tree; each records a configuration change in the audit log."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safecampus.audit.services import config_change_record, model_snapshot

from .models import Bureau, Region, School, SchoolGate

SCHOOL_FIELDS = [
    "bureau",
    "region",
    "code",
    "name",
    "stage",
    "ownership",
    "boarding",
    "students",
    "boarders",
    "staff",
    "gate_count",
    "has_canteen",
    "has_chem_lab",
    "address",
    "principal",
    "safety_officer",
    "phone",
    "is_active",
]


def _check_in_scope(*, actor, school: School) -> None:
    """After a write the school must still be editable by its author, or everything rolls back."""
    if not School.objects.editable_by(actor).filter(pk=school.pk).exists():
        raise PermissionDenied(_("This school would fall outside your scope."))


@transaction.atomic
def school_create(*, actor, data: dict, gates: list[dict] | None = None) -> School:
    school = School(**{k: v for k, v in data.items() if k in SCHOOL_FIELDS})
    school.full_clean()
    school.save()
    _gates_replace(school=school, gates=gates or [])
    _check_in_scope(actor=actor, school=school)
    config_change_record(actor=actor, obj=school, before=None)
    return school


@transaction.atomic
def school_update(*, actor, school: School, data: dict, gates: list[dict] | None = None) -> School:
    school = School.objects.select_for_update().get(pk=school.pk)
    _check_in_scope(actor=actor, school=school)
    before = model_snapshot(school)
    before_gates = _gates_snapshot(school)
    for key, value in data.items():
        if key in SCHOOL_FIELDS:
            setattr(school, key, value)
    school.full_clean()
    school.save()
    extra = None
    if gates is not None:
        _gates_replace(school=school, gates=gates)
        after_gates = _gates_snapshot(school)
        if after_gates != before_gates:
            extra = {"gates": [before_gates, after_gates]}
            before = {**before, "_gates": "changed"}
    _check_in_scope(actor=actor, school=school)
    config_change_record(actor=actor, obj=school, before=before, data_extra=extra)
    return school


def _gates_snapshot(school: School) -> list[list[str]]:
    return [
        [g.name, str(g.longitude), str(g.latitude), g.coord_system]
        for g in school.gates.order_by("id")
    ]


def _gates_replace(*, school: School, gates: list[dict]) -> None:
    school.gates.all().delete()
    objs = [SchoolGate(school=school, **gate) for gate in gates]
    for obj in objs:
        obj.full_clean(exclude=["school"])
    SchoolGate.objects.bulk_create(objs)


@transaction.atomic
def bureau_create(
    *,
    actor,
    name: str,
    code_prefix: str,
    region: Region,
    parent: Bureau | None = None,
    short_name: str = "",
) -> Bureau:
    """Create a bureau and set its materialised path (used by set-up commands and admins)."""
    bureau = Bureau(
        name=name, short_name=short_name, code_prefix=code_prefix, region=region, parent=parent
    )
    bureau.full_clean(exclude=["path"])
    bureau.save()
    bureau.path = f"{parent.path if parent else '/'}{bureau.pk}/"
    bureau.save(update_fields=["path"])
    config_change_record(actor=actor, obj=bureau, before=None)
    return bureau


def validate_gates(raw: str) -> list[tuple[str, str]]:
    """Parse "经度,纬度; 经度,纬度" into pairs; raises ValidationError with a Chinese message."""
    pairs = []
    for part in [p.strip() for p in raw.replace("；", ";").split(";") if p.strip()]:
        bits = [b.strip() for b in part.replace("，", ",").split(",")]
        if len(bits) != 2:
            raise ValidationError(
                _("Write each gate as longitude,latitude and separate gates with ';'.")
            )
        pairs.append((bits[0], bits[1]))
    return pairs
