"""The demo data lives in one package that may import every app and that no app imports."""

from __future__ import annotations

import ast
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]  # safecampus/


def _imports_demo(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        if any(n == "safecampus.demo" or n.startswith("safecampus.demo.") for n in names):
            lines.append(node.lineno)
    return lines


def test_no_app_module_imports_the_demo_package():
    """Only tests (which call the builders) may import ``safecampus.demo``; app code never does,
    so the demo can depend on every app without a circle."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "demo" or "tests" in rel.parts or rel.name == "conftest.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [f"{rel.as_posix()}:{line}" for line in _imports_demo(tree)]
    assert not offenders, offenders


def test_seed_demo_is_the_demo_apps_command_and_the_old_modules_are_gone():
    assert get_commands()["seed_demo"] == "safecampus.demo"
    for old in (
        "orgs/management/commands/seed_demo.py",
        "campaigns/demo.py",
        "campaigns/demo_supervision.py",
        "hazards/demo.py",
    ):
        assert not (ROOT / old).exists(), old
