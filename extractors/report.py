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

# Section 三 and 四 headings of the post-2019 format (pre-2019 reports titled them otherwise).
_POST_2019_HEADINGS = re.compile(r"^\s*三[、.．]\s*收到和处理[^\n]*\n(?:.*\n)*?\s*四[、.．][^\n]{0,24}(行政复议|行政诉讼)", re.M)
_MIN_TEXT = 40  # fewer characters than a title and a sentence: nothing to read
# 图解 / 解读 pages explain a report and are not the report (spec §5).
_COMPANION = re.compile(r"图解|解读|一图读懂|图说")
_DISCLOSURE_WORDS = re.compile(r"主动公开|依申请|公开申请")
_HAN = re.compile(r"[\u4e00-\u9fa5]")
_MIN_FREEFORM_HAN = 150
_REPORT_WORDS = re.compile(r"(政府信息公开|政务公开|信息公开).{0,20}(年度报告|年报|工作报告|工作情况|报告)", re.S)


def _reads_like_a_report(title: str | None, text: str) -> bool:
    """A pre-2019 report has no tables to recognise it by: a report title, or report words at the
    top, and prose about disclosure — not just a link to a report on a listing page, nor a notice
    that mentions reports further down."""
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    if metadata.is_other_document(first_line) or not (title or _REPORT_WORDS.search(text[:300])):
        return False
    return len(_HAN.findall(text)) >= _MIN_FREEFORM_HAN and bool(_DISCLOSURE_WORDS.search(text))


def build(rows: list[list[str]], text: str, *, titles: list[str] = (), source_format: str) -> Extraction:
    """The Extraction of a document whose rows (tables as grids) and main text are known."""
    all_text = "\n".join("\t".join(cells) for cells in rows)
    if len(re.sub(r"\s", "", all_text + text)) < _MIN_TEXT:
        return Extraction(is_report=False, reason="no text to read", source_format=source_format, text=text)
    lines = text.split("\n")
    title = metadata.find_title(lines, titles) or metadata.find_title(all_text.split("\n"))
    year = metadata.find_year(title, text or all_text)
    template = detect_template(all_text, year)
    if title and _COMPANION.search(title):
        return Extraction(is_report=False, reason=f"a page explaining a report, not the report: {title}",
                          source_format=source_format, text=text, title=title)
    # The national format's headings without its tables: tables given as images, or only in an
    # attachment. Which template they follow is not in the text, and the year must not decide.
    # A report dated before 2019 predates that format: headings like its own are prose headings.
    tables_missing = (template == FREEFORM and bool(title) and bool(_POST_2019_HEADINGS.search(all_text))
                      and not (year and year < 2019))
    if template == FREEFORM and not tables_missing and not _reads_like_a_report(title, text):
        return Extraction(is_report=False, reason="not an annual report: no report tables and no report prose",
                          source_format=source_format, text=text, title=title)

    agency = metadata.confirm_agency(metadata.find_agency(title, text or all_text, titles), text or all_text, titles)
    problems: list[str] = []
    warnings: list[str] = []
    if tables_missing:
        template = None
        problems.append("tables: the report has the national format's sections but no readable tables "
                        "(images or an attachment?)")
    sections = metadata.find_sections(lines, numbered_headings=template != FREEFORM)
    if template is None:
        cells, raw, found_checks = {}, {}, ()
    elif template == FREEFORM:
        cells, raw, ff_warnings = freeform_figures(rows, text or all_text)
        warnings += ff_warnings
        found_checks = ()
    else:
        reading = read_grid(rows, template)
        cells, raw = reading.cells, reading.raw
        problems += reading.problems
        found_checks = checks.consistency_checks(cells, template)
        warnings += checks.prose_warnings(text, cells) + checks.unit_warnings(raw)
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
