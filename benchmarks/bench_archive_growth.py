"""Archive cost as it grows: the crawl's per-request lookups and the common queries at 1k, 10k, 100k reports.

Builds one archive by bulk inserts shaped like a crawl's (per report: a detail capture, an
attachment capture, a listing capture per 20 reports, 200 gb2021 cells, 40 checks, a source, a
version, an extraction), with the schema of every migration, and at each size times:

- per request: ``Archive.archived_response`` (what every request asks: its URL as ``url`` or
  ``final_url``), the capture fingerprint lookup of ``record_capture``, ``extraction_outcome``;
  the final_url lookup once more with its index dropped (the cost before m008);
- common queries: one number across all reports, one report's numbers, an agency's reports, the
  reports a document fed, a run's captures, documents pending, the cross-year checks a crawl
  stores at its end (each agency id has 11 consecutive years) and the archive summary.

    .venv/bin/python benchmarks/bench_archive_growth.py [--sizes 1000,10000,100000] [--archive PATH]

Blob files are not written (the queries read rows only); everything else is the real schema.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.store import Archive  # noqa: E402
from crawler.store.extraction import count_pending  # noqa: E402
from extractors.keys import GB2021, keys_for  # noqa: E402

KEYS = keys_for(GB2021)
AT = "2026-01-15T00:00:00+00:00"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def detail_url(i: int) -> str:
    return f"http://127.{i % 200}.{i // 200 % 250}.1/zfxxgk/nb/t{i}.html"


def attachment_url(i: int) -> str:
    return f"http://127.{i % 200}.{i // 200 % 250}.1/zfxxgk/nb/P0{i}.pdf"


def grow(archive: Archive, start: int, stop: int, run_id: int) -> None:
    """Add reports ``start`` … ``stop - 1`` as a crawl and its extractions would have."""
    conn = archive.db.conn
    rng = random.Random(start)
    captures, blobs, reports, sources, versions, cells, checks, extractions = [], [], [], [], [], [], [], []
    for i in range(start, stop):
        agency = f"第{i // 10}县第{i % 10}局"
        year, report_id = 2014 + i % 11, f"{agency}-{2014 + i % 11}-organ"
        body, doc = sha(f"body{i}"), sha(f"doc{i}")
        for url, kind, digest in ((detail_url(i), "detail", body), (attachment_url(i), "attachment", doc)):
            blobs.append((digest, 50_000, f"{digest[:2]}/{digest[2:4]}/{digest}", AT, run_id))
            captures.append((sha(url)[:32], run_id, run_id, f"site{i // 20}", "trs", kind, "ok", url, url, "[]", 200,
                             json.dumps({"Content-Type": "text/html", "Etag": f'"{digest[:16]}"'}), "text/html", digest,
                             50_000, None, None, None, AT, AT, 1, 0))
        if i % 20 == 0:
            url = f"http://127.{i % 200}.{i // 200 % 250}.1/zfxxgk/nb/index_{i // 20}.html"
            captures.append((sha(url)[:32], run_id, run_id, f"site{i // 20}", "trs", "listing", "ok", url, url, "[]", 200,
                             "{}", "text/html", sha(url), 9_000, None, None, None, AT, AT, 1, 0))
        reports.append((report_id, agency, year, "organ", GB2021, f"{agency}{year}年政府信息公开工作年度报告", attachment_url(i),
                         f"site{i // 20}", "pdf", None, doc, AT, AT, run_id, 200, 0, "[]", "[]", 1, sha(report_id)[:32],
                         None, f"agency{i // 11}", None, None, "site", 1.0))  # series of 11 years: cross-year checks
        sources.append((report_id, doc, None, attachment_url(i), "pdf", None, 200, 0, 0, 1, AT))
        sources.append((report_id, body, None, detail_url(i), "html", None, 20, 0, 1, 0, AT))
        versions.append((report_id, 1, sha(report_id)[:32], doc, None, attachment_url(i), "pdf", run_id, AT))
        cells += [(report_id, 1, k, k.split(".")[0], rng.randrange(50), None) for k in KEYS]
        checks += [(report_id, 1, "T3-FLOW", f"c{n}", 1, 1, 1) for n in range(40)]
        extractions += [(doc, "report", report_id, None, AT), (body, "report", report_id, None, AT)]
    with conn:
        conn.executemany("insert or ignore into blobs (sha256, size, path, first_seen, first_run_id) values (?,?,?,?,?)", blobs)
        conn.executemany(
            "insert into captures (fingerprint, run_id, last_run_id, site, spider, kind, flag, url, final_url, redirect_chain, "
            "status, headers, content_type, sha256, size, referer, title, error, fetched_at, last_fetched_at, times_fetched, "
            "rendered) values (" + ",".join("?" * 22) + ")", captures)
        conn.executemany(
            "insert into reports (id, agency, year, scope, template, title, url, site, source_format, capture_id, sha256, "
            "first_seen, last_seen, first_run_id, cells_filled, checks_failed, warnings, problems, version, content_hash, "
            "removed_at, agency_id, region_code, level, agency_resolution, agency_confidence) values ("
            + ",".join("?" * 26) + ")", reports)
        conn.executemany(
            "insert into report_sources (report_id, sha256, capture_id, url, source_format, ocr_confidence, cells_filled, "
            "checks_failed, problems, used, first_seen) values (?,?,?,?,?,?,?,?,?,?,?)", sources)
        conn.executemany("insert into report_versions (report_id, version, content_hash, sha256, capture_id, url, "
                         "source_format, run_id, first_seen) values (?,?,?,?,?,?,?,?,?)", versions)
        conn.executemany("insert into cells (report_id, version, key, tbl, value, raw) values (?,?,?,?,?,?)", cells)
        conn.executemany('insert into checks (report_id, version, rule, subject, "left", "right", passed) values (?,?,?,?,?,?,?)',
                         checks)
        conn.executemany("insert into extractions (sha256, outcome, report_id, reason, extracted_at) values (?,?,?,?,?)",
                         extractions)


def per_call_ms(fn, args: list, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for a in args:
            fn(a)
    return (time.perf_counter() - start) * 1000 / (len(args) * repeat)


def once_ms(archive: Archive, sql: str, params=()) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        archive.db.execute(sql, params).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(archive: Archive, n: int, run_id: int) -> dict:
    rng = random.Random(n)
    picks = [rng.randrange(n) for _ in range(500)]
    urls = [detail_url(i) if k % 2 else attachment_url(i) for k, i in enumerate(picks)]
    misses = [f"http://127.9.9.9/new/{k}.html" for k in range(500)]  # URLs never seen: the common case of a first crawl
    out = {
        "archived_response hit": per_call_ms(archive.archived_response, urls),
        "archived_response miss": per_call_ms(archive.archived_response, misses),
        "fingerprint lookup": per_call_ms(lambda u: archive.db.execute(
            "select id from captures where fingerprint = ?", [sha(u)[:32]]).fetchone(), urls),
        "extraction_outcome": per_call_ms(archive.extraction_outcome, [sha(f"doc{i}") for i in picks]),
    }
    archive.db.execute("drop index idx_captures_final_url")
    out["archived_response miss, no final_url index"] = per_call_ms(archive.archived_response, misses[:50])
    archive.db.execute("create index idx_captures_final_url on captures (final_url)")
    agency = f"第{picks[0] // 10}县第{picks[0] % 10}局"
    report = f"{agency}-{2014 + picks[0] % 11}-organ"
    out |= {
        "one number across all reports": once_ms(archive, "select count(*), sum(value) from report_numbers where key = ?",
                                                 ["t3.new.total"]),
        "one report's numbers": once_ms(archive, "select * from report_numbers where report_id = ?", [report]),
        "an agency's reports": once_ms(archive, "select * from reports where agency = ? order by year", [agency]),
        "reports a document fed": once_ms(archive, "select * from report_sources where sha256 = ?", [sha(f"doc{picks[1]}")]),
        "a run's capture errors": once_ms(archive, "select count(*) from captures where last_run_id = ? and flag != 'ok'",
                                          [run_id]),
        "documents pending": _timed(lambda: count_pending(archive)),
        "T3-CARRY pairs, carried-over cells found by like (before m013)": once_ms(archive, T3_PAIRS.format(LIKE)),
        "T3-CARRY pairs, by key range (m013)": once_ms(archive, T3_PAIRS.format(RANGE)),
        "cross-year checks stored at a crawl's end": _timed(archive.refresh_cross_year_checks),
        "archive summary": _timed(archive.summary),
    }
    return out


# The carried-over half of the cross_year_checks view, counted with the two ways of finding the cells.
T3_PAIRS = """select count(*) from reports a
    join reports b on b.agency_id = a.agency_id and b.scope = a.scope and b.year = a.year + 1
    join cells co on co.report_id = a.id and co.version = a.version and {}
    join cells ci on ci.report_id = b.id and ci.version = b.version and ci.key = 't3.carried_in.' || substr(co.key, 17)"""
LIKE = "co.key like 't3.carried_over.%'"
RANGE = "co.key > 't3.carried_over.' and co.key < 't3.carried_over/'"


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--archive", help="where to build it (default: a temporary folder)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = Path(args.archive).parent if args.archive else Path(tempfile.mkdtemp(prefix="xxgk-growth-"))
    path = Path(args.archive) if args.archive else folder / "archive.db"
    archive = Archive(path)
    # Building only: no fsync per chunk and a larger page cache (a crawl writes a report at a time).
    archive.db.execute("PRAGMA synchronous=OFF")
    archive.db.execute("PRAGMA cache_size=-500000")
    run_id = archive.start_run("bench", {})
    results, built = {}, 0
    for size in sizes:
        start = time.perf_counter()
        for chunk in range(built, size, 2000):
            grow(archive, chunk, min(size, chunk + 2000), run_id)
        built = size
        cells = archive.db.execute("select count(*) from cells").fetchone()[0]
        print(f"{size:>7} reports, {cells:,} cells: built in {time.perf_counter() - start:.0f} s, "
              f"file {path.stat().st_size / 2**20:.0f} MiB", flush=True)
        results[size] = measure(archive, size, run_id)
    archive.close()
    print()
    print("| ms | " + " | ".join(f"{s:,} reports" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name in results[sizes[0]]:
        print(f"| {name} | " + " | ".join(f"{results[s][name]:.3f}" for s in sizes) + " |")


if __name__ == "__main__":
    main()
