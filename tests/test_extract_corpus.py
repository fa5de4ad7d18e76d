"""Strict cell accuracy of the extractor over tests/corpus, with a floor that only goes up.

The corpus (``tests/corpus/make_corpus.py``) holds report files in every layout — HTML pages in
UTF-8 and GBK with chrome, blank markers and typos; text in the inline, one-cell-per-line and
tab-separated layouts — each with the truth it was rendered from. Strict: a null must be null and
a 0 must be 0. Metadata (agency, year, template, scope) must be right for every file.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract_helpers import compare_cells
from extractors import extract

CORPUS = Path(__file__).parent / "corpus"
TRUTHS = sorted(CORPUS.glob("*.expected.json"))

# Raise when the score improves; never lower it to make a change pass.
STRICT_CELL_ACCURACY_FLOOR = 1.0


def _read(truth_path: Path):
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    source = CORPUS / truth["source"]
    return truth, extract(source.read_bytes(), filename=source.name)


def test_corpus_covers_every_layout() -> None:
    names = {p.name.split(".")[0] for p in TRUTHS}
    kinds = {truth_path.name.rsplit(".expected.json")[0].split("-")[1] for truth_path in TRUTHS}
    assert len(names) >= 20
    assert {"inline", "cells", "tabbed", "html"} <= kinds
    assert {json.loads(p.read_text(encoding="utf-8"))["template"] for p in TRUTHS} == {"gb2021", "gb2019", "freeform"}


def test_strict_cell_accuracy_over_corpus() -> None:
    correct = total = 0
    misses = []
    for truth_path in TRUTHS:
        truth, got = _read(truth_path)
        wrong = compare_cells(got.cells, truth["cells"])
        correct += len(truth["cells"]) - len(wrong)
        total += len(truth["cells"])
        misses += [(truth_path.name, *w) for w in wrong[:3]]
    accuracy = correct / total
    print(f"corpus strict cell accuracy {accuracy:.4f} ({correct}/{total})")
    assert accuracy >= STRICT_CELL_ACCURACY_FLOOR, misses[:10]


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.name.split(".")[0])
def test_corpus_metadata(truth_path: Path) -> None:
    truth, got = _read(truth_path)
    assert got.is_report, got.reason
    assert (got.agency, got.year, got.template, got.scope, got.title) == (
        truth["agency"], truth["year"], truth["template"], truth["scope"], truth["title"])
    assert list(got.cells) == list(truth["cells"])


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.name.split(".")[0])
def test_corpus_reports_pass_their_checks(truth_path: Path) -> None:
    """The corpus numbers are consistent, so a failed check means a misread cell."""
    truth, got = _read(truth_path)
    if truth["template"] == "freeform":
        assert got.checks == ()
        return
    assert got.checks, "a tabled report gives checks"
    assert [c for c in got.checks if not c.passed] == []
    assert got.problems == ()
