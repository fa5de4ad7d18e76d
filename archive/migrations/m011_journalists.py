"""Migration m011 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m011_journalists(db: sqlite_utils.Database) -> None:
    """What a journalist browses (issue 10): the report card and a Chinese search that works.

    - ``report_card``: one row per report, headline figures under readable names (archive.report_card),
      kept in step by the archive and by triggers on ``reports``.
    - ``report_search``: FTS5 over character pairs of each report's title, agency and text
      (archive.search), so 1- and 2-character words are found; it replaces the trigram index of
      ``report_texts`` (3+ characters only), dropped here with its triggers.
    - ``cell_keys`` gains each key's table, row and column label and its unit.
    """
    from archive import report_card
    from extractors.keys import FREEFORM_LABELS, T2_GB2019, T2_GB2021, T3_COLUMNS, T3_ROWS_GB2019, T3_ROWS_GB2021, T4_GROUPS, T4_RESULTS

    if db["report_texts_fts"].exists():
        db["report_texts"].disable_fts()
    report_card.create(db)

    tables = {"t2": "二、主动公开政府信息情况", "t3": "三、收到和处理政府信息公开申请情况", "t4": "四、政府信息公开行政复议、行政诉讼情况",
              "ff": "统计（2008–2018 自由格式）"}
    parts: dict[str, tuple[str, str]] = {}
    for rows in (T2_GB2021, T2_GB2019):
        for row, columns in rows:
            parts.update({f"t2.{row.key}.{col.key}": (row.label, col.label) for col in columns})
    for row in T3_ROWS_GB2021 + T3_ROWS_GB2019:
        parts.update({f"t3.{row.key}.{col.key}": (row.label, col.label) for col in T3_COLUMNS})
    for group in T4_GROUPS:
        parts.update({f"t4.{group.key}.{result.key}": (group.label, result.label) for result in T4_RESULTS})
    for key, label in FREEFORM_LABELS.items():
        parts[key] = (label.split("（")[0], "")
    for column in ("table_label", "row_label", "column_label", "unit"):
        db["cell_keys"].add_column(column, str)
    for key, (row_label, column_label) in parts.items():
        db["cell_keys"].update(key, {"table_label": tables[key.split(".")[0]], "row_label": row_label,
                                     "column_label": column_label, "unit": unit_of(key)})


def unit_of(key: str) -> str:
    """The unit a key's number is in (report-format §2): 万元 for fee amounts, 元 for freeform fees,
    条 for proactively published items, the procurement amount as printed, 件 otherwise."""
    if key == "t2.fees.amount_wan":
        return "万元"
    if key == "ff.fees_yuan":
        return "元"
    if key == "ff.proactive_items":
        return "条"
    if key == "t2.procurement.amount":
        return "as printed · 见原文"
    if key.endswith(".delta"):
        return "项 (±)"
    if key.endswith(".prev_items"):
        return "项"
    return "件"
