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
"""
from __future__ import annotations

import re

from .values import is_value

# A line of the one-cell-per-line shape: a single leading tab, no other tab.
_CELL_LINE = re.compile(r"^\t[^\t]*$")


def text_to_rows(text: str) -> list[list[str]]:
    """Rows of cell texts; prose lines become one-cell rows, numbers on a line become cells."""
    rows: list[list[str]] = []
    block: list[str] | None = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
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
        return [line]
    label = " ".join(tokens[:cut])
    return ([label] if label else []) + tokens[cut:]
