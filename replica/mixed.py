"""A world of many portals whose columns mix what real ones hold, for throughput tests and benchmarks.

``build_mixed_world(hosts, reports_per_host, scans=…)``: ``hosts`` static TRS columns on
127.0.2.1, 127.0.2.2 … Each column lists reports and, beside them, notices and explainers (about a
third of the rows, as in real columns); of the reports about 70 % carry their tables in the HTML
body only, the rest come as attachments — a text export, a PDF (some beside the body), a DOCX, a
DOC, an XLSX — and ``scans`` reports in the whole world are scanned PDFs (slow to read: OCR).
Detail pages are rendered when asked (``Portal.lazy``), attachments are built once and cached
(``replica.documents``), so a world of thousands of pages starts in seconds after the first time.
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from extractors.keys import FREEFORM
from replica import documents
from replica.hard import template_for
from replica.portals import EXPLAINER, NOTICE, SEED, TRS, Item, Portal, World, _report
from replica.render import CELL_PER_LINE, INLINE, TABBED
from replica.reports import REGION, random_model

DEPARTMENTS = ("人民政府", "发展和改革局", "教育局", "科学技术局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
               "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
               "文化和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局")
COUNTIES = ("安平", "宁远", "清河", "永和", "长乐", "新安", "平山", "龙泉", "兴隆", "广德", "丰宁", "东阳")

# What a non-scan report's attachment is, in the proportions of real columns (None: HTML body only).
_ATTACHMENTS = [None] * 14 + [INLINE, TABBED, CELL_PER_LINE, documents.PDF, documents.PDF, documents.DOCX,
                              documents.DOC, documents.XLSX]


def host_of(n: int) -> str:
    return f"127.0.2.{n + 1}"


def build_mixed_world(hosts: int = 20, reports_per_host: int = 165, *, scans: int = 4, seed: int = SEED,
                      scans_first: bool = False) -> World:
    """``hosts`` portals, each with ``reports_per_host`` reports and half as many other rows.

    Scans go to the first portals, one each. ``scans_first``: a scan is its column's newest row, so
    a crawl meets it before the HTML pages (the order that stalls a crawl reading in-line).
    """
    rng = random.Random(f"{seed}:mixed")
    portals = []
    binaries: dict[str, list] = {}
    for h in range(hosts):
        county = COUNTIES[h % len(COUNTIES)] + ("县" if h < len(COUNTIES) else f"{h // len(COUNTIES) + 1}县")
        items: list[Item] = []
        for n in range(reports_per_host):
            department = DEPARTMENTS[n % len(DEPARTMENTS)]
            year = 2014 + (n // len(DEPARTMENTS)) % 11
            model = random_model(rng, template_for(year), f"{county}{department}", year,
                                 scope=REGION if department == "人民政府" else "organ",
                                 activity=rng.choice(("none", "low", "low", "medium")))
            if n == 0 and h < scans:
                attachment, body = documents.SCAN, False
                if scans_first:  # newest row of the column
                    model = replace(model, published=date(2026, 1, 1 + h % 28))
            else:
                attachment = rng.choice(_ATTACHMENTS)
                if attachment == documents.XLSX and template_for(year) == FREEFORM:  # no local 统计表 workbooks
                    attachment = documents.DOCX
                body = attachment is None or attachment in (INLINE, documents.PDF) and rng.random() < 0.5
            items.append(_report(model, body=body, attachment=attachment))
            if attachment in documents.FORMATS:
                binaries.setdefault(attachment, []).append(model)
            if n % 2 == 0:
                when = date(2015 + n % 11, 1 + n % 12, 1 + n % 27)
                kind = EXPLAINER if n % 6 == 0 else NOTICE
                items.append(Item(f"关于{county}第{n + 1}号政务公开事项的{'解读' if kind == EXPLAINER else '通知'}", when,
                                  kind=kind, report=model if kind == EXPLAINER else None,
                                  text=f"请各单位按照要求做好第{n + 1}项政务公开工作。"))
        portals.append(Portal(f"mixed{h + 1:02d}", f"{county}人民政府", TRS, host_of(h), "utf-8", f"99{h:08d}",
                              tuple(items), page_size=20, lazy=True,
                              note="mixed column: HTML bodies, text/PDF/DOCX/DOC/XLSX attachments, scans"))
    for fmt, models in binaries.items():  # one LibreOffice call per format fills the cache
        documents.prepare(models, fmt)
    return World(1, tuple(portals))
