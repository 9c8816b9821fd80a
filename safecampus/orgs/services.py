"""Writes to the organisation tree; each records a configuration change in the audit log."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record, config_change_record, model_snapshot

from .models import Bureau, DocumentCounter, Region, School, SchoolGate
from .signals import announce_geometry_change

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
    if gates:
        announce_geometry_change([school.pk])
    _check_in_scope(actor=actor, school=school)
    config_change_record(
        actor=actor,
        obj=school,
        before=None,
        data_extra={"gates": _gates_snapshot(school)} if gates else None,
    )
    return school


@transaction.atomic
def school_update(*, actor, school: School, data: dict, gates: list[dict] | None = None) -> School:
    school = School.objects.select_for_update().get(pk=school.pk)
    _check_in_scope(actor=actor, school=school)
    before = model_snapshot(school)
    before_gates = _gates_snapshot(school)
    before_stage, before_bureau = school.stage, school.bureau_id
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
    # replaced gates have new ids even when their positions did not change: measure again
    if gates is not None or (school.stage, school.bureau_id) != (before_stage, before_bureau):
        announce_geometry_change([school.pk])
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


def parse_gates(raw: str, coord_system: str) -> tuple[list[dict], list[str]]:
    """Parse "经度,纬度; 经度,纬度" (half- or full-width separators) into gate dicts.

    Returns ``(gates, problems)``; each problem is a message for the user. Gates must lie inside
    China with the longitude first. The caller checks ``coord_system`` (a :class:`CoordSystem`).
    """
    gates: list[dict] = []
    problems: list[str] = []
    parts = [p.strip() for p in raw.replace("；", ";").split(";") if p.strip()]
    for i, part in enumerate(parts, start=1):
        bits = [b.strip() for b in part.replace("，", ",").split(",")]
        if len(bits) != 2:
            problems.append(_("Write each gate as longitude,latitude and separate gates with ';'."))
            continue
        try:
            lng, lat = Decimal(bits[0]), Decimal(bits[1])
            if not (lng.is_finite() and lat.is_finite()):
                raise InvalidOperation
        except InvalidOperation:
            problems.append(_("'%(v)s' is not a number.") % {"v": part})
            continue
        if not (73 <= lng <= 136 and 3 <= lat <= 54):
            problems.append(
                _("Gate %(i)d (%(v)s) lies outside China; write longitude first.")
                % {"i": i, "v": part}
            )
            continue
        gates.append(
            {
                "name": f"{i}号门",
                "longitude": lng.quantize(Decimal("0.000001")),
                "latitude": lat.quantize(Decimal("0.000001")),
                "coord_system": coord_system,
            }
        )
    return gates, problems


# --- departments, partner units, leadership group -----------------------------------------------


def _require_org_manager(*, actor, bureau_id: int) -> None:
    from safecampus.core.access import scope_for
    from safecampus.core.capabilities import ORG_MANAGE

    from .access import roles_in_bureau

    if not ORG_MANAGE & roles_in_bureau(scope_for(actor), bureau_id):
        raise PermissionDenied(_("This bureau is outside your scope."))


@transaction.atomic
def bureau_documents_save(*, actor, bureau: Bureau, data: dict) -> Bureau:
    """Set the issuing body (发文机关) and document number prefix (文号前缀) of ``bureau``."""
    _require_org_manager(actor=actor, bureau_id=bureau.pk)
    # as stored: a ModelForm has set the new values on ``bureau`` already
    before = model_snapshot(Bureau.objects.get(pk=bureau.pk))
    for key in ("issuing_body", "doc_number_prefix"):
        if key in data:
            setattr(bureau, key, (data[key] or "").strip())
    bureau.full_clean()
    bureau.save(update_fields=["issuing_body", "doc_number_prefix"])
    config_change_record(actor=actor, obj=bureau, before=before)
    return bureau


@transaction.atomic
def department_save(*, actor, bureau: Bureau, data: dict, department=None):
    from .models import Department

    _require_org_manager(actor=actor, bureau_id=bureau.pk)
    before = model_snapshot(department) if department is not None else None
    department = department or Department(bureau=bureau)
    for key in ("name", "kind", "head", "phone", "sort_order"):
        if key in data:
            setattr(department, key, data[key])
    department.full_clean()
    department.save()
    config_change_record(actor=actor, obj=department, before=before)
    return department


def _schools_by_code(*, bureau: Bureau, codes: list[str]) -> list[School]:
    codes = [c.strip() for c in codes if c.strip()]
    found = {s.code: s for s in School.objects.filter(bureau=bureau, code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(
            {
                "school_codes": _("No school of this bureau has these codes: %(codes)s")
                % {"codes": "、".join(unknown[:20])}
            }
        )
    return list(found.values())


@transaction.atomic
def partner_save(*, actor, bureau: Bureau, data: dict, school_codes: list[str], partner=None):
    """Create or edit a partner unit and set the schools it covers (by 学校标识码)."""
    from .models import PartnerCoverage, PartnerUnit

    _require_org_manager(actor=actor, bureau_id=bureau.pk)
    schools = _schools_by_code(bureau=bureau, codes=school_codes)
    before = None
    old_codes: list[str] = []
    if partner is not None:
        before = model_snapshot(partner)
        old_codes = sorted(partner.schools.values_list("code", flat=True))
    partner = partner or PartnerUnit(bureau=bureau)
    for key in ("name", "kind", "contact", "phone"):
        if key in data:
            setattr(partner, key, data[key])
    partner.full_clean()
    partner.save()
    new_codes = sorted(s.code for s in schools)
    if new_codes != old_codes:
        PartnerCoverage.objects.filter(partner=partner).exclude(school__in=schools).delete()
        have = set(
            PartnerCoverage.objects.filter(partner=partner).values_list("school_id", flat=True)
        )
        PartnerCoverage.objects.bulk_create(
            [PartnerCoverage(partner=partner, school=s) for s in schools if s.pk not in have]
        )
    extra = {"schools": [old_codes, new_codes]} if new_codes != old_codes else None
    config_change_record(actor=actor, obj=partner, before=before, data_extra=extra)
    return partner


@transaction.atomic
def leadership_member_add(*, actor, group, data: dict):
    from .models import LeadershipMember

    _require_org_manager(actor=actor, bureau_id=group.bureau_id)
    department = data.get("department")
    if department is not None and department.bureau_id != group.bureau_id:
        raise ValidationError({"department": _("Choose a department of this bureau.")})
    member = LeadershipMember(group=group, **data)
    member.full_clean()
    member.save()
    audit_record(
        action=Action.CONFIG_CHANGED,
        actor=actor,
        target=group,
        data={"member_added": model_snapshot(member)},
    )
    return member


@transaction.atomic
def leadership_member_remove(*, actor, member) -> None:
    _require_org_manager(actor=actor, bureau_id=member.group.bureau_id)
    snapshot = model_snapshot(member)
    member.delete()
    # the audit row last: it holds the audit log's append lock until the transaction ends
    audit_record(
        action=Action.CONFIG_CHANGED,
        actor=actor,
        target=member.group,
        data={"member_removed": snapshot},
    )


def next_document_serial(bureau: Bureau, year: int) -> int:
    """The next serial of the documents ``bureau`` sends in ``year`` (the 12 of 闵教安〔2026〕12号):
    1, 2, 3… per bureau and year, without gaps.

    Call it inside the transaction that stores the document: the counter row stays locked until
    that transaction ends, and a rollback gives the serial back (as hazard codes do)."""
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(bureau=bureau, year=year, last=0)], ignore_conflicts=True
    )
    DocumentCounter.objects.filter(bureau=bureau, year=year).update(last=F("last") + 1)
    return DocumentCounter.objects.get(bureau=bureau, year=year).last


def document_number(bureau: Bureau, when=None) -> tuple[str, int | None]:
    """A new document number for ``bureau`` (闵教安〔2026〕12号) in the Shanghai year of ``when``
    (now when omitted), with the serial it took; ("", None) without taking a serial when the
    bureau has no prefix. Call inside the transaction that stores the document."""
    from django.utils import timezone

    from safecampus.core.documents import doc_number

    if bureau is None or not bureau.doc_number_prefix:
        return "", None
    year = timezone.localdate(when).year
    serial = next_document_serial(bureau, year)
    return doc_number(bureau, year, serial), serial
