"""Memory of a crawl that renders ≥ 1,000 pages in Chromium (scrapy-playwright).

Crawls the replica's scale world (one portal whose listing is built by script, 1,000 reports),
with every page rendered (registry ``needs_browser: all``), and samples the proportional set size
(PSS) of the whole process tree — the crawler, Playwright's driver and Chromium's processes — once a
second from /proc. Flat means: the last quarter's median is within a few percent of the second's.

    .venv/bin/python benchmarks/bench_browser_memory.py [--reports 1000]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from replica.hard import build_scale_world  # noqa: E402
from replica.server import Replica  # noqa: E402
from tests.crawl_helpers import XXGK, rows  # noqa: E402


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo += [int(c) for c in children]
    return found


def pss_mib(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Replica.start(build_scale_world(args.reports)) as replica:
        [site] = replica.sites
        registry = Path(tmp) / "sites.yaml"
        registry.write_text(yaml.safe_dump([{"id": site.id, "agency": site.agency, "start_url": site.start_url,
                                             "platform": site.platform, "needs_browser": "all"}], allow_unicode=True))
        archive = Path(tmp) / "archive.db"
        start = time.time()
        crawl = subprocess.Popen([*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive),
                                  "--set", "LOG_LEVEL=WARNING", "--set", "AUTOTHROTTLE_ENABLED=False",
                                  "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=4"],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples = []
        while crawl.poll() is None:
            samples.append((time.time() - start, pss_mib(crawl.pid)))
            time.sleep(1)
        elapsed = time.time() - start
        rendered = rows(archive, "select count(*) n from captures where rendered = 1")[0]["n"]
        reports = rows(archive, "select count(*) n from reports")[0]["n"]
    mem = [m for _, m in samples if m > 0]
    quarter = max(len(mem) // 4, 1)
    print(f"{rendered} pages rendered in Chromium, {reports} reports archived, {elapsed:.0f} s "
          f"({rendered / elapsed:.1f} rendered pages/s)")
    print(f"PSS of the process tree (MiB): peak {max(mem):.0f}; median of 2nd quarter {statistics.median(mem[quarter:2 * quarter]):.0f}, "
          f"of last quarter {statistics.median(mem[-quarter:]):.0f}")
    for t, m in samples[:: max(len(samples) // 12, 1)]:
        print(f"  t={t:5.0f}s  {m:7.0f} MiB")


if __name__ == "__main__":
    main()
