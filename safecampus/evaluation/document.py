"""The written summary (书面材料) for the leadership group, as a 公文 (``core.documents``).

The final summary is made from the campaign's archive: only the snapshot is read, so the
document says what the campaign was when it was archived. Before archiving a draft is made
the same way from a snapshot of the live data (``build_snapshot``, not stored), marked 草稿
under the title and in the file name.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from safecampus.core.documents import Document, file_name, issuer_of
from safecampus.hazards.choices import Summary

from .snapshot import final_category, summarise


def _table(doc: Document, header: list[str], rows: list[list], widths=None) -> None:
    """A table of the summary; without ``widths`` the first column is three times as wide."""
    doc.table(header, rows, widths=widths or [3] + [1] * (len(header) - 1))


def _by_category_rows(groups: list[dict]) -> list[list]:
    return [
        [g["label"], g["total"], g[Summary.RESOLVED], g[Summary.IN_PROGRESS], g[Summary.HARD]]
        for g in groups
    ]


def leadership_group_of(bureau) -> str:
    """The addressee: the bureau's campus-safety leadership group, named with the bureau
    (上海市闵行区教育局校园安全专项整治工作领导小组)."""
    issuer = issuer_of(bureau)
    if not issuer:
        return _("Campus safety leadership group")
    return _("%(bureau)s campus safety leadership group") % {"bureau": issuer}


def summary_title(campaign_name: str) -> str:
    return _("Written summary of %(name)s") % {"name": campaign_name}


def summary_file_name(*, bureau_name: str, campaign_name: str, draft: bool = False) -> str:
    """闵行区教育局_<campaign>_书面材料[_草稿].docx"""
    return file_name(
        bureau_name, campaign_name, _("Written summary"), _("draft") if draft else "", ext="docx"
    )


def day_text(day: datetime.date) -> str:
    """2026年11月23日: a date in a document's text (the signature date is 二〇二六年…)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _day_text(value: str | None) -> str:
    """An ISO date of the snapshot written the Chinese way; "—" when there is none."""
    day = _date_of(value)
    return day_text(day) if day else "—"


def _moment_text(value: str | None) -> str:
    """An ISO date and time of the snapshot (local time) as 2026年12月6日 06:45."""
    if not value:
        return ""
    moment = datetime.datetime.fromisoformat(value)
    return f"{day_text(moment.date())} {moment:%H:%M}"


def _date_of(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value).date()
    except ValueError:
        return None


def summary_document(
    snapshot: dict, *, bureau=None, draft: bool = False, number: str = ""
) -> bytes:
    """The Word document of ``snapshot`` as bytes; ``draft`` marks it 草稿 (made from the live
    data before archiving) and carries no number; ``number`` is the 发文字号 stored on the
    archive, above the title."""
    tables = summarise(snapshot)
    campaign = snapshot["campaign"]
    totals = snapshot["totals"]
    labels = dict(Summary.choices)
    category_header = [
        _("Total"),
        str(labels[Summary.RESOLVED]),
        str(labels[Summary.IN_PROGRESS]),
        str(labels[Summary.HARD]),
    ]
    at = _moment_text(snapshot.get("archived_at"))
    if draft:
        mark = _("DRAFT: made from the live data as of %(at)s, not archived") % {"at": at}
    else:
        mark = ""
    doc = Document(
        bureau=bureau,
        title=summary_title(campaign["name"]),
        number="" if draft else number,
        subtitle=f"（{mark}）" if mark else "",
        addressee=leadership_group_of(bureau),
    )
    period = _("Period: %(start)s to %(end)s") % {
        "start": _day_text(campaign["starts_on"]),
        "end": _day_text(campaign["ends_on"]),
    }
    lines = [campaign["doc_number"], period]
    if not draft:
        lines.append(_("Archived %(at)s") % {"at": at})
    doc.para("　".join(line for line in lines if line))

    doc.heading(1, _("1. Hazards by summary category"))
    counts = {c["key"]: c["count"] for c in tables["by_category"]}
    doc.para(
        _(
            "The campaign found %(total)s hazards: %(resolved)s resolved, %(in_progress)s being "
            "resolved with a deadline, %(hard)s hard to resolve in the short term. %(confirmed)s "
            "categories were confirmed by the responsible departments; the others are as the "
            "register gives them."
        )
        % {
            "total": totals["hazards"],
            "resolved": counts[Summary.RESOLVED],
            "in_progress": counts[Summary.IN_PROGRESS],
            "hard": counts[Summary.HARD],
            "confirmed": totals["confirmed"],
        }
    )
    _table(
        doc,
        [_("Category"), _("Hazards"), _("Share (%)")],
        [[c["label"], c["count"], c["share"]] for c in tables["by_category"]],
    )

    doc.heading(1, _("2. By risk area"))
    _table(doc, [_("Risk area"), *category_header], _by_category_rows(tables["by_area"]))
    doc.heading(1, _("3. By responsible department"))
    _table(doc, [_("Department"), *category_header], _by_category_rows(tables["by_department"]))
    doc.heading(1, _("4. By school type"))
    _table(doc, [_("School type"), *category_header], _by_category_rows(tables["by_type"]))

    doc.heading(1, _("5. Major hazards"))
    if tables["major"]:
        _table(
            doc,
            [_("Code"), _("School"), _("Description"), _("Department"), _("Category")],
            [
                [h["code"], h["school"], h["description"], h["department"],
                 labels[final_category(h)]]
                for h in tables["major"]
            ],
            widths=[2.4, 2, 3.6, 1.5, 1.5],
        )  # fmt: skip
    else:
        doc.para(_("None."))

    doc.heading(1, _("6. Hazards hard to resolve in the short term"))
    if tables["hard"]:
        _table(
            doc,
            [_("Code"), _("School"), _("Description"), _("Interim safety measures"),
             _("Responsible for interim measures"), _("Department")],
            [
                [h["code"], h["school"], h["description"], h["interim_measures"] or "—",
                 " ".join(x for x in (h["interim_unit"], h["interim_person"]) if x) or "—",
                 h["department"]]
                for h in tables["hard"]
            ],
            widths=[2.4, 1.6, 2.4, 2.4, 1.8, 1.4],
        )  # fmt: skip
    else:
        doc.para(_("None."))

    doc.heading(1, _("7. Spot checks"))
    if tables["spot_checks"]:
        _table(
            doc,
            [_("Spot check"), _("Drawn"), _("Checked"), _("Confirmed as claimed"),
             _("Not as claimed")],
            [
                [c["title"], c["drawn"], c["checked"], c["confirmed"], c["not_as_claimed"]]
                for c in tables["spot_checks"]
            ],
        )  # fmt: skip
        for c in tables["spot_checks"]:
            for item in c["failed_items"]:
                doc.para(
                    f"{c['title']}：{item['hazard_code']} {item['school']} — {item['finding']}"
                )
    else:
        doc.para(_("No spot checks."))

    doc.heading(1, _("8. Special consultations"))
    if snapshot["consultations"]:
        for c in snapshot["consultations"]:
            doc.para(f"{c['held_on']} {c['title']}（{c['kind_label']}）")
            for item in c["items"]:
                decided = "、".join(item["decisions"]) or "—"
                doc.para(
                    f"{item['hazard_code']} {item['school']}：{decided} {item['comment']}".strip()
                )
    else:
        doc.para(_("No consultations."))

    doc.heading(1, _("9. Accountability"))
    if snapshot["accountability"]:
        doc.para("；".join(f"{kind} {n}" for kind, n in tables["accountability_by_kind"]))
        _table(
            doc,
            [_("Measure"), _("Target"), _("Reason"), _("Status")],
            [
                [r["kind_label"], " ".join(x for x in (r["school"], r["department"]) if x),
                 r["reason"], r["status_label"]]
                for r in snapshot["accountability"]
            ],
            widths=[1.2, 2, 3, 1.2],
        )  # fmt: skip
    else:
        doc.para(_("No accountability actions."))

    doc.heading(1, _("10. Weekly reports"))
    if snapshot["weekly_record"]:
        _table(
            doc,
            [_("Department"), _("Weeks due"), _("On time"), _("Late"), _("Missing")],
            [
                [r["department"], r["weeks"], r["on_time"], r["late"], r["missing"]]
                for r in snapshot["weekly_record"]
            ],
        )
    else:
        doc.para(_("No weekly reports were due."))

    doc.signature(_date_of(snapshot.get("archived_at")) or datetime.date.today())
    return doc.bytes()
