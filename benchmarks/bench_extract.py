"""Extraction speed: reports per second for HTML pages and text, beside trafilatura on the same HTML.

usage: python benchmarks/bench_extract.py [--reports 60] [--rounds 3]

Reports are rendered by ``replica.render`` from random consistent models (every template, the
three text layouts) and the HTML bodies are wrapped in a portal page, so inputs look like crawled
pages. The goal (issue 3): full extraction of an HTML page in at most 2× the time
``trafilatura.extract`` alone takes on it — extraction runs trafilatura once and adds the table
reading. Each figure is the best of ``--rounds`` runs, to keep other load on the machine out of it.
"""
from __future__ import annotations

import argparse
import random
import time

import trafilatura

from extractors import extract
from extractors.keys import FREEFORM, GB2019, GB2021
from replica.render import LAYOUTS, render_html, render_text
from replica.reports import ORGAN, random_model

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_门户网站</title>
<script>var site = 1;</script></head><body>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/xxgk">政府信息公开</a></li><li><a href="/zmhd">政民互动</a></li></ul>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/zfxxgknb">政府信息公开年报</a></div>
<h1 class="title">{title}</h1><div class="TRS_Editor">{body}</div>
<div class="share">分享到：<a>微信</a> <a>微博</a></div><div class="footer">版权所有 ICP备05012345号</div>
</body></html>"""


def inputs(count: int, seed: int = 1) -> tuple[list[bytes], list[bytes]]:
    rng = random.Random(seed)
    pages, texts = [], []
    for i in range(count):
        template = (GB2021, GB2019, FREEFORM)[i % 3]
        year = {GB2021: 2022, GB2019: 2020, FREEFORM: 2015}[template]
        model = random_model(rng, template, "临江市生态环境局", year, scope=ORGAN,
                             activity=rng.choice(("low", "medium", "high")), blank_rate=0.2)
        pages.append(PAGE.format(title=model.title, body=render_html(model)).encode("utf-8"))
        texts.append(render_text(model, LAYOUTS[i % len(LAYOUTS)]).encode("utf-8"))
    return pages, texts


def best_seconds(function, items, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            function(item)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages, texts = inputs(args.reports)
    assert all(extract(p, filename="p.html").is_report for p in pages)
    html_strings = [p.decode("utf-8") for p in pages]
    runs = {
        "trafilatura.extract (HTML)": best_seconds(trafilatura.extract, html_strings, args.rounds),
        # The call extractors.html makes: tables left to lxml, so trafilatura skips its table pass.
        "  same, tables excluded": best_seconds(
            lambda h: trafilatura.extract(h, include_tables=False, favor_recall=True), html_strings, args.rounds),
        "extractors.extract (HTML)": best_seconds(lambda p: extract(p, filename="p.html"), pages, args.rounds),
        "extractors.extract (text)": best_seconds(lambda t: extract(t, filename="p.txt"), texts, args.rounds),
    }
    size = sum(map(len, pages)) / len(pages) / 1024
    print(f"{args.reports} reports, HTML pages {size:.0f} KiB on average, best of {args.rounds} rounds")
    for name, seconds in runs.items():
        print(f"  {name:<28} {args.reports / seconds:8.1f} reports/s  {1000 * seconds / args.reports:7.2f} ms/report")
    ratio = runs["extractors.extract (HTML)"] / runs["trafilatura.extract (HTML)"]
    print(f"  full HTML extraction / trafilatura.extract: {ratio:.2f}× (goal ≤ 2×)")
    own = runs["extractors.extract (HTML)"] / runs["  same, tables excluded"]
    print(f"  full HTML extraction / trafilatura as called inside it: {own:.2f}×")


if __name__ == "__main__":
    main()
