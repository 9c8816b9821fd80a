"""Writing the audit log. Call explicitly from services, imports and commands."""

from __future__ import annotations

from django.db import models

from safecampus.core.context import client_ip, request_id

from . import chain
from .models import Action, AuditEvent


def _bureau_of(obj) -> int | None:
    for attr in ("bureau_id",):
        if getattr(obj, attr, None):
            return getattr(obj, attr)
    return None


def audit_record(
    *,
    action: str,
    actor=None,
    actor_username: str = "",
    target: models.Model | None = None,
    bureau_id: int | None = None,
    data: dict | None = None,
    target_repr: str | None = None,
) -> AuditEvent:
    """Append one audit event to the hash chain, in the caller's transaction.

    ``target_repr`` replaces ``str(target)`` where that would disclose what the log's readers
    may not see (a restricted case's title).

    Appends are serial (see :mod:`safecampus.audit.chain`): on PostgreSQL the append lock is held
    until the caller's transaction ends, so record the event after the transaction's other
    writes, and keep slow work out of the transaction.
    """
    if bureau_id is None and target is not None:
        bureau_id = _bureau_of(target)
    if bureau_id is None and actor is not None:
        bureau_id = getattr(actor, "bureau_id", None)
    event = AuditEvent(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        actor_username=actor_username or (actor.get_username() if actor is not None else ""),
        bureau_id=bureau_id,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=(
            target_repr if target_repr is not None else str(target) if target is not None else ""
        )[:255],
        ip=client_ip.get(),
        request_id=request_id.get() or "",
        data=data or {},
    )
    chain.append([event])
    return event


def audit_record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append many unsaved events at once (imports): one lock, one bulk insert."""
    return chain.append(events)


def model_snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """A JSON-able dict of an object's concrete field values, for before/after records."""
    out = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = field.value_from_object(obj)
        out[field.name] = value if isinstance(value, (int, float, bool, type(None))) else str(value)
    return out


#: bookkeeping fields that change on every save and say nothing about the business
_NOT_CHANGES = frozenset({"updated_at", "created_at"})


def config_change_record(*, actor, obj: models.Model, before: dict | None, data_extra=None):
    """Record a configuration create/change with the fields that changed, before and after.

    ``data_extra`` carries what the object's own fields do not show (gates, covered schools).
    A save that changed nothing writes nothing.
    """
    after = model_snapshot(obj)
    if before is None:
        data = {"after": after, **(data_extra or {})}
        return audit_record(action=Action.CONFIG_CREATED, actor=actor, target=obj, data=data)
    changed = {
        k: [before.get(k), v]
        for k, v in after.items()
        if k not in _NOT_CHANGES and not k.startswith("_") and before.get(k) != v
    }
    if not changed and not data_extra:
        return None
    data = {"changes": changed, **(data_extra or {})}
    return audit_record(action=Action.CONFIG_CHANGED, actor=actor, target=obj, data=data)
