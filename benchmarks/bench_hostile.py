"""Issue 12's hostile cases, each timed, with the peak memory of its whole process tree.

    .venv/bin/python benchmarks/bench_hostile.py [--only CASE,CASE]

- ``extract:<file>``: `xxgk extract` of each hostile file (tests/hostile_files.py; the HTML at 50 MB);
- ``crawl:<file>``: a crawl of a site holding only that file (the HTML at 20 MiB, see hostile_server);
- ``crawl:<server case>``: a crawl of a site holding only that answer (bombs, loops, redirects, …);
- ``crawl:pages-*``: a column claiming 100,000 pages (same rows on every page / new rows each, cap 5);
- ``sigterm``: a crawl stuck on a trickling server, from SIGTERM to exit;
- ``crawl:endless``: issue 21's portal (tests/test_crawl_ends.py): a challenge that reloads itself for ever.

Peak memory: the process and all its descendants' resident memory summed, polled every 50 ms (so a
short spike can be missed), and the largest single process's exact peak (ru_maxrss). Nothing is
capped here: a regression shows as a figure. Run it alone on the machine.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile_files import FILES  # noqa: E402
from tests.hostile_server import TITLE, Portal, endless_portal, files_portal, hanging, listing, servers_portal, trs_column  # noqa: E402,E501

XXGK = [sys.executable, "-m", "commands"]
SERVER_CASES = ("too-large", "gzip-bomb", "redirect-self", "redirect-chain", "redirect-file", "redirect-private",
                "redirect-offsite", "meta-refresh-private", "retry-after-short", "retry-after-long")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every descendant, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            pages = int(Path(f"/proc/{entry}/statm").read_text().split()[1])
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * PAGE_SIZE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def measured(args: list[str], *, on_start=None, env=None) -> dict:
    """Run ``args``; wall time, polled tree peak, the largest single process's peak, exit status."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        child = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=err, env=env)
        peak = 0
        poll = on_start(child) if on_start else None
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, tree_rss(child.pid))
            if poll:
                poll = poll()
            time.sleep(0.05)
        took = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss of a reaped child: the largest of it and the descendants it waited for, in KiB
        return {"seconds": took, "tree_peak": peak, "largest": usage.ru_maxrss * 1024, "status": child.returncode,
                "out": out.read().decode(errors="replace"), "err": err.read().decode(errors="replace")}


def crawl(tmp: Path, sites: list[dict], *extra: str, **kwargs) -> dict:
    registry = tmp / "sites.yaml"
    registry.write_text(yaml.safe_dump(sites, allow_unicode=True), encoding="utf-8")
    archive = tmp / "archive.db"
    return measured([*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive),
                     "--set", "AUTOTHROTTLE_START_DELAY=0.2", *extra], **kwargs)


def site(site_id: str, url: str, platform: str = "generic") -> dict:
    return {"id": site_id, "agency": f"{site_id}局", "start_url": url, "platform": platform}


def cases() -> dict:
    out = {}
    for case in sorted(FILES):
        out[f"extract:{case}"] = lambda tmp, case=case: extract(tmp, case)
    for case in sorted(FILES):
        out[f"crawl:{case}"] = lambda tmp, case=case: crawl_file(tmp, case)
    for case in SERVER_CASES:
        out[f"crawl:{case}"] = lambda tmp, case=case: crawl_server(tmp, case)
    for same in (True, False):
        out[f"crawl:pages-{'same' if same else 'new'}-rows"] = lambda tmp, same=same: crawl_pages(tmp, same)
    out["sigterm"] = sigterm
    out["crawl:endless"] = crawl_endless
    return out


def extract(tmp: Path, case: str) -> dict:
    name, build = FILES[case]
    path = tmp / name
    path.write_bytes(build())
    result = measured([*XXGK, "extract", str(path)])
    result["note"] = result["out"].strip().split("(", 1)[-1][:90]
    return result


def crawl_file(tmp: Path, case: str) -> dict:
    with Portal("127.0.0.81") as portal:
        files_portal(portal, only=(case,))
        return crawl(tmp, [site("files", portal.url("/list/index.html"))])


def crawl_server(tmp: Path, case: str) -> dict:
    with Portal("127.0.0.82") as portal, Portal("127.0.0.83") as secret:
        servers_portal(portal, secret, only=(case,))
        return crawl(tmp, [site("servers", portal.url("/list/index.html"))])


def crawl_pages(tmp: Path, same_rows: bool) -> dict:
    with Portal("127.0.0.84") as portal:
        trs_column(portal, new_rows_on_every_page=not same_rows)
        result = crawl(tmp, [site("pages", portal.url("/col/index.html"), "trs")], "--set", "XXGK_MAX_LIST_PAGES=5")
        result["note"] = f"{sum(portal.hits.values())} requests"
        return result


def crawl_endless(tmp: Path) -> dict:
    with Portal("127.0.0.86") as portal:
        endless_portal(portal)
        result = crawl(tmp, [site("endless", portal.url("/list/index.html"))], "--set", "XXGK_MAX_LIST_PAGES=2")
        result["note"] = f"exit {result['status']}; challenge loaded {portal.hits['/challenge.html']} times"
        return result


def sigterm(tmp: Path) -> dict:
    with Portal("127.0.0.85") as portal:
        portal.route("/slow.html", hanging(300))
        portal.route("/list/index.html", listing([("/slow.html", TITLE.format(agency="慢局"))]))
        sent = {}

        def start(child):
            def poll():
                if portal.hits["/slow.html"] and not sent:
                    child.send_signal(signal.SIGTERM)
                    sent["at"] = time.monotonic()
                return poll
            return poll

        result = crawl(tmp, [site("slow", portal.url("/list/index.html"))], on_start=start)
        result["note"] = f"stopped {time.monotonic() - sent['at']:.1f} s after SIGTERM (exit {result['status']})"
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="comma-separated case names")
    args = parser.parse_args()
    wanted = [c for c in args.only.split(",") if c]
    print(f"{'case':34} {'seconds':>8} {'tree peak MB':>13} {'largest MB':>11}  outcome")
    for name, run in cases().items():
        if wanted and name not in wanted:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            result = run(Path(tmp))
        note = result.get("note") or f"exit {result['status']}"
        print(f"{name:34} {result['seconds']:8.1f} {result['tree_peak'] / 2**20:13.0f} {result['largest'] / 2**20:11.0f}  {note}",
              flush=True)


if __name__ == "__main__":
    main()
