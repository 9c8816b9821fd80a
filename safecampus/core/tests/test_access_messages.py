"""The refusals of the access mechanism and of the lifecycle tables reach Chinese users in
Chinese: a 403 page shows the message of ``require`` / ``get_for``, a form shows the table's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from safecampus.core import access, lifecycle
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory, user_with_role


def _messages(module) -> list[str]:
    """Every literal passed to ``_`` / ``gettext`` in ``module``."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("_", "gettext", "gettext_lazy")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]


@pytest.mark.parametrize("module", [access, lifecycle], ids=["access", "lifecycle"])
def test_every_message_of_the_mechanism_is_translated(module):
    messages = _messages(module)
    assert messages
    with translation.override("zh-hans"):
        untranslated = [m for m in messages if translation.gettext(m) == m]
    assert untranslated == []


def test_a_page_refused_by_require_says_why_in_chinese(client, db):
    auditor = user_with_role(Role.AUDITOR, SchoolFactory().bureau)
    client.force_login(auditor)
    response = client.get(reverse("campaigns:campaign_list"))
    assert response.status_code == 403
    with translation.override("zh-hans"):
        expected = translation.gettext("Your roles do not reach this page.")
    assert expected != "Your roles do not reach this page."
    assert expected in response.content.decode()


def test_get_for_refuses_an_action_in_chinese(db):
    school = SchoolFactory()
    officer = user_with_role(Role.SCHOOL_OFFICER, school)
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as refused:
        access.get_for(officer, type(school), school.pk, "edit")
    assert str(refused.value) != "Your roles do not allow this on this record."
