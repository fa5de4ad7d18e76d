"""Serve the demo's portal replica until Ctrl-C, and write its site registry: a stand-in for real
portals when trying a crawl offline (docs/operators.md, "Crawling on several machines").

    python -m replica --port 8642 --registry replica-sites.yaml [--version 2]
"""
from __future__ import annotations

import argparse
import signal
from pathlib import Path

import yaml

from replica.portals import build_world
from replica.server import Replica


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m replica", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8642, help="port of every portal on its 127.0.0.x address")
    parser.add_argument("--registry", default="replica-sites.yaml", help="where to write the registry (YAML)")
    parser.add_argument("--version", type=int, default=1, choices=(1, 2), help="the world as first published, or later")
    args = parser.parse_args()
    with Replica.start(build_world(version=args.version), port=args.port) as replica:
        rows = [{"id": s.id, "agency": s.agency, "start_url": s.start_url, "platform": s.platform,
                 "region_code": s.region_code, "level": s.level} for s in replica.sites]
        Path(args.registry).write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
        print(f"Portal replica (world {args.version}): {len(rows)} sites on 127.0.0.x:{args.port}; "
              f"registry {args.registry}. Ctrl-C stops it.", flush=True)
        try:
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    main()
