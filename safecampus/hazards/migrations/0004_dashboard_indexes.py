"""Covering indexes for the dashboards' grouped counts (issue 6; measured by
bench/bench_dashboards.py, see bench/README.md).

A district centre's dashboard counts its register several ways (totals, trend, league, the
open hazards by area, department, grade, deadline). Read from the table, those counts visit every
page holding one of the district's rows (36,000 pages at province scale, ~400 ms); these indexes
hold the columns they read, so PostgreSQL answers them from the index alone (~90 ms), and SQLite
from one covering index.

- PostgreSQL: ``hz_bureau_dash`` (bureau, status) INCLUDE the dates, level and school;
  ``hz_open_cover`` (bureau, status, deadline) INCLUDE what the open-hazard breakdowns group by,
  only for open statuses. Built ``CONCURRENTLY`` (``atomic = False``) so that a large register
  stays writable while they build.
- SQLite (no INCLUDE): one index whose key carries the same columns.

Like the trigram indexes (0002) they are outside the migration state: they differ per database.
"""

from django.db import migrations

OPEN = "('reported', 'assigned', 'rectifying', 'submitted', 'hard')"

POSTGRES = [
    (
        "hz_bureau_dash",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS hz_bureau_dash ON hazards_hazard "
        "(bureau_id, status) "
        "INCLUDE (id, level, deadline, closed_on, found_on, reported_at, school_id)",
    ),
    (
        "hz_open_cover",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS hz_open_cover ON hazards_hazard "
        "(bureau_id, status, deadline) "
        "INCLUDE (id, school_id, level, risk_colour, area_code, responsible_department_id, "
        f"area_id) WHERE status IN {OPEN}",
    ),
]

SQLITE = [
    (
        "hz_bureau_dash",
        "CREATE INDEX IF NOT EXISTS hz_bureau_dash ON hazards_hazard "
        "(bureau_id, status, deadline, school_id, level, risk_colour, area_code, "
        "responsible_department_id, area_id, closed_on, found_on, reported_at)",
    ),
]


def add_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for _name, sql in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(sql)


def remove_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    concurrently = " CONCURRENTLY" if vendor == "postgresql" else ""
    for name, _sql in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("hazards", "0003_campaign_and_dispute")]

    operations = [migrations.RunPython(add_indexes, remove_indexes, elidable=False)]
