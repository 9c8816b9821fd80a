"""Issue 15: users see a seed citation as the document's title and clause, never a file name
or the seeds' numbering (``002 §三.4``)."""

import json
import pathlib
import re

import pytest

from safecampus.catalog.citations import DOCUMENTS, clause, render
from safecampus.catalog.templatetags.citations import citation

SEEDS = pathlib.Path("/work/shared/seeds")
CATALOG = pathlib.Path(__file__).parents[1] / "data" / "default_catalog.json"
PO = pathlib.Path(__file__).parents[3] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
#: what a seed citation looks like: a file name, or a seed number with a section
RAW = re.compile(r"\d{3}_[0-9a-f]{8,}\.txt|(?<![\d,])\d{3}\s*§")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "000_b0b7d186cefae7de.txt §四(一)3④",
            "《闵行区教育局校园安全专项整治工作实施方案》第四条第（一）款第3项第④目",
        ),
        (
            "（002 §三.4）",
            "（《关于印发〈兖州区学校“攻坚四季度、坚定保平安”工作方案〉的通知》第三条第4项）",
        ),
        ("003_f300bb9461ec7c5d.txt §12", f"{DOCUMENTS['003']}第12条"),
        ("004_72fa6b74ce07b938.txt §二(三)", f"{DOCUMENTS['004']}第二条第（三）款"),
        ("002_baf5f1843da22c12.txt", DOCUMENTS["002"]),
        ("GB/T 29315-2022", "《中小学、幼儿园安全防范要求》（GB/T 29315-2022）"),
        ("共1,000 §", "共1,000 §"),
        ("", ""),
    ],
)
def test_a_citation_is_rendered_as_title_and_clause(text, shown):
    assert render(text) == shown
    assert citation(text) == shown


def test_clause_levels():
    assert clause("三.4") == "第三条第4项"
    assert clause("四(三).1") == "第四条第（三）款第1项"
    assert clause("附件") == "附件"


def test_every_catalog_source_renders_without_a_file_name():
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    sources = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "source" and isinstance(value, str):
                    sources.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    assert sources
    for source in sources:
        shown = render(source)
        assert not RAW.search(shown), (source, shown)
        assert "§" not in shown, (source, shown)
        assert shown.startswith("《"), (source, shown)


def test_no_translation_shows_a_seed_citation():
    msgstrs = re.findall(r'^msgstr((?:\s*".*")+)', PO.read_text(encoding="utf-8"), re.M)
    shown = [m for m in msgstrs if RAW.search(m)]
    assert shown == []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds are not on this machine")
def test_each_title_is_the_one_its_seed_begins_with():
    for number, title in DOCUMENTS.items():
        (path,) = SEEDS.glob(f"{number}_*.txt")
        head = re.sub(r"\s+", "", path.read_text(encoding="utf-8")[:1500])
        inner = title.strip("《》")
        # the title as the document writes it (a notice quotes the plan in 《》, we in 〈〉)
        written = inner.replace("〈", "《").replace("〉", "》")
        assert written in head or inner in head, number


def test_every_catalog_guidance_renders_without_a_section_sign():
    """Guidance cites other documents in passing (``组织，004 §二(三)``, ``（003 §14）``): shown
    through the renderer, none keeps a seed number with a section sign."""
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    guidance = [i["guidance"] for a in data["areas"] for i in a["items"] if i.get("guidance")]
    assert guidance
    for text in guidance:
        shown = render(text)
        assert "§" not in shown and not RAW.search(shown), (text, shown)
        assert not re.search(r"(?<![\d.])00[0-4](?!\d)", shown), (text, shown)  # 003 附件…
