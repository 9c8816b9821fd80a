"""The nightly verification of the audit log's hash chain (run by the Huey worker)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import chain

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="41"))
def nightly_audit_verify() -> dict:
    result, row = chain.check(record=True)
    if not result.ok:
        log.error("audit chain broken: %s", row.first_break)
    return {"ok": result.ok, "rows": result.rows, "breaks": result.breaks}
