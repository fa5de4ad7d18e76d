"""The codebook: every exported file's fields, generated from the canonical keys (``extractors.keys``)
and the definitions of flags, check rules and metrics (``archive.definitions``) — written as a
Frictionless ``datapackage.json`` and as ``codebook.md``. Nothing here is typed twice: a key's labels,
unit and templates come from keys.py, a metric's formula and blank rule from definitions.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from extractors.keys import (FREEFORM, GB2019, GB2021, TEMPLATES, english_label_for, keys_for, label_for,
                             templates_of, unit_for)
from archive.definitions import BLANK_RULES, CHECK_RULES, FLAGS, METRICS, SUFFIX, metric_columns

TEMPLATE_YEARS = {GB2021: "2021–", GB2019: "2019–2020 (and some later reports on its layout)", FREEFORM: "2008–2018"}

SERIES_BREAKS = (
    "2019 — the revised 政府信息公开条例 (in force 2019-05-15) and the national template 国办公开办函〔2019〕60号: "
    "from report year 2019 tables 二–四 are national and fixed (gb2019). Reports for 2008–2018 are free-form; "
    "their figures (ff.*) follow local definitions and are not the same series as the t3/t4 keys.",
    "2021 — template 国办公开办函〔2021〕30号 (gb2021): table 二 counts issued / repealed / in force instead of "
    "made / published / total published (different keys: never stack t2 across the break); table 三's "
    "（六）其他处理 splits into three rows (other.no_correction, other.no_fee, other.misc), the fee row following "
    "the 2021 fee rules (政府信息公开信息处理费管理办法, in force 2021-01-01). Tables 三's other rows and 四 keep their keys.",
    "The template is read from each report's content, never from its year: some 2021+ reports reuse the gb2019 "
    "layout. Use the `template` column, and compare across a break only with keys both templates share.",
    "A blank cell is null, never 0, in cells_long and the panels. Every metric comes in two columns that differ "
    "only in how a blank counts (see Metrics): NAME (strict) and NAME_blank_as_zero.",
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # frictionless: string, integer, number, boolean
    description: str
    extra: dict = field(default_factory=dict)

    def frictionless(self) -> dict:
        return {"name": self.name, "type": self.type, "description": self.description, **self.extra}


def _f(name, kind, description, **extra) -> Field:
    return Field(name, kind, description, extra)


AGENCY_FIELDS = (
    _f("agency_id", "string", "Agency id: GB/T 2260 region code + name (the name alone for national bodies and "
       "agencies whose site gave no region)."),
    _f("agency", "string", "The agency's name as the report prints it."),
    _f("region_code", "string", "GB/T 2260 code of the agency's division (empty: national or unknown)."),
    _f("level", "string", "national, provincial, prefectural or county."),
)
REPORT_KEY = (_f("report_id", "string", "Report id: agency id-year-scope; stable."),)
SCOPE_YEAR = (
    _f("scope", "string", "organ = the agency's own report; region = a whole region's report."),
    _f("year", "integer", "Report year (not the publication year)."),
    _f("template", "string", "gb2021, gb2019 or freeform: the report's layout, read from its content."),
)
PROVENANCE = (
    _f("version", "integer", "Version of the report the numbers come from (a report changed after publication gets a new one)."),
    _f("source_format", "string", "Format of the document the numbers were read from: html, text, pdf, docx, doc, xls, xlsx, image."),
    _f("ocr_confidence", "number", "OCR confidence 0–1 when read from a scan; empty: not OCR."),
    _f("source_url", "string", "The official URL the numbers were read from."),
    _f("capture_sha256", "string", "SHA-256 of the archived bytes (the archive's blob)."),
    _f("fetched_at", "string", "When those bytes were first fetched (UTC, ISO 8601)."),
)


def key_field(key: str) -> Field:
    templates = " ".join(templates_of(key))
    return _f(key, "number", f"{label_for(key)} · {english_label_for(key)}. Unit: {unit_for(key)}. Templates: {templates}.",
              title=english_label_for(key), unit=unit_for(key))


def metric_field(column: str, metric, rule: str) -> Field:
    blanks = "strict: null if any cell is blank" if not SUFFIX[rule] else "a blank row of a table with numbers counts as 0"
    return _f(column, "number",
              f"{metric.label_zh} · {metric.label_en} ({blanks}). Unit: {metric.unit}. {metric.definition()}. "
              f"Across templates: {metric.comparable}.",
              title=f"{metric.label_en} ({'strict' if not SUFFIX[rule] else 'blank as zero'})", unit=metric.unit)


def resources(templates: tuple[str, ...] = TEMPLATES) -> dict[str, dict]:
    """Every exported table: fields, primary key, foreign keys, description."""
    fk_report = {"fields": "report_id", "reference": {"resource": "reports", "fields": "report_id"}}
    found = {
        "keys": {
            "description": "The canonical cell keys: labels (Chinese, English), table, templates, unit.",
            "fields": (_f("key", "string", "Canonical key, stable across years (t2.*, t3.*, t4.*, ff.*)."),
                       _f("table", "string", "t2 主动公开, t3 依申请公开, t4 复议诉讼, ff free-form (2008–2018)."),
                       _f("label_zh", "string", "The label the template prints."),
                       _f("label_en", "string", "English label."),
                       _f("templates", "string", "Templates that have the key, space-separated."),
                       _f("unit", "string", "What the number counts.")),
            "primaryKey": ["key"], "foreignKeys": [],
        },
        "agencies": {
            "description": "One row per agency of the exported reports.",
            "fields": (AGENCY_FIELDS[0], _f("name", "string", "The agency's name in its id (place name + body)."),
                       *AGENCY_FIELDS[2:],
                       _f("parent_id", "string", "Agency id of the government it belongs to (may not be exported)."),
                       _f("sites", "string", "JSON list of the registry sites it publishes on.")),
            "primaryKey": ["agency_id"], "foreignKeys": [],
        },
        "reports": {
            "description": "One row per report (current version): agency, year, provenance and quality.",
            "fields": (*REPORT_KEY, *AGENCY_FIELDS,
                       _f("agency_resolution", "string", "How the agency was resolved from the site and the name (docs/archive.md, Agency identity)."),
                       _f("agency_confidence", "number", "How sure that resolution is, 0–1."),
                       *SCOPE_YEAR, _f("title", "string", "The report's title."), *PROVENANCE,
                       _f("checks_failed", "integer", FLAGS["checks_failed"]),
                       _f("cross_year_failed", "integer", FLAGS["cross_year_failed"]),
                       _f("removed_at", "string", "When the report was gone from its column (empty: still listed).")),
            "primaryKey": ["report_id"],
            "foreignKeys": [{"fields": "agency_id", "reference": {"resource": "agencies", "fields": "agency_id"}}],
        },
        "cells_long": {
            "description": "Every cell of every exported report, one row each (current versions).",
            "fields": (*REPORT_KEY, *AGENCY_FIELDS, *SCOPE_YEAR,
                       _f("key", "string", "Canonical key (see keys)."),
                       _f("value", "number", "The number; empty when the report leaves the cell blank (never 0)."),
                       _f("raw", "string", "The cell as printed."),
                       _f("table_checks_failed", "integer", "Failed checks of the report on this key's table "
                          "(t3: T3-FLOW, T3-ROW-TOTAL, T3-OUTCOME-SUM, T3-CARRY; t4: T4-SUM; t2: T2-STOCK)."),
                       *PROVENANCE),
            "primaryKey": ["report_id", "key"],
            "foreignKeys": [fk_report, {"fields": "key", "reference": {"resource": "keys", "fields": "key"}}],
        },
        "checks": {
            "description": "Every consistency check of every exported report, within-report and cross-year.",
            "fields": (*REPORT_KEY, AGENCY_FIELDS[0], SCOPE_YEAR[1], SCOPE_YEAR[2],
                       _f("rule", "string", "T3-FLOW, T3-ROW-TOTAL, T3-OUTCOME-SUM, T4-SUM; cross-year T3-CARRY, T2-STOCK."),
                       _f("subject", "string", "The column, row or group the rule was checked on."),
                       _f("left", "number", "The rule's first side; its formula per rule under Check rules in codebook.md."),
                       _f("right", "number", "The rule's second side; its formula per rule under Check rules in codebook.md."),
                       _f("passed", "boolean", "true when both sides agree."),
                       _f("cross_year", "boolean", "true for T3-CARRY and T2-STOCK (this report against the year before)."),
                       _f("previous_report_id", "string", "For a cross-year check, the report of the year before.")),
            "primaryKey": ["report_id", "rule", "subject"], "foreignKeys": [fk_report],
        },
        "metrics": {
            "description": "Metrics derived per report; definitions in each field's description.",
            "fields": (*REPORT_KEY, *AGENCY_FIELDS, *SCOPE_YEAR, *(metric_field(*c) for c in metric_columns())),
            "primaryKey": ["report_id"], "foreignKeys": [fk_report],
        },
    }
    for template in templates:
        found[f"panel_{template}"] = {
            "description": f"One row per agency × year × scope of template {template} ({TEMPLATE_YEARS[template]}), "
                           f"one column per key of that template.",
            "fields": (*REPORT_KEY, *AGENCY_FIELDS, *SCOPE_YEAR[:2], *(key_field(k) for k in keys_for(template))),
            "primaryKey": ["report_id"], "foreignKeys": [fk_report],
        }
    return found


def key_rows() -> list[dict]:
    seen = []
    for template in TEMPLATES:
        seen += [k for k in keys_for(template) if k not in seen]
    return [{"key": k, "table": k.split(".")[0], "label_zh": label_for(k), "label_en": english_label_for(k),
             "templates": " ".join(templates_of(k)), "unit": unit_for(k)} for k in seen]


def markdown(tables: dict[str, dict], fmt: str, filters: str) -> str:
    lines = ["# xxgk-archive export — codebook", "",
             "Generated from the canonical keys (extractors/keys.py) and the metric definitions (exports/metrics.py); "
             f"`datapackage.json` beside this file says the same for machines. Format: {fmt}. Filters: {filters}.", "",
             "## Series breaks", ""]
    lines += [f"- {note}" for note in SERIES_BREAKS]
    lines += ["", "## Files", ""]
    for name, table in tables.items():
        lines += [f"### {name}", "", table["description"], "",
                  f"Primary key: {', '.join(table['primaryKey'])}."
                  + "".join(f" Foreign key: {fk['fields']} → {fk['reference']['resource']}.{fk['reference']['fields']}."
                            for fk in table["foreignKeys"]), ""]
        if name.startswith("panel_"):
            lines += [f"Identity columns as in `reports`, then one column per key of the template (see *Keys*).", ""]
            continue
        lines += ["| field | type | description |", "| --- | --- | --- |"]
        lines += [f"| `{f.name}` | {f.type} | {f.description} |" for f in table["fields"]]
        lines.append("")
    lines += ["## Flags", "", "| flag | definition |", "| --- | --- |"]
    lines += [f"| `{name}` | {text} |" for name, text in FLAGS.items()]
    lines += ["", "## Check rules", "", "Each row of `checks` is one rule applied to one subject; `passed` is true when "
              "`left` = `right`.", "", "| rule | kind | subject | `left` | `right` | when |", "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| `{r.rule}` | {'cross-year' if r.cross_year else 'within the report'} | {r.subject} | {r.left} | "
              f"{r.right} | {r.when} |" for r in CHECK_RULES]
    lines += ["", "## Metrics", "", "Blanks: every metric has two columns.", ""]
    lines += [f"- {text}" for text in BLANK_RULES.values()]
    lines += ["", "| metric | 中文 | unit | derivation per template | across templates |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| `{m.name}` | {m.label_zh} | {m.unit} | {m.definition()} | {m.comparable} |" for m in METRICS]
    lines += ["", "## Keys", "", "| key | 中文 | English | unit | templates |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| `{r['key']}` | {r['label_zh']} | {r['label_en']} | {r['unit']} | {r['templates']} |" for r in key_rows()]
    return "\n".join(lines) + "\n"
