"""The structure the access mechanism depends on, checked on the source itself.

- Only an app's ``access.py`` (and ``core/access.py``) reads the scope's id sets.
- Role tuples are written only in ``core/capabilities.py``, ``core/roles.py`` and the lifecycle
  tables (``<app>/lifecycle.py``).
- A view fetches a scoped object through ``core.access.get_for`` or a selector built on it, never
  with ``get_object_or_404`` or a ``.get()`` of its own.
- ``core`` imports no app above it; an ``access.py`` imports no model at module level.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # safecampus/

#: the scope's id sets (``core.access.Scope``)
SCOPE_IDS = {
    "bureau_ids",
    "school_ids",
    "department_ids",
    "partner_ids",
    "member_bureau_ids",
    "all_bureau_ids",
    "bureaus_by_role",
}
#: where role tuples may be written
ROLE_TABLES = {"core/capabilities.py", "core/roles.py"}
#: modules that build demo data or tests may write anything
EXEMPT_PARTS = {"tests", "migrations", "demo"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if EXEMPT_PARTS & set(rel.parts) or rel.name in ("testing.py", "testing_excel.py"):
            continue
        yield rel.as_posix(), ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_access(rel: str) -> bool:
    return rel.endswith("/access.py")


def _is_role(node) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
    )


def _scope_id_reads(rel, tree):
    if _is_access(rel):
        return []
    return [
        f"{rel}:{node.lineno} .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in SCOPE_IDS
    ]


def _role_tuples(rel, tree):
    if rel in ROLE_TABLES or rel.endswith("/lifecycle.py"):
        return []
    found = []
    for node in ast.walk(tree):
        elements = None
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elements = node.elts
        elif isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set", "tuple"))
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "has")
        ):
            elements = list(node.args)
            if len(elements) == 1 and isinstance(elements[0], ast.Tuple | ast.List | ast.Set):
                continue  # the literal inside is reported on its own
        if elements and sum(_is_role(e) for e in elements) >= (
            2 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else 1
        ):
            found.append(f"{rel}:{node.lineno} role tuple")
    return found


def _chain(node):
    """The attribute and call names of an expression like ``a.b(c).d``."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return names


def _is_view(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name == "views.py" or name.startswith("views_") or "/views/" in rel


def _view_fetches(rel, tree):
    if not _is_view(rel):
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("get_object_or_404", "get_list_or_404"):
            found.append(f"{rel}:{node.lineno} {func.id}")
        elif isinstance(func, ast.Attribute) and func.attr == "get":
            chain = _chain(func.value)
            if {"objects", "visible_to", "editable_by", "restrict"} & set(chain):
                found.append(f"{rel}:{node.lineno} .get() of its own")
    return found


def _details(check) -> list[str]:
    return [f for rel, tree in _modules() for f in check(rel, tree)]


@pytest.mark.parametrize(
    "name,check",
    [
        ("scope_ids", _scope_id_reads),
        ("role_tuples", _role_tuples),
        ("view_fetches", _view_fetches),
    ],
)
def test_access_structure(name, check):
    found = _details(check)
    assert not found, "\n".join(found)


def test_the_checks_see_what_they_look_for():
    """Each check finds its pattern in a sample, so an empty result above means something."""
    sample = ast.parse(
        "scope.school_ids\n"
        "x = (Role.SCHOOL_OFFICER, Role.PRINCIPAL)\n"
        "scope.has(Role.LEADERSHIP, Role.SAFETY_CENTRE)\n"
        "get_object_or_404(Hazard, pk=1)\n"
        "Hazard.objects.visible_to(user).get(pk=1)\n"
    )
    assert len(_scope_id_reads("x/views.py", sample)) == 1
    assert _scope_id_reads("x/access.py", sample) == []
    assert len(_role_tuples("x/views.py", sample)) == 2
    assert _role_tuples("x/lifecycle.py", sample) == []
    assert len(_view_fetches("x/views.py", sample)) == 2
    assert _view_fetches("x/services.py", sample) == []


def _imports(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_access_modules_import_no_models_at_module_level():
    offenders = []
    for rel, tree in _modules():
        if not _is_access(rel) or rel == "core/access.py":
            continue
        for node in tree.body:
            module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            if isinstance(node, ast.ImportFrom) and (
                (module.startswith("safecampus.") and module.endswith(".models"))
                or (node.level and module.split(".")[-1] == "models")
            ):
                offenders.append(f"{rel}:{node.lineno}")
    assert not offenders, offenders


if (
    __name__ == "__main__"
):  # list what is left: python safecampus/core/tests/test_architecture.py [app]
    import sys

    only = sys.argv[1] if len(sys.argv) > 1 else ""
    for check in (_scope_id_reads, _role_tuples, _view_fetches):
        for finding in _details(check):
            if finding.startswith(only):
                print(finding)


def _all_imports(rel: str, tree) -> set[str]:
    """Every module ``rel`` imports, at module level or inside a function, relative ones made
    absolute."""
    package = "safecampus." + rel.rsplit("/", 1)[0].replace("/", ".")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                names.add(module)
                names.update(f"{module}.{a.name}" for a in node.names)
            elif node.module:
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


#: (module, modules it must not import): the arrows that ran back up or closed a circle
FORBIDDEN = [
    ("core/", ("safecampus.accounts", "safecampus.orgs", "safecampus.notifications")),
    ("core/models.py", ("safecampus.core.jobs",)),
    ("hazards/", ("safecampus.spotchecks", "safecampus.accountability")),
    ("notifications/", ("safecampus.weekly", "safecampus.campaigns", "safecampus.inspections")),
    ("notifications/", ("safecampus.messaging",)),
    # messages carry what the apps above post to them; they never reach into those apps
    (
        "messaging/",
        (
            "safecampus.hazards",
            "safecampus.campaigns",
            "safecampus.inspections",
            "safecampus.weekly",
            "safecampus.duties",
            "safecampus.incidents",
            "safecampus.standards",
            "safecampus.zones",
            "safecampus.watch",
            "safecampus.spotchecks",
            "safecampus.accountability",
            "safecampus.evaluation",
            "safecampus.reports",
            "safecampus.home",
            "safecampus.demo",
        ),
    ),
]


def test_no_arrow_runs_back_up():
    offenders = []
    for rel, tree in _modules():
        if rel in ("core/testing.py",):
            continue
        for prefix, banned in FORBIDDEN:
            if not rel.startswith(prefix):
                continue
            for name in _all_imports(rel, tree):
                if name.startswith(banned):
                    offenders.append(f"{rel} imports {name}")
    assert not offenders, "\n".join(sorted(offenders))
