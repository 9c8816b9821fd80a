"""Shared fixtures: a small world of two bureaus, departments, schools and people, and a
clock that tests move instead of reading the real one.

Time in tests
-------------
No test reads the real clock. A test that depends on the date asks for ``clock`` (the app
fixtures that build dated worlds, ``wk``, ``reg``, ``camp``, ``dash``…, do it for their
tests): it starts at ``DEFAULT_NOW``, a Wednesday morning in Shanghai, and the test moves it
with ``clock.move_to(...)`` / ``clock.shift(...)``; a test may also pass ``now=`` / ``today=``
to a service or use ``time_machine.travel`` itself.

``--frozen-now=ISO`` moves the whole session to that instant instead (ticking, so timeouts
still fire) and ``clock`` then starts there. ``scripts/test`` runs the tests marked ``dates``
again at a Sunday 23:30 (after Friday's weekly deadline) and at 02:30 on New Year's Day (a
report week across two years), so a test that passes only on some days fails before it
lands. Mark a test or a module ``dates`` when its outcome depends on the day or the hour.
"""

import datetime
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine

from safecampus.core.roles import Role
from safecampus.core.testing import (
    BureauFactory,
    DepartmentFactory,
    PartnerUnitFactory,
    SchoolFactory,
    cover,
    user_with_role,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Where ``clock`` starts when the session is not frozen: Wednesday 2026-11-18 10:00 Shanghai,
#: mid-week and mid-morning, far from a week's, a month's or a year's edge.
DEFAULT_NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def parse_instant(value: str) -> datetime.datetime:
    """An ISO 8601 instant; without an offset it is read as Shanghai time."""
    instant = datetime.datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=SHANGHAI)


def pytest_addoption(parser):
    parser.addoption(
        "--frozen-now",
        metavar="ISO",
        default=None,
        help="run the whole session at this instant (time-machine, ticking), e.g. "
        "2027-01-03T23:30+08:00; `clock` starts there too. Browser tests are skipped.",
    )


def _serialize_live_server() -> None:
    """On the in-memory SQLite test database the live server's request threads all share the
    test's one connection (Django hands it to them), and savepoints on one SQLite connection are
    not thread-safe: two autosaves at once can fail with "no such savepoint". Production has a
    connection per thread, and the product's own race tests run threads with their own
    connections; here the live server's application runs one request at a time (connections
    stay threaded, so a browser's keep-alive never blocks another)."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class Server(ThreadedWSGIServer):
        _lock = threading.Lock()

        def set_app(self, application):
            def one_at_a_time(environ, start_response):
                with self._lock:
                    result = application(environ, start_response)
                    try:
                        body = b"".join(result)
                    finally:
                        if hasattr(result, "close"):
                            result.close()
                return [body]

            super().set_app(one_at_a_time)

    LiveServerThread.server_class = Server


def pytest_configure(config):
    if not os.environ.get("DATABASE_URL"):
        _serialize_live_server()
    config.frozen_now = None
    value = config.getoption("--frozen-now")
    if value:
        try:
            config.frozen_now = parse_instant(value)
        except ValueError as exc:
            raise pytest.UsageError(f"--frozen-now: {exc}") from None
        # Started before collection, so even code run at import time sees the instant.
        config.frozen_travel = time_machine.travel(config.frozen_now, tick=True)
        config.frozen_travel.start()


def pytest_unconfigure(config):
    travel = getattr(config, "frozen_travel", None)
    if travel is not None:
        travel.stop()
        config.frozen_travel = None


def pytest_report_header(config):
    if config.frozen_now:
        return f"frozen now: {config.frozen_now.astimezone(SHANGHAI):%Y-%m-%d %H:%M %A} Shanghai"
    return None


@pytest.hookimpl(trylast=True)  # after pytest-django has put the database tests first
def pytest_collection_modifyitems(config, items):
    """In a frozen session skip the browser tests: Chromium keeps the real clock. The tests
    that read the shared demo district (``demo_district``) run one after the other, where the
    first of them was, so the district is seeded once for all of them."""
    if config.frozen_now:
        skip = pytest.mark.skip(reason="--frozen-now: the browser keeps the real clock")
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(skip)
    demo = [item for item in items if "demo_district" in getattr(item, "fixturenames", ())]
    if demo:
        first = items.index(demo[0])
        rest = [item for item in items if "demo_district" not in getattr(item, "fixturenames", ())]
        items[:] = rest[:first] + demo + rest[first:]


class Clock:
    """The test's clock (time-machine underneath). ``now`` is aware, ``today`` is the
    Shanghai date. ``tick=True`` (default) lets time run on from where it was put, so
    timestamps stay ordered and timeouts still fire; ``tick=False`` stops it."""

    def __init__(self, start: datetime.datetime, tick: bool = True):
        self.start = start
        self._travel = time_machine.travel(start, tick=tick)
        self._traveller = self._travel.start()

    @property
    def now(self) -> datetime.datetime:
        return datetime.datetime.now(SHANGHAI)

    @property
    def today(self) -> datetime.date:
        return self.now.date()

    def move_to(self, destination, *, tick: bool | None = None) -> datetime.datetime:
        """Go to an aware datetime, a naive one or an ISO string (read as Shanghai time), or
        a date (its 10:00 in Shanghai). Returns the new ``now``."""
        if isinstance(destination, str):
            destination = parse_instant(destination)
        elif isinstance(destination, datetime.datetime):
            if destination.tzinfo is None:
                destination = destination.replace(tzinfo=SHANGHAI)
        elif isinstance(destination, datetime.date):
            destination = datetime.datetime.combine(destination, datetime.time(10), tzinfo=SHANGHAI)
        self._traveller.move_to(destination, tick=tick)
        return self.now

    def shift(self, delta=None, **kwargs) -> datetime.datetime:
        """Move by a timedelta or by ``days=``, ``hours=``… Returns the new ``now``."""
        self._traveller.shift(delta if delta is not None else datetime.timedelta(**kwargs))
        return self.now

    def stop(self):
        self._travel.stop()


@pytest.fixture
def clock(request):
    """A fixed clock: ``DEFAULT_NOW``, or the ``--frozen-now`` instant of a frozen session."""
    c = Clock(request.config.frozen_now or DEFAULT_NOW)
    yield c
    c.stop()


@dataclass
class World:
    bureau: object
    other_bureau: object
    department: object
    school_a: object
    school_b: object
    school_other: object
    partner: object
    users: dict


@pytest.fixture
def world(db):
    """Bureau with schools A and B, another bureau with one school, one user per role."""
    bureau = BureauFactory(name="闵行区教育局")
    other = BureauFactory(name="徐汇区教育局")
    dept = DepartmentFactory(bureau=bureau, name="普教一科")
    school_a = SchoolFactory(bureau=bureau, name="甲小学")
    school_b = SchoolFactory(bureau=bureau, name="乙幼儿园", stage="kindergarten", students=300)
    school_other = SchoolFactory(bureau=other, name="外区中学", stage="junior")
    partner = PartnerUnitFactory(bureau=bureau, name="莘庄派出所")
    cover(partner, school_a)
    users = {
        Role.SYSTEM_ADMIN: user_with_role(Role.SYSTEM_ADMIN, bureau, username="sysadmin"),
        Role.SECURITY_ADMIN: user_with_role(Role.SECURITY_ADMIN, bureau, username="secadmin"),
        Role.AUDITOR: user_with_role(Role.AUDITOR, bureau, username="auditor"),
        Role.SAFETY_CENTRE: user_with_role(Role.SAFETY_CENTRE, bureau, username="centre"),
        Role.LEADERSHIP: user_with_role(Role.LEADERSHIP, bureau, username="leader"),
        Role.DEPARTMENT_OFFICER: user_with_role(Role.DEPARTMENT_OFFICER, dept, username="dept"),
        Role.INSPECTOR: user_with_role(Role.INSPECTOR, bureau, username="inspector"),
        Role.SCHOOL_OFFICER: user_with_role(Role.SCHOOL_OFFICER, school_a, username="school_a"),
        Role.PRINCIPAL: user_with_role(Role.PRINCIPAL, school_a, username="principal_a"),
        Role.PARTNER: user_with_role(Role.PARTNER, partner, username="police"),
    }
    return World(bureau, other, dept, school_a, school_b, school_other, partner, users)


@pytest.fixture
def client_for(client):
    """Log a client in as the given user (session auth, no login policy involved)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


# The shared demo district
# ------------------------
# ``manage.py seed_demo`` is the slowest thing the tests do; the tests that only read the demo
# district share one seed. The first of them (they run one after the other, see
# ``pytest_collection_modifyitems``) opens a transaction on the test database and seeds the
# district in it; each test runs in its own savepoint inside it (pytest-django's ``db``), so
# what a test writes is undone before the next; after the last of them the transaction is
# rolled back and the database is empty again for the tests that follow.

#: Seeded with this many schools, as the demo tests did each for themselves.
DEMO_SCHOOLS = 40
_next_item = pytest.StashKey[object]()


@dataclass
class DemoSeed:
    atomic: object
    bureau_pk: int
    media_root: str
    #: the instant the seed ended; the tests' clock starts there
    seeded_at: datetime.datetime
    #: what ``seed_demo`` wrote
    output: str


_demo_seed: DemoSeed | None = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    item.config.stash[_next_item] = nextitem
    return (yield)


def _open_demo_seed(request) -> DemoSeed:
    import io

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import override_settings

    from safecampus.orgs.models import Bureau

    if connection.in_atomic_block:
        raise RuntimeError("the demo district must be seeded before the test's transaction")
    media_root = str(request.getfixturevalue("tmp_path_factory").mktemp("demo-media"))
    atomic = transaction.atomic()
    atomic._from_testcase = True  # as Django's TestCase does: durable blocks may nest in it
    atomic.__enter__()
    try:
        with (
            time_machine.travel(request.config.frozen_now or DEFAULT_NOW, tick=True),
            override_settings(MEDIA_ROOT=media_root),
        ):
            out = io.StringIO()
            call_command("seed_demo", schools=DEMO_SCHOOLS, stdout=out, stderr=io.StringIO())
            seeded_at = datetime.datetime.now(SHANGHAI)
        bureau_pk = Bureau.objects.get(code_prefix="MH").pk
    except BaseException:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
        raise
    return DemoSeed(atomic, bureau_pk, media_root, seeded_at, out.getvalue())


def _close_demo_seed() -> None:
    global _demo_seed
    from django.db import transaction

    seed, _demo_seed = _demo_seed, None
    transaction.set_rollback(True)
    seed.atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _demo_district_transaction(request):
    """Opens the shared demo seed before the test's own transaction (autouse fixtures come
    first) and rolls it back after the last test that reads it."""
    global _demo_seed
    if "demo_district" not in request.fixturenames:
        yield
        return
    for name in ("transactional_db", "live_server"):
        if name in request.fixturenames:
            raise pytest.UsageError(f"demo_district cannot be shared with {name}: seed your own")
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    if _demo_seed is None:
        with blocker.unblock():
            _demo_seed = _open_demo_seed(request)
    yield
    nextitem = request.config.stash.get(_next_item, None)
    if nextitem is None or "demo_district" not in getattr(nextitem, "fixturenames", ()):
        with blocker.unblock():
            _close_demo_seed()


@pytest.fixture
def demo_district(_demo_district_transaction, db, clock, settings):
    """The demo district (``seed_demo`` with 40 schools, at the clock's start) as the 闵行 bureau;
    shared by the tests that ask for it, each in its own savepoint. The test's clock stands
    where the seed ended, as if the test had seeded it itself."""
    from safecampus.orgs.models import Bureau

    settings.MEDIA_ROOT = _demo_seed.media_root
    clock.move_to(_demo_seed.seeded_at)
    return Bureau.objects.get(pk=_demo_seed.bureau_pk)


@pytest.fixture
def demo_seed_output(demo_district) -> str:
    """What ``seed_demo`` printed when it seeded the shared demo district."""
    return _demo_seed.output
