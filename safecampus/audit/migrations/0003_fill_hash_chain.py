"""Seal the events written before the hash chain existed, in the order they were written (id)."""

from django.db import migrations

BATCH = 2000


def fill(apps, schema_editor):
    from safecampus.audit.chain import COLUMNS, GENESIS, event_hash

    AuditEvent = apps.get_model("audit", "AuditEvent")
    db = schema_editor.connection.alias
    seq, prev, last_id = 0, GENESIS, 0
    names = [c for c in COLUMNS if c not in ("seq", "prev_hash", "hash")]
    while True:
        batch = list(
            AuditEvent.objects.using(db).filter(id__gt=last_id).order_by("id").only(*names)[:BATCH]
        )
        if not batch:
            break
        for event in batch:
            seq += 1
            event.seq, event.prev_hash = seq, prev
            values = {name: getattr(event, name) for name in names}
            event.hash = prev = event_hash(seq=seq, prev_hash=event.prev_hash, **values)
        AuditEvent.objects.using(db).bulk_update(batch, ["seq", "prev_hash", "hash"])
        last_id = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain_fields")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)]
