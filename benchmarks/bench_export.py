"""Export speed and memory on a synthetic archive of N reports (default 100,000).

Builds the archive straight into SQLite (through the real migrations; rows written in bulk, not by
crawling): agencies of five report years each — 2017 free-form, 2019–2020 gb2019, 2021–2022 gb2021 —
every cell of the template filled (some blank), the extractor's checks, cross-year checks stored by
the archive itself. Then runs `xxgk export` in a child process per format and reads its wall time
and peak RSS (``ru_maxrss`` of the child). Run it at two sizes to see that memory does not grow with
the archive:

    .venv/bin/python benchmarks/bench_export.py --reports 10000 --formats csv parquet
    .venv/bin/python benchmarks/bench_export.py --reports 100000 --formats csv parquet jsonl
"""
from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.store import Archive  # noqa: E402
from extractors.keys import FREEFORM, GB2019, GB2021, keys_for  # noqa: E402

YEARS = ((2017, FREEFORM), (2019, GB2019), (2020, GB2019), (2021, GB2021), (2022, GB2021))


def build(path: Path, reports: int) -> float:
    start = time.perf_counter()
    Archive(path).close()  # the real schema, every migration
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    rng = random.Random(8)
    keys = {t: keys_for(t) for t in (FREEFORM, GB2019, GB2021)}
    db.execute("insert into crawl_runs (id, started_at, command, status) values (1, '2026-01-01', 'bench', 'finished')")
    n = 0
    agency = 0
    while n < reports:
        agency += 1
        region = f"{110000 + (agency % 3000) * 100 + agency % 97:06d}"
        agency_id = f"{region}-合成机关{agency}局"
        db.execute("insert into agencies (id, name, region_code, level, parent_id, sites, names, first_seen) "
                   "values (?, ?, ?, 'county', null, '[\"bench\"]', '[]', '2026-01-01')",
                   [agency_id, f"合成机关{agency}局", region])
        for year, template in YEARS:
            if n >= reports:
                break
            n += 1
            rid = f"{agency_id}-{year}-organ"
            sha = f"{n:064x}"
            db.execute("insert into captures (id, fingerprint, run_id, last_run_id, site, spider, kind, flag, url, status, "
                       "sha256, fetched_at, last_fetched_at, times_fetched) values (?, ?, 1, 1, 'bench', 'trs', 'detail', "
                       "'ok', ?, 200, ?, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 1)",
                       [n, sha[-32:], f"http://127.0.0.1/{n}.html", sha])
            db.execute("insert into reports (id, agency, year, scope, template, title, url, site, source_format, capture_id, "
                       "sha256, first_seen, last_seen, first_run_id, cells_filled, checks_failed, warnings, problems, "
                       "version, agency_id, region_code, level, agency_resolution, agency_confidence) values "
                       "(?, ?, ?, 'organ', ?, ?, ?, 'bench', 'html', ?, ?, '2026-01-01', '2026-01-01', 1, 0, 0, '[]', '[]', "
                       "1, ?, ?, 'county', 'site_region', 1.0)",
                       [rid, f"合成机关{agency}局", year, template, f"合成机关{agency}局{year}年报告", f"http://127.0.0.1/{n}.html",
                        n, sha, agency_id, region])
            cells = [(rid, 1, k, k.split(".")[0], None if rng.random() < 0.05 else rng.randint(0, 500),
                      None) for k in keys[template]]
            db.executemany("insert into cells (report_id, version, key, tbl, value, raw) values (?, ?, ?, ?, ?, ?)",
                           [(*c[:5], None if c[4] is None else str(c[4])) for c in cells])
            if template != FREEFORM:
                db.executemany('insert into checks (report_id, version, rule, subject, "left", "right", passed) '
                               "values (?, 1, 'T4-SUM', ?, 10, ?, ?)",
                               [(rid, g, 10 if ok else 11, int(ok)) for g, ok in
                                (("review", True), ("suit_direct", rng.random() > 0.02), ("suit_after_review", True))])
        if agency % 2000 == 0:
            db.commit()
    db.commit()
    db.close()
    archive = Archive(path)
    archive.refresh_cross_year_checks()
    archive.close()
    return time.perf_counter() - start


# Runs `xxgk export` and prints the process's own peak RSS (KiB) last, on stderr.
_CHILD = ("import resource, sys; from commands.main import main; code = main(sys.argv[1:]); "
          "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)")


def export(path: Path, out: Path, fmt: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one `xxgk export` process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, "export", "--format", fmt, "--out", str(out), "--archive", str(path),
                           "--no-progress"], cwd=ROOT, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return wall, int(done.stderr.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet", "jsonl"])
    parser.add_argument("--keep", help="build (or reuse) the archive at this path instead of a temporary one")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="xxgk-bench-export-"))
    path = Path(args.keep) if args.keep else tmp / "archive.db"
    if not path.exists():
        seconds = build(path, args.reports)
        print(f"built {args.reports} reports in {seconds:.0f} s")
    start = time.perf_counter()
    archive = Archive(path)  # pending migrations and the stored cross-year checks, outside the timings
    archive.refresh_cross_year_checks()
    archive.close()
    print(f"archive brought up to date in {time.perf_counter() - start:.0f} s")
    db = sqlite3.connect(path)
    cells = db.execute("select count(*) from cells").fetchone()[0]
    reports = db.execute("select count(*) from reports").fetchone()[0]
    db.close()
    print(f"archive: {reports} reports, {cells} cells, {path.stat().st_size / 2**20:.0f} MiB")
    for fmt in args.formats:
        out = tmp / fmt
        wall, peak = export(path, out, fmt)
        size = sum(p.stat().st_size for p in out.iterdir()) / 2**20
        print(f"{fmt:<8} {wall:7.1f} s  {cells / wall:9.0f} cells/s  peak RSS {peak:6.0f} MiB  output {size:6.0f} MiB")
        shutil.rmtree(out)
    if not args.keep:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
