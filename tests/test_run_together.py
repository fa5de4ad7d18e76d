"""Tables whose cells run together without separators, split by the tables' own sums — or left null.

The inputs are the replica's reports with every separator between a row's cells removed, as
archivers' page dumps and separator-less PDF text layers give them: per line, and the whole page on
one line (where a row's last digits touch the next label's numbering: "00000002.其他法律…").
The rule under test: a cell is either read right or null and named in a problem — never a guess.
"""
from __future__ import annotations

import random
import re

import pytest

from extractors import extract_text
from extractors.digit_runs import ColumnSum, agreed, resolve, splits
from extractors.keys import GB2019, GB2021
from extractors.text_rows import run_together_rows, text_to_rows
from extractors.values import is_value
from replica.render import INLINE, render_text
from replica.reports import random_model


def _glued(text: str, *, one_line: bool) -> str:
    """The rendered report with each row's values glued to each other and to the row's label."""
    lines = []
    for line in text.split("\n"):
        tokens = line.split()
        cut = len(tokens)
        while cut and is_value(tokens[cut - 1]):
            cut -= 1
        lines.append(" ".join(tokens[:cut]) + "".join(tokens[cut:]) if cut < len(tokens) else line)
    return " ".join(lines) if one_line else "\n".join(lines)


def _unread_named(got, key: str) -> bool:
    return any(key in p or f"row {key.split('.')[1]}" in p or key.split(".")[1] in p for p in got.problems)


@pytest.mark.parametrize("template", [GB2021, GB2019])
@pytest.mark.parametrize("one_line", [False, True], ids=["per-line", "one-line"])
def test_run_together_tables_are_read_right_or_left_null(template: str, one_line: bool) -> None:
    read = total = 0
    for seed in range(12):
        model = random_model(random.Random(seed), template, "临江市生态环境局", 2022 if template == GB2021 else 2020,
                             activity=("low", "high")[seed % 2])
        got = extract_text(_glued(render_text(model, INLINE), one_line=one_line))
        assert got.template == template
        for key, want in model.cells.items():
            if not key.startswith(("t3.", "t4.")):
                # table 二 has no sums: cut only where one cut exists, never guessed
                assert got.cells[key] in (None, want), (seed, key, got.cells[key], want)
                continue
            total += 1
            if got.cells[key] is None and want is not None:
                assert _unread_named(got, key), (seed, key, got.problems)
            else:
                assert got.cells[key] == want, (seed, key, got.cells[key], want, got.problems)
                read += 1
    print(f"run-together {template} one_line={one_line}: {read}/{total} cells of tables 三 and 四 read")
    assert read / total >= 0.97, f"{read}/{total} cells of tables 三 and 四 read"


def test_a_row_is_cut_where_its_total_allows_one_reading() -> None:
    assert splits(["640020470"], 7, ((0, 7),)) == [(64, 0, 0, 2, 0, 4, 70)]
    assert splits(["0000000"], 7, ((0, 7),)) == [(0,) * 7]
    # 4|3|85|092 keeps the total too, but nobody prints "092"
    assert splits(["4385092"], 4, ((0, 4),)) == [(4, 38, 50, 92)]


def test_cells_already_separated_are_never_merged() -> None:
    # "12" and "3" came as separate cells: 1|2|3 is possible, 12|3 and 1|23 are not
    assert splits(["12", "3"], 3) == [(1, 2, 3)]
    assert splits(["1", "2", "3", "4"], 3) == []


def test_a_run_with_several_readings_is_reported_as_such() -> None:
    assert splits(["1122"], 3, ((0, 3),)) == []  # no reading keeps the total: the row is not read
    options = splits(["11213"], 3, ((0, 3),))  # 1|12|13 and 11|2|13
    assert sorted(options) == [(1, 12, 13), (11, 2, 13)]
    assert agreed(options) == [None, None, 13]


def test_signed_and_decimal_cells() -> None:
    assert splits(["5", "-38"], 3) == [(5, -3, 8)]  # the text reader cuts "5-38" before the sign
    assert splits(["9116.36"], 1) is None  # an amount: one number, never cut
    assert splits(["12元"], 2) is None


def test_huge_runs_give_up_rather_than_search_forever() -> None:
    assert splits(["1" * 400], 7, ((0, 7),)) in (None, [])


def test_column_sums_pin_rows_their_own_totals_do_not() -> None:
    readings = {
        "new": [(1, 12, 13), (11, 2, 13)],  # 11213: two readings keep the row total
        "carried_in": [(0, 0, 0)],
        "total": [(11, 2, 13)],
        "carried_over": [(0, 0, 0)],
    }
    resolved = resolve(readings, [ColumnSum(("new", "carried_in"), ("total", "carried_over"))])
    assert resolved["new"] == [(11, 2, 13)]


def test_a_rule_with_an_unread_row_is_not_applied() -> None:
    readings = {"new": [(1, 12, 13), (11, 2, 13)], "total": [(11, 2, 13)]}
    resolved = resolve(readings, [ColumnSum(("new", "carried_in"), ("total", "carried_over"))])
    assert len(resolved["new"]) == 2


def test_a_dump_line_is_cut_into_rows_at_each_label() -> None:
    text = ("第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章000行政规范性文件8855698"
            "第二十条第（五）项信息内容本年处理决定数量行政许可10690 （三）不予公开 1.属于国家秘密00000002.其他法律行政法规禁止公开"
            " 0000000 四、结转下年度继续办理 0 1 1 0 2 五、存在的主要问题")
    rows = run_together_rows(text)
    assert rows[1:] == [["行政规范性文件", "8855698"], ["第二十条第（五）项信息内容本年处理决定数量行政许可", "10690"],
                        ["（三）不予公开 1.属于国家秘密", "0000000"], ["2.其他法律行政法规禁止公开", "0000000"],
                        ["四、结转下年度继续办理", "0", "1", "1", "0", "2"], ["五、存在的主要问题"]]
    assert rows[0][-1] == "000" and rows[0][0].endswith("规章")


def test_a_sign_starts_a_new_cell() -> None:
    assert run_together_rows("行政许可5-38") == [["行政许可", "5", "-38"]]


def test_numbering_after_a_run_follows_the_label_before() -> None:
    # the 10th item after the 9th: "…9.某某事项0000000" + "10.另一事项" is 0000000 | 10.
    rows = run_together_rows("9.某某事项000000010.另一事项 0")
    assert rows == [["9.某某事项", "0000000"], ["10.另一事项", "0"]]


def test_prose_numbers_with_units_stay_in_the_words() -> None:
    rows = text_to_rows("申请人情况 2022年全区受理申请75件，推进3轮整改，编号（2）不变。")
    assert rows == [["申请人情况 2022年全区受理申请75件，推进3轮整改，编号（2）不变。"]]


def test_a_pdf_line_ending_in_a_run_is_split_from_its_label() -> None:
    assert text_to_rows("（一）予以公开210000021") == [["（一）予以公开", "210000021"]]
    assert re.fullmatch(r"\d+", text_to_rows("1.属于国家秘密0000000")[0][1])
