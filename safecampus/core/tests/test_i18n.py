"""The Simplified Chinese catalogue is complete, and the UI speaks Chinese by default.

Regenerate the catalogue after changing source strings::

    python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules \
        --ignore=var --ignore=bench --no-obsolete

then translate every new entry, drop the ``fuzzy`` flags and run ``compilemessages``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@dataclass
class PoEntry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstrs(self) -> dict[str, str]:
        return {k: v for k, v in self.fields.items() if k.startswith("msgstr")}


def _unquote(text: str, lineno: int) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise AssertionError(f"{PO_FILE.name}:{lineno}: not a quoted string: {text!r}")
    # PO strings use C escapes, which a Python string literal reads the same way.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[PoEntry]:
    """A small PO reader: enough for the files makemessages writes (no obsolete entries)."""
    entries: list[PoEntry] = []
    entry: PoEntry | None = None
    key: str | None = None
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, key = None, None
            continue
        if line.startswith("#~"):  # obsolete entry: not used at run time
            continue
        if entry is None:
            entry = PoEntry(line=lineno)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key is None:
                raise AssertionError(f"{path.name}:{lineno}: continuation without a keyword")
            entry.fields[key] += _unquote(line, lineno)
        else:
            key, _, rest = line.partition(" ")
            if key in entry.fields:  # a second entry without a blank line in between
                entry = PoEntry(line=lineno)
                entries.append(entry)
            entry.fields[key] = _unquote(rest, lineno)
    return [e for e in entries if "msgid" in e.fields]


def _messages() -> list[PoEntry]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing; run makemessages -l zh_Hans"
    return [e for e in parse_po(PO_FILE) if e.msgid]


def test_po_header_declares_chinese_and_one_plural_form():
    header = next(e for e in parse_po(PO_FILE) if e.msgid == "")
    text = header.fields["msgstr"]
    assert "fuzzy" not in header.flags
    assert "Language: zh_Hans\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text


def test_every_message_is_translated():
    entries = _messages()
    assert len(entries) > 100, "the catalogue looks truncated"
    untranslated = [
        e.msgid
        for e in entries
        if not e.msgstrs or any(not value.strip() for value in e.msgstrs.values())
    ]
    assert not untranslated, (
        f"{len(untranslated)} untranslated message(s) in {PO_FILE.name}:\n"
        + "\n".join(f"  {m!r}" for m in untranslated)
    )


def test_no_message_is_fuzzy():
    fuzzy = [e.msgid for e in _messages() if "fuzzy" in e.flags]
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy message(s) in {PO_FILE.name} (check and remove the flag):\n"
        + "\n".join(f"  {m!r}" for m in fuzzy)
    )


def test_plural_messages_fill_the_single_chinese_form():
    plurals = [e for e in _messages() if "msgid_plural" in e.fields]
    bad = [e.msgid for e in plurals if set(e.msgstrs) != {"msgstr[0]"}]
    assert not bad, "plural entries need exactly msgstr[0] (nplurals=1):\n" + "\n".join(
        f"  {m!r}" for m in bad
    )


def test_gettext_returns_chinese():
    with translation.override("zh-hans"):
        assert translation.gettext("Schools") == "学校"
        assert translation.gettext("Log in") == "登录"
        assert translation.ngettext("%(n)s school", "%(n)s schools", 3) % {"n": 3} == (
            "共 3 所学校"
        )
    with translation.override("en"):
        assert translation.gettext("Schools") == "Schools"


def test_login_page_is_chinese_by_default(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录" in html
    assert "Log in" not in html


def test_browser_language_does_not_override_the_chinese_default(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()


def test_english_is_selectable_and_sticks(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    html = client.get("/accounts/login/").content.decode()
    assert "Log in" in html
    assert "登录" not in html
