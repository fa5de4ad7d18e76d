"""The replica's report model: random numbers are consistent, and every rendering carries them."""
from __future__ import annotations

import random
import re

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.keys import (
    FREEFORM,
    FREEFORM_KEYS,
    GB2019,
    GB2021,
    T3_COLUMNS,
    T3_OUTCOME_ROWS_GB2019,
    T3_OUTCOME_ROWS_GB2021,
    T4_GROUPS,
    keys_for,
    t3_rows,
)
from replica.render import LAYOUTS, Style, fmt, render_html, render_text
from replica.reports import ACTIVITY_MEANS, random_model

NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")

models = st.builds(
    lambda seed, template, activity, blank_rate, scope: random_model(
        random.Random(seed), template, "测试市测试局", 2022, activity=activity, blank_rate=blank_rate, scope=scope),
    st.integers(0, 2**32),
    st.sampled_from((GB2021, GB2019)),
    st.sampled_from(sorted(ACTIVITY_MEANS)),
    st.sampled_from((0.0, 0.3, 1.0)),
    st.sampled_from(("organ", "region")),
)


def _v(cells, key):
    return cells[key] or 0


@settings(max_examples=150, deadline=None)
@given(models)
def test_random_models_satisfy_every_consistency_rule(model):
    assert_consistent(model)


def assert_consistent(model):
    c = model.cells
    assert list(c) == list(keys_for(model.template))
    outcomes = T3_OUTCOME_ROWS_GB2021 if model.template == GB2021 else T3_OUTCOME_ROWS_GB2019
    applicants = [col.key for col in T3_COLUMNS[:-1]]
    for row in t3_rows(model.template):
        assert _v(c, f"t3.{row.key}.total") == sum(_v(c, f"t3.{row.key}.{a}") for a in applicants)
    for col in T3_COLUMNS:
        k = col.key
        assert _v(c, f"t3.new.{k}") + _v(c, f"t3.carried_in.{k}") == _v(c, f"t3.total.{k}") + _v(c, f"t3.carried_over.{k}")
        assert _v(c, f"t3.total.{k}") == sum(_v(c, f"t3.{row}.{k}") for row in outcomes)
    for group in T4_GROUPS:
        g = group.key
        assert c[f"t4.{g}.total"] == sum(c[f"t4.{g}.{r}"] for r in ("upheld", "corrected", "other", "pending"))
    for key, value in c.items():
        assert value is None or value >= 0 or key.endswith(".delta")
    if model.template == GB2021:
        for row in ("regulation", "normative"):
            assert _v(c, f"t2.{row}.in_force") >= _v(c, f"t2.{row}.issued")


def test_blank_cells_come_in_whole_rows_and_only_for_zero_rows():
    model = random_model(random.Random(7), GB2021, "测试局", 2021, activity="none", blank_rate=1.0)
    blanks = {key.rsplit(".", 1)[0] for key, v in model.cells.items() if v is None}
    assert blanks
    for row in blanks:
        assert all(v is None for key, v in model.cells.items() if key.rsplit(".", 1)[0] == row)


def test_same_seed_same_model():
    a = random_model(random.Random(3), GB2019, "测试局", 2020, activity="medium")
    b = random_model(random.Random(3), GB2019, "测试局", 2020, activity="medium")
    assert a == b and render_html(a) == render_html(b)


def _expected(model):
    return [fmt(model.cells[key]) for key in keys_for(model.template)]


@settings(max_examples=60, deadline=None)
@given(models)
def test_html_tables_carry_every_cell_in_order(model):
    doc = lxml.html.fromstring(render_html(model))
    cells = [td.text_content().strip("\r\n") for td in doc.iter("td")]
    data = ["" if text == "\xa0" else text for text in cells if text == "\xa0" or NUMBER.fullmatch(text)]
    assert data == _expected(model)


def _table_numbers(text):
    tables = text[text.index("二、主动公开政府信息情况"):text.index("五、存在的主要问题")]
    return [tok for tok in tables.split() if NUMBER.fullmatch(tok)]


@settings(max_examples=60, deadline=None)
@given(models, st.sampled_from(LAYOUTS))
def test_text_layouts_carry_every_number_in_order(model, layout):
    text = render_text(model, layout)
    assert text.startswith(model.title)
    assert _table_numbers(text) == [v for v in _expected(model) if v]


def test_html_shapes_of_the_national_template():
    model = random_model(random.Random(1), GB2021, "测试局", 2021)
    html = render_html(model)
    for shape in ("rowspan=22", "rowspan=8", "colspan=7", "colspan=5", "本年制发<br>件数", "社会公益 组织",
                  "<!--[if gte mso 9]>", "class=MsoNormal", "&nbsp;" if None in model.cells.values() else ""):
        assert shape in html
    assert "rowspan=20" in render_html(random_model(random.Random(1), GB2019, "测试局", 2020))


def test_html_style_quirks():
    model = random_model(random.Random(2), GB2021, "测试局", 2021)
    html = render_html(model, style=Style(typos=True, long_notes=True, extra_row=(4, 4, 9)))
    for quirk in ("本年度止", "行政法复议", "3.其它", "规章（设区的市、自治州人民政府应提供相关数据）", "其他主动公开文件"):
        assert quirk in html
    plain = render_html(model)
    assert "本年度止" not in plain and "其它" not in plain
    for layout in LAYOUTS:
        text = render_text(model, layout, style=Style(typos=True))
        assert "本年度止件数" in text and "行政法复议" in text and "3.其它" in text


def test_layout_shapes():
    model = random_model(random.Random(5), GB2021, "测试局", 2021, activity="medium")
    tabbed = render_text(model, "tabbed")
    assert "\t".join(fmt(model.cells[f"t3.new.{c.key}"]) for c in T3_COLUMNS) in tabbed
    per_line = render_text(model, "cell_per_line")
    assert "\t一、本年新收政府信息公开申请数量\n" + "".join(f"\t{fmt(model.cells[f't3.new.{c.key}'])}\n" for c in T3_COLUMNS) in per_line
    inline = render_text(model, "inline")
    assert "一、本年新收政府信息公开申请数量 " + " ".join(fmt(model.cells[f"t3.new.{c.key}"]) for c in T3_COLUMNS) in inline
    t4 = " ".join(str(model.cells[k]) for k in keys_for(GB2021) if k.startswith("t4."))
    assert f"\n{t4}\n" in inline


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(LAYOUTS))
def test_freeform_prose_and_statistics_table(seed, layout):
    model = random_model(random.Random(seed), FREEFORM, "测试县人民政府", 2017, scope="region", activity="medium")
    assert list(model.cells) == list(FREEFORM_KEYS)
    c = model.cells
    assert c["ff.granted"] + c["ff.partial"] + c["ff.denied"] <= c["ff.applications"]
    assert all(model.cumulative[k] >= c[k] for k in FREEFORM_KEYS)
    for text in (render_text(model, layout), lxml.html.fromstring(render_html(model)).text_content()):
        assert f"主动公开政府信息{c['ff.proactive_items']}条" in text
        assert f"受理政府信息公开申请{c['ff.applications']}件" in text
        assert f"行政复议{c['ff.review_cases']}件" in text
        assert "历年累计" in text and str(model.cumulative["ff.proactive_items"]) in text


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(((GB2019, GB2019), (GB2019, GB2021), (GB2021, GB2021))),
       st.sampled_from(sorted(ACTIVITY_MEANS)), st.sampled_from(("organ", "region")))
def test_following_years_agree_across_the_year_boundary(seed, templates, activity, scope):
    rng = random.Random(seed)
    before = random_model(rng, templates[0], "测试局", 2020, activity=activity, scope=scope)
    after = random_model(rng, templates[1], "测试局", 2021, activity=activity, scope=scope, follows=before)
    assert_consistent(after)
    for col in T3_COLUMNS:
        assert _v(after.cells, f"t3.carried_in.{col.key}") == _v(before.cells, f"t3.carried_over.{col.key}")
    if templates == (GB2021, GB2021):
        for row in ("regulation", "normative"):
            c = after.cells
            assert c[f"t2.{row}.in_force"] == before.cells[f"t2.{row}.in_force"] + c[f"t2.{row}.issued"] - c[f"t2.{row}.repealed"]


def test_a_report_follows_only_its_own_previous_year():
    before = random_model(random.Random(1), GB2021, "测试局", 2020)
    with pytest.raises(ValueError):
        random_model(random.Random(1), GB2021, "测试局", 2022, follows=before)
    with pytest.raises(ValueError):
        random_model(random.Random(1), GB2021, "另一局", 2021, follows=before)
