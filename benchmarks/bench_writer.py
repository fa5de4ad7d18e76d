"""The distributed writer's ceiling: captures stored per second by one `xxgk archive-writer`.

Starts a redis-server on a free port, creates a crawl of ``--sites`` sites, pushes ``--captures``
captures as workers would (listing pages: nothing to read, so the writer's own path alone; each with
its own bytes and a wire record, so blobs, rows and WARC copies are all written), marks the crawl's
worker done, then times the writer from start to its end. Prints captures per second and where the
writer's time went (cProfile, top functions by cumulative time).

    flock /tmp/xxgk-bench.lock .venv/bin/python benchmarks/bench_writer.py [--captures 5000] [--kb 20] [--no-warc]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from archive.records import Capture  # noqa: E402
from crawler.distributed import identity, messages  # noqa: E402
from crawler.distributed.writer import ArchiveWriter  # noqa: E402
from crawler.store import archive_thread  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def capture(n: int, site: str, size: int, rng: random.Random) -> Capture:
    url = f"http://127.0.{n % 200}.1/list/{n}.html"
    body = (f"<html><body><h1>列表 {n}</h1>".encode() + rng.randbytes(size).hex().encode()[:size] + b"</body></html>")
    headers = {"Content-Type": "text/html; charset=utf-8", "Etag": f'"{n}"'}
    wire = ({"method": "GET", "url": url, "request_headers": [["User-Agent", "xxgk"]], "request_body": b"",
             "status": 200, "protocol": "HTTP/1.1", "headers": [["Content-Type", "text/html; charset=utf-8"]],
             "body": None, "date": "2026-01-01T00:00:00.000000+00:00"},)
    return Capture(url=url, final_url=url, fetched_at="2026-01-01T00:00:00+00:00", site=site, spider="trs",
                   kind="listing", flag="ok", status=200, headers=headers, body=body, wire=wire)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--kb", type=int, default=20, help="bytes of each capture's body, in KB")
    parser.add_argument("--no-warc", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-writer-"))
    port = free_port()
    server_process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                       "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        server = redis.Redis(port=port)
        sites = [{"id": f"s{i}", "agency": f"测试{i}县人民政府", "start_url": f"http://127.0.{i}.1/", "platform": "trs"}
                 for i in range(args.sites)]
        identity.join(server, "bench", {}, sites)
        rng = random.Random(1)
        pipe = server.pipeline(transaction=False)
        for n in range(args.captures):
            pipe.rpush(identity.CAPTURES, messages.pack_item(capture(n, f"s{n % args.sites}", args.kb * 1024, rng)))
        pipe.sadd(identity.DONE, "bench-worker")
        pipe.execute()
        writer = ArchiveWriter(folder / "archive.db", server, warc=not args.no_warc, say=lambda line: None)
        # Two threads to profile: the main loop (Redis, decoding) and the store thread (SQLite, blobs, WARC).
        stored_profile, original = cProfile.Profile(), archive_thread.ArchiveThread._run
        archive_thread.ArchiveThread._run = lambda self: stored_profile.runcall(original, self)
        profile = cProfile.Profile()
        began = time.perf_counter()
        profile.enable()
        counts = writer.serve()
        profile.disable()
        seconds = time.perf_counter() - began
        load = Path("/proc/loadavg").read_text().split()[:3]
        print(f"{counts['stored']} captures of {args.kb} KB ({args.sites} sites, WARC {'off' if args.no_warc else 'on'}) "
              f"stored in {seconds:.1f} s: {counts['stored'] / seconds:.0f} captures/s; load average {' '.join(load)}")
        for name, found in (("main loop (Redis, decoding)", profile), ("store thread (SQLite, blobs, WARC)", stored_profile)):
            out = io.StringIO()
            pstats.Stats(found, stream=out).sort_stats("tottime").print_stats(12)
            print(f"--- {name}, by own time\n" + out.getvalue().split("\n\n", 1)[-1])
    finally:
        server_process.terminate()
        server_process.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("XXGK_PROGRESS_INTERVAL", "3600")
    main()
