"""A test-only job kind for the worker processes of ``test_job_worker.py``: installed by
``worker_settings`` only, so the product's job kinds stay as they are."""

import time

from django.apps import AppConfig

KIND = "test.slow"


def slow_job(*, job, progress) -> dict:
    """Counts ``steps`` steps of ``step`` seconds each, reporting progress at each."""
    steps, step = int(job.params.get("steps", 10)), float(job.params.get("step", 0.1))
    progress(0, steps, force=True)
    for done in range(1, steps + 1):
        time.sleep(step)
        progress(done, steps, force=True)
    return {"rows": steps}


class WorkerTestConfig(AppConfig):
    name = "safecampus.core.tests"
    label = "core_tests"
    verbose_name = "job worker tests"

    def ready(self):
        from safecampus.core import jobs
        from safecampus.core.capabilities import JOB_CAPABILITY, SCHOOL_MANAGE

        jobs.HANDLERS[KIND] = f"{__name__}.slow_job"
        JOB_CAPABILITY[KIND] = SCHOOL_MANAGE
