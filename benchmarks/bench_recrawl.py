"""Recrawl speed: a first crawl of the replica, then a recrawl of the unchanged replica.

The recrawl sends conditional requests (ETag / Last-Modified) and gets 304s, stores no new blob,
and re-reads nothing it has read. Prints wall times (whole `xxgk crawl` commands, as an operator
runs them), the factor, and what the replica was asked.

    .venv/bin/python benchmarks/bench_recrawl.py [--hard] [--rounds 3]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replica.portals import build_world  # noqa: E402
from replica.server import Replica  # noqa: E402
from tests.crawl_helpers import XXGK, counts, write_registry  # noqa: E402


def timed_crawl(registry: Path, archive: Path, settings: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive), "--set", "LOG_LEVEL=WARNING",
                    *settings], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hard", action="store_true", help="crawl the hard portals too (browser, challenges)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--unthrottled", action="store_true",
                        help="no politeness delays (AutoThrottle off, 8 requests per host): the work, not the waiting")
    args = parser.parse_args()
    settings = ["--set", "AUTOTHROTTLE_ENABLED=False", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=8"] if args.unthrottled else []
    firsts, recrawls = [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp, Replica.start(build_world(hard=args.hard)) as replica:
            sites = [s for s in replica.sites if not (args.hard and s.id == "jinchuan")]
            registry = write_registry(Path(tmp) / "sites.yaml", sites)
            archive = Path(tmp) / "archive.db"
            firsts.append(timed_crawl(registry, archive, settings))
            first_counts, first_stats = counts(archive), replica.stats()
            replica.reset_stats()
            recrawls.append(timed_crawl(registry, archive, settings))
            stats = replica.stats()
            assert counts(archive) == first_counts, "the recrawl stored something"
    hosts = len({urlsplit(s.start_url).hostname for s in sites})
    print("politeness delays off" if args.unthrottled else "default settings (AutoThrottle, 2 requests per host)")
    print(f"replica: {len(sites)} sites on {hosts} hosts, {first_counts['reports']} reports, "
          f"first crawl {first_stats.total} requests")
    print(f"first crawl  median {statistics.median(firsts):6.2f} s  ({', '.join(f'{t:.2f}' for t in firsts)})")
    print(f"recrawl      median {statistics.median(recrawls):6.2f} s  ({', '.join(f'{t:.2f}' for t in recrawls)})")
    print(f"recrawl: {stats.total} requests, {stats.total_conditional} conditional, {stats.total_not_modified} answered 304, "
          f"0 new blobs; faster by {statistics.median(firsts) / statistics.median(recrawls):.2f}x")


if __name__ == "__main__":
    main()
