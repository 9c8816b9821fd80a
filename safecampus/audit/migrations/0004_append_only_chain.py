"""``seq`` unique and required; on PostgreSQL the chain-head function and the triggers that make
the table append-only.

``audit_chain_head()`` takes the transaction-scoped advisory lock that serialises appends and then
reads the last ``(seq, hash)``: one round trip, and being VOLATILE its query sees what the writer
it waited for committed. The triggers refuse UPDATE, DELETE and TRUNCATE of the audit log. TRUNCATE
is let through only for a session that sets ``safecampus.audit_truncate = 'allowed'``: the test
settings do (Django's flush between transactional tests truncates every table); a deployment
never should.
"""

from django.db import migrations, models

LOCK_KEY = 0x5AFE_CA4D_A0D1  # safecampus.audit.chain.ADVISORY_LOCK_KEY

INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_chain_head(OUT seq bigint, OUT hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    SELECT e.seq, e.hash INTO seq, hash FROM audit_auditevent e ORDER BY e.seq DESC LIMIT 1;
END
$$;

CREATE OR REPLACE FUNCTION audit_auditevent_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('safecampus.audit_truncate', true) = 'allowed' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse();
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_refuse();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_auditevent_no_update_delete ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_refuse();
DROP FUNCTION IF EXISTS audit_chain_head();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_fill_hash_chain")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True, verbose_name="sequence"),
        ),
        migrations.RunPython(install, uninstall),
    ]
