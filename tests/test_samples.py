"""Every sample in ../shared/samples (seeds and real reports) with an expected file, scored as
../shared/tools/score-samples scores them: strict cell accuracy (null only equals null), accuracy on
the cells whose truth is a non-zero number, and template and year right for every file.

The folder is walked, so a new sample with its ``*.expected.json`` is scored without code changes.
The samples live beside the project, not in it: without ../shared the tests skip — except in CI
(CI=true), where ../shared is provided and its absence is a failure.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from extractors import extract

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
TRUTHS = sorted(SAMPLES.rglob("*.expected.json")) if SAMPLES.is_dir() else []
FLOOR = 0.995


@pytest.fixture(scope="module", autouse=True)
def _samples_present() -> None:
    if TRUTHS:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{SAMPLES} has no *.expected.json: CI must provide ../shared/samples")
    pytest.skip("../shared/samples is not beside this checkout")


def _source(truth_path: Path, truth: dict) -> Path:
    """The input a truth names: "input" (absolute) or "source" beside it or in ../raw/."""
    if truth.get("input"):
        return Path(truth["input"])
    here = truth_path.parent
    return next((p for p in (here / truth["source"], here.parent / "raw" / truth["source"]) if p.exists()),
                here / truth["source"])


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    except (TypeError, ValueError):
        return False


def _score(truth_path: Path) -> tuple[dict, dict, list[tuple[str, object, object]], int, int, int]:
    """(truth, output, wrong cells, scored cells, non-zero truth cells, non-zero cells right)."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    source = _source(truth_path, truth)
    got = extract(source.read_bytes(), filename=source.name).to_json()
    cells = got.get("cells") or {}
    skip = set(truth.get("uncertain", []))
    prefixes = tuple(truth.get("skip_prefixes", []))
    wrong, scored, nonzero, nonzero_right = [], 0, 0, 0
    for key, want in truth.get("cells", {}).items():
        if key in skip or (prefixes and key.startswith(prefixes)):
            continue
        scored += 1
        counts = want is not None and not _same(want, 0)
        nonzero += counts
        if key in cells and _same(cells[key], want):
            nonzero_right += counts
        else:
            wrong.append((key, cells.get(key, "<missing>"), want))
    return truth, got, wrong, scored, nonzero, nonzero_right


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: f"{p.parent.name}/{p.name.split('.expected')[0]}")
def test_sample_template_and_year(truth_path: Path) -> None:
    truth, got, wrong, *_ = _score(truth_path)
    assert got["is_report"], got.get("reason")
    assert {f: got.get(f) for f in ("template", "year") if f in truth} == {f: truth[f] for f in ("template", "year") if f in truth}


def test_samples_score_over_the_floor() -> None:
    scored = right = nonzero = nonzero_right = 0
    misses = []
    for truth_path in TRUTHS:
        _, got, wrong, n, nz, nz_right = _score(truth_path)
        scored, right = scored + n, right + n - len(wrong)
        nonzero, nonzero_right = nonzero + nz, nonzero_right + nz_right
        misses += [(truth_path.name, *w) for w in wrong[:5]] + [(truth_path.name, p) for p in got.get("problems", [])[:2] if wrong]
    strict = right / scored if scored else 0.0
    nonzero_share = nonzero_right / nonzero if nonzero else 1.0
    print(f"samples: strict {strict:.4f} ({right}/{scored}), non-zero {nonzero_share:.4f} ({nonzero_right}/{nonzero})")
    assert strict >= FLOOR and nonzero_share >= FLOOR, misses[:20]
