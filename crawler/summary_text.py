"""The summary a crawl prints at the end: one line per site, then what the health checks found."""
from __future__ import annotations

STATES = {"ok": "ok", "warnings": "finished with warnings", "failed": "failed"}


def summary_lines(run_id: int, counts: dict, summary: dict, seconds: float) -> list[str]:
    health = summary["health"]
    lines = [f"Crawl run {run_id}: {STATES[health]} in {_duration(seconds)} — "
             f"{counts['requests']} requests, {counts['new_captures']} new captures, {counts['new_blobs']} new blobs, "
             f"{counts['new_reports']} new reports, "
             f"{counts['removed']} marked removed, {counts['errors']} errors."]
    sites = summary["sites"]
    width = max([len(s) for s in sites] + [4])
    lines.append(f"  {'site':<{width}}  pages  new captures  reports new/changed/removed  documents read/failed/pending"
                 f"   time  errors")
    for site, s in sites.items():
        errors = ", ".join(f"{kind} ×{n}" for kind, n in s["errors"].items()) or "-"
        if s["blocked"]:
            errors += "; blocked " + ", ".join(s["blocked"])
        elif s["challenged"]:
            errors += f"; {s['challenged']} challenge(s) passed"
        d = s["documents"]
        reports = f"{s['new_reports']}/{s['changed_reports']}/{s['removed_reports']}"
        docs = f"{d['read']}/{d['failed']}/{d['pending']}"
        lines.append(f"  {site:<{width}}  {s['pages']:>5}  {s['new_captures']:>12}  {reports:>27}  {docs:>30}"
                     f"  {_duration(s['seconds']):>5}  {errors}")
    for p in summary["problems"]:
        mark = {"failed": "FAILED", "warning": "warning"}.get(p["severity"], "notice ")
        lines.append(f"  {mark} {p['site']}: {p['check']}: {p['message']}")
    return lines


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
