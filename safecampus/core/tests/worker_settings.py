"""Settings of the processes started by ``test_job_worker.py``: the product's settings (the
database and job queue under ``SAFECAMPUS_VAR``, or Redis with ``REDIS_URL``) with short leases,
a queue of the test's own and a slow test-only job kind."""

import os

from config.settings import *  # noqa: F403
from config.settings import HUEY, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "safecampus.core.tests.worker_app.WorkerTestConfig"]
HUEY = {
    **HUEY,
    "name": os.environ.get("SAFECAMPUS_TEST_QUEUE", HUEY["name"]),
    "immediate": False,
    "consumer": {**HUEY["consumer"], "workers": 2},
}
JOB_LEASE_SECONDS = float(os.environ.get("SAFECAMPUS_JOB_LEASE_SECONDS", "1.5"))
JOB_HEARTBEAT_SECONDS = float(os.environ.get("SAFECAMPUS_JOB_HEARTBEAT_SECONDS", "0.25"))
JOB_MAX_ATTEMPTS = int(os.environ.get("SAFECAMPUS_JOB_MAX_ATTEMPTS", "2"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
