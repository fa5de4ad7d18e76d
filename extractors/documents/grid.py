"""Ruling lines and positioned text → tables as rows of cell texts, merged cells expanded.

A PDF page and a scanned page give the same two things: line segments (the table's rules) and
pieces of text with their boxes (characters from the text layer, words from OCR). Reading the
cells from the rules, not from the gaps between words, is what keeps an empty cell empty: a blank
cell is a box with no text in it, so the numbers after it stay in their columns.

Coordinates are page units with y growing downwards. A merged cell is found as boxes of the
grid with no rule between them. It is kept once per row (a number over two grid columns is one
value, wherever the rules of other rows put column edges), and repeated in each row it spans when
it is a label, so each row keeps its context (like ``extractors.html.table_grid``).
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from ..labels import LABEL_START, compact
from ..values import is_value

_TITLE_SCALE = 1.25  # title lines are set this much larger than body text, at least


@dataclass(frozen=True)
class Segment:
    """A horizontal (y0 == y1) or vertical (x0 == x1) rule."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return self.y0 == self.y1


@dataclass(frozen=True)
class Piece:
    """A character or word and its box."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Table:
    """A grid of rules: column edges ``xs``, row edges ``ys`` and the rules that exist."""

    xs: list[float]
    ys: list[float]
    segments: list[Segment]

    @property
    def top(self) -> float:
        return self.ys[0]

    def contains(self, piece: Piece) -> bool:
        return self.xs[0] <= piece.cx <= self.xs[-1] and self.ys[0] <= piece.cy <= self.ys[-1]


def rules_from_boxes(boxes: list[tuple[float, float, float, float]], thickness: float) -> list[Segment]:
    """Thin rectangles (drawn rules, filled strokes, line masks of a scan) → segments."""
    out = []
    for x0, y0, x1, y1 in boxes:
        w, h = x1 - x0, y1 - y0
        if h <= thickness and w > h:
            y = (y0 + y1) / 2
            out.append(Segment(x0, y, x1, y))
        elif w <= thickness and h > w:
            x = (x0 + x1) / 2
            out.append(Segment(x, y0, x, y1))
    return out


def find_tables(segments: list[Segment], tolerance: float) -> list[Table]:
    """Group the rules into tables (rules that touch, transitively); each needs 2×2 rules at least."""
    segments = [s for s in segments if max(s.x1 - s.x0, s.y1 - s.y0) > tolerance]
    parent = list(range(len(segments)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    horizontals = [i for i, s in enumerate(segments) if s.horizontal]
    verticals = [i for i, s in enumerate(segments) if not s.horizontal]
    for h in horizontals:
        hs = segments[h]
        for v in verticals:
            vs = segments[v]
            if (hs.x0 - tolerance <= vs.x0 <= hs.x1 + tolerance
                    and vs.y0 - tolerance <= hs.y0 <= vs.y1 + tolerance):
                parent[root(h)] = root(v)
    groups: dict[int, list[Segment]] = {}
    for i, s in enumerate(segments):
        groups.setdefault(root(i), []).append(s)
    tables = []
    for group in groups.values():
        xs = _edges([s.x0 for s in group if not s.horizontal], tolerance)
        ys = _edges([s.y0 for s in group if s.horizontal], tolerance)
        if len(xs) >= 2 and len(ys) >= 2:
            tables.append(Table(xs, ys, group))
    return sorted(tables, key=lambda t: t.top)


def _edges(positions: list[float], tolerance: float) -> list[float]:
    """Positions within ``tolerance`` of each other are one edge (double rules, anti-aliasing)."""
    edges: list[list[float]] = []
    for p in sorted(positions):
        if edges and p - edges[-1][-1] <= tolerance:
            edges[-1].append(p)
        else:
            edges.append([p])
    return [sum(e) / len(e) for e in edges]


def merged_cells(table: Table, tolerance: float) -> dict[tuple[int, int], tuple[int, int]]:
    """Each box (row, column) of the grid → the top-left box of the cell it belongs to."""
    nrows, ncols = len(table.ys) - 1, len(table.xs) - 1
    parent = {(r, c): (r, c) for r in range(nrows) for c in range(ncols)}

    def root(cell):
        while parent[cell] != cell:
            cell = parent[cell]
        return cell

    def join(a, b):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(nrows):
        mid_y = (table.ys[r] + table.ys[r + 1]) / 2
        for c in range(ncols - 1):
            if not _ruled(table, table.xs[c + 1], mid_y, vertical=True, tolerance=tolerance):
                join((r, c), (r, c + 1))
    for c in range(ncols):
        mid_x = (table.xs[c] + table.xs[c + 1]) / 2
        for r in range(nrows - 1):
            if not _ruled(table, table.ys[r + 1], mid_x, vertical=False, tolerance=tolerance):
                join((r, c), (r + 1, c))
    return {cell: root(cell) for cell in parent}


def cell_boxes(table: Table, tolerance: float) -> list[tuple[float, float, float, float]]:
    """The page box (x0, y0, x1, y1) of every cell, merged cells as one box."""
    extent: dict[tuple[int, int], list[int]] = {}
    for (r, c), origin in merged_cells(table, tolerance).items():
        r0, c0, r1, c1 = extent.setdefault(origin, [r, c, r, c])
        extent[origin] = [min(r0, r), min(c0, c), max(r1, r), max(c1, c)]
    return [(table.xs[c0], table.ys[r0], table.xs[c1 + 1], table.ys[r1 + 1]) for r0, c0, r1, c1 in extent.values()]


def table_rows(table: Table, pieces: list[Piece], tolerance: float) -> list[list[str]]:
    """The table's rows of cell texts; ``pieces`` outside the table are ignored."""
    nrows, ncols = len(table.ys) - 1, len(table.xs) - 1
    origins = merged_cells(table, tolerance)
    texts: dict[tuple[int, int], list[Piece]] = {}
    for piece in pieces:
        if not table.contains(piece):
            continue
        r = min(max(bisect_right(table.ys, piece.cy) - 1, 0), nrows - 1)
        c = min(max(bisect_right(table.xs, piece.cx) - 1, 0), ncols - 1)
        texts.setdefault(origins[(r, c)], []).append(piece)

    grid = []
    for r in range(nrows):
        row = []
        for c in range(ncols):
            origin = origins[(r, c)]
            if c > 0 and origins[(r, c - 1)] == origin:
                continue  # the same cell spanning columns: once per row
            text = join_pieces(texts.get(origin, []))
            row.append(text if origin[0] == r or not is_value(text) else "")
        grid.append(row)
    return grid


def _ruled(table: Table, at: float, across: float, *, vertical: bool, tolerance: float) -> bool:
    """Whether a rule runs at ``at`` (x for a vertical rule, y for a horizontal one) over ``across``."""
    for s in table.segments:
        if s.horizontal == vertical:
            continue
        if vertical and abs(s.x0 - at) <= tolerance and s.y0 - tolerance <= across <= s.y1 + tolerance:
            return True
        if not vertical and abs(s.y0 - at) <= tolerance and s.x0 - tolerance <= across <= s.x1 + tolerance:
            return True
    return False


def join_pieces(pieces: list[Piece]) -> str:
    """Pieces in reading order: lines top to bottom, left to right within a line.

    Within a line a space marks a gap wider than half the text height (two numbers, a label
    and its number); wrapped lines of one cell are joined without one, as Chinese is written.
    """
    return "".join(line_text(line) for line in group_lines(pieces))


def group_lines(pieces: list[Piece]) -> list[list[Piece]]:
    """Pieces that overlap vertically by half the smaller height are one line (a quote mark or a
    comma sits high or low in its line; stacked single characters do not overlap at all)."""
    lines: list[tuple[float, float, list[Piece]]] = []
    for piece in sorted(pieces, key=lambda p: p.cy):
        if lines:
            top, bottom, members = lines[-1]
            overlap = min(bottom, piece.y1) - max(top, piece.y0)
            smaller = min(bottom - top, piece.y1 - piece.y0) or 1.0
            if overlap >= smaller / 2:
                lines[-1] = (min(top, piece.y0), max(bottom, piece.y1), members + [piece])
                continue
        lines.append((piece.y0, piece.y1, [piece]))
    return [sorted(members, key=lambda p: p.x0) for _, _, members in lines]


def join_pages(rows: list[list[str]], page: list[list[str]]) -> list[list[str]]:
    """The rows so far followed by a page's rows, a table row broken by the page joined again.

    Word breaks a tall row over two pages: the label's last characters ("安全一稳定”") then open
    the next page as a row of their own with no values. Such a row — one label fragment, no
    numbering of its own, right after a row with values — is the end of that row's label.
    """
    if rows and page and _continues(rows[-1], page[0]):
        last = rows[-1]
        i = max(i for i, cell in enumerate(last) if cell and not is_value(cell))
        tail = "".join(cell for cell in page[0] if cell)
        return rows[:-1] + [last[:i] + [last[i] + tail] + last[i + 1:]] + page[1:]
    return rows + page


def _continues(previous: list[str], row: list[str]) -> bool:
    filled = [cell for cell in row if cell]
    return (len(row) > 1 and len(filled) == 1 and not is_value(filled[0])
            and not LABEL_START.match(compact(filled[0]))
            and any(cell and is_value(cell) for cell in previous)
            and any(cell and not is_value(cell) for cell in previous))


def title_lines(lines: list[list[Piece]]) -> list[list[Piece]]:
    """The first run of lines set larger than the body text: a title, often broken after the
    agency's name."""
    if not lines:
        return []
    sizes = [max(p.y1 - p.y0 for p in line) for line in lines]
    body = sorted(sizes)[len(sizes) // 2]
    title = []
    for line, size in zip(lines, sizes):
        if size >= body * _TITLE_SCALE:
            title.append(line)
        elif title:
            break
    return title


def line_text(line: list[Piece]) -> str:
    out = []
    previous = None
    for piece in line:
        if previous is not None:
            height = max(piece.y1 - piece.y0, previous.y1 - previous.y0)
            if piece.x0 - previous.x1 > height / 2:
                out.append(" ")
        out.append(piece.text)
        previous = piece
    return "".join(out)
