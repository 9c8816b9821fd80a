"""The sections of the seed documents, so that a catalog citation can be checked against them.

A citation is ``<seed file> §<section>`` (``000_….txt §四(一)3④``, ``002_….txt §二.2``,
``003_….txt §15``, ``003_….txt §附件 第13、36项``, ``004_….txt §三(四)``) or a national standard
by its number (``GB/T 29315-2022``), which is not a seed and is accepted as it is.

Sections are read from the headings: ``一、`` (top), ``（一）`` (sub), ``1.`` (numbered, under a
sub as ``四(一)1``, under a top as ``二.1``, and on its own as ``1`` where a document numbers its
items straight through), ``①`` (tasks of a numbered section). 000 lost some of its circled
markers in the text; its tasks are the blocks that each end with ``责任主体`` / ``责任部门`` lines,
so the n-th block of a section that has circled markers is its n-th task. A table of tasks
(003's 附件) gives ``附件 第N项`` for each numbered row.
"""

from __future__ import annotations

import re
from pathlib import Path

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_TOP = re.compile(r"^([一二三四五六七八九十]+)、")
_SUB = re.compile(r"^（([一二三四五六七八九十]+)）")
_NUM = re.compile(r"^(\d+)[.．、]\s*\S")
_CIRC = re.compile(rf"^([{CIRCLED}])")
_ROW = re.compile(r"^(\d+)\t")
_META = re.compile(r"^(责任主体|责任部门|配合部门|配合单位)[：:]")
_STANDARD = re.compile(r"^GB(/T)? \d+(\.\d+)?-\d{4}$")
_CITATION = re.compile(r"^(\d{3}_[0-9a-f]+\.txt) §(.+)$")
_TABLE_ITEMS = re.compile(r"^附件 第([\d、,，]+)项$")


def seed_sections(text: str) -> dict[str, str]:
    """Section id → the text under it (heading line included)."""
    lines = [line.strip() for line in text.splitlines()]
    numbers = [int(m.group(1)) for line in lines if (m := _NUM.match(line))]
    straight = numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    sections: dict[str, list[str]] = {}
    top = sub = num = bare = circ = None
    circled_sections: set[str] = set()
    blocks: dict[str, list[tuple[int, list[str]]]] = {}
    in_table = after_meta = False
    for line in lines:
        if not line:
            continue
        if in_table and (m := _ROW.match(line)):
            sections[f"附件 第{m.group(1)}项"] = [line]
            continue
        if line.startswith("附件") and "分解表" in line:
            in_table = True
        if m := _TOP.match(line):
            top, sub, num, bare, circ = m.group(1), None, None, None, None
        elif m := _SUB.match(line):
            sub, num, bare, circ = f"{top}({m.group(1)})", None, None, None
        elif m := _NUM.match(line):
            num = f"{sub}{m.group(1)}" if sub else f"{top}.{m.group(1)}" if top else m.group(1)
            bare = m.group(1) if straight else None
            circ = None
            after_meta = False
        elif num and not _META.match(line) and line != "任务分工：":
            # a new task block of the numbered section starts after the previous one's meta lines
            if circ is None or after_meta:
                explicit = _CIRC.match(line)
                count = len(blocks.get(num, [])) + 1
                if explicit:
                    circled_sections.add(num)
                    count = CIRCLED.index(explicit.group(1)) + 1
                circ = f"{num}{CIRCLED[count - 1]}" if count <= len(CIRCLED) else None
                blocks.setdefault(num, []).append((count, []))
            after_meta = False
        if num and _META.match(line):
            after_meta = True
        for key in (top, sub, num, bare):
            if key:
                sections.setdefault(key, []).append(line)
        if num and circ and blocks.get(num):
            blocks[num][-1][1].append(line)
    for num in circled_sections:
        for count, block in blocks[num]:
            sections[f"{num}{CIRCLED[count - 1]}"] = block
    return {key: "\n".join(value) for key, value in sections.items()}


def load_seeds(directory: Path) -> dict[str, dict[str, str]]:
    """Every seed file of ``directory``: file name → its sections."""
    return {
        path.name: seed_sections(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.txt"))
    }


def cited_sections(source: str) -> tuple[str, list[str]] | None:
    """``(seed file, [section ids])`` of a seed citation; ``None`` for a national standard.
    Raises ``ValueError`` for anything else."""
    source = source.strip()
    if _STANDARD.match(source):
        return None
    m = _CITATION.match(source)
    if not m:
        raise ValueError(f"not a citation of a seed or a national standard: {source!r}")
    name, section = m.group(1), m.group(2).replace("（", "(").replace("）", ")").strip()
    if table := _TABLE_ITEMS.match(section):
        numbers = re.split(r"[、,，]", table.group(1))
        return name, [f"附件 第{n}项" for n in numbers if n]
    return name, [section]


def citation_problem(source: str, seeds: dict[str, dict[str, str]]) -> str | None:
    """Why ``source`` does not name a section present in its seed, or ``None``."""
    try:
        cited = cited_sections(source)
    except ValueError as exc:
        return str(exc)
    if cited is None:
        return None
    name, ids = cited
    if name not in seeds:
        return f"no seed named {name}"
    missing = [i for i in ids if i not in seeds[name]]
    return f"{name} has no section {'、'.join(missing)}" if missing else None
