"""Changing a bureau's incident settings and reporting limits (the centre), each change in the
audit log with before and after."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from safecampus.audit.services import config_change_record, model_snapshot
from safecampus.core.access import scope_for
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse

from . import access, restriction
from .choices import ROUTING_KEYS, IncidentType, Severity
from .defaults import LIMITS
from .inputs import choice as _choice
from .inputs import integer as _int
from .inputs import now as _now
from .inputs import stale as _stale
from .inputs import text as _text
from .models import IncidentSettings, ReportingLimit
from .services import settings_for

# --- settings ------------------------------------------------------------------------------------


def settings_save(*, actor, bureau_id: int, data: dict, version=None, now=None) -> IncidentSettings:
    """Change a bureau's incident settings (the centre): cluster thresholds, routing, the
    officers named on restricted cases. Recorded in the audit log with before and after."""
    from safecampus.orgs.models import Department

    now = _now(now)
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise refuse(_("Your roles do not allow changing these settings."), Code.NOT_ALLOWED)
    errors: dict = {}
    numbers = {}
    for name, low, high in (
        ("cluster_day_cases", 2, 50),
        ("cluster_window_days", 1, 14),
        ("cluster_window_cases", 2, 100),
        ("cluster_minutes", 10, 24 * 60),
        ("sensitive_lead_days", 0, 60),
    ):
        if data.get(name) in (None, ""):
            continue
        try:
            value = int(data[name])
        except (TypeError, ValueError):
            errors[name] = [_("Enter a whole number.")]
            continue
        if not low <= value <= high:
            errors[name] = [
                _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
            ]
            continue
        numbers[name] = value
    routing = data.get("routing")
    if routing is not None:
        if not isinstance(routing, dict):
            errors["routing"] = [_("Give a department for each incident type.")]
        else:
            valid = set(Department.objects.filter(bureau_id=bureau_id).values_list("pk", flat=True))
            clean_routing = {}
            for key, value in routing.items():
                if value in (None, ""):
                    continue
                if key not in ROUTING_KEYS or _int(value) not in valid:
                    errors["routing"] = [_("Route each type to a department of this bureau.")]
                    break
                clean_routing[key] = _int(value)
            routing = clean_routing
    officers = data.get("restricted_officers")
    if officers is not None:
        ids = [_int(u) for u in officers]
        if None in ids or len(restriction.eligible_users(bureau_id, ids)) != len(set(ids)):
            errors["restricted_officers"] = [
                _("Only active people of this bureau can be named on restricted cases.")
            ]
    if errors:
        raise refuse(errors)

    def write():
        obj = settings_for(bureau_id)
        obj = IncidentSettings.objects.select_for_update().get(pk=obj.pk)
        _stale(obj, version)
        before = model_snapshot(obj)
        before["restricted_officers"] = sorted(obj.restricted_officers.values_list("pk", flat=True))
        for name, value in numbers.items():
            setattr(obj, name, value)
        if routing is not None:
            obj.routing = dict(routing.items())
        obj.version += 1
        obj.updated_at = now
        obj.updated_by = actor
        obj.save()
        extra = {}
        if officers is not None:
            obj.restricted_officers.set(sorted({int(u) for u in officers}))
            extra["restricted_officers"] = [
                before["restricted_officers"],
                sorted({int(u) for u in officers}),
            ]
        config_change_record(actor=actor, obj=obj, before=before, data_extra=extra or None)
        return obj

    return in_write_transaction(write)


def limit_save(
    *, actor, bureau_id: int, data: dict, pk: int | None = None, now=None
) -> ReportingLimit:
    """Add or change one of a bureau's reporting limits (the centre). The first change copies
    the defaults into the bureau's own rows, so that what it sees is what applies."""
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise refuse(_("Your roles do not allow changing these limits."), Code.NOT_ALLOWED)
    errors: dict = {}
    incident_type = _choice(
        data.get("incident_type"), IncidentType, "incident_type", errors, required=False
    )
    severity = _choice(data.get("severity"), Severity, "severity", errors, required=False)
    values: dict = {}
    for name in ("verbal_minutes", "written_minutes", "final_within_days"):
        raw = data.get(name)
        if raw in (None, ""):
            values[name] = None
            continue
        number = _int(raw)
        if number is None or not 1 <= number <= (
            365 if name == "final_within_days" else 7 * 24 * 60
        ):
            errors[name] = [_("Enter a positive whole number.")]
        values[name] = number
    raw = data.get("daily_follow_up_by")
    if raw in (None, ""):
        values["daily_follow_up_by"] = None
    elif isinstance(raw, datetime.time):
        values["daily_follow_up_by"] = raw
    else:
        try:
            values["daily_follow_up_by"] = datetime.time.fromisoformat(str(raw))
        except ValueError:
            errors["daily_follow_up_by"] = [_("Enter a time such as 17:00.")]
    if not errors and all(v is None for v in values.values()):
        errors["verbal_minutes"] = [_("Set at least one limit.")]
    source = _text(data, "source", errors, required=False, limit=200)
    if errors:
        raise refuse(errors)

    def write():
        if not ReportingLimit.objects.filter(bureau_id=bureau_id).exists():
            ReportingLimit.objects.bulk_create(
                [
                    ReportingLimit(
                        bureau_id=bureau_id,
                        incident_type=r.incident_type,
                        severity=r.severity,
                        verbal_minutes=r.verbal_minutes,
                        written_minutes=r.written_minutes,
                        daily_follow_up_by=r.daily_follow_up_by,
                        final_within_days=r.final_within_days,
                        source=r.source,
                    )
                    for r in LIMITS
                ]
            )
        if pk is not None:
            row = (
                ReportingLimit.objects.select_for_update()
                .filter(bureau_id=bureau_id, pk=pk)
                .first()
            )
            if row is None:
                raise refuse(_("This limit no longer exists."), Code.STALE)
            clash = ReportingLimit.objects.filter(
                bureau_id=bureau_id, incident_type=incident_type, severity=severity
            ).exclude(pk=pk)
        else:
            row = ReportingLimit.objects.filter(
                bureau_id=bureau_id, incident_type=incident_type, severity=severity
            ).first() or ReportingLimit(bureau_id=bureau_id)
            clash = ReportingLimit.objects.none()
        if clash.exists():
            raise refuse(
                {"incident_type": [_("A limit for this type and grade exists already.")]},
                Code.DUPLICATE,
            )
        before = model_snapshot(row) if row.pk else None
        row.incident_type = incident_type
        row.severity = severity
        for name, value in values.items():
            setattr(row, name, value)
        row.source = source
        row.version += 1
        row.save()
        config_change_record(actor=actor, obj=row, before=before)
        return row

    return in_write_transaction(write)


def limit_delete(*, actor, bureau_id: int, pk: int) -> None:
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise refuse(_("Your roles do not allow changing these limits."), Code.NOT_ALLOWED)

    def write():
        row = ReportingLimit.objects.filter(bureau_id=bureau_id, pk=pk).first()
        if row is None:
            raise refuse(_("This limit no longer exists."), Code.STALE)
        if not row.incident_type and not row.severity:
            raise refuse(_("The general limit cannot be removed; change it instead."), Code.INVALID)
        before = model_snapshot(row)
        row.delete()
        from safecampus.audit.models import Action
        from safecampus.audit.services import audit_record

        audit_record(
            action=Action.CONFIG_CHANGED,
            actor=actor,
            bureau_id=bureau_id,
            target_repr=f"reporting limit #{pk}",
            data={"deleted": before},
        )

    in_write_transaction(write)
