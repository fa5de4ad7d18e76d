"""Status badges (SVG, in the flat style of shields.io and City Scrapers' status badges): one per
site and one for the run, written with ``--badges DIR`` and replaced by each run."""
from __future__ import annotations

import re
from html import escape
from pathlib import Path

COLOURS = {"ok": "#4c1", "warnings": "#dfb317", "failed": "#e05d44"}


def badge(label: str, message: str, colour: str) -> str:
    # Widths from character counts (Verdana 11px averages ~7 px a character): readable, not exact.
    left, right = 10 + 7 * len(label), 10 + 7 * len(message)
    width = left + right
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{escape(label)}: {escape(message)}">
<title>{escape(label)}: {escape(message)}</title>
<rect width="{left}" height="20" fill="#555"/><rect x="{left}" width="{right}" height="20" fill="{colour}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="{left / 2}" y="14">{escape(label)}</text><text x="{left + right / 2}" y="14">{escape(message)}</text>
</g>
</svg>
"""


def site_health(summary: dict) -> dict[str, str]:
    worst = {site: "ok" for site in summary["sites"]}
    for problem in summary["problems"]:
        if problem["site"] in worst and problem["severity"] != "notice":
            level = "failed" if problem["severity"] == "failed" else "warnings"
            if worst[problem["site"]] != "failed":
                worst[problem["site"]] = level
    return worst


def write_badges(folder: Path, run_id: int, summary: dict) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for site, state in site_health(summary).items():
        path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "-", site) + ".svg")
        path.write_text(badge(f"xxgk {site}", state, COLOURS[state]), encoding="utf-8")
        written.append(path)
    run = folder / "run.svg"
    run.write_text(badge("xxgk crawl", f"run {run_id} {summary['health']}", COLOURS[summary["health"]]), encoding="utf-8")
    return [*written, run]
