"""SQLite's single write lock under a rush: a write that found it taken is started again, a lock
that outlasts the retries answers 503 (never 500), and uploaded files are checked before the
write transaction begins."""

import datetime
import sqlite3

import pytest
from django.db import connection
from django.db.backends.sqlite3 import base as sqlite_base
from PIL import ImageOps

from safecampus.core.roles import Role
from safecampus.core.testing import PASSWORD, UserFactory
from safecampus.hazards import evidence
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard, HazardEvidence
from safecampus.hazards.testing import hazard_at, jpeg_upload, small_catalog

pytestmark = pytest.mark.django_db(transaction=True)  # real BEGIN IMMEDIATE, no outer test block

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's lock only")
BUSY = "系统繁忙，本次请求未保存任何内容。请几秒钟后重试。"


@pytest.fixture
def locked(monkeypatch):
    """SQLite answers "database is locked" to the next ``n`` writes that take the lock outside
    a transaction (``BEGIN IMMEDIATE`` or an autocommit INSERT/UPDATE/DELETE), as it does when
    another connection held the lock for longer than ``busy_timeout``."""
    real = sqlite_base.SQLiteCursorWrapper.execute
    state = {"left": 0, "refused": 0}

    def execute(self, query, params=None):
        takes_lock = query.lstrip().upper().startswith(("BEGIN", "INSERT", "UPDATE", "DELETE"))
        if takes_lock and not self.connection.in_transaction and state["left"]:
            state["left"] -= 1
            state["refused"] += 1
            raise sqlite3.OperationalError("database is locked")
        return real(self, query, params)

    monkeypatch.setattr(sqlite_base.SQLiteCursorWrapper, "execute", execute)

    def lock(n):
        state["left"], state["refused"] = n, 0
        return state

    return lock


@pytest.fixture
def reg2(world, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    world.catalog = small_catalog(world.bureau, world.department)
    world.item = world.catalog.items.get(code="A01-01")
    return world


def _hazard(reg2, status):
    return hazard_at(
        status,
        school=reg2.school_a,
        school_user=reg2.users[Role.SCHOOL_OFFICER],
        dept_user=reg2.users[Role.DEPARTMENT_OFFICER],
        deadline=datetime.date.today() + datetime.timedelta(days=30),
    )


@sqlite_only
def test_a_page_write_waits_out_a_locked_database(reg2, client_for, locked, caplog):
    h = _hazard(reg2, Status.ASSIGNED)
    client = client_for(reg2.users[Role.DEPARTMENT_OFFICER])
    state = locked(2)  # the lock was held past busy_timeout twice
    resp = client.post(
        f"/hazards/{h.pk}/act/explain/",
        {"explain-version": h.version, "explain-comment": "等待施工队进场"},
    )
    assert resp.status_code == 302
    assert state["refused"] == 2
    assert Hazard.objects.get(pk=h.pk).delay_explanation == "等待施工队进场"
    assert "database locked; statement retried" in caplog.text


@sqlite_only
def test_an_api_write_waits_out_a_locked_database(reg2, client_for, locked):
    h = _hazard(reg2, Status.HARD)
    client = client_for(reg2.users[Role.SAFETY_CENTRE])
    state = locked(3)
    resp = client.post(
        f"/api/v1/hazards/{h.pk}/decide/",
        {"version": h.version, "decisions": ["supervise"], "comment": "挂牌督办"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert state["refused"] == 3
    assert Hazard.objects.get(pk=h.pk).supervised is True


@sqlite_only
def test_a_login_and_its_session_wait_out_a_locked_database(client, locked):
    user = UserFactory(username="li")
    state = locked(3)
    resp = client.post("/accounts/login/", {"username": "li", "password": PASSWORD})
    assert resp.status_code == 302
    assert state["refused"] == 3
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None and user.failed_logins == 0


@sqlite_only
def test_a_lock_beyond_the_retries_is_503_json_in_the_api_not_500(reg2, client_for, locked):
    h = _hazard(reg2, Status.ASSIGNED)
    client = client_for(reg2.users[Role.DEPARTMENT_OFFICER])
    version = h.version
    locked(10_000)
    resp = client.post(
        f"/api/v1/hazards/{h.pk}/edit/",
        {"version": version, "location": "三楼", "comment": "更正"},
        content_type="application/json",
    )
    locked(0)
    assert resp.status_code == 503
    assert resp["Retry-After"] == "5"
    assert resp.json() == {"code": "database_busy", "message": BUSY, "errors": {}}
    h = Hazard.objects.get(pk=h.pk)
    assert (h.version, h.location) == (version, "")


@sqlite_only
def test_a_lock_beyond_the_retries_is_a_503_page(reg2, client_for, locked):
    h = _hazard(reg2, Status.ASSIGNED)
    client = client_for(reg2.users[Role.DEPARTMENT_OFFICER])
    locked(10_000)
    resp = client.post(
        f"/hazards/{h.pk}/act/explain/", {"explain-version": h.version, "explain-comment": "x"}
    )
    locked(0)
    assert resp.status_code == 503
    assert resp["Retry-After"] == "5"
    assert BUSY in resp.content.decode()
    assert Hazard.objects.get(pk=h.pk).delay_explanation == ""


def test_uploaded_photos_are_checked_and_thumbnailed_outside_the_transaction(
    reg2, client_for, monkeypatch
):
    seen = []
    real_sniff, real_transpose = evidence.sniff, ImageOps.exif_transpose

    def sniff(head, fileobj, **kwargs):
        seen.append(("check", connection.in_atomic_block))
        return real_sniff(head, fileobj, **kwargs)

    def transpose(img, **kw):
        seen.append(("thumbnail", connection.in_atomic_block))
        return real_transpose(img, **kw)

    monkeypatch.setattr(evidence, "sniff", sniff)
    monkeypatch.setattr(ImageOps, "exif_transpose", transpose)
    school = client_for(reg2.users[Role.SCHOOL_OFFICER])
    resp = school.post(
        "/api/v1/hazards/",
        {
            "school": reg2.school_a.pk,
            "item": reg2.item.pk,
            "description": "围墙破损",
            "responsible_person": "王老师",
            "files": [jpeg_upload("a.jpg"), jpeg_upload("b.jpg")],
        },
    )
    assert resp.status_code == 201, resp.content
    assert seen == [("check", False), ("thumbnail", False)] * 2
    h = Hazard.objects.get(pk=resp.json()["id"])
    assert [bool(e.thumbnail) for e in h.evidence.all()] == [True, True]

    # an action with a photo: the same
    h = _hazard(reg2, Status.ASSIGNED)
    seen.clear()
    resp = school.post(
        f"/api/v1/hazards/{h.pk}/submit/",
        {"version": h.version, "files": [jpeg_upload("after.jpg")]},
    )
    assert resp.status_code == 200, resp.content
    assert seen == [("check", False), ("thumbnail", False)]
    assert HazardEvidence.objects.filter(hazard=h, phase="after").count() == 1


def test_a_refused_file_checked_early_still_refuses_the_whole_step(reg2, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    h = _hazard(reg2, Status.ASSIGNED)
    version = h.version
    school = client_for(reg2.users[Role.SCHOOL_OFFICER])
    script = SimpleUploadedFile("x.jpg", b"#!/bin/sh\n", "image/jpeg")
    resp = school.post(
        f"/api/v1/hazards/{h.pk}/submit/",
        {"version": version, "files": [jpeg_upload("ok.jpg"), script]},
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "evidence_invalid"
    h = Hazard.objects.get(pk=h.pk)
    assert (h.version, h.status, h.evidence.count()) == (version, Status.ASSIGNED, 0)


@sqlite_only
def test_a_session_save_locked_beyond_the_retries_is_503_not_400(monkeypatch):
    from django.contrib.sessions.backends import db as session_db
    from django.contrib.sessions.backends.base import UpdateError
    from django.test import Client

    client = Client(raise_request_exception=False)  # answered as a server would
    user = UserFactory(username="zhou")
    client.force_login(user)
    calls = []

    def save(self, must_create=False):
        calls.append(must_create)
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError:
            raise UpdateError from None

    monkeypatch.setattr(session_db.SessionStore, "save", save)
    resp = client.get("/")  # the idle timeout's refresh saves the session after the view
    assert resp.status_code == 503
    assert resp["Retry-After"] == "5"
    assert BUSY in resp.content.decode()
    assert calls == [False] * 4  # the first save and three retries
