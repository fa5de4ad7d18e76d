"""Property: a report rendered from random consistent numbers, in any layout, extracts back exactly."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract_helpers import compare_cells, one_value_per_line, pdf_layout, portal_page, stacked_t4_header
from extractors import extract, extract_text
from extractors.keys import FREEFORM, GB2019, GB2021
from replica.render import CELL_PER_LINE, INLINE, LAYOUTS, Style, render_html, render_text
from replica.reports import ORGAN, REGION, random_model

AGENCIES = {ORGAN: ("临江市生态环境局", "青山区教育局", "云岭县林业和草原局", "新桥镇财政所"),
            REGION: ("南平县人民政府", "西城镇人民政府", "长宁市人民政府")}
YEARS = {GB2021: (2021, 2025), GB2019: (2019, 2021), FREEFORM: (2008, 2018)}


@st.composite
def reports(draw):
    template = draw(st.sampled_from((GB2021, GB2019, FREEFORM)))
    scope = draw(st.sampled_from((ORGAN, REGION)))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    model = random_model(rng, template, draw(st.sampled_from(AGENCIES[scope])), draw(st.integers(*YEARS[template])),
                         scope=scope, activity=draw(st.sampled_from(("none", "low", "medium", "high"))),
                         blank_rate=draw(st.sampled_from((0.0, 0.3, 1.0))))
    style = Style(typos=draw(st.booleans()), long_notes=draw(st.booleans()),
                  extra_row=draw(st.none() | st.tuples(*[st.integers(0, 99)] * 3)))
    return model, style


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports(), st.sampled_from(LAYOUTS), st.booleans(), st.booleans())
def test_text_layouts_round_trip(report, layout, stacked, pdftotext) -> None:
    model, style = report
    text = render_text(model, layout, style=style)
    if stacked and layout == INLINE:
        text = stacked_t4_header(text)
    if pdftotext and layout == INLINE:
        text = pdf_layout(text, model.agency)
    if pdftotext and layout == CELL_PER_LINE and None not in model.cells.values():
        text = one_value_per_line(text)
    got = extract_text(text)
    assert compare_cells(got.cells, model.cells) == []
    assert list(got.cells) == list(model.cells)
    assert (got.agency, got.year, got.template, got.scope) == (model.agency, model.year, model.template, model.scope)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports(), st.sampled_from(("utf-8", "gb2312", None)))
def test_html_pages_round_trip(report, charset) -> None:
    model, style = report
    page = portal_page(render_html(model, style=style), title=model.title, site="某某门户网站", charset=charset)
    got = extract(page.encode("utf-8" if charset == "utf-8" else "gb18030"), filename="t20220125_1.html")
    assert compare_cells(got.cells, model.cells) == []
    assert (got.agency, got.year, got.template, got.scope) == (model.agency, model.year, model.template, model.scope)
