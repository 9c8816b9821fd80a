"""Recording notices. Call :func:`notify` inside the business transaction that caused it."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Notice


def notify(recipients: Iterable, *, kind: str, text: str, url: str = "", key: str = "") -> int:
    """Record a notice for each recipient (users or user ids) for their next daily digest. With
    a ``key``, a notice already recorded for that person under the same key is not repeated.
    Returns how many were recorded."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return 0
    if key:
        seen = set(
            Notice.objects.filter(recipient_id__in=ids, key=key).values_list(
                "recipient_id", flat=True
            )
        )
        ids = [i for i in ids if i not in seen]
    Notice.objects.bulk_create(
        [
            Notice(recipient_id=i, kind=kind, text=text[:300], url=url[:300], key=key[:120])
            for i in ids
        ],
        ignore_conflicts=bool(key),
    )
    return len(ids)
