"""The audit log's hash chain: every event sealed after the one before it; ``audit_verify`` names
the first broken link; on PostgreSQL the table refuses UPDATE, DELETE and TRUNCATE."""

import datetime
import hashlib
import io
import threading

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, models, transaction

from safecampus.audit import chain
from safecampus.audit.models import Action, AuditEvent, ChainCheck
from safecampus.audit.services import audit_record, audit_record_many
from safecampus.audit.tasks import nightly_audit_verify
from safecampus.core.roles import Role

UTC = datetime.UTC
T0 = datetime.datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def tamper(db):
    """Let the test change rows as someone with the database's owner rights could: on
    PostgreSQL the append-only triggers are switched off for this test's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")


@pytest.fixture
def log(world):
    """Four events written a minute apart."""
    for i, (action, user) in enumerate(
        [
            (Action.LOGIN_SUCCEEDED, world.users[Role.SECURITY_ADMIN]),
            (Action.ROLE_GRANTED, world.users[Role.SECURITY_ADMIN]),
            (Action.LOGIN_FAILED, world.users[Role.SCHOOL_OFFICER]),
            (Action.LOGOUT, world.users[Role.SECURITY_ADMIN]),
        ]
    ):
        with time_machine.travel(T0 + datetime.timedelta(minutes=i), tick=False):
            audit_record(action=action, actor=user, data={"n": i, "ratio": 2.0, "k": [1, "二"]})
    return world


def events():
    return list(AuditEvent.objects.order_by("seq"))


def sql(statement: str, *params) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verify():
    """Run the command; ``(exit code, stdout, stderr)``."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", "--chunk-size", "2", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_each_event_is_sealed_after_the_one_before(log):
    rows = events()
    assert [e.seq for e in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in rows[1:]] == [e.hash for e in rows[:-1]]
    first = rows[0]
    expected = (
        f'{{"action":"login_succeeded","actor":[{first.actor_id},"secadmin"],'
        f'"at":"2026-11-02T01:00:00.000000+00:00","bureau":{log.bureau.pk},'
        f'"data":{{"k":[1,"二"],"n":0,"ratio":2}},"ip":null,"prev":"{"0" * 64}",'
        '"request_id":"","seq":1,"target":["","",""],"v":1}'
    )
    assert hashlib.sha256(expected.encode()).hexdigest() == first.hash


def test_the_intact_chain_verifies(log):
    code, out, err = verify()
    head = events()[-1]
    assert (code, err) == (0, "")
    assert out == (
        f"Audit chain intact: 4 events, last seq 4 at 2026-11-02 09:03:00, head 4:{head.hash}\n"
    )


def test_an_edited_row_is_named(log, tamper):
    second = events()[1]
    sql("UPDATE audit_auditevent SET actor_username = 'nobody' WHERE id = %s", second.pk)
    code, out, err = verify()
    assert code == 1 and out == ""
    assert f"broken at seq 2 (id {second.pk}, 2026-11-02 09:01:00): edited:" in err
    assert "Audit chain BROKEN: 1 broken link(s) in 4 events; the first at seq 2" in err


def test_a_deleted_row_is_named_at_the_gap(log, tamper):
    rows = events()
    sql("DELETE FROM audit_auditevent WHERE id = %s", rows[1].pk)
    code, _out, err = verify()
    assert code == 1
    assert (
        f"broken at seq 3 (id {rows[2].pk}, 2026-11-02 09:02:00): deleted: rows with seq 2 are "
        "missing (deleted) before this row"
    ) in err
    assert "1 broken link(s) in 3 events" in err


def test_a_row_rewritten_with_a_recomputed_hash_breaks_the_next_link(log, tamper):
    rows = events()
    forged = {name: getattr(rows[1], name) for name in chain.COLUMNS} | {"actor_username": "x"}
    sql(
        "UPDATE audit_auditevent SET actor_username = 'x', hash = %s WHERE id = %s",
        chain.event_hash(**forged),
        rows[1].pk,
    )
    code, _out, err = verify()
    assert code == 1
    assert f"broken at seq 3 (id {rows[2].pk}, 2026-11-02 09:02:00): reordered:" in err


def test_moved_rows_are_named(log, tamper):
    rows = events()
    # swap the places of events 2 and 3, resealing both so each row is consistent in itself
    sql("UPDATE audit_auditevent SET seq = -2 WHERE id = %s", rows[1].pk)
    for row, seq in ((rows[2], 2), (rows[1], 3)):
        values = {name: getattr(row, name) for name in chain.COLUMNS} | {"seq": seq}
        sql(
            "UPDATE audit_auditevent SET seq = %s, hash = %s WHERE id = %s",
            seq,
            chain.event_hash(**values),
            row.pk,
        )
    code, _out, err = verify()
    assert code == 1
    assert f"broken at seq 2 (id {rows[2].pk}, 2026-11-02 09:02:00): reordered:" in err


def test_deleting_the_newest_rows_is_caught_by_the_last_good_check(log, tamper):
    nightly_audit_verify.call_local()
    check = ChainCheck.objects.get()
    assert (check.ok, check.rows, check.head_seq) == (True, 4, 4)
    sql("DELETE FROM audit_auditevent WHERE seq = 4")
    code, _out, err = verify()
    assert code == 1
    assert "broken at seq 4 (id -, -): truncated: the chain ends at seq 3" in err


def test_the_nightly_check_records_a_break_and_the_auditor_sees_it(log, tamper, client_for):
    client = client_for(log.users[Role.AUDITOR])
    assert "链完整性：尚未验证。" in client.get("/audit/").content.decode()
    with time_machine.travel(T0 + datetime.timedelta(hours=18), tick=False):
        assert nightly_audit_verify.call_local() == {"ok": True, "rows": 4, "breaks": 0}
    page = client.get("/audit/").content.decode()
    assert "链完整性：已验证至 2026-11-02 09:03（检查于 2026-11-03 03:00）。" in page
    second = events()[1]
    sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", "{}", second.pk)
    with time_machine.travel(T0 + datetime.timedelta(hours=42), tick=False):
        assert nightly_audit_verify.call_local() == {"ok": False, "rows": 4, "breaks": 1}
    page = client.get("/audit/").content.decode()
    assert (
        f"链完整性：已断裂，位于第 2 条事件（id {second.pk}，有事件被改动），"
        "发现于 2026-11-04 03:00"
    ) in page


def test_bulk_appends_continue_the_chain(log):
    audit_record_many(
        [AuditEvent(action=Action.IMPORT, actor_username="system", data={"i": i}) for i in range(3)]
    )
    assert [e.seq for e in events()] == [1, 2, 3, 4, 5, 6, 7]
    assert verify()[0] == 0


def test_the_data_migration_seals_existing_rows_in_the_order_they_were_written(log, tamper):
    import importlib

    from django.db.migrations.loader import MigrationLoader

    fill = importlib.import_module("safecampus.audit.migrations.0003_fill_hash_chain").fill
    apps = MigrationLoader(connection).project_state(("audit", "0003_fill_hash_chain")).apps
    # rows as they stood before the chain: arbitrary seq placeholders, no hashes
    ids = [e.pk for e in events()]
    sql("UPDATE audit_auditevent SET seq = -seq, prev_hash = '', hash = ''")
    fill(apps, type("Editor", (), {"connection": connection})())
    rows = events()
    assert [(e.pk, e.seq) for e in rows] == [(pk, i) for i, pk in enumerate(ids, start=1)]
    assert verify()[0] == 0


@pytest.mark.postgres
def test_appends_from_concurrent_writers_form_one_chain(postgres, transactional_db):
    # Given eight threads (eight connections) each writing 25 events at once
    barrier = threading.Barrier(8)
    errors = []

    def writer(k):
        try:
            barrier.wait()
            for i in range(25):
                with transaction.atomic():
                    audit_record(action=Action.LOGIN_FAILED, actor_username=f"w{k}", data={"i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then every event is in one gap-free chain that verifies
    assert errors == []
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 201)
    )
    assert verify()[0] == 0


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL, this run uses {connection.vendor}: run with "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> (scripts/test does)"
        )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET actor_username = 'x'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_postgresql_refuses_to_change_or_remove_events(postgres, log, statement):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
        cursor.execute("SET LOCAL safecampus.audit_truncate TO ''")
        with (
            pytest.raises(DatabaseError, match="the audit log is append-only"),
            transaction.atomic(),
        ):
            cursor.execute(statement)
    assert [e.actor_username for e in events()] == ["secadmin", "secadmin", "school_a", "secadmin"]


@pytest.mark.postgres
def test_postgresql_refuses_orm_updates_and_deletes_that_bypass_the_model(postgres, log):
    plain = models.QuerySet(AuditEvent)  # without the model's own refusal
    with pytest.raises(DatabaseError, match="append-only: UPDATE refused"), transaction.atomic():
        plain.filter(seq=1).update(actor_username="x")
    with pytest.raises(DatabaseError, match="append-only: DELETE refused"), transaction.atomic():
        plain.filter(seq=1).delete()
    assert AuditEvent.objects.count() == 4


def test_the_model_refuses_bulk_updates_and_deletes(log):
    with pytest.raises(ValueError, match="append-only"):
        AuditEvent.objects.filter(seq=1).update(actor_username="x")
    with pytest.raises(ValueError, match="append-only"):
        AuditEvent.objects.all().delete()
    assert [e.actor_username for e in events()] == ["secadmin", "secadmin", "school_a", "secadmin"]


@pytest.mark.parametrize("ip", ["10.1.2.3", "2001:db8:0:0:0:0:0:1", "::ffff:10.1.2.3"])
def test_addresses_are_sealed_as_the_database_gives_them_back(world, ip):
    from safecampus.core.context import client_ip

    token = client_ip.set(ip)
    try:
        audit_record(action=Action.LOGOUT, actor=world.users[Role.AUDITOR])
    finally:
        client_ip.reset(token)
    assert verify()[0] == 0
