"""Every operation of the live OpenAPI schema (``/api/schema/``) answers as the schema says.

Schemathesis generates requests from the schema the app serves, operation by operation (so an
endpoint added tomorrow is covered without touching this file), and sends them in-process
(WSGI) to the app over the shared demo district, as the district's school officer and as its
safety centre, each with an API token. Each answer must

- not be a server error (5xx),
- have a status code the operation documents,
- have a documented content type, and a body that validates against the documented schema.

A path's ids are taken from the list endpoint above it where there is one (the caller's first
row), so a detail or an action reaches a real record in scope and not only 404; then random
ids too. Writes (POST, PUT, PATCH, DELETE) run too: each request runs in a savepoint that is
rolled back, so every request sees the same district and the run is repeatable.

Bounded and deterministic: Hypothesis is derandomized, a few examples per operation, no
shrinking (the first failing request of each operation and check is reported as it was sent).
Marked ``conformance``: ``pytest -m conformance`` runs it alone; the normal run includes it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import traceback
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from safecampus.accounts.models import ApiToken, User
from safecampus.core.models import Job

pytestmark = pytest.mark.conformance

#: the checks each answer must pass
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: the requests sent to each operation: (data that fits the schema or not, whether the path's
#: ids are those of real records in the caller's scope (else generated), how many)
PLAN = [
    (GenerationMode.POSITIVE, True, 3),
    (GenerationMode.POSITIVE, False, 1),
    (GenerationMode.NEGATIVE, True, 2),
]
#: the demo district's people the API is called as
CALLERS = ("school", "centre")
PARAM = re.compile(r"\{([^}]+)\}")


@dataclass
class Findings:
    #: (operation, check) → the first failing request's report
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    operations: int = 0
    requests: int = 0
    #: the operations that answered 2xx at least once
    succeeded: set[str] = field(default_factory=set)

    def add(self, operation: str, name: str, report: str) -> None:
        self.failures.setdefault((operation, name), report)


@pytest.fixture
def app():
    """The project's WSGI application, keeping the test's database connection (as Django's
    test client does: a finished request would otherwise close it mid-transaction), and
    noting the traceback of a request that raised."""
    quiet = logging.getLogger("django.request")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # thousands of 4xx answers are expected; 5xx are still logged
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    raised: list[str] = []

    def note(sender, request=None, **kwargs):
        raised.append(traceback.format_exc())

    got_request_exception.connect(note, weak=False)
    handler = WSGIHandler()
    handler.raised = raised
    yield handler
    got_request_exception.disconnect(note)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    quiet.setLevel(level)


def _list_paths(raw: dict, path: str, param: str) -> list[str]:
    """The list endpoints a path's parameter may be an id of: the path up to that parameter
    (``/hazards/{id}/…`` → ``/hazards/``), and for ``{school_id}`` the schools
    (``/api/v1/schools/``)."""
    head = path.split("{" + param + "}")[0]
    candidates = [head] if head.endswith("/") else []
    if param.endswith("_id"):
        base = param.removesuffix("_id").replace("_", "-")
        candidates += [f"/api/v1/{base}s/", f"/api/v1/{base}es/"]
    return [c for c in candidates if "get" in raw["paths"].get(c, {})]


def _first_id(client, url: str, headers: dict):
    response = client.get(url, headers=headers)
    body = response.get_json(silent=True) if response.status_code == 200 else None
    rows = body.get("results") if isinstance(body, dict) else body
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        return rows[0].get("id")
    return None


def _ids_in_scope(app, raw: dict, path: str, headers: dict, known: dict) -> dict[str, object]:
    """For each parameter of ``path``, the id of the caller's first row of the list endpoint
    it is an id of (with the parameters before it filled in), where there is one."""
    from werkzeug import Client

    client = Client(app)
    values: dict[str, object] = {}
    for param in PARAM.findall(path):
        for listing in _list_paths(raw, path, param):
            url = listing
            for name, value in values.items():
                url = url.replace("{" + name + "}", str(value))
            if PARAM.search(url):
                continue
            if url not in known:
                with transaction.atomic():
                    known[url] = _first_id(client, url, headers)
                    transaction.set_rollback(True)
            if known[url] is not None:
                values[param] = known[url]
                break
        else:
            break
    return values


def _request(case) -> str:
    line = f"{case.method} {case.formatted_path}"
    if case.query:
        line += "?" + urlencode(case.query, doseq=True)
    if case.body is not None and not isinstance(case.body, NotSet):
        line += f"\n{case.media_type or ''} {case.body!r:.500}"
    return line


def _exercise(app, operation, findings: Findings, headers: dict, ids: dict, mode, n: int):
    """``n`` requests of ``mode`` to ``operation`` (its path ids fixed to ``ids`` where given),
    each answer checked and the first failure of each check kept."""
    label = operation.label

    @settings(
        max_examples=n,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(mode, path_parameters=ids or None))
    def run(case):
        findings.requests += 1
        del app.raised[:]
        with transaction.atomic():
            try:
                response = case.call(app=app, headers=headers)
            finally:
                transaction.set_rollback(True)
        if response.status_code < 300:
            findings.succeeded.add(label)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                report = f"{_request(case)}\n{failure.title}\n{failure.message}"
                if app.raised:
                    report += "\n" + app.raised[-1]
                findings.add(label, type(failure).__name__, report)

    with contextlib.suppress(Unsatisfiable):  # nothing invalid to send: only fixed path ids
        run()


@pytest.mark.parametrize("username", CALLERS)
def test_every_operation_answers_as_the_schema_says(demo_district, app, username):
    user = User.objects.get(username=username)
    _token, key = ApiToken.issue(user)
    # a finished export, so that the jobs' detail and download answer 200 too
    job = Job.objects.create(
        kind="hazards.export", title="隐患台账", created_by=user, status=Job.Status.SUCCEEDED
    )
    job.output_name = "隐患台账.xlsx"
    job.output_file.save("hazards.xlsx", ContentFile(b"PK\x03\x04"), save=True)
    # a real client inflates a gzipped answer (the zone map's); the test client would not
    headers = {"Authorization": f"Token {key}", "Accept-Encoding": "identity"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    findings = Findings()
    known: dict[str, object] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        findings.operations += 1
        ids = _ids_in_scope(app, schema.raw_schema, operation.path, headers, known)
        has_ids = bool(PARAM.search(operation.path))
        for mode, in_scope, n in PLAN:
            if not (in_scope or has_ids):
                continue  # no ids to generate
            if mode is GenerationMode.NEGATIVE and not (operation.body or operation.query):
                continue  # nothing to get wrong but the path ids, which are fixed
            _exercise(app, operation, findings, headers, ids if in_scope else {}, mode, n)
    assert findings.operations >= 100
    # the requests reached the endpoints' work, not only their refusals (a broken token would
    # be answered 401 everywhere, which every operation documents): 43% of the operations
    # answered the school officer with a 2xx, 55% the centre, when this was written
    assert len(findings.succeeded) >= findings.operations / 3, _report(findings, username)
    assert not findings.failures, _report(findings, username)


def _report(findings: Findings, username: str) -> str:
    head = (
        f"{len(findings.failures)} findings in {findings.operations} operations "
        f"({findings.requests} requests, {len(findings.succeeded)} operations answered 2xx) "
        f"as {username}:"
    )
    return "\n\n".join(
        [head, *(f"== {op} [{name}]\n{text}" for (op, name), text in findings.failures.items())]
    )
