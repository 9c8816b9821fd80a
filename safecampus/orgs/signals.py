"""Signals other apps listen to (the arrow runs from them to orgs, never back)."""

from django.dispatch import Signal

#: sent after the commit that changed the gates, stage or bureau of schools; ``school_ids`` names
#: them. The student safety zone measures from the gates, and its rules depend on the stage.
school_geometry_changed = Signal()


def announce_geometry_change(school_ids) -> None:
    """Send :data:`school_geometry_changed` once the current transaction commits."""
    from django.db import transaction

    ids = sorted({int(pk) for pk in school_ids})
    if ids:
        # robust: the change is committed; a failure to measure again is logged, never shown
        transaction.on_commit(
            lambda: school_geometry_changed.send(sender=None, school_ids=ids), robust=True
        )
