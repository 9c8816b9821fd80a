"""Backup and restore: a small district round-trips through an archive, with every count and
file hash checked; a tampered or unsafe archive is refused with a clear message."""

from __future__ import annotations

import copy
import datetime
import hashlib
import io
import json
import os
import tarfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import load_backend

from safecampus.campaigns.testing import complete_rows, launched_campaign
from safecampus.core.backup import backup_create
from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard, HazardEvidence
from safecampus.hazards.testing import hazard_at, jpeg_upload, small_catalog
from safecampus.inspections import services as campaign_services
from safecampus.inspections.models import FormAnswer, FormEvidence
from safecampus.orgs.models import School

NOW = datetime.datetime(2026, 3, 5, 10, 0, tzinfo=datetime.UTC)
SECRET = "k3y-of-the-backed-up-installation"


@pytest.fixture
def live(settings, tmp_path):
    """A var directory of our own (secret key, files) for the installation under test."""
    var = tmp_path / "live"
    (var / "media").mkdir(parents=True)
    (var / "secret_key").write_text(SECRET)
    settings.VAR_DIR = var
    settings.MEDIA_ROOT = var / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": var / "media", "base_url": None},
        },
    }
    os.environ.pop("SAFECAMPUS_SECRET_KEY", None)
    return var


@pytest.fixture
def district(world, live):
    """The bureau of ``world``: a catalog, a closed hazard with its rectification photo, and a
    launched campaign where school A answered every item (one non-compliant, with a photo) and
    submitted, so the photo is carried onto the hazard the form raised."""
    with time_machine.travel(NOW, tick=False):
        catalog = small_catalog(world.bureau, world.department)
        school_user = world.users[Role.SCHOOL_OFFICER]
        dept_user = world.users[Role.DEPARTMENT_OFFICER]
        hazard_at(
            Status.CLOSED, school=world.school_a, school_user=school_user, dept_user=dept_user
        )
        campaign = launched_campaign(world.bureau, catalog, world.users[Role.SAFETY_CENTRE])
        form = campaign.forms.get(school=world.school_a)
        rows = complete_rows(form, non_compliant={"A01-02"})
        campaign_services.form_save(actor=school_user, form_id=form.pk, rows=rows)
        answer = form.answers.get(item__code="A01-02")
        campaign_services.answer_attach(
            actor=school_user, answer_id=answer.pk, files=[jpeg_upload("现场.jpg", (80, 60))]
        )
        campaign_services.form_submit(actor=school_user, form_id=form.pk)
    user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    return world


@pytest.fixture
def sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("restores a SQLite archive into a var directory; PostgreSQL has its own test")


def _backup(tmp_path) -> Path:
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "out"), stdout=out)
    [archive] = sorted((tmp_path / "out").glob("safecampus-*.tar.gz"))
    return archive


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def database_at(**changes):
    """The models, read through the ORM from another database (alias ``restored``)."""
    cfg = copy.deepcopy(connections["default"].settings_dict)
    cfg.update(changes)
    connections["restored"] = load_backend(cfg["ENGINE"]).DatabaseWrapper(cfg, "restored")
    try:
        yield "restored"
    finally:
        connections["restored"].close()
        del connections["restored"]


def _rewrite(
    archive: Path, target: Path, *, drop=(), change=None, manifest=None, extra=None, link=None
):
    """A copy of ``archive`` with members dropped or changed, or a member added."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            if member.name in drop:
                continue
            data = src.extractfile(member).read()
            if change and member.name == change:
                data = data + b"tampered"
            if manifest and member.name == "manifest.json":
                data = json.dumps(manifest(json.loads(data))).encode()
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
        if extra:
            info = tarfile.TarInfo(extra)
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link
                dst.addfile(info)
            else:
                info.size = 3
                dst.addfile(info, io.BytesIO(b"bad"))
    return target


# --- round trip on SQLite -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_district_round_trips_with_every_count_and_file_hash(sqlite, district, live, tmp_path):
    # Given a small district with evidence on disk
    evidence = list(HazardEvidence.objects.order_by("pk"))
    form_files = list(FormEvidence.objects.order_by("pk"))
    assert (len(evidence), len(form_files)) == (2, 1)
    stored = sorted(p.relative_to(live / "media").as_posix() for p in live.rglob("media/**/*.*"))
    counts = {
        "hazards": Hazard.objects.count(),
        "answers": FormAnswer.objects.count(),
        "schools": School.objects.count(),
    }

    # When it is backed up and restored into a fresh var directory
    archive = _backup(tmp_path)
    out = io.StringIO()
    call_command("backup_verify", str(archive), stdout=out)
    assert "Archive verified." in out.getvalue()
    fresh = tmp_path / "fresh"
    out = io.StringIO()
    call_command("restore", str(archive), "--var", str(fresh), stdout=out)

    # Then the manifest holds every table's count and every file's sha256
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["database"]["tables"]["hazards_hazard"] == counts["hazards"] == 2
    assert manifest["database"]["tables"]["campaigns_formanswer"] == counts["answers"]
    assert sorted(manifest["files"]) == stored
    assert {n: f["sha256"] for n, f in manifest["files"].items()} == {
        n: _sha(live / "media" / n) for n in stored
    }
    assert manifest["secret_key"]["included"] is True
    assert "Restore complete and verified." in out.getvalue()
    # and the restored var holds the same files, byte for byte, and the same key
    assert (
        sorted(p.relative_to(fresh / "media").as_posix() for p in fresh.rglob("media/**/*.*"))
        == stored
    )
    for name in stored:
        assert _sha(fresh / "media" / name) == _sha(live / "media" / name)
    assert (fresh / "secret_key").read_text() == SECRET
    assert oct((fresh / "secret_key").stat().st_mode & 0o777) == "0o600"
    # and the restored database reads through the ORM, each evidence row with its file
    with database_at(NAME=fresh / "safecampus.sqlite3") as db:
        assert Hazard.objects.using(db).count() == counts["hazards"]
        assert FormAnswer.objects.using(db).count() == counts["answers"]
        assert School.objects.using(db).count() == counts["schools"]
        assert list(
            HazardEvidence.objects.using(db).order_by("pk").values_list("file", "sha256")
        ) == [(e.file.name, e.sha256) for e in evidence]
        for e in HazardEvidence.objects.using(db):
            assert _sha(fresh / "media" / e.file.name) == e.sha256
        assert Hazard.objects.using(db).get(status=Status.CLOSED).school.name == "甲小学"


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_target_with_data_unless_forced(sqlite, district, tmp_path):
    # Given a restored var directory
    archive = _backup(tmp_path)
    fresh = tmp_path / "fresh"
    call_command("restore", str(archive), "--var", str(fresh), stdout=io.StringIO())
    before = _sha(fresh / "safecampus.sqlite3")
    # When the archive is restored there again, without --force
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), "--var", str(fresh), stdout=io.StringIO())
    # Then it is refused and nothing changed
    assert "the target holds data already" in str(refused.value)
    assert "safecampus.sqlite3, 4 stored files)" in str(refused.value)
    assert _sha(fresh / "safecampus.sqlite3") == before
    # and with --force it is replaced and verified again
    out = io.StringIO()
    call_command("restore", str(archive), "--var", str(fresh), "--force", stdout=out)
    assert "Restore complete and verified." in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_backup_keeps_the_newest_archives(district, tmp_path):
    out_dir = tmp_path / "out"
    for minute in range(3):
        backup_create(output_dir=out_dir, keep=2, now=NOW + datetime.timedelta(minutes=minute))
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "safecampus-20260305-100100.tar.gz",
        "safecampus-20260305-100100.tar.gz.sha256",
        "safecampus-20260305-100200.tar.gz",
        "safecampus-20260305-100200.tar.gz.sha256",
    ]


# --- tampered and unsafe archives ---------------------------------------------------------------


def _media_member(archive: Path) -> str:
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    name = HazardEvidence.objects.order_by("pk").first().file.name
    assert name in manifest["files"]
    return "media/" + name


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("change", "sha256 {short}… differs from the manifest's"),
        ("drop", "{member}: listed in the manifest but missing from the archive"),
        ("drop_and_unlist", "hazards.HazardEvidence.file id={pk}: its file {name} is not in the "),
    ],
)
def test_a_tampered_archive_fails_verification_and_restores_nothing(
    district, tmp_path, tamper, message
):
    # Given a good archive and one with an evidence photo changed or missing
    if tamper == "drop_and_unlist" and connection.vendor != "sqlite":
        pytest.skip("a PostgreSQL dump's references are checked on restore, not by backup_verify")
    archive = _backup(tmp_path)
    member = _media_member(archive)
    name = member.removeprefix("media/")
    evidence = HazardEvidence.objects.filter(file=name).order_by("pk").first()
    bad = tmp_path / "bad.tar.gz"
    if tamper == "change":
        _rewrite(archive, bad, change=member)
    elif tamper == "drop":
        _rewrite(archive, bad, drop={member})
    else:  # removed from the manifest too: only the database's own references tell

        def unlist(manifest):
            del manifest["files"][name]
            return manifest

        _rewrite(archive, bad, drop={member}, manifest=unlist)
    with tarfile.open(archive) as tar:
        original = hashlib.sha256(tar.extractfile(member).read() + b"tampered").hexdigest()
    expected = message.format(short=original[:12], member=member, pk=evidence.pk, name=name)

    # When it is verified, and restored into a fresh directory
    with pytest.raises(CommandError) as verify:
        call_command("backup_verify", str(bad), stdout=io.StringIO())
    fresh = tmp_path / "fresh"
    with pytest.raises(CommandError) as restore:
        call_command("restore", str(bad), "--var", str(fresh), stdout=io.StringIO())

    # Then both fail naming the file; and the restore failed before writing anything when the
    # archive disagrees with its manifest
    assert "verification failed" in str(verify.value)
    assert expected in str(verify.value)
    assert expected in str(restore.value)
    if tamper != "drop_and_unlist":
        assert not (fresh / "safecampus.sqlite3").exists()
        assert not (fresh / "media").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["../escape.txt", "/etc/cron.d/x", "media/../../x", "other/x"])
def test_an_archive_with_an_unsafe_name_is_refused_before_extraction(district, tmp_path, name):
    archive = _backup(tmp_path)
    bad = _rewrite(archive, tmp_path / "bad.tar.gz", extra=name)
    fresh = tmp_path / "fresh"
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(bad), "--var", str(fresh), stdout=io.StringIO())
    assert f"unsafe member name refused: {name!r}" in str(refused.value)
    assert not (fresh / "safecampus.sqlite3").exists()
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.django_db(transaction=True)
def test_an_archive_with_a_link_is_refused_before_extraction(district, tmp_path):
    archive = _backup(tmp_path)
    bad = _rewrite(archive, tmp_path / "bad.tar.gz", extra="media/passwd", link="/etc/passwd")
    fresh = tmp_path / "fresh"
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(bad), "--var", str(fresh), stdout=io.StringIO())
    assert "media/passwd: not a regular file (link or device refused)" in str(refused.value)
    assert list(fresh.iterdir()) == []  # nothing written, the temporary copy removed


@pytest.mark.django_db(transaction=True)
def test_a_file_already_missing_at_backup_time_is_reported(district, live, tmp_path):
    # Given an evidence photo lost from storage before the backup
    evidence = HazardEvidence.objects.order_by("pk").first()
    (live / "media" / evidence.file.name).unlink()
    # When backed up, the archive is written but the command fails naming the row
    with pytest.raises(CommandError) as failed:
        call_command("backup", "--output", str(tmp_path / "out"), stdout=io.StringIO())
    assert f"hazards.HazardEvidence.file id={evidence.pk}: {evidence.file.name}" in str(
        failed.value
    )
    [archive] = (tmp_path / "out").glob("*.tar.gz")
    # and verifying it says so too
    with pytest.raises(CommandError) as verify:
        call_command("backup_verify", str(archive), stdout=io.StringIO())
    assert f"its file {evidence.file.name} was already missing when the backup was taken" in str(
        verify.value
    )


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"the pg_dump/pg_restore round trip needs PostgreSQL, this run uses "
            f"{connection.vendor}: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
            "sc_backup (scripts/test does)"
        )


@pytest.fixture
def scratch_database():
    """An empty database ``sc_backup_restored`` on the same server, dropped afterwards."""
    import psycopg

    cfg = connections["default"].settings_dict
    params = {"dbname": "postgres", "user": cfg["USER"], "host": cfg["HOST"], "port": cfg["PORT"]}
    params = {k: v for k, v in params.items() if v}
    name = "sc_backup_restored"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    url = f"postgres://{cfg['USER']}@{cfg['HOST']}:{cfg['PORT']}/{name}"
    yield name, url
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_district_round_trips_on_postgresql(
    postgres, district, live, settings, tmp_path, scratch_database
):
    name, url = scratch_database
    hazards = list(Hazard.objects.order_by("pk").values_list("code", "status"))
    evidence = list(HazardEvidence.objects.order_by("pk").values_list("file", "sha256"))
    # Given a pg_dump backup
    archive = _backup(tmp_path)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"]["vendor"] == "postgresql"
    assert manifest["database"]["member"] == "database/safecampus.pgdump"
    assert manifest["database"]["tables"]["hazards_hazard"] == 2
    call_command("backup_verify", str(archive), stdout=io.StringIO())
    # When it is restored into an empty database, with the files into empty storage
    fresh_media = tmp_path / "fresh-media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": fresh_media, "base_url": None},
        },
    }
    out = io.StringIO()
    call_command("restore", str(archive), "--database-url", url, stdout=out)
    # Then it is verified, and the data reads through the ORM
    assert "Restore complete and verified." in out.getvalue()
    with database_at(NAME=name) as db:
        assert list(Hazard.objects.using(db).order_by("pk").values_list("code", "status")) == (
            hazards
        )
        assert (
            list(HazardEvidence.objects.using(db).order_by("pk").values_list("file", "sha256"))
            == evidence
        )
    for file_name, sha in evidence:
        assert _sha(fresh_media / file_name) == sha
    # and restoring again into the now full database is refused without --force
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), "--database-url", url, stdout=io.StringIO())
    assert f"PostgreSQL database {name}" in str(refused.value)
    out = io.StringIO()
    call_command("restore", str(archive), "--database-url", url, "--force", stdout=out)
    assert "Restore complete and verified." in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_evidence_changed_on_disk_before_the_backup_fails_verification(
    sqlite, district, live, tmp_path
):
    # Given an evidence photo whose bytes changed in storage after its upload (bit rot, an edit)
    evidence = HazardEvidence.objects.order_by("pk").first()
    path = live / "media" / evidence.file.name
    path.write_bytes(path.read_bytes() + b"x")
    archive = _backup(tmp_path)
    # When the archive is verified, it names the row whose file is not the one uploaded
    with pytest.raises(CommandError) as verify:
        call_command("backup_verify", str(archive), stdout=io.StringIO())
    assert (
        f"hazards.HazardEvidence.file id={evidence.pk}: {evidence.file.name} is not the file that "
        "was uploaded" in str(verify.value)
    )
