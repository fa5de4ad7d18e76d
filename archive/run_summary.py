"""What a crawl run did, per site, and whether that looks healthy — read back from the archive.

The summary and the health checks are computed from the archive's own rows after the crawl (not
from Scrapy's counters), stored as JSON in ``crawl_runs.summary`` with ``crawl_runs.health``, and
compared with the last earlier run that crawled the same site.

Checks (severity ``failed`` or ``warning``; a ``notice`` is reported but leaves the health as it is):
- ``column_vanished`` (failed): the site's start page answered 404/410, another error, or nothing;
- ``reports_gone`` (failed): reports were found on the site in earlier runs, none in this one;
- ``newly_blocked`` (failed): a host of the site was blocked (WAF, a challenge no browser passed)
  that was not blocked in its last run; ``still_blocked`` (warning) when it already was;
- ``pages_collapsed`` (warning): fewer than ``XXGK_HEALTH_MIN_PAGE_RATIO`` × the pages of its last run;
- ``error_rate`` (warning): more than ``XXGK_HEALTH_MAX_ERROR_RATE`` of its pages were errors;
- ``extraction_failures`` (warning): the extractor crashed on more than
  ``XXGK_HEALTH_MAX_EXTRACTION_FAILURES`` of its documents;
- ``checks_newly_failing`` (notice): report versions first read in this run whose consistency
  checks fail where the version before them had no failure — a finding about the agency's report,
  not about the crawl (real reports fail checks often), so it does not make the run a warning.
Run-wide (site ``*``, failed): ``interrupted``, ``storage_errors``, ``nothing_fetched``.
Registry (site ``registry``, warning): ``bad_row``, one per row of the registry the crawl skipped as
unusable (the row, its id and every fault); the rows are also listed in ``registry_problems``.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime

OK, WARNINGS, FAILED = "ok", "warnings", "failed"
EXIT_CODES = {OK: 0, WARNINGS: 1, FAILED: 2}


def thresholds() -> dict:
    return {
        "max_error_rate": float(os.environ.get("XXGK_HEALTH_MAX_ERROR_RATE", "0.25")),
        "max_extraction_failures": float(os.environ.get("XXGK_HEALTH_MAX_EXTRACTION_FAILURES", "0.10")),
        "min_page_ratio": float(os.environ.get("XXGK_HEALTH_MIN_PAGE_RATIO", "0.5")),
    }


@dataclass(frozen=True)
class Problem:
    site: str
    check: str
    severity: str  # FAILED | "warning" | "notice"
    message: str


def summarize(db, run_id: int, sites: list[dict], *, interrupted: bool = False, storage_errors: int = 0,
              registry_problems: list[str] = ()) -> dict:
    """Per site (``sites``: dicts with id and start_url), what this run did; plus the health checks.
    Stores both in crawl_runs and returns ``{"sites": {...}, "problems": [...], "health": ...}``.
    An interrupted run gets no site checks (it saw part of each site only)."""
    run = dict(zip(("started_at", "finished_at"), db.execute(
        "select started_at, finished_at from crawl_runs where id = ?", [run_id]).fetchone()))
    per_site = {s["id"]: _site(db, run_id, run["started_at"], s) for s in sites}
    problems = [] if interrupted else [p for s in sites for p in _checks(db, run_id, run["started_at"], s, per_site[s["id"]])]
    if interrupted:
        problems.append(Problem("*", "interrupted", FAILED, "stopped before the end; the next run resumes it"))
    if storage_errors:
        problems.append(Problem("*", "storage_errors", FAILED, f"{storage_errors} responses could not be stored"))
    problems += [Problem("registry", "bad_row", "warning", line) for line in registry_problems]
    if not interrupted and not any(v["pages"] for v in per_site.values()):
        problems.append(Problem("*", "nothing_fetched", FAILED, "no page of any site was fetched"))
    health = FAILED if any(p.severity == FAILED for p in problems) else \
        WARNINGS if any(p.severity == "warning" for p in problems) else OK
    summary = {"sites": per_site, "problems": [asdict(p) for p in problems], "health": health,
               "thresholds": thresholds(), "registry_problems": list(registry_problems)}
    with db.conn:
        db.execute("update crawl_runs set summary = ?, health = ? where id = ?",
                   [json.dumps(summary, ensure_ascii=False), health, run_id])
    return summary


def _site(db, run_id: int, started: str, site: dict) -> dict:
    sid = site["id"]
    one = lambda sql, *p: db.execute(sql, [*p]).fetchone()[0]  # noqa: E731
    seen = "from captures where last_run_id = ? and site = ?"
    errors = dict(db.execute(
        "select case flag when 'http_error' then 'http ' || status when 'network_error' then 'network' else flag end, "
        f"count(*) {seen} and flag != 'ok' group by 1 order by 1", [run_id, sid]).fetchall())
    first, last = db.execute(f"select min(last_fetched_at), max(last_fetched_at) {seen}", [run_id, sid]).fetchone()
    documents = ("from captures c left join extractions e on e.sha256 = c.sha256 where c.last_run_id = ? "
                 "and c.site = ? and c.kind in ('detail', 'attachment') and c.flag = 'ok'")
    return {
        "pages": one(f"select count(*) {seen}", run_id, sid),
        "new_captures": one("select count(*) from captures where run_id = ? and site = ?", run_id, sid),
        "new_reports": one("select count(*) from reports where first_run_id = ? and site = ?", run_id, sid),
        "changed_reports": one("select count(distinct v.report_id) from report_versions v join reports r on r.id = v.report_id "
                               "where v.run_id = ? and v.version > 1 and r.site = ?", run_id, sid),
        "removed_reports": one("select count(*) from reports where site = ? and removed_at >= ?", sid, started),
        "reports_seen": one("select count(*) from reports where site = ? and last_seen >= ?", sid, started),
        "errors": errors,
        "challenged": one(f"select count(*) {seen} and flag = 'challenge'", run_id, sid),
        "blocked": [row[0] for row in db.execute(
            "select host from blocked_hosts where site = ? and run_id = ? order by host", [sid, run_id])],
        "documents": {
            "read": one(f"select count(distinct c.sha256) {documents} and e.outcome is not null", run_id, sid),
            "failed": one(f"select count(distinct c.sha256) {documents} and e.outcome = 'failed'", run_id, sid),
            "pending": one(f"select count(distinct c.sha256) {documents} and e.outcome is null", run_id, sid),
        },
        "seconds": _seconds(first, last),
    }


def _seconds(first: str | None, last: str | None) -> int:
    if not first or not last:
        return 0
    return int((datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds())


def _previous(db, run_id: int, sid: str) -> dict | None:
    """This site's summary in the last earlier run that crawled it."""
    for (text,) in db.execute("select summary from crawl_runs where id < ? and summary is not null order by id desc",
                              [run_id]):
        earlier = json.loads(text)["sites"].get(sid)
        if earlier is not None:
            return earlier
    return None


def _checks(db, run_id: int, started: str, site: dict, now: dict) -> list[Problem]:
    sid, limits, found = site["id"], thresholds(), []
    add = lambda check, severity, message: found.append(Problem(sid, check, severity, message))  # noqa: E731
    before = _previous(db, run_id, sid)
    start = db.execute("select status, flag, error from captures where last_run_id = ? and site = ? and url = ? "
                       "order by last_fetched_at desc limit 1", [run_id, sid, site.get("start_url")]).fetchone()
    if start and start[1] in ("http_error", "network_error"):
        what = f"answered {start[0]}" if start[0] else f"did not answer ({start[2]})"
        add("column_vanished", FAILED, f"start page {site.get('start_url')} {what}")
    earlier_reports = db.execute("select count(*) from reports where site = ? and first_run_id < ?", [sid, run_id]).fetchone()[0]
    if earlier_reports and not now["reports_seen"]:
        add("reports_gone", FAILED, f"{earlier_reports} reports found in earlier runs, none in this one")
    was_blocked = set(before["blocked"]) if before else set()
    for host in now["blocked"]:
        if host in was_blocked:
            add("still_blocked", "warning", f"host {host} is still blocked")
        else:
            add("newly_blocked", FAILED, f"host {host} newly blocked (anti-bot page no browser got past)")
    if before and before["pages"] >= 5 and now["pages"] < limits["min_page_ratio"] * before["pages"]:
        add("pages_collapsed", "warning", f"{now['pages']} pages, {before['pages']} in its last run")
    errors = sum(now["errors"].values())
    if now["pages"] and errors / now["pages"] > limits["max_error_rate"]:
        kinds = ", ".join(f"{k} ×{n}" for k, n in now["errors"].items())
        add("error_rate", "warning", f"{errors} of {now['pages']} pages were errors ({kinds}), "
                                     f"over {limits['max_error_rate']:.0%}")
    docs = now["documents"]
    if docs["read"] and docs["failed"] / docs["read"] > limits["max_extraction_failures"]:
        add("extraction_failures", "warning", f"the extractor failed on {docs['failed']} of {docs['read']} documents")
    newly = [row[0] for row in db.execute(
        "select v.report_id || ' v' || v.version from report_versions v join reports r on r.id = v.report_id "
        "where v.run_id = ? and r.site = ? "
        "and exists (select 1 from checks c where c.report_id = v.report_id and c.version = v.version and not c.passed) "
        "and not exists (select 1 from checks p where p.report_id = v.report_id and p.version = v.version - 1 and not p.passed)",
        [run_id, sid])]
    if newly:
        add("checks_newly_failing", "notice", f"checks fail in {len(newly)} newly read report(s): {', '.join(newly[:5])}")
    return found
