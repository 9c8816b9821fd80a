"""Reminders come from the apps that have something to remind of: notifications offer the
registry and never import the apps that register."""

import ast
import datetime
from pathlib import Path

import pytest

from safecampus.notifications import registry
from safecampus.notifications.models import Notice, NoticeKind
from safecampus.notifications.services import reminders_record
from safecampus.weekly.reminders import weekly_report_reminders

APP = Path(__file__).resolve().parents[1]


def test_notifications_import_neither_weekly_nor_campaigns():
    found = []
    for path in APP.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            found += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith(("safecampus.weekly", "safecampus.campaigns"))
            ]
    assert found == []


def test_weekly_registers_its_reminders():
    assert weekly_report_reminders in registry.providers()


@pytest.mark.django_db
def test_a_registered_provider_reaches_the_users_it_names(world, monkeypatch):
    monkeypatch.setattr(registry, "_providers", list(registry._providers))
    user = world.users["auditor"]

    def provider(*, today):
        return [
            registry.Reminder(
                kind=NoticeKind.JOB_FAILED,
                key=f"test:{today}",
                url="/x/",
                text="提醒",
                recipient_ids=(user.pk,),
            )
        ]

    registry.reminder(provider)
    registry.reminder(provider)  # once, however often an app registers it
    assert registry.providers().count(provider) == 1
    day = datetime.date(2026, 11, 18)
    assert reminders_record(today=day) == 1
    assert reminders_record(today=day) == 0  # recorded once under its key
    notice = Notice.objects.get(recipient=user)
    assert (notice.kind, notice.key, notice.url, notice.text) == (
        NoticeKind.JOB_FAILED,
        "test:2026-11-18",
        "/x/",
        "提醒",
    )
