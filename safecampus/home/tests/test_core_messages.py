"""Every message the shared access and lifecycle modules can show a user (a 403 page, a refused
move) has its Simplified Chinese translation."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

import safecampus.core.access
import safecampus.core.lifecycle


def _messages(module) -> list[str]:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"_", "gettext", "gettext_lazy"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append(node.args[0].value)
    return found


@pytest.mark.parametrize(
    "message",
    _messages(safecampus.core.access) + _messages(safecampus.core.lifecycle),
)
def test_translated(message):
    with translation.override("zh-hans"):
        assert translation.gettext(message) != message
