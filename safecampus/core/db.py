"""Database housekeeping that keeps query plans good on the embedded SQLite default."""

from django.db import connection


def db_optimize(*, full: bool = False) -> None:
    """Refresh the planner's statistics.

    SQLite keeps no statistics unless asked: without them it cannot tell that an index on
    ``(name, id)`` serves the school list. ``full`` runs ``ANALYZE`` (after bulk loads); otherwise
    ``PRAGMA optimize`` analyses only what changed. PostgreSQL's autovacuum does this itself.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if full else "PRAGMA optimize")
