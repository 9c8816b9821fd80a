"""What the notifications app tells those who listen (the messaging app turns it into e-mails).

``notices_recorded`` is sent, inside the transaction that recorded them, with ``items``: a list of
:class:`Recorded` (one per notice text: its kind, text, link, key and the people it was newly
recorded for) and ``now`` (when it happened; ``None``: the clock). Notifications never import
their listeners.

``digests_folded`` is sent by the daily run once the day's notices are folded into each person's
digest, with ``day`` and ``now``."""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

notices_recorded = Signal()
digests_folded = Signal()


@dataclass(frozen=True)
class Recorded:
    #: a ``NoticeKind``
    kind: str
    text: str
    url: str
    key: str
    recipient_ids: tuple[int, ...]


__all__ = ["Recorded", "digests_folded", "notices_recorded"]
