"""The written summary (书面材料) for the leadership group, made from a campaign's archive.

Only the snapshot is read, so the document says what the campaign was when it was archived.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from safecampus.hazards.choices import Summary

from .snapshot import final_category, summarise


def _table(doc, header: list[str], rows: list[list]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)


def _by_category_rows(groups: list[dict]) -> list[list]:
    return [
        [g["label"], g["total"], g[Summary.RESOLVED], g[Summary.IN_PROGRESS], g[Summary.HARD]]
        for g in groups
    ]


def summary_document(snapshot: dict) -> bytes:
    """The Word document of ``snapshot`` as bytes."""
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

    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    title = doc.add_heading(_("Written summary of %(name)s") % {"name": campaign["name"]}, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    period = _("Period: %(start)s to %(end)s") % {
        "start": campaign["starts_on"] or "—",
        "end": campaign["ends_on"] or "—",
    }
    lines = [campaign["doc_number"], period, _("Archived %(at)s") % {"at": snapshot["archived_at"]}]
    doc.add_paragraph("　".join(line for line in lines if line))

    doc.add_heading(_("1. Hazards by summary category"), level=1)
    counts = {c["key"]: c["count"] for c in tables["by_category"]}
    doc.add_paragraph(
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

    doc.add_heading(_("2. By risk area"), level=1)
    _table(doc, [_("Risk area"), *category_header], _by_category_rows(tables["by_area"]))
    doc.add_heading(_("3. By responsible department"), level=1)
    _table(doc, [_("Department"), *category_header], _by_category_rows(tables["by_department"]))
    doc.add_heading(_("4. By school type"), level=1)
    _table(doc, [_("School type"), *category_header], _by_category_rows(tables["by_type"]))

    doc.add_heading(_("5. Major hazards"), level=1)
    if tables["major"]:
        _table(
            doc,
            [_("Code"), _("School"), _("Description"), _("Department"), _("Category")],
            [
                [h["code"], h["school"], h["description"], h["department"],
                 labels[final_category(h)]]
                for h in tables["major"]
            ],
        )  # fmt: skip
    else:
        doc.add_paragraph(_("None."))

    doc.add_heading(_("6. Hazards hard to resolve in the short term"), level=1)
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
        )  # fmt: skip
    else:
        doc.add_paragraph(_("None."))

    doc.add_heading(_("7. Spot checks"), level=1)
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
                doc.add_paragraph(
                    f"{c['title']}：{item['hazard_code']} {item['school']} — {item['finding']}",
                    style="List Bullet",
                )
    else:
        doc.add_paragraph(_("No spot checks."))

    doc.add_heading(_("8. Special consultations"), level=1)
    if snapshot["consultations"]:
        for c in snapshot["consultations"]:
            doc.add_paragraph(f"{c['held_on']} {c['title']}（{c['kind_label']}）")
            for item in c["items"]:
                decided = "、".join(item["decisions"]) or "—"
                doc.add_paragraph(
                    f"{item['hazard_code']} {item['school']}：{decided} {item['comment']}".strip(),
                    style="List Bullet",
                )
    else:
        doc.add_paragraph(_("No consultations."))

    doc.add_heading(_("9. Accountability"), level=1)
    if snapshot["accountability"]:
        doc.add_paragraph("；".join(f"{kind} {n}" for kind, n in tables["accountability_by_kind"]))
        _table(
            doc,
            [_("Measure"), _("Target"), _("Reason"), _("Status")],
            [
                [r["kind_label"], " ".join(x for x in (r["school"], r["department"]) if x),
                 r["reason"], r["status_label"]]
                for r in snapshot["accountability"]
            ],
        )  # fmt: skip
    else:
        doc.add_paragraph(_("No accountability actions."))

    doc.add_heading(_("10. Weekly reports"), level=1)
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
        doc.add_paragraph(_("No weekly reports were due."))

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
