"""Write the extraction corpus: report files in every layout, each beside its expected JSON.

usage: python tests/corpus/make_corpus.py   (from the checkout; rewrites tests/corpus/*)

Every file is rendered from a canonical model by ``replica.render`` (so the truth is the model,
not an extractor's output) and then varied the way portals vary (``tests/extract_helpers``). The
files are committed; ``tests/test_extract_corpus.py`` scores the extractor on them. Re-running
this script is deterministic: same seed, same files.
"""
from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1])]

import extract_helpers as vary  # noqa: E402
from extractors.keys import FREEFORM, GB2019, GB2021  # noqa: E402
from replica.render import CELL_PER_LINE, INLINE, TABBED, Style, render_html, render_text  # noqa: E402
from replica.reports import ORGAN, REGION, TITLE_PATTERNS, random_model  # noqa: E402

SEED = 20260322


@dataclass(frozen=True)
class Variant:
    name: str
    template: str
    output: str  # a text layout, or "html"
    agency: str
    activity: str = "medium"
    blank_rate: float = 0.0
    charset: str | None = "utf-8"  # html: the declared charset and the bytes' encoding (None: GBK, undeclared)
    style: Style = Style()  # the replica's quirks: typos, long notes, a provincial extra row
    blank_marker: str | None = None  # html: blank cells written as this instead of &nbsp;
    numbers: tuple[str, ...] = ()  # "full_width", "thousands"
    text_encoding: str = "utf-8"  # text: the attachment's bytes ("gb18030": a GBK export)
    crlf: bool = False  # text: Windows line ends
    stacked_t4: bool = False  # text: table 四's header stacked into single characters, as from a PDF
    pdftotext: str | None = None  # text: "layout" (padded, title split) or "raw" (one value per line)
    split_before: str | None = None  # html: break a table in two before the row with this label
    paragraphs: bool = False  # html: tables pasted as text, one <p> per line of the inline layout


VARIANTS = (
    Variant("t21-inline", GB2021, INLINE, "临江市生态环境局", blank_rate=0.3),
    Variant("t21-cells", GB2021, CELL_PER_LINE, "青山区教育局", blank_rate=0.3),
    Variant("t21-tabbed", GB2021, TABBED, "河西县财政局", activity="high"),
    Variant("t19-inline", GB2019, INLINE, "东湖区市场监督管理局", activity="high", blank_rate=0.3),
    Variant("t19-cells", GB2019, CELL_PER_LINE, "江北区住房和城乡建设局", blank_rate=0.3),
    Variant("t19-tabbed", GB2019, TABBED, "白云县卫生健康委员会", activity="low", blank_rate=0.3),
    Variant("ff-inline", FREEFORM, INLINE, "松原市自然资源局", activity="medium"),
    Variant("ff-cells", FREEFORM, CELL_PER_LINE, "南平县人民政府", activity="high"),
    Variant("ff-tabbed", FREEFORM, TABBED, "北湖区司法局", activity="low"),
    Variant("t21-inline-stacked-t4", GB2021, INLINE, "西山区人民政府", activity="high", stacked_t4=True),
    Variant("t19-inline-stacked-t4", GB2019, INLINE, "海滨县交通运输局", stacked_t4=True, style=Style(typos=True)),
    Variant("t21-inline-quirks", GB2021, INLINE, "红旗区农业农村局", activity="high",
            numbers=("full_width",), style=Style(typos=True, long_notes=True, extra_row=(2, 0, 7))),
    Variant("t19-tabbed-quirks", GB2019, TABBED, "长宁市人民政府", activity="high",
            numbers=("thousands",), style=Style(typos=True, extra_row=(5, 5, 40))),
    Variant("t21-cells-fullwidth", GB2021, CELL_PER_LINE, "新桥镇人民政府", numbers=("full_width",)),
    Variant("t19-cells-gbk-crlf", GB2019, CELL_PER_LINE, "丰台区科学技术局", activity="high", blank_rate=0.3,
            text_encoding="gb18030", crlf=True),
    Variant("t21-tabbed-gbk", GB2021, TABBED, "滨海县人民政府", blank_rate=0.3, text_encoding="gb18030",
            style=Style(long_notes=True)),
    Variant("t21-html", GB2021, "html", "临江市发展和改革委员会", activity="high"),
    Variant("t21-html-gbk-quirks", GB2021, "html", "丰南区人力资源和社会保障局", charset="gb2312",
            style=Style(typos=True, long_notes=True, extra_row=(3, 1, 12))),
    Variant("t19-html-undeclared-gbk", GB2019, "html", "石门县民政局", charset=None, blank_rate=0.4),
    Variant("t19-html-dash", GB2019, "html", "金山区审计局", blank_rate=0.5, blank_marker="-",
            style=Style(long_notes=True)),
    Variant("t21-html-emdash", GB2021, "html", "平湖市人民政府", activity="high", blank_rate=0.5, blank_marker="—"),
    Variant("t21-html-slash", GB2021, "html", "东港区水利局", blank_rate=0.5, blank_marker="/",
            style=Style(typos=True)),
    Variant("t19-html-none-word", GB2019, "html", "云岭县林业和草原局", charset="gbk", blank_rate=0.5, blank_marker="无",
            style=Style(extra_row=(0, 0, 4))),
    Variant("t21-html-fullwidth", GB2021, "html", "滨江区城市管理局", activity="high",
            numbers=("full_width", "thousands")),
    Variant("t21-html-none-activity", GB2021, "html", "樟树镇人民政府", activity="none"),
    Variant("ff-html-gbk", FREEFORM, "html", "宁远县人民政府", charset="gb2312", activity="medium"),
    Variant("ff-html", FREEFORM, "html", "荷塘区教育局", activity="low"),
    Variant("t21-pdflayout", GB2021, INLINE, "淮河市人民政府", activity="high", blank_rate=0.3, pdftotext="layout"),
    Variant("t19-pdflayout", GB2019, INLINE, "沙河县应急管理局", pdftotext="layout", stacked_t4=True),
    Variant("t21-pdfraw", GB2021, CELL_PER_LINE, "清河区人民政府", activity="high", pdftotext="raw"),
    Variant("t19-pdfraw", GB2019, CELL_PER_LINE, "柳江县商务局", activity="medium", pdftotext="raw"),
    Variant("t21-html-split-table", GB2021, "html", "双溪区退役军人事务局", activity="high", blank_rate=0.3,
            split_before="1.本机关不掌握相关政府信息"),
    Variant("t19-html-split-table", GB2019, "html", "桃源县人民政府", activity="high", charset="gb2312",
            split_before="其他对外管理服务事项"),
    Variant("t21-html-paragraphs", GB2021, "html", "龙泉市医疗保障局", activity="medium", blank_rate=0.3,
            paragraphs=True),
)


def _number_transform(names: tuple[str, ...]):
    def transform(text: str) -> str:
        if "thousands" in names:
            text = vary.thousands(text)
        if "full_width" in names:
            text = vary.full_width_numbers(text)
        return text
    return transform


def render(variant: Variant, rng: random.Random):
    """(file name, bytes, truth) of one corpus item."""
    year = rng.randint(2010, 2018) if variant.template == FREEFORM else (
        rng.choice((2019, 2020)) if variant.template == GB2019 else rng.randint(2021, 2024))
    scope = REGION if variant.agency.endswith("人民政府") else ORGAN
    model = random_model(rng, variant.template, variant.agency, year, scope=scope, activity=variant.activity,
                         blank_rate=variant.blank_rate, title_pattern=rng.choice(TITLE_PATTERNS))
    if variant.output == "html" and variant.paragraphs:
        page = vary.paragraphs_page(render_text(model, INLINE, style=variant.style), title=model.title)
        data = page.encode("utf-8")
        name = f"{variant.name}.html"
    elif variant.output == "html":
        body = render_html(model, style=variant.style)
        if variant.split_before:
            body = vary.split_table_before(body, variant.split_before)
        if variant.blank_marker:
            body = vary.html_cells(body, vary.blank_as(variant.blank_marker))
        if variant.numbers:
            body = vary.html_cells(body, _number_transform(variant.numbers))
        others = tuple(model.title_pattern.format(agency=model.agency, year=y) for y in (year - 1, year - 2))
        page = vary.portal_page(body, title=model.title, site=variant.agency.rstrip("局委员会") + "门户网站",
                                charset=variant.charset or None, other_titles=others)
        data = page.encode("gb18030" if variant.charset != "utf-8" else "utf-8")
        name = f"{variant.name}.html"
    else:
        text = render_text(model, variant.output, style=variant.style)
        if variant.stacked_t4:
            text = vary.stacked_t4_header(text)
        if variant.numbers:
            text = vary.text_numbers(text, _number_transform(variant.numbers))
        if variant.pdftotext == "layout":
            text = vary.pdf_layout(text, model.agency)
        elif variant.pdftotext == "raw":
            text = vary.one_value_per_line(text)
        if variant.crlf:
            text = text.replace("\n", "\r\n")
        data = text.encode(variant.text_encoding)
        name = f"{variant.name}.txt"
    truth = {"agency": model.agency, "year": model.year, "template": model.template, "scope": model.scope,
             "title": model.title, "source": name, "cells": model.cells}
    return name, data, truth


def main() -> None:
    rng = random.Random(SEED)
    for old in HERE.glob("*.expected.json"):
        old.unlink()
    for variant in VARIANTS:
        name, data, truth = render(variant, rng)
        (HERE / name).write_bytes(data)
        (HERE / f"{variant.name}.expected.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(VARIANTS)} reports to {HERE}")


if __name__ == "__main__":
    main()
