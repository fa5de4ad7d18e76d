"""The five seed reports of ../shared/samples/seeds must extract exactly as their expected JSON.

The seeds are real reports kept beside the project, not in it: a clone without ../shared skips.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors import extract

SEEDS = Path(__file__).parents[1].parent / "shared" / "samples" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.expected.json")) if SEEDS.is_dir() else []


@pytest.mark.skipif(not SEED_FILES, reason="../shared/samples/seeds is not beside this checkout")
@pytest.mark.parametrize("truth_path", SEED_FILES, ids=lambda p: p.name.split(".")[0])
def test_seed_extracts_exactly(truth_path: Path) -> None:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    source = truth_path.with_name(truth["source"])
    got = extract(source.read_bytes(), filename=source.name).to_json()
    expected = {key: truth[key] for key in ("agency", "year", "template", "cells")}
    assert {key: got[key] for key in expected} == expected
    # Same keys in the same order as the template, and nulls where the truth has nulls (0 ≠ None).
    assert list(got["cells"]) == list(truth["cells"])
    assert [k for k, v in got["cells"].items() if v is None] == [k for k, v in truth["cells"].items() if v is None]
    assert got["is_report"] is True
