"""Seal the events written before the hash chain existed, in the order they were written (id)."""

from django.db import migrations

BATCH = 2000


def fill(apps, schema_editor):
    from safecampus.audit.chain import COLUMNS, GENESIS, event_hash

    AuditEvent = apps.get_model("audit", "AuditEvent")
    db = schema_editor.connection.alias
    seq, prev, last_id = 0, GENESIS, 0
    names = [c for c in COLUMNS if c not in ("seq", "prev_hash", "hash")]
    table = schema_editor.connection.ops.quote_name(AuditEvent._meta.db_table)
    while True:
        batch = list(
            AuditEvent.objects.using(db).filter(id__gt=last_id).order_by("id").only(*names)[:BATCH]
        )
        if not batch:
            break
        rows = []
        for event in batch:
            seq += 1
            values = {name: getattr(event, name) for name in names}
            digest = event_hash(seq=seq, prev_hash=prev, **values)
            rows.append((seq, prev, digest, event.id))
            prev = digest
        # one prepared UPDATE per row (bulk_update's CASE over 2000 ids is quadratic)
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", rows
            )
        last_id = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain_fields")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)]
