"""Citations of the seed documents, as a person reads them.

The catalog, the campaign templates and a few rules cite the documents the product was built
from by seed file and section (``000_b0b7d186cefae7de.txt §四(一)3④``, ``002 §三.4``). Users
see the document's title and clause instead (《…》第四条第（一）款第3项第④目), never a file
name: :func:`render` turns every seed citation in a text into that form and leaves the rest
(``GB/T 29315-2022``, a 文号) as it is. The template filter is ``{% load citations %}``
``{{ text|citation }}``.

Clause levels, as the documents number their headings: 一、 → 第一条; （一） → 第（一）款;
1. → 第1项; ① → 第①目. A top level written in digits (003's 1., 2., …) is 第1条.
"""

from __future__ import annotations

import re

#: seed number → the document's title as it is issued (first lines of /work/shared/seeds/)
DOCUMENTS: dict[str, str] = {
    # 000_b0b7d186cefae7de.txt: the attachment of the Minhang district bureau's notice
    "000": "《闵行区教育局校园安全专项整治工作实施方案》",
    # 001_46543c9c9fe05203.txt
    "001": "《东阳市中小学（幼儿园）安全提升工作方案（征求意见稿）》",
    # 002_baf5f1843da22c12.txt
    "002": "《关于印发〈兖州区学校“攻坚四季度、坚定保平安”工作方案〉的通知》",
    # 003_f300bb9461ec7c5d.txt: 普教德〔2024〕12号
    "003": "《上海市普陀区教育局关于印发〈2024年普陀区教育系统安全工作要点〉的通知》",
    # 004_72fa6b74ce07b938.txt: 涪崇办发〔2018〕55号
    "004": (
        "《重庆市涪陵区人民政府崇义街道办事处关于切实加强辖区中小学幼儿园安全风险防控"
        "体系建设确保校园安全的通知》"
    ),
}

CN_NUMERALS = "一二三四五六七八九十"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

#: a seed cited by file name (with or without its section) or by number and section
_SECTION = r"[^\s，,；;、。（）()]*(?:\([^)]*\)[^\s，,；;、。（）()]*)*"
SEED = re.compile(
    rf"(?<![0-9A-Za-z,.])(?P<seed>\d{{3}})"
    rf"(?:_[0-9a-f]{{8,}}\.txt(?:\s*§\s*(?P<a>{_SECTION}))?"
    rf"|\s*§\s*(?P<b>[{CN_NUMERALS}\d]{_SECTION}))"
)
#: one level of a clause: 三 / (一) or （一） / 4 / ④ (with the separating dots)
LEVEL = re.compile(
    rf"(?P<cn>[{CN_NUMERALS}]+)|[(（](?P<paren>[{CN_NUMERALS}\d]+)[)）]|(?P<num>\d+)"
    rf"|(?P<circ>[{CIRCLED}])"
)


def clause(text: str) -> str:
    """``四(一)3④`` → 第四条第（一）款第3项第④目; ``三.4`` → 第三条第4项; ``12`` → 第12条.
    A clause that is not made of such levels is returned as it is written."""
    parts, pos = [], 0
    text = text.strip()
    while pos < len(text):
        if text[pos] in ".．、":
            pos += 1
            continue
        m = LEVEL.match(text, pos)
        if m is None:
            return text
        if m["cn"]:
            parts.append(f"第{m['cn']}条")
        elif m["paren"]:
            parts.append(f"第（{m['paren']}）款")
        elif m["num"]:
            parts.append(f"第{m['num']}{'条' if not parts else '项'}")
        else:
            parts.append(f"第{m['circ']}目")
        pos = m.end()
    return "".join(parts)


#: national standards a citation may name by their number → their titles
STANDARDS = {"GB/T 29315-2022": "中小学、幼儿园安全防范要求"}
STANDARD = re.compile(r"GB(?:/T)? \d+(?:\.\d+)?-\d{4}")


def render(text: str) -> str:
    """``text`` with every seed citation written as the document's title and clause, and every
    national standard it names with its title (《…》（GB/T 29315-2022））."""
    if not text:
        return text or ""
    text = STANDARD.sub(
        lambda m: (
            f"《{STANDARDS[m.group(0)]}》（{m.group(0)}）"
            if m.group(0) in STANDARDS
            else m.group(0)
        ),
        text,
    )

    def one(m: re.Match) -> str:
        title = DOCUMENTS.get(m["seed"])
        if title is None:
            return m.group(0)
        section = m["a"] if m["a"] is not None else m["b"]
        return title + (clause(section) if section else "")

    return SEED.sub(one, text)
