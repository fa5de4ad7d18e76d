"""Crawl throughput beside bare Scrapy: does the archive (and extraction) slow the downloads?

Serves ``replica.mixed`` (``--hosts`` TRS columns on 127.0.2.x with HTML bodies, text/PDF/DOCX/DOC/XLSX
attachments, ``--scans`` scanned PDFs) and runs, alternating, ``xxgk crawl`` and a bare Scrapy spider
that fetches the very URLs the crawl fetched and stores nothing, with the same politeness settings.
For each run: pages, the download stage (Scrapy's engine start to spider close, from its stats)
and pages/s, the longest gap in the replica's request log, the time of the last extraction (when
the archive's count of documents read last grew, sampled every 0.2 s), the whole command's time
(for `xxgk crawl`: until the last document is read and the run summarised), the peak RSS of the
crawl process itself and of its archive writer process (the kernel's high-water marks), and the
peak PSS of its whole process tree (sampled every second)
(writer, forkserver, readers, LibreOffice and Tesseract children: shared pages split, not counted
once per process). No browser is started:
no page here needs one.

    .venv/bin/python benchmarks/bench_throughput.py [--hosts 20] [--reports 16] [--rounds 2] [--scale 1]

``--scale N`` multiplies the reports per host: 1×, 4×, 16× (20 hosts × 256 reports, ~7,700 pages)
for the memory- and time-per-page table. Run it under the machine's benchmark lock
(``flock /tmp/xxgk-bench.lock …``).
"""
from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replica import server as replica_server  # noqa: E402
from replica.mixed import build_mixed_world  # noqa: E402
from replica.server import Replica  # noqa: E402
from tests.crawl_helpers import XXGK, write_registry  # noqa: E402

# The same politeness for both: robots.txt, 2 per host, AutoThrottle from 0.1 s. And the crawl's own
# CONCURRENT_ITEMS (crawler/settings.py) for the bare spider too: at Scrapy's default of 100 it
# spends ~1 ms a page starting tasks, and the ratio would count a Scrapy setting as the archive's cost.
POLITENESS = {"ROBOTSTXT_OBEY": "True", "CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
              "AUTOTHROTTLE_ENABLED": "True", "AUTOTHROTTLE_START_DELAY": "0.1", "AUTOTHROTTLE_TARGET_CONCURRENCY": "1.0",
              "CONCURRENT_ITEMS": "8", "LOG_LEVEL": "INFO"}

BARE_SPIDER = textwrap.dedent('''
    import sys
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Bare(scrapy.Spider):
        name = "bare"
        async def start(self):
            for url in open(sys.argv[1]).read().split():
                yield scrapy.Request(url, dont_filter=True)
        def parse(self, response):
            pass

    settings = dict(arg.split("=", 1) for arg in sys.argv[2:])
    settings.update(HTTPERROR_ALLOW_ALL=True, TELNETCONSOLE_ENABLED=False,
                    TWISTED_REACTOR="twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    process = CrawlerProcess(settings)
    process.crawl(Bare)
    process.start()
''')


class RequestLog:
    """When the replica answered each request (patched into its counters, in this process)."""

    def __init__(self):
        self.times: list[float] = []
        self.lock = threading.Lock()
        original = replica_server._Counters.count

        def count(counters, url, status, conditional):
            with self.lock:
                self.times.append(time.monotonic())
            original(counters, url, status, conditional)

        replica_server._Counters.count = count

    def window(self, start: float, end: float) -> list[float]:
        with self.lock:
            return [t for t in self.times if start <= t <= end]


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    except OSError:  # it ended
        return []


def writer_of(pid: int) -> int | None:
    """The archive writer process: the child ``multiprocessing`` spawned (``crawler.store.archive_process``);
    the bare spider has none."""
    for child in _children(pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                return child
        except OSError:
            pass
    return None


def high_water(pid: int | None) -> int:
    """The kernel's record of the most resident memory ``pid`` has had (``VmHWM``), in bytes: exact,
    and cheap to read, where sampling RSS would miss peaks between samples. 0 for no process."""
    if pid is None:
        return 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:  # it ended
        pass
    return 0


def tree_pss(pid: int) -> int:
    """PSS of ``pid`` and every descendant, in bytes. PSS splits pages shared between processes (the
    forkserver's imported readers and the children forked from it), where a sum of RSS would count
    them once per process. Costly: the kernel walks every page table (16-21 ms for a 16x crawl's
    tree), so it is sampled once a second, not with the rest."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
        todo += _children(current)
    return total


def _stats(block: str) -> dict:
    """The numeric entries of a Scrapy stats dump (the dump also holds datetimes)."""
    return {k: float(v) for k, v in re.findall(r"'([^']+)': (\d+(?:\.\d+)?)[,}]", block)}


def extractions(archive: Path | None) -> int:
    """Documents read so far (the archive's extractions), through a read-only connection."""
    if archive is None or not archive.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{archive}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("select count(*) from extractions").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:  # created but not migrated yet
        return 0


def run(command: list[str], log: RequestLog, env: dict, archive: Path | None = None) -> dict:
    """Run ``command``, reading its high-water marks and, with ``archive``, the documents read every
    0.2 s (the time of the last extraction is when that count last grew), and its tree's PSS every
    second. The sampling runs in this process, beside the replica's server threads: kept cheap so
    that it slows neither run (sampling PSS every 0.2 s took 8-10 % of a core during the crawl)."""
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_own = peak_writer = peak = 0
    read, last_read_at, last_pss_at, writer = 0, None, 0.0, None
    out_err: list[str] = []
    reader = threading.Thread(target=lambda: out_err.extend(process.communicate()))
    reader.start()
    while process.poll() is None:
        writer = writer or writer_of(process.pid)
        peak_own, peak_writer = max(peak_own, high_water(process.pid)), max(peak_writer, high_water(writer))
        if time.monotonic() - last_pss_at >= 1.0:
            peak, last_pss_at = max(peak, tree_pss(process.pid)), time.monotonic()
        if archive is not None and (now_read := extractions(archive)) > read:
            read, last_read_at = now_read, time.monotonic()
        time.sleep(0.2)
    reader.join()
    end = time.monotonic()
    if archive is not None and extractions(archive) > read:  # the last ones written just before it exited
        last_read_at = end
    stats = [_stats(block) for block in re.findall(r"Dumping Scrapy stats:\n(\{.*?\})\n", out_err[1], re.S)]
    if process.returncode != 0 or not stats:
        raise SystemExit(f"{command[:4]} failed:\n{out_err[1][-3000:]}")
    times = log.window(start, end)
    gaps = [b - a for a, b in zip(times, times[1:])]
    pages = sum(s.get("downloader/response_count", 0) for s in stats)
    download = max(s["elapsed_time_seconds"] for s in stats)
    return {"pages": pages, "download_s": download, "pages_per_s": pages / download, "max_gap_s": max(gaps, default=0),
            "command_s": end - start, "last_extraction_s": None if last_read_at is None else last_read_at - start,
            "peak_rss_mib": peak_own / 2**20, "peak_writer_mib": peak_writer / 2**20, "peak_pss_mib": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--reports", type=int, default=16, help="reports per host at scale 1")
    parser.add_argument("--scans", type=int, default=2)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"load average at start {os.getloadavg()[0]:.1f}", flush=True)
    log = RequestLog()
    world = build_mixed_world(args.hosts, args.reports * args.scale, scans=args.scans)
    work = Path(tempfile.mkdtemp(prefix="xxgk-throughput-"))
    env = {**os.environ, "XXGK_WARC": os.environ.get("XXGK_WARC", "1")}
    with Replica.start(world) as replica:
        registry = write_registry(work / "sites.yaml", replica.sites)
        settings = [f"{k}={v}" for k, v in POLITENESS.items()]
        results: dict[str, list[dict]] = {"xxgk crawl": [], "bare Scrapy": []}
        for n in range(args.rounds):
            archive = work / f"archive{n}.db"
            crawl = [*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive),
                     *[x for s in settings for x in ("--set", s)]]
            results["xxgk crawl"].append(run(crawl, log, env, archive))
            db = sqlite3.connect(archive)
            urls = [r[0] for r in db.execute("select url from captures where status is not null order by id")]
            extracted = db.execute("select count(*) from extractions").fetchone()[0]
            db.close()
            results["xxgk crawl"][-1]["documents_read"] = extracted
            (work / "urls.txt").write_text("\n".join(urls))
            bare = [sys.executable, "-c", BARE_SPIDER, str(work / "urls.txt"), *settings]
            results["bare Scrapy"].append(run(bare, log, env))
    pages = len(urls)
    print(f"\nmixed replica: {args.hosts} hosts, {args.reports * args.scale} reports each, {pages} URLs fetched; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| run | pages | documents read | download stage s | pages/s | longest request gap s | last extraction s "
          "| command s | peak RSS MiB (crawl process) | peak RSS MiB (writer process) | peak PSS MiB (process tree) | download ms/page | command ms/page "
          "| KiB/page (RSS) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, runs in results.items():
        for r in runs:
            last = "" if r.get("last_extraction_s") is None else f"{r['last_extraction_s']:.1f}"
            print(f"| {name} | {r['pages']:.0f} | {r.get('documents_read', '')} | {r['download_s']:.1f} | {r['pages_per_s']:.1f} "
                  f"| {r['max_gap_s']:.2f} | {last} | {r['command_s']:.1f} | {r['peak_rss_mib']:.0f} | {r['peak_writer_mib']:.0f} | {r['peak_pss_mib']:.0f} "
                  f"| {1000 * r['download_s'] / r['pages']:.2f} | {1000 * r['command_s'] / r['pages']:.1f} "
                  f"| {1024 * r['peak_rss_mib'] / r['pages']:.1f} |")
    ratio = [x["pages_per_s"] / b["pages_per_s"] for x, b in zip(results["xxgk crawl"], results["bare Scrapy"])]
    print(f"download-stage ratio xxgk/bare per round: {', '.join(f'{r:.2f}' for r in ratio)}")


if __name__ == "__main__":
    main()
