"""What flows out of the extractors: plain frozen data, no Scrapy, no clock, no I/O."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

Number = int | float


@dataclass(frozen=True)
class Check:
    """One consistency rule (勾稽关系) applied to one column, row or group of a report.

    ``subject`` says where: a T3 column key for T3-FLOW / T3-OUTCOME-SUM, a T3 row key for
    T3-ROW-TOTAL, a T4 group key for T4-SUM. ``left``/``right`` are the two sides' sums.
    """

    rule: str
    subject: str
    left: Number | None
    right: Number | None
    passed: bool


@dataclass(frozen=True)
class Extraction:
    """The result of reading one report document.

    ``cells`` holds every canonical key of ``template`` (see ``extractors.keys``) with a number or
    None (a blank, "-", "无" … in the report: never 0). ``raw`` keeps the cell text as printed.
    ``is_report`` is False for input that is not an annual report; ``reason`` then says why.
    ``problems`` names tables that could not be read with confidence (which table, why).
    """

    is_report: bool
    agency: str | None = None
    year: int | None = None
    template: str | None = None
    scope: str | None = None  # "organ" (an agency's own report) or "region" (a whole region's)
    title: str | None = None
    cells: dict[str, Number | None] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    warnings: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    sections: dict[str, str] = field(default_factory=dict)
    text: str = ""
    source_format: str = "text"  # text | html | pdf | docx | doc | xlsx | image ...
    ocr_confidence: float | None = None  # set only when the numbers came from OCR
    reason: str | None = None

    def to_json(self) -> dict:
        """The object `xxgk extract --json` prints (the command-line contract)."""
        out = {
            "agency": self.agency,
            "year": self.year,
            "template": self.template,
            "scope": self.scope,
            "title": self.title,
            "cells": self.cells,
            "checks": [asdict(c) for c in self.checks],
            "warnings": list(self.warnings),
            "problems": list(self.problems),
            "is_report": self.is_report,
            "source_format": self.source_format,
        }
        if self.ocr_confidence is not None:
            out["ocr_confidence"] = self.ocr_confidence
        if self.reason:
            out["reason"] = self.reason
        return out
