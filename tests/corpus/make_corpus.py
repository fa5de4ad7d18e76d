"""Write the extraction corpus: report files in every layout, each beside its expected JSON.

usage: python tests/corpus/make_corpus.py   (from the checkout; rewrites tests/corpus/*)

Every file is rendered from a canonical model by ``replica.render`` (so the truth is the model,
not an extractor's output) and then varied the way portals vary (``tests/extract_helpers``). The
files are committed; ``tests/test_extract_corpus.py`` scores the extractor on them. Re-running
this script is deterministic: same seed, same files.

Two parts: ``tests/corpus/`` holds the *designed* layouts (``VARIANTS``: the shapes the extractor
was written for), ``tests/corpus/adversarial/`` the *adversarial* ones (``ADVERSARIAL``: layouts
real portals produce that it was not written for, ``replica.adversarial``, labels and prose in the
replica's own words, ``replica.vocabulary``). Each part has its own seed, so adding an adversarial
layout never changes a designed file.
"""
from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1])]

import extract_helpers as vary  # noqa: E402
from extractors.keys import FREEFORM, GB2019, GB2021  # noqa: E402
from replica import adversarial as adv  # noqa: E402
from replica.render import CELL_PER_LINE, INLINE, TABBED, Style, render_html, render_text, sections  # noqa: E402
from replica.reports import ORGAN, REGION, TITLE_PATTERNS, random_model  # noqa: E402
from replica.vocabulary import PROVINCIAL, SHORT, TYPO  # noqa: E402

SEED = 20260322
ADVERSARIAL_SEED = 20261130
ADVERSARIAL_DIR = HERE / "adversarial"


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


@dataclass(frozen=True)
class Adversarial:
    """One adversarial corpus item: ``layouts`` names the ``replica.adversarial`` transforms applied."""

    name: str
    template: str
    output: str  # "html", a text layout, or "page" (a page saved as text, run together)
    agency: str
    layouts: tuple[str, ...]
    activity: str = "medium"
    kinds: tuple[str, ...] = ()  # worded: the vocabulary's variant kinds
    round: int = 1  # 1: the layouts of 2026-11-30 13:30, which the extractor has since met; 2: added after


ADVERSARIAL = (
    Adversarial("t19-html-word-colspans", GB2019, "html", "浦江市人民政府办公厅", ("word_colspans",), activity="high"),
    Adversarial("t19-html-word-colspans-blank", GB2019, "html", "南岭县发展和改革局", ("word_colspans", "partly_blank")),
    Adversarial("t21-html-partly-blank", GB2021, "html", "青石区市场监督管理局", ("partly_blank",), activity="high"),
    Adversarial("t19-tabbed-partly-blank", GB2019, TABBED, "汉水市生态环境局", ("partly_blank",), activity="high"),
    Adversarial("t21-cells-partly-blank", GB2021, CELL_PER_LINE, "云溪县人民政府", ("partly_blank",)),
    Adversarial("t21-page-run-together", GB2021, "page", "东岛综合实验区管理委员会", ("run_together",)),
    Adversarial("t21-page-run-together-busy", GB2021, "page", "北江市人民政府", ("run_together",), activity="high"),
    Adversarial("t19-page-run-together", GB2019, "page", "西湾县人民政府", ("run_together",)),
    Adversarial("t21-html-provincial", GB2021, "html", "临海市交通运输局", ("worded", "headings"), kinds=(PROVINCIAL,)),
    Adversarial("t19-inline-short", GB2019, INLINE, "龙门县教育局", ("worded",), kinds=(SHORT,), activity="high"),
    Adversarial("t21-tabbed-short", GB2021, TABBED, "金沙区民政局", ("worded", "headings"), kinds=(SHORT, PROVINCIAL)),
    Adversarial("t21-tabbed-typos", GB2021, TABBED, "银川区卫生健康委员会", ("worded",), kinds=(TYPO,), activity="high"),
    Adversarial("t19-html-typos", GB2019, "html", "玉泉县司法局", ("worded",), kinds=(TYPO,)),
    Adversarial("t21-html-units", GB2021, "html", "平安区住房和城乡建设局", ("marked_numbers",), activity="high"),
    Adversarial("t19-cells-units", GB2019, CELL_PER_LINE, "宝山县审计局", ("marked_numbers",), activity="high"),
    Adversarial("t21-inline-units", GB2021, INLINE, "长河市人民政府", ("marked_numbers",)),
    Adversarial("ff-html-prose", FREEFORM, "html", "清溪县人民政府", ("freeform_prose",)),
    Adversarial("ff-inline-prose", FREEFORM, INLINE, "红河区农业局", ("freeform_prose",), activity="high"),
    Adversarial("ff-inline-prose-none", FREEFORM, INLINE, "石桥镇人民政府", ("freeform_prose",), activity="none"),
    Adversarial("ff-html-stat-table", FREEFORM, "html", "东山县人民政府", ("freeform_prose", "stat_table"),
                kinds=(PROVINCIAL,)),
    Adversarial("ff-tabbed-stat-table", FREEFORM, TABBED, "南湖区教育局", ("freeform_prose", "stat_table"),
                activity="none", kinds=(PROVINCIAL,)),
    Adversarial("t21-html-subtotal", GB2021, "html", "西江市人民政府", ("subtotal_column",), activity="high"),
    Adversarial("t19-tabbed-subtotal", GB2019, TABBED, "北山区教育局", ("subtotal_column",), activity="high"),
    Adversarial("t19-html-signed-deltas", GB2019, "html", "望江县市场监督管理局", ("signed_deltas",), activity="high", round=2),
    Adversarial("t19-tabbed-signed-deltas", GB2019, TABBED, "东城区城市管理局", ("signed_deltas",), activity="high", round=2),
    Adversarial("t21-html-mixed-blanks", GB2021, "html", "南山区卫生健康局", ("partly_blank", "mixed_blanks"), activity="high",
                round=2),
    Adversarial("t19-html-mixed-blanks", GB2019, "html", "凤凰县人民政府", ("partly_blank", "mixed_blanks"), activity="high",
                round=2),
    Adversarial("t21-inline-bare-headings", GB2021, INLINE, "白沙区司法局", ("bare_headings",), activity="high", round=2),
    Adversarial("t21-html-bare-headings", GB2021, "html", "青龙县财政局", ("bare_headings",), round=2),
    Adversarial("t21-inline-page-breaks", GB2021, INLINE, "南海市人民政府", ("page_breaks",), activity="high", round=2),
    Adversarial("t19-cells-page-breaks", GB2019, CELL_PER_LINE, "北海县商务局", ("page_breaks",), activity="high", round=2),
    Adversarial("ff-inline-words", FREEFORM, INLINE, "荷花镇人民政府", ("freeform_prose", "in_words"), activity="low", round=2),
    Adversarial("ff-html-words", FREEFORM, "html", "柳林县教育局", ("freeform_prose", "in_words"), activity="low", round=2),
    Adversarial("t21-html-nested", GB2021, "html", "西岭区发展和改革局", ("nested",), activity="high", round=2),
    Adversarial("t19-html-nested-blanks", GB2019, "html", "安平县人民政府", ("nested", "partly_blank"), activity="high",
                round=2),
    Adversarial("ff-html-nested-table", FREEFORM, "html", "石林县人民政府", ("nested", "freeform_prose", "stat_table"),
                round=2),
)


def render_adversarial(item: Adversarial, rng: random.Random):
    """(file name, bytes, truth) of one adversarial corpus item."""
    year = rng.randint(2009, 2018) if item.template == FREEFORM else (
        rng.choice((2019, 2020)) if item.template == GB2019 else rng.randint(2021, 2024))
    scope = REGION if item.agency.endswith(("人民政府", "管理委员会")) else ORGAN
    model = random_model(rng, item.template, item.agency, year, scope=scope, activity=item.activity,
                         title_pattern=rng.choice(TITLE_PATTERNS))
    small = "in_words" in item.layouts  # counts prose writes in words
    while item.template == FREEFORM and item.activity != "none" and not (
            model.cells["ff.applications"] and (not small or model.cells["ff.applications"] <= 30)):
        # a busy year's prose: the figures told in sentences, not the "nothing received" one
        model = random_model(rng, item.template, item.agency, year, scope=scope, activity=item.activity,
                             title_pattern=model.title_pattern)
    if item.template == FREEFORM and item.activity == "none":  # nothing asked, appealed or charged
        model = replace(model, cells={k: v if k == "ff.proactive_items" else 0 for k, v in model.cells.items()})
    if "partly_blank" in item.layouts:
        model = adv.partly_blank(model, rng)
    style = adv.worded_style(rng, item.kinds) if item.kinds else Style()
    if "freeform_prose" in item.layouts:
        parts = adv.freeform_prose(model, rng, table="stat_table" in item.layouts, style=style, in_words=small)
    else:
        parts = sections(model, style)
    if "word_colspans" in item.layouts:
        parts = adv.word_colspans(parts)
    if "subtotal_column" in item.layouts:
        parts = adv.subtotal_column(parts)
    if "headings" in item.layouts:
        parts = adv.reworded_headings(parts, rng)
    if "marked_numbers" in item.layouts:
        parts = adv.marked_numbers(parts, rng)
    if "signed_deltas" in item.layouts:
        parts = adv.signed_deltas(parts)
    if "mixed_blanks" in item.layouts:
        parts = adv.mixed_blanks(parts, rng)
    if "bare_headings" in item.layouts:
        parts = adv.bare_headings(parts)
    if item.output == "page":
        data = adv.run_together(model, parts, rng).encode("utf-8")
        name = f"{item.name}.txt"
    elif item.output == "html":
        body = render_html(model, parts=parts)
        if "nested" in item.layouts:
            body = adv.nested_in_layout_table(body)
        page = vary.portal_page(body, title=model.title, site=item.agency + "门户网站")
        data = page.encode("utf-8")
        name = f"{item.name}.html"
    else:
        text = render_text(model, item.output, parts=parts)
        if "page_breaks" in item.layouts:
            text = adv.page_breaks(text, rng)
        data = text.encode("utf-8")
        name = f"{item.name}.txt"
    skip = [p for layout in item.layouts for p in adv.UNSCOREABLE.get(layout, ())]
    truth = {"agency": model.agency, "year": model.year, "template": model.template, "scope": model.scope,
             "title": model.title, "source": name, "layouts": list(item.layouts), "round": item.round,
             "cells": model.cells}
    if skip:
        truth["skip_prefixes"] = skip
    return name, data, truth


def _write(folder: Path, stem: str, name: str, data: bytes, truth: dict) -> None:
    (folder / name).write_bytes(data)
    (folder / f"{stem}.expected.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    rng = random.Random(SEED)
    for old in HERE.glob("*.expected.json"):
        old.unlink()
    for variant in VARIANTS:
        _write(HERE, variant.name, *render(variant, rng))
    print(f"wrote {len(VARIANTS)} designed reports to {HERE}")
    ADVERSARIAL_DIR.mkdir(exist_ok=True)
    for old in ADVERSARIAL_DIR.iterdir():
        old.unlink()
    rng = random.Random(ADVERSARIAL_SEED)
    for item in ADVERSARIAL:
        _write(ADVERSARIAL_DIR, item.name, *render_adversarial(item, rng))
    print(f"wrote {len(ADVERSARIAL)} adversarial reports to {ADVERSARIAL_DIR}")


if __name__ == "__main__":
    main()
