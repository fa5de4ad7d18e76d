"""Plain text (from a PDF, a DOC, a copy-paste) → rows of cell strings, like a table grid.

Tables survive conversion to text in three shapes, all seen in the seeds:

* tab-separated: one table row per line, cells split by tabs, merged cells as empty cells and
  labels sometimes wrapped onto a line of their own (seeds 002, 003);
* one cell per line: every cell on its own tab-indented line, a tab-only line for a blank cell,
  and an empty line between table rows (seeds 001, 004);
* space-separated: the label, then the row's numbers on the same line ("规章 0 0 0"), or the
  numbers alone on the line after a label that wrapped (seed 000).

All three become the same thing here — a list of rows, each a list of cell texts — so one reader
(``extractors.tables``) handles them and the grids of HTML, DOCX and XLSX tables alike.

A fourth shape comes from archivers' page dumps and text copied out of browsers: a whole table, or
the whole page, on one line, each row's cells run together with its label and with each other
("规章000行政规范性文件8855698第二十条…"). From a table's start to section 五 such text is cut into
rows at each run of numbers followed by the next label; a run's cells stay one string for
``extractors.digit_runs`` to split by the tables' sums.
"""
from __future__ import annotations

import re

from .values import is_value

# A line of the one-cell-per-line shape: a single leading tab, no other tab.
_CELL_LINE = re.compile(r"^\t[^\t]*$")

# Where the tables begin in running text: table 二's header words, table 三's header, a local
# 统计表's header. Section 五 ends them.
_TABLES_START = re.compile(r"第二十条第|本年制发件数|本年新制作数量|勾稽关系|申请人情况|统计表\s*\S{0,4}?\s*(?:指标|项目|计量单位)")
_TABLES_END = re.compile(r"[五5][、.．]\s*\S{0,14}(?:问题|改进)")
# A number in running text, with a sign where a run of values may carry one (gb2019's 本年增/减).
_NUMBER = re.compile(r"[+\-−]?\d+(?:\.\d+)?")
# What follows a number that belongs to the words around it: a unit ("425条", "2011年"), a closing
# bracket or punctuation ("（2）", "附件1：", "10号").
_UNIT = re.compile(r"\s?(?:[件条年月日个项次人号家份宗起元%％层轮期名倍天周]|万元|[)）〕\]】》：:，,。；;、/@~～])")
# A label's own numbering right after a run of values: "00000002.其他法律…" is 0000000 then "2.".
_NUMBERING_AFTER = re.compile(r"[.．、](?=\s*\D)")
_NUMBERING = re.compile(r"(\d{1,2})[.．、]\s*\D")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Digits glued to the words before them and followed by the next words or the line's end, not by a
# unit: "规章000行政…", "…申请数量713000074" — a row run together with its label.
_GLUED = re.compile(r"(?<=[^\d\s.．、,，:：;；+\-−/（(“\"])\d+(?:\.\d+)?(?!\d|\.\d|" + _UNIT.pattern + r")(?=\s*[\u4e00-\u9fff（(]|\s*$)")
_GLUED_AT_END = re.compile(_GLUED.pattern + "$")


def text_to_rows(text: str) -> list[list[str]]:
    """Rows of cell texts; prose lines become one-cell rows, numbers on a line become cells."""
    rows: list[list[str]] = []
    block: list[str] | None = None
    in_tables = False  # from a table's start to section 五, where rows may be run together
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        start = None if "\t" in line or _CELL_LINE.match(line) else (0 if in_tables else _table_start(line))
        if start is not None:
            end = _tables_end(line, start)
            in_tables = end is None
            end = len(line) if end is None else end
            if _GLUED.search(line, start, end):
                if block is not None:
                    rows.append(block)
                    block = None
                if line[:start].strip():
                    rows.append(split_trailing_values(line[:start].strip()))
                rows += run_together_rows(line[start:end])
                if line[end:].strip():
                    rows.append(split_trailing_values(line[end:].strip()))
                continue
        if _CELL_LINE.match(line):
            block = [] if block is None else block
            block.append(line.strip())
            continue
        if block is not None:
            rows.append(block)
            block = None
        if "\t" in line:
            rows.append([cell.strip() for cell in line.split("\t")])
        elif line.strip():
            rows.append(split_trailing_values(line.strip()))
    if block is not None:
        rows.append(block)
    return rows


def split_trailing_values(line: str) -> list[str]:
    """"规章 0 0 0" → ["规章", "0", "0", "0"]; a line without trailing values stays one cell.

    Only the run of values at the end of the line is split off, so a label with a space inside
    ("1. 属于国家秘密", "社会公益 组织") stays whole.
    """
    tokens = line.split()
    cut = len(tokens)
    while cut > 0 and is_value(tokens[cut - 1]):
        cut -= 1
    if cut == len(tokens):
        glued = _GLUED_AT_END.search(tokens[-1]) if tokens else None
        if glued:  # "（一）予以公开210000021": the values run into the label
            return [line[: len(line) - len(glued.group(0))], glued.group(0)]
        return [line]
    label = " ".join(tokens[:cut])
    return ([label] if label else []) + tokens[cut:]


def run_together_rows(text: str) -> list[list[str]]:
    """Running text holding table rows → rows of [label, value cells…]; glued digits stay one cell.

    A row ends where a number (or numbers separated by spaces) is followed by the next label; a
    number followed by a unit or punctuation is part of the words around it, and the last digit(s)
    of a run right before "2." are the next label's numbering, the one after the label before.
    """
    rows: list[list[str]] = []
    values: list[str] = []
    label_start = values_start = last_end = 0

    def end_row(at: int) -> None:
        nonlocal values, label_start
        if values:
            rows.append(_label_row(text[label_start:values_start], values))
            values, label_start = [], at

    for match in _NUMBER.finditer(text):
        number, start = match.group(0), match.start()
        before = text[start - 1] if start else " "
        if number[0] in "+-−" and not (before.isspace() or before.isdigit() or _HAN.match(before)):
            number, start = number[1:], start + 1  # a dash between words or figures, not a sign
        if values and text[last_end:start].strip():
            end_row(last_end)  # words after the values: the next label has begun
        after = text[match.end():]
        if _NUMBERING_AFTER.match(after) and number.isdigit():
            cut = _numbering_length(number, text[label_start:start])
            if cut < len(number):  # the run's last digits number the next label
                if not values:
                    values_start = start
                values.append(number[:-cut])
            end_row(match.end() - cut)
        elif _UNIT.match(after):
            end_row(start)  # a figure in words ("2011年度"): part of the next label or prose
        else:
            if not values:
                values_start = start
            values.append(number)
            last_end = match.end()
    end_row(last_end)
    tail = text[label_start:].strip()
    return rows + ([[tail]] if tail else [])


def _label_row(label: str, values: list[str]) -> list[str]:
    label = label.strip()
    return ([label] if label else []) + values


def _numbering_length(run: str, label_before: str) -> int:
    """How many of a run's last digits number the next label: the label before says which number
    comes next ("1.属于国家秘密" → "2."); without numbering before, the next is "1."."""
    found = _NUMBERING.findall(label_before)
    expected = str(int(found[-1]) + 1) if found else "1"
    return len(expected) if run.endswith(expected) else 1


def _table_start(line: str) -> int | None:
    match = _TABLES_START.search(line)
    return match.start() if match else None


def _tables_end(line: str, start: int) -> int | None:
    match = _TABLES_END.search(line, start)
    return match.start() if match else None
