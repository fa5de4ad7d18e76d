"""Strict cell accuracy of the extractor over tests/corpus, with floors that only go up.

The corpus (``tests/corpus/make_corpus.py``) holds report files in two parts, each file with the
truth it was rendered from. *Designed layouts* (``tests/corpus/``): the shapes the extractor was
written for — HTML pages in UTF-8 and GBK with chrome, blank markers and typos; text in the
inline, one-cell-per-line and tab-separated layouts. *Adversarial layouts*
(``tests/corpus/adversarial/``): shapes real portals produce that it was not written for —
misaligned Word colspans, partly blank rows, cells run together, labels and prose in other words
(the replica's own vocabulary, not the extractor's), numbers with units and footnote marks. Strict:
a null must be null and a 0 must be 0. The two scores are reported apart, each with its floor.
"""
from __future__ import annotations

import ast
import json
from collections import defaultdict
from pathlib import Path

import pytest

from extract_helpers import compare_cells
from extractors import extract

CORPUS = Path(__file__).parent / "corpus"
TRUTHS = sorted(CORPUS.glob("*.expected.json"))
ADVERSARIAL = sorted((CORPUS / "adversarial").glob("*.expected.json"))
REPLICA = Path(__file__).parents[1] / "replica"

# Raise when a score improves; never lower one to make a change pass.
STRICT_CELL_ACCURACY_FLOOR = 1.0  # designed layouts
ADVERSARIAL_CELL_ACCURACY_FLOOR = 1.0  # round 1; measured 1.0000 (fidelity: rows named by their numbering, footnote marks, aligned partly blank rows)
ADVERSARIAL_ROUND_2_FLOOR = 0.996  # round 2 (signs, mixed blanks, bare headings, page breaks, nested, numerals in words); measured 0.9965


def _read(truth_path: Path):
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    source = truth_path.parent / truth["source"]
    return truth, extract(source.read_bytes(), filename=source.name)


def _scored(truth: dict) -> dict:
    """The truth's cells minus those its layout makes unreadable by anyone (``skip_prefixes``)."""
    skip = tuple(truth.get("skip_prefixes", ()))
    return {k: v for k, v in truth["cells"].items() if not (skip and k.startswith(skip))}


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


def test_adversarial_corpus_covers_every_layout() -> None:
    layouts = {layout for p in ADVERSARIAL for layout in json.loads(p.read_text(encoding="utf-8"))["layouts"]}
    assert {"word_colspans", "subtotal_column", "partly_blank", "run_together", "worded", "marked_numbers",
            "freeform_prose"} <= layouts


def test_strict_cell_accuracy_designed_vs_adversarial() -> None:
    """Both scores, the adversarial one by round (round 2: layouts added after the extractor met
    round 1), and where the adversarial cells are lost, layout by layout."""
    by_layout: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_part: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for truth_path in TRUTHS + ADVERSARIAL:
        truth, got = _read(truth_path)
        cells = _scored(truth)
        right = len(cells) - len(compare_cells(got.cells, cells))
        parts = ["designed"] if "layouts" not in truth else ["adversarial", f"adversarial round {truth['round']}"]
        for key in parts + [f"  adversarial {layout}" for layout in truth.get("layouts", ())]:
            (by_part if not key.startswith(" ") else by_layout)[key][0] += right
            (by_part if not key.startswith(" ") else by_layout)[key][1] += len(cells)
    scores = {}
    for part, (right, total) in by_part.items():
        scores[part] = right / total
        print(f"corpus strict cell accuracy, {part} layouts: {right / total:.4f} ({right}/{total})")
    for layout, (right, total) in sorted(by_layout.items()):
        print(f"{layout}: {right / total:.4f} ({right}/{total})")
    assert scores["designed"] >= STRICT_CELL_ACCURACY_FLOOR
    assert scores["adversarial round 1"] >= ADVERSARIAL_CELL_ACCURACY_FLOOR
    assert scores["adversarial round 2"] >= ADVERSARIAL_ROUND_2_FLOOR


def test_replica_words_are_its_own() -> None:
    """The replica prints labels and prose from ``replica.vocabulary``: it takes cell keys from
    ``extractors.keys`` (the data contract) but no label, keyword or pattern the extractor reads by."""
    allowed = {"FREEFORM", "GB2019", "GB2021", "FREEFORM_KEYS", "T2_GB2019", "T2_GB2021", "T3_COLUMNS",
               "T3_OUTCOME_ROWS_GB2019", "T3_OUTCOME_ROWS_GB2021", "T4_GROUPS", "T4_RESULTS", "keys_for", "t3_rows"}
    for path in sorted(REPLICA.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("extractors"):
                if node.module == "extractors.documents":
                    continue  # the Word converter the document fixtures are built with
                assert node.module == "extractors.keys", f"{path.name} imports {node.module}"
                assert {a.name for a in node.names} <= allowed, f"{path.name}: {[a.name for a in node.names]}"
            assert not (isinstance(node, ast.Attribute) and node.attr == "label" and path.name != "vocabulary.py"
                        and isinstance(node.value, ast.Name) and node.value.id in ("row", "col", "r", "g")), (
                f"{path.name} prints a label from extractors.keys")
