"""Journalists' pages at scale: a synthetic archive of 100,000 reports served by `xxgk serve`.

Builds the archive through the real schema (migrations) with bulk inserts: reports spread over 6,000
agencies in real county divisions and 2008–2024, the cells the report card adds up, checks (some failing), a
text of ~800 characters per report drawn from report phrases, agency and place names; then the
report card and the bigram search index exactly as the migration fills them. Then times whole HTTP
requests (the page as a browser gets it, and the JSON API) against `xxgk serve`: the report card,
its facets and filters, and searches of 1, 2, 3+ characters and two words, narrow (a place) and broad
(words in most reports, shown without count and facets: browse.card_search), and one just under
that threshold ("旗", ~1,900 reports: counted and faceted). Prints median and worst of the repeats,
and how many reports each search found (beside the count a LIKE scan finds; "> 2000" for a broad
search, whose count the page does not show). A search's first HTML page is timed apart: the server
remembers facets (browse.facets), so the repeats after it do not compute them again.

    .venv/bin/python benchmarks/bench_browse.py [--reports 100000] [--repeats 7] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import report_card  # noqa: E402
from archive.store import Archive  # noqa: E402
from browse import card_search  # noqa: E402
from extractors.keys import GB2019, GB2021  # noqa: E402
from tests.browse_helpers import served  # noqa: E402

DEPARTMENTS = ["人民政府", "教育局", "财政局", "民政局", "司法局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局",
               "农业农村局", "卫生健康委员会", "市场监督管理局", "人力资源和社会保障局", "发展和改革委员会", "工业和信息化局"]
PHRASES = ["本年度共新收政府信息公开申请{n}件", "上年结转{n}件", "予以公开{n}件", "部分公开{n}件", "不予公开{n}件",
           "因政府信息公开被申请行政复议{n}件", "被提起行政诉讼{n}件", "本年度未收取信息处理费", "主动公开政府信息{n}条",
           "完善政府信息公开指南和目录", "加强政策解读和回应关切", "推进重点领域信息公开", "依申请公开工作规范有序",
           "存在的主要问题是公开内容不够全面", "下一步将加强培训和监督考核", "政府网站集约化建设持续推进"]
AGENCIES = 6000  # × 17 years (2008–2024) ≥ 100,000 reports, one per agency and year
FIGURE_KEYS = sorted({k for f in report_card.FIGURES for k in f.keys if not k.startswith("ff.")})


def build(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    archive = Archive(path)
    db = archive.db
    # Agencies in real divisions (the GB/T 2260 table the archive ships), so region and province resolve.
    counties = [r[0] for r in db.execute("select code from divisions where level = 'county' and \"current\" order by code")]
    agencies = []
    rng.shuffle(counties)
    for i in range(AGENCIES):  # each (county, department) once
        code = counties[i % len(counties)]
        name = db.execute("select name from divisions where code = ?", [code]).fetchone()[0]
        agencies.append((f"{name}{DEPARTMENTS[i // len(counties) % len(DEPARTMENTS)]}", code, "county"))
    reports, cells, checks, texts = [], [], [], []
    for n in range(count):
        agency, code, level = agencies[n % len(agencies)]
        year = 2008 + (n // len(agencies)) % 17
        template = GB2021 if year >= 2021 else GB2019 if year >= 2019 else "freeform"
        rid = f"{code}-{agency}-{year}-organ"
        sha = f"{n:064x}"
        version = 2 if n % 997 == 0 else 1
        reports.append((rid, agency, year, "organ", template, f"{agency}{year}年政府信息公开工作年度报告",
                        f"http://www.example{n % 500}.gov.cn/zfxxgk/ndbg/{year}/t{n}.html", sha, version,
                        f"{code}-{agency}", code, level))
        if template != "freeform":
            cells += [(rid, version, key, key.split(".")[0], rng.randint(0, 200)) for key in FIGURE_KEYS]
            checks += [(rid, version, "T3-FLOW", "total", 1, 1 if n % 53 else 2, int(bool(n % 53)))]
        else:
            cells += [(rid, version, key, "ff", rng.randint(0, 200)) for key in ("ff.applications", "ff.granted", "ff.denied")]
        sentences = [rng.choice(PHRASES).format(n=rng.randint(0, 300)) for _ in range(40)]
        texts.append((rid, reports[-1][5], agency, f"{agency}{year}年政府信息公开工作年度报告。" + "，".join(sentences)[:800]))
    with db.conn:
        db.conn.executemany("insert into reports (id, agency, year, scope, template, title, url, sha256, version, agency_id, "
                       "region_code, level, first_seen, last_seen) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                       "'2025-01-01', '2025-01-01')", reports)
        db.conn.executemany("insert into cells (report_id, version, key, tbl, value) values (?, ?, ?, ?, ?)", cells)
        db.conn.executemany("insert into checks (report_id, version, rule, subject, \"left\", \"right\", passed) "
                       "values (?, ?, ?, ?, ?, ?, ?)", checks)
        db.conn.executemany("insert into report_versions (report_id, version, sha256, reason) values (?, ?, ?, ?)",
                            [(r[0], v, r[7], "first" if v == 1 else "changed") for r in reports for v in range(1, r[8] + 1)])
        db.conn.executemany("insert into report_texts (report_id, title, agency, text) values (?, ?, ?, ?)", texts)
        report_card.refresh(db)
        for card_id, title, agency, text in db.execute(
                "select c.id, t.title, t.agency, t.text from report_card c join report_texts t on t.report_id = c.report_id").fetchall():
            report_card.index_text(db, card_id, title, agency, text)
    db.execute("analyze")
    archive.close()


def _an_agency(path: Path) -> str:
    import sqlite3

    return sqlite3.connect(path).execute("select agency_id from reports limit 1").fetchone()[0]


def _like_count(path: Path, words: list[str]) -> int:
    import sqlite3

    where = " and ".join("(title like ? or agency like ? or text like ?)" for _ in words)
    params = [f"%{w}%" for w in words for _ in range(3)]
    return sqlite3.connect(path).execute(f"select count(*) from report_texts where {where}", params).fetchone()[0]


def timed(url: str, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        urllib.request.urlopen(url, timeout=60).read()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--keep", help="build (or reuse) the archive in this folder")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="xxgk-bench-browse-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    if not path.exists():
        start = time.perf_counter()
        build(path, args.reports)
        print(f"built {args.reports:,} reports in {time.perf_counter() - start:.0f} s: {path} "
              f"({path.stat().st_size / 2**20:.0f} MiB)")
    (folder / "bench.db.blobs").mkdir(exist_ok=True)
    pages = [
        ("report card, first page (HTML, 6 facets)", "/bench/report_card"),
        ("report card, one year (HTML)", "/bench/report_card?year=2022"),
        ("report card, oldest year first (HTML)", "/bench/report_card?_sort=year"),
        ("report card, one agency (HTML)", "/bench/report_card?agency_id=" + urllib.parse.quote(_an_agency(path))),
        ("report card, checks = fail (JSON)", "/bench/report_card.json?checks=fail&_shape=array"),
    ]
    place = _an_agency(path).split("-", 1)[1][:2]  # the first two characters of a county's name
    searches = ["局", "复议", "信息处理费", "行政诉讼", "复议 诉讼", place, f"{place} 复议", "旗"]
    with served(path) as base:
        start = time.perf_counter()  # the first request after start: facets may still be being warmed
        urllib.request.urlopen(base + "/bench/report_card", timeout=120).read()
        print(f"{'report card, first request after start (HTML)':<48} {(time.perf_counter() - start) * 1000:7.1f} ms")
        for label, page in pages:
            median, worst = timed(base + page, args.repeats)
            print(f"{label:<48} median {median:7.1f} ms   worst {worst:7.1f} ms")
        for query in searches:
            q = urllib.parse.quote(query)
            json_url = f"{base}/bench/report_card.json?_search={q}&_shape=objects&_size=50"
            html_url = f"{base}/bench/report_card?_search={q}"
            first, _ = timed(html_url, 1)  # the first time anyone asks: its facets are not remembered yet
            found = json.load(urllib.request.urlopen(json_url))["filtered_table_rows_count"]
            found = f"> {card_search.BROAD}" if found is None else found
            like = _like_count(path, query.split())
            median, worst = timed(json_url, args.repeats)
            hmedian, hworst = timed(html_url, args.repeats)
            print(f"search {query!r:<12} {found:>7} reports (LIKE scan: {like:>7})   HTML first {first:6.1f} ms   "
                  f"JSON median {median:6.1f} ms (worst {worst:6.1f})   HTML page median {hmedian:6.1f} ms (worst {hworst:6.1f})")


if __name__ == "__main__":
    main()
