"""Rows of cell texts → the canonical cells of tables 二, 三 and 四.

The input is a grid as any source gives it: the rows of an HTML table after rowspan/colspan
expansion, of a DOCX or XLSX table, or the pseudo-rows ``extractors.text_rows`` makes from plain
text. Prose rows may sit between tables; section headings (二、主动公开…) and the tables' own header
words tell which table a row belongs to.

A data row is read as its label cells followed by its value cells. The label is matched by keywords
(``extractors.labels``); the values are taken only when their count is what the row should have —
otherwise the row is reported as a problem and its cells stay null, because a shifted column gives
plausible wrong numbers, and a wrong number is worse than none. Two exceptions rest on the tables'
own arithmetic (``extractors.digit_runs``): cells run together into one run of digits, and a row
a scan read one cell short or lost, are read where the row and column sums allow one reading only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import digit_runs, labels
from .keys import (FREEFORM, GB2019, GB2021, T2_GB2019, T2_GB2021, T3_COLUMNS, T3_OUTCOME_ROWS_GB2019,
                   T3_OUTCOME_ROWS_GB2021, T4_KEYS, T4_RESULTS, keys_for, t3_rows)
from .model import Number
from .values import clean_cell, is_number, is_value, parse_value

T2, T3, T4 = "table 二", "table 三", "table 四"
_SECTION_TABLE = {"二": T2, "三": T3, "四": T4}

# Words of each template's table headers (spec §1): what tells the templates apart.
_GB2021_WORDS = ("本年制发件数", "本年废止件数", "本年度止件数", "现行有效件数", "本年收费金额", "逾期不补正", "缴纳费用")
_GB2019_WORDS = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "对外管理服务事项", "集中采购")
# Phrases of the national tables' headers and row labels that free-form reports do not use.
_NATIONAL_PHRASES = (
    "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "处理决定数量", "本年制发件数",
    "本年废止件数", "现行有效件数", "本年收费金额", "三安全一稳定", "三类内部事务", "四类过程性", "行政执法案卷",
    "行政查询事项", "本机关不掌握", "另行制作", "补正后申请内容", "信访举报投诉类", "公开出版物", "大量反复申请",
    "重新出具", "结果维持", "结果纠正", "尚未审结", "未经复议直接起诉", "复议后起诉", "勾稽关系",
    "本年新收政府信息公开申请", "上年结转政府信息公开申请", "结转下年度继续办理", "申请人情况",
)
_MIN_NATIONAL = 3  # table 四 alone prints 5 of them, table 二 alone 3 to 5, table 三 over 10
_MIN_NATIONAL_BEFORE_2019 = 8


@dataclass
class Row:
    """One row of the grid, split into its label cells and the value cells after the last label."""

    labels: list[str]
    values: list[str]

    @classmethod
    def of(cls, cells: list[str]) -> "Row":
        cells = [cell.strip() for cell in cells]
        last_label = max((i for i, c in enumerate(cells) if c and not is_value(c)), default=-1)
        return cls([c for c in cells[: last_label + 1] if c and not is_value(c)], cells[last_label + 1 :])

    @property
    def text(self) -> str:
        return "".join(self.labels)


@dataclass
class TableReading:
    """What the tables of one report gave: cells of one template, raw texts, problems."""

    template: str | None
    cells: dict[str, Number | None] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    tables_found: set[str] = field(default_factory=set)
    run_together: bool = False  # a row's cells came as one run of digits (a dump without separators)


def detect_template(text: str, year: int | None = None) -> str:
    """gb2021 / gb2019 from the tables' wording; freeform when the national tables are not there.

    Reports of 2008–2018 speak of 予以公开, 上年结转, 政府集中采购 or 行政许可 in their prose and local
    统计表 too, so one shared word never makes a national table: it takes several phrases that only
    the national tables print, and more for a report dated before the national format existed
    (2019), whose year is rarely wrong.
    """
    text = labels.compact(text)
    national = sum(phrase in text for phrase in _NATIONAL_PHRASES)
    if national < (_MIN_NATIONAL_BEFORE_2019 if year is not None and year < 2019 else _MIN_NATIONAL):
        return FREEFORM
    score_2021 = sum(word in text for word in _GB2021_WORDS)
    score_2019 = sum(word in text for word in _GB2019_WORDS)
    if score_2021 or score_2019:
        return GB2021 if score_2021 > score_2019 else GB2019
    return GB2019 if "其他处理" in text and "不补正" not in text else GB2021


def read_grid(grid: list[list[str]], template: str | None = None) -> TableReading:
    """Read tables 二/三/四 from rows of cell texts (a grid after rowspan/colspan expansion).

    ``template`` is detected from the grid's own words when not given. Every key of the template
    is in ``cells`` (None where the table was blank or could not be read).
    """
    rows = _join_number_lines([Row.of(cells) for cells in grid if any(c.strip() for c in cells)])
    if template is None:
        template = detect_template("".join(r.text for r in rows))
    reading = TableReading(template)
    if template == FREEFORM:
        return reading
    reading.cells = dict.fromkeys(keys_for(template))
    regions = _split_regions(rows)
    # 三 and 四 first: their sums tell whether the document runs cells together, which 二 needs to know.
    _read_t3(regions[T3], template, reading)
    _read_t4(regions[T4], reading)
    _read_t2(regions[T2], template, reading)
    return reading


def _join_number_lines(rows: list[Row]) -> list[Row]:
    """Consecutive rows of values only are one row wrapped over lines (text from a PDF gives a
    row's numbers one per line, or table 四's fifteen over two lines)."""
    joined: list[Row] = []
    for row in rows:
        if not row.labels and joined and not joined[-1].labels and joined[-1].values:
            joined[-1] = Row([], joined[-1].values + row.values)
        else:
            joined.append(row)
    return joined


def _split_regions(rows: list[Row]) -> dict[str, list[Row]]:
    """Each table's rows, by section headings and, where headings are missing (a grid given alone,
    a heading worded oddly), by words only a table's own header or first row contains."""
    regions: dict[str, list[Row]] = {T2: [], T3: [], T4: []}
    order = (None, T2, T3, T4)
    current = None
    for row in rows:
        if len(row.labels) == 1 and not any(row.values):
            heading = labels.section_of_heading(row.labels[0])
            if heading:
                current = _SECTION_TABLE.get(heading)
                continue
        text = labels.compact(row.text)
        for table, marker in ((T4, labels.T4_START), (T3, labels.T3_START), (T2, labels.T2_START)):
            if order.index(table) > order.index(current) and marker.search(text):
                current = table
                break
        if current:
            regions[current].append(row)
    return regions


def _match_label(pending: list[str], own: list[str], rules) -> str | None:
    """The key of a data row's label, which may have wrapped over several label-only rows.

    The label is read back from the value cells to where its numbering ("1.", "（二）") starts, so
    the tail of a wrapped label ("不计其他情形）") is never matched alone. Without numbering, the
    nearest fragments that match win — but a row with a label of its own that matches nothing
    is a row the template does not have (a provincial extra row), never the label-only row above
    it, which is a blank row whose cells a text layout dropped.
    """
    fragments = pending + own
    for start in range(len(fragments) - 1, -1, -1):
        if labels.LABEL_START.match(labels.compact(fragments[start])):
            key = labels.match_rule("".join(fragments[start:]), rules)
            if key:
                return key
            break
    earliest = len(pending) if own else 0
    for start in range(len(fragments) - 1, earliest - 1, -1):
        key = labels.match_rule("".join(fragments[start:]), rules)
        if key:
            return key
    return None


def _fit(values: list[str], width: int) -> list[str] | None:
    """The row's ``width`` value cells: drop the empty cells merged labels and trailing tabs leave."""
    values = list(values)
    while len(values) > width and not values[-1]:
        values.pop()
    while len(values) > width and not values[0]:
        values.pop(0)
    if len(values) > width and all(v == values[width - 1] for v in values[width:]):
        values = values[:width]  # a last value cell spanning columns, repeated by the grid's expansion
    return values if len(values) == width else None


def _value_offsets(rows: list[list[str]], width: int) -> dict[int, int]:
    """Where a table's ``width`` value columns start among rows of n cells, for each n: a row with
    blank cells at both ends (a partly blank row, an empty label column before its values) cannot
    say which blanks are padding; the table's other rows of the same length that can say decide."""
    forced: dict[int, set[int]] = {}
    for values in rows:
        valid = _valid_offsets(values, width)
        if len(values) > width and len(valid) == 1:
            forced.setdefault(len(values), set()).update(valid)
    return {n: offsets.pop() for n, offsets in forced.items() if len(offsets) == 1}


def _valid_offsets(values: list[str], width: int) -> list[int]:
    return [o for o in range(len(values) - width + 1) if not any(values[:o]) and not any(values[o + width:])]


def _aligned(values: list[str], width: int, offset: int | None) -> list[str] | None:
    if offset is None or len(values) <= width or offset not in _valid_offsets(values, width):
        return None
    return values[offset:offset + width]


def _store(reading: TableReading, keys: list[str], cells: list[str]) -> None:
    for key, cell in zip(keys, cells):
        reading.cells[key] = parse_value(cell)
        reading.raw[key] = clean_cell(cell)


# Table 三's numbering: top-level rows ("一、", "二、", "四、"), groups and rows ("（一）" … "（七）"),
# items in a group ("1." … "8.").
_NUMBERED_T3 = re.compile(r"^(?:(?P<top>[一二四])、|\((?P<group>[一二三四五六七])\)|(?P<item>\d{1,2})[.、])")
_T3_GROUPS = {"三": "denied", "四": "unable", "五": "rejected", "六": "other"}
_T3_NUMBERED = {"一": "new", "二": "carried_in", "四": "carried_over"}
_T3_GROUP_ROWS = {"一": "granted", "二": "partial", "六": "other", "七": "total"}


def _store_readings(reading: TableReading, table: str, keys: list[str], options: list[tuple]) -> None:
    """Cells from a row's readings: what they all agree on; null, named in a problem, elsewhere."""
    values = digit_runs.agreed(options)
    for key, value in zip(keys, values):
        reading.cells[key] = value
        if value is not None:
            reading.raw[key] = str(value)
    unsure = [key for key, value, *rest in zip(keys, values, *options) if value is None and any(v is not None for v in rest)]
    if unsure:
        reading.problems.append(f"{table}: run-together digits the sums do not split with certainty: {', '.join(unsure)}")


def _data_rows(region: list[Row], header):
    """(label-only rows' fragments before it, its own label cells, value cells) of each row that
    has values; header rows never count as labels."""
    pending: list[str] = []
    for row in region:
        text = labels.compact(row.text)
        is_header = bool(header.search(text))
        if not row.values:
            if not is_header:
                pending.extend(row.labels)
            continue
        own = row.labels
        if is_header:
            # A dump without separators glues the header to the first row's label in one cell
            # ("…信息内容本年处理决定数量行政许可" + 10690): the label is what follows the header words.
            last = labels.compact(row.labels[-1]) if row.labels else ""
            ends = [m.end() for m in header.finditer(last)]
            own = [last[max(ends):]] if ends and last[max(ends):] and any(is_number(v) for v in row.values) else []
        yield pending, own, row.values
        pending = []


def _read_t2(region: list[Row], template: str, reading: TableReading) -> None:
    if not region:
        reading.problems.append(f"{T2}: not found")
        return
    reading.tables_found.add(T2)
    columns = {row.key: [c.key for c in cols] for row, cols in (T2_GB2021 if template == GB2021 else T2_GB2019)}
    # Only this template's rows: "行政许可（含其他对外管理服务事项）" is 行政许可 in gb2021.
    rules = tuple(rule for rule in labels.T2_ROW_RULES if rule[0] in columns)
    seen: set[str] = set()  # rows read with numbers: a later row with the same label is a duplicate
    read: set[str] = set()  # rows read at all: a blank row may be a group label, a later row wins
    for pending, own, values in _data_rows(region, labels.T2_HEADER):
        row_key = _match_label(pending, own, rules)
        if row_key is None or row_key in seen:
            continue
        keys = [f"t2.{row_key}.{col}" for col in columns[row_key]]
        fitted = _fit(values, len(keys))
        if fitted is None:
            # No sums in table 二: a run of digits is cut only where one cut exists ("000"), and only
            # in a document whose other tables were run together (else "100" may be one number).
            options = digit_runs.splits(values, len(keys)) if reading.run_together else None
            if not options:
                reading.problems.append(f"{T2}: row {row_key} has {len(values)} values, expected {len(keys)}")
                continue
            _store_readings(reading, T2, keys, options)
            seen.add(row_key)
            read.add(row_key)
            continue
        _store(reading, keys, fitted)
        if any(fitted):
            seen.add(row_key)
        read.add(row_key)
    missing = [key for key in columns if key not in read and not _printed_blank(region, key, rules)]
    if missing:
        reading.problems.append(f"{T2}: rows not read: {', '.join(missing)}")


def _read_t3(region: list[Row], template: str, reading: TableReading) -> None:
    if not region:
        reading.problems.append(f"{T3}: not found")
        return
    reading.tables_found.add(T3)
    rules = labels.T3_ROW_RULES[template]
    row_keys = [row.key for row in t3_rows(template)]
    outcomes = T3_OUTCOME_ROWS_GB2021 if template == GB2021 else T3_OUTCOME_ROWS_GB2019
    if template == GB2019 and any(labels.GB2021_OTHER_SUBROWS.search(labels.compact(r.text)) for r in region):
        # A gb2019 report with gb2021's three （六） sub-rows: its single 其他处理 figure is their sum,
        # which the report does not print; leave it null rather than compute or pick one.
        reading.problems.append(f"{T3}: gb2021 sub-rows of （六）其他处理 in a gb2019 table; t3.other not read")
        rules = tuple(rule for rule in rules if rule[0] != "other")
        row_keys = [key for key in row_keys if key != "other"]
        outcomes = ()
    subtotal = _t3_subtotal_column(region)
    width = len(T3_COLUMNS) + (subtotal is not None)
    seen: set[str] = set()
    read: dict[str, list[tuple]] = {}  # row → its readings (several where run-together digits allow)
    printed: dict[str, list[str]] = {}  # row → cell texts as printed, for rows read plainly
    group = last_group = None  # the outcome group ("（三）不予公开" …) the rows are in, by its numbering
    data_rows = list(_data_rows(region, labels.T3_HEADER))
    offsets = _value_offsets([values for _, _, values in data_rows], width)
    for pending, own, values in data_rows:
        group = _t3_group(pending + own, own or pending, group, last_group)
        last_group = group or last_group
        row_key = _match_label(pending, own, rules)
        placed = _numbered_row(own or pending, group, row_keys)
        if row_key is None or _in_other_group(own or pending, group, row_key):
            row_key = placed
        if row_key is None or row_key in seen:
            continue
        fitted = _aligned(values, width, offsets.get(len(values))) or _fit(values, width)
        if fitted is not None:
            if subtotal is not None:
                del fitted[subtotal]
            printed[row_key] = fitted
            read[row_key] = [tuple(parse_value(cell) for cell in fitted)]
        else:
            options = digit_runs.splits(values, width, ((0, width),)) if subtotal is None else None
            if options:
                reading.run_together = True
            elif subtotal is None and all(is_value(v) for v in values):
                options = digit_runs.one_missing([parse_value(v) for v in values], width, ((0, width),))
            if not options:
                reading.problems.append(f"{T3}: row {row_key} has {len(values)} values, expected {width}")
                continue
            read[row_key] = options
            printed.pop(row_key, None)
        if any(v is not None for option in read[row_key] for v in option):
            seen.add(row_key)
    for key in row_keys:
        if key not in read and _printed_blank(region, key, rules):
            read[key] = [(None,) * len(T3_COLUMNS)]
    sums = [digit_runs.ColumnSum(("new", "carried_in"), ("total", "carried_over"))]
    if outcomes:
        sums.append(digit_runs.ColumnSum(("total",), tuple(outcomes)))
    if any(len(options) > 1 for options in read.values()):
        read = digit_runs.resolve(read, sums)
    # A row lost whole (a scan) where a column sum pins it, and its own total agrees.
    for row_key, values in digit_runs.derive_missing(read, sums, row_keys).items():
        if values[-1] == sum(values[:-1]):
            read[row_key] = [_house_zeros(values, printed)]
            reading.problems.append(f"{T3}: row {row_key} not found; computed from the column sums")
    for row_key, options in read.items():
        keys = [f"t3.{row_key}.{col.key}" for col in T3_COLUMNS]
        if row_key in printed:
            _store(reading, keys, printed[row_key])
            continue
        _store_readings(reading, T3, keys, options)
    missing = [key for key in row_keys if key not in read]
    if missing:
        reading.problems.append(f"{T3}: rows not read: {', '.join(missing)}")


def _t3_group(fragments: list[str], label: list[str], group: str | None, last_group: str | None) -> str | None:
    """The outcome group a row of table 三 sits in: set by a group label's numbering ("（三）…"),
    left by a top-level row ("（七）总计", "四、结转…"). Where the group label is unreadable (a
    scan's "(引不了" for "（三）不予公开"), an item numbered 1 opens the group after the last one."""
    explicit = None
    for fragment in fragments:
        match = _NUMBERED_T3.match(labels.compact(fragment))
        if match and (match.group("group") or match.group("top")):
            explicit = match.group("group") if match.group("group") in _T3_GROUPS else ""
    if explicit is not None:
        return explicit or None
    item = _NUMBERED_T3.match(labels.compact(label[-1])) if label else None
    if item and item.group("item") == "1":
        order = list(_T3_GROUPS)
        return order[order.index(last_group) + 1] if last_group in order[:-1] else None if last_group else order[0]
    return group


def _numbered_row(fragments: list[str], group: str | None, row_keys: list[str]) -> str | None:
    """A row whose words match no rule (a typo, a provincial or shortened wording), named by its
    place in the national template instead: "5." in group （三） is 5.属于三类内部事务信息, "（一）" is
    予以公开, "四、" is 结转下年度继续办理. A number the template does not have names nothing."""
    if not fragments:
        return None
    text = labels.compact(fragments[-1])
    match = _NUMBERED_T3.match(text)
    if not match:
        return None
    if match.group("item"):
        if group is None:
            return None
        items = [key for key in row_keys if key.startswith(_T3_GROUPS[group] + ".")]
        index = int(match.group("item")) - 1
        return items[index] if index < len(items) else None
    key = _T3_GROUP_ROWS.get(match.group("group")) if match.group("group") else _T3_NUMBERED.get(match.group("top"))
    return key if key in row_keys else None


def _in_other_group(fragments: list[str], group: str | None, key: str) -> bool:
    """True when a numbered item of a group matched the words of another group's row: "9.属于其他
    情形" under （三）不予公开 is a provincial extra row, not （六）'s "3.其他"."""
    numbered = _NUMBERED_T3.match(labels.compact(fragments[-1])) if fragments else None
    return bool(numbered and numbered.group("item") and group and not key.startswith(_T3_GROUPS[group] + "."))


def _house_zeros(values: tuple, printed: dict[str, list[str]]) -> tuple:
    """Zeros of a computed row as the table writes them: blank where it prints no 0 anywhere."""
    prints_zero = any(parse_value(cell) == 0 for cells in printed.values() for cell in cells if cell)
    return values if prints_zero else tuple(v or None for v in values)


def _t3_subtotal_column(region: list[Row]) -> int | None:
    """Where a 法人或其他组织 小计 column sits among the values, in the tables that add one (not the
    national format): read from the header row that names the organisation columns in order."""
    for row in region:
        text = labels.compact(row.text)
        if "小计" in text and "商业企业" in text:
            if text.index("小计") > text.index("其他", text.index("商业企业")):
                return 6  # 自然人, five organisation columns, 小计, 总计
            if text.index("小计") < text.index("商业企业"):
                return 1  # 自然人, 小计, five organisation columns, 总计
            return None
    return None


def _printed_blank(region: list[Row], key: str, rules) -> bool:
    """True when the row's label is there without any value cells: a blank row in a text layout
    that drops blank cells. Its cells stay null, which is what the report says."""
    return any(not row.values and labels.match_rule(row.text, rules) == key for row in region)


def _read_t4(region: list[Row], reading: TableReading) -> None:
    """Table 四 is one row of 15 values; its stacked header is not read, only the run of numbers."""
    if not region:
        reading.problems.append(f"{T4}: not found")
        return
    reading.tables_found.add(T4)
    runs = [row.values for row in region if row.values]
    for values in runs:
        fitted = _fit(values, len(T4_KEYS))
        if fitted is not None:
            _store(reading, list(T4_KEYS), fitted)
            return
    wrapped = _t4_wrapped(region)
    if wrapped is not None:
        _store(reading, list(T4_KEYS), wrapped)
        return
    by_group = _t4_by_group(region)
    if by_group is not None:
        _store(reading, list(T4_KEYS), by_group)
        return
    groups = tuple((start, start + len(T4_RESULTS)) for start in range(0, len(T4_KEYS), len(T4_RESULTS)))
    for values in runs:
        options = digit_runs.splits(values, len(T4_KEYS), groups)
        if options:
            reading.run_together = True
            _store_readings(reading, T4, list(T4_KEYS), options)
            return
    for values in runs:  # a row OCR read one cell short: the group totals may say which cell
        if len(values) == len(T4_KEYS) - 1 and all(is_value(v) for v in values):
            options = digit_runs.one_missing([parse_value(v) for v in values], len(T4_KEYS), groups)
            if options:
                _store_readings(reading, T4, list(T4_KEYS), options)
                return
    reading.problems.append(f"{T4}: no row of {len(T4_KEYS)} values found")


def _t4_wrapped(region: list[Row]) -> list[str] | None:
    """The 15 numbers wrapped over consecutive lines of numbers (a narrow PDF page)."""
    run: list[str] = []
    for row in region:
        if row.values and not row.labels:
            run += row.values
            fitted = _fit(run, len(T4_KEYS))
            if fitted is not None:
                return fitted
        else:
            run = []
    return None


def _t4_by_group(region: list[Row]) -> list[str] | None:
    """Table 四 laid out one group per row ("行政复议 0 0 0 0 0"), as some portals transpose it."""
    groups: dict[str, list[str]] = {}
    for row in region:
        key = labels.match_rule(row.text, labels.T4_GROUP_RULES)
        fitted = _fit(row.values, 5) if row.values else None
        if key and fitted is not None and key not in groups:
            groups[key] = fitted
    if len(groups) != 3:
        return None
    return groups["review"] + groups["suit_direct"] + groups["suit_after_review"]
