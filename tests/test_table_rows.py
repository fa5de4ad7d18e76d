"""Table rows in wordings and shapes the keyword rules miss: rows named by their place in the
national template, footnote marks after numbers, partly blank rows in tab-separated text."""
from __future__ import annotations

import random

from extract_helpers import compare_cells
from extractors import extract_text
from extractors.keys import GB2019, GB2021
from extractors.values import is_value, parse_value
from replica.render import INLINE, TABBED, render_text
from replica.reports import random_model


def _model(template=GB2021, seed=3):
    return random_model(random.Random(seed), template, "临江市生态环境局", 2022 if template == GB2021 else 2020,
                        activity="high")


def _relabel(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_rows_in_unknown_words_are_named_by_their_numbering_in_their_group() -> None:
    for template in (GB2021, GB2019):
        model = _model(template)
        text = render_text(model, INLINE)
        # Wordings no keyword rule knows: a slip, a paraphrase, a different term — the numbering stays.
        for old, new in (("（一）予以公开", "（一）准予公开"), ("5.属于三类内部事务信息", "5.内部管理类信息"),
                         ("3.补正后申请内容仍不明确", "3.经补正仍无法确定所需信息"), ("2.重复申请", "2.同一申请人再次提出"),
                         ("四、结转下年度继续办理", "四、转入下年度办理")):
            text = _relabel(text, old, new)
        got = extract_text(text)
        assert compare_cells(got.cells, model.cells) == [], got.problems
        assert got.problems == ()


def test_a_number_the_template_does_not_have_names_no_row() -> None:
    model = _model()
    text = render_text(model, INLINE)
    extra = "9.属于其他情形 1 0 0 0 0 0 1\n"
    text = _relabel(text, "（四）无法", extra + "（四）无法")
    got = extract_text(text)
    assert compare_cells(got.cells, model.cells) == []


def test_footnote_marks_and_units_after_numbers() -> None:
    for text, value in (("3*", 3), ("12＊", 12), ("５件", 5), ("7件*", 7), ("0※", 0)):
        assert is_value(text) and parse_value(text) == value, text
    assert not is_value("第3*") and not is_value("*")


def test_partly_blank_rows_in_tab_separated_text_keep_their_columns() -> None:
    """A row blank at both ends ("\t（二）部分公开\t\t\t\t\t2\t0\t\t") cannot say alone which blanks are
    its empty label column and which its empty value cells; the table's full rows of the same length
    can."""
    for seed in range(8):
        model = random_model(random.Random(seed), GB2021, "临江市生态环境局", 2022, activity="high", blank_rate=0.5)
        got = extract_text(render_text(model, TABBED))
        assert compare_cells(got.cells, model.cells) == [], (seed, got.problems)


def test_group_label_misread_by_ocr_is_inferred_from_the_items_numbering() -> None:
    """A scan reads "（三）不予公开" as "(引不了" and two of its items past recognition: the items are
    still numbered 1…8 after （二）, so they are （三）'s."""
    for template in (GB2021, GB2019):
        model = _model(template, seed=11)
        text = render_text(model, INLINE)
        for old, new in (("（三）不予\n\n公开", "(引不了"), ("3.危及“三安全一稳定”", "3.“二安全一榴等"),
                         ("4.保护第三方合法权益", "4.护方含法权"), ("（四）无法\n\n提供", "无达")):
            text = _relabel(text, old, new)
        got = extract_text(text)
        assert compare_cells(got.cells, model.cells) == [], got.problems
