"""The daily reminder and digest job (run by the Huey worker; crontab in Asia/Shanghai)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import daily_run


@db_periodic_task(crontab(hour="7", minute="30"))
def notifications_daily() -> dict:
    return daily_run()
