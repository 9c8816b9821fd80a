"""Trigram indexes for ``?q=`` on PostgreSQL; nothing on SQLite.

The register's search is ``description LIKE '%…%' OR location LIKE '%…%' OR …``. No B-tree index
serves a pattern with a leading wildcard, so at province scale every search read the whole scope
(2.8 s for the city's 4,000,000 hazards). A ``pg_trgm`` GIN index answers LIKE for patterns of
three characters or more, Chinese included (the trigrams are of characters, not bytes).

The indexes are not in ``Hazard.Meta.indexes``: a GIN index cannot be created on SQLite, and
a model index would be created there by every ``migrate --run-syncdb`` or test database built
without migrations. They are outside the migration state, so ``makemigrations`` never sees them.
They are built ``CONCURRENTLY`` (hence ``atomic = False``): on a large register the build takes
minutes, and the register stays writable meanwhile.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    GinIndex(fields=["description"], name="hz_description_trgm", opclasses=["gin_trgm_ops"]),
    GinIndex(fields=["location"], name="hz_location_trgm", opclasses=["gin_trgm_ops"]),
]


class TrigramExtensionOnPostgres(TrigramExtension):
    """``CREATE EXTENSION pg_trgm`` on PostgreSQL; a no-op elsewhere, in both directions
    (the stock operation's reverse queries ``pg_extension`` on any database)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    hazard = apps.get_model("hazards", "Hazard")
    for index in INDEXES:
        schema_editor.add_index(hazard, index, concurrently=True)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    hazard = apps.get_model("hazards", "Hazard")
    for index in INDEXES:
        schema_editor.remove_index(hazard, index, concurrently=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("hazards", "0001_hazard_register"),
    ]

    operations = [
        TrigramExtensionOnPostgres(),
        migrations.RunPython(add_indexes, remove_indexes, elidable=False),
    ]
