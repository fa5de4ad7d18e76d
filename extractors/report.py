"""Assemble one Extraction from what a format reader found: rows, main text, title candidates.

Every format ends here — HTML through ``extractors.html``, plain text through
``extractors.text_rows``, and (later) PDF/DOCX/XLSX through their own readers — so metadata,
template detection, tables, checks and warnings are decided once, the same way for all of them.
"""
from __future__ import annotations

import re

from . import checks, metadata
from .freeform import freeform_figures
from .keys import FREEFORM
from .model import Extraction
from .tables import detect_template, read_grid

_MIN_TEXT = 40  # fewer characters than a title and a sentence: nothing to read
_REPORT_WORDS = re.compile(r"(政府信息公开|政务公开|信息公开).{0,20}(年度报告|年报|工作报告|工作情况|报告)", re.S)


def build(rows: list[list[str]], text: str, *, titles: list[str] = (), source_format: str) -> Extraction:
    """The Extraction of a document whose rows (tables as grids) and main text are known."""
    all_text = "\n".join("\t".join(cells) for cells in rows)
    if len(re.sub(r"\s", "", all_text + text)) < _MIN_TEXT:
        return Extraction(is_report=False, reason="no text to read", source_format=source_format, text=text)
    lines = text.split("\n")
    title = metadata.find_title(lines, titles) or metadata.find_title(all_text.split("\n"))
    template = detect_template(all_text)
    if template == FREEFORM and not title and not _REPORT_WORDS.search(text[:3000]):
        return Extraction(is_report=False, reason="not an annual report: no report title and no report tables",
                          source_format=source_format, text=text, title=None)

    year = metadata.find_year(title, text or all_text)
    agency = metadata.find_agency(title, text or all_text, titles)
    sections = metadata.find_sections(lines, numbered_headings=template != FREEFORM)
    problems: list[str] = []
    warnings: list[str] = []
    if template == FREEFORM:
        cells, raw, ff_warnings = freeform_figures(rows, text or all_text)
        warnings += ff_warnings
        found_checks = ()
    else:
        reading = read_grid(rows, template)
        cells, raw = reading.cells, reading.raw
        problems += reading.problems
        found_checks = checks.consistency_checks(cells, template)
        warnings += checks.prose_warnings(text, cells)
    if title is None:
        problems.append("title: no report title found")
    if year is None:
        problems.append("year: not found in the title or text")
    return Extraction(
        is_report=True,
        agency=agency,
        year=year,
        template=template,
        scope=metadata.scope_of(agency),
        title=title,
        cells=cells,
        raw=raw,
        checks=found_checks,
        warnings=tuple(warnings),
        problems=tuple(problems),
        sections=sections,
        text=text,
        source_format=source_format,
    )
