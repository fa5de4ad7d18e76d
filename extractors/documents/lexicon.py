"""The national template's printed words, to correct OCR misreadings of table labels.

Tesseract reads a label cell like "1.本机关不掌握相关政府信息" as "1.灰机关不掌担人关政府信息": close
enough for a person, not for keyword rules. The tables' labels are printed by a national template
(``extractors.keys``), so a label cell read by OCR is replaced by the template label it resembles
most, when the resemblance is strong. A cell that resembles nothing (a provincial extra row) stays
as read, so it still matches no canonical row.
"""
from __future__ import annotations

from difflib import SequenceMatcher
from functools import lru_cache

from ..keys import T2_GB2019, T2_GB2021, T3_COLUMNS, T3_ROWS_GB2019, T3_ROWS_GB2021, T4_RESULTS
from ..labels import LABEL_START, compact

# Header and group cells the templates print besides the row and column labels of extractors.keys.
_TEMPLATE_WORDS = (
    "信息内容", "第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项",
    "第二十条第（九）项", "第二十条第（十）项", "申请人情况", "法人或其他组织",
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理", "（七）总计",
    "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉",
    "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项",
)
_MIN_RATIO = 0.7  # below this the cell may be a label the template does not have
_NUMBERED_START = 2  # characters after a label's numbering that must be read right


def _words() -> tuple[str, ...]:
    words = set(_TEMPLATE_WORDS)
    for table in (T2_GB2021, T2_GB2019):
        for row, columns in table:
            words.add(row.label)
            words.update(column.label for column in columns)
    words.update(row.label for row in T3_ROWS_GB2021 + T3_ROWS_GB2019)
    words.update(column.label for column in T3_COLUMNS + T4_RESULTS)
    return tuple(sorted(words))


WORDS = _words()


@lru_cache(maxsize=4096)
def corrected(text: str) -> str:
    """The template word ``text`` was most likely read from, or ``text`` itself."""
    read = compact(text)
    if not read:
        return text
    best, best_ratio = None, _MIN_RATIO
    for word in WORDS:
        matcher = SequenceMatcher(None, read, compact(word), autojunk=False)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = word, ratio
    return best or _by_numbered_start(read) or text


def _by_numbered_start(read: str) -> str | None:
    """A numbered label cut short (wrapped onto the next page, half misread): its numbering and
    first two characters ("3.危及") name one template row."""
    numbering = LABEL_START.match(read)
    if not numbering or len(read) < numbering.end() + _NUMBERED_START:
        return None
    start = read[: numbering.end() + _NUMBERED_START]
    found = [word for word in WORDS if compact(word).startswith(start)]
    return found[0] if len(found) == 1 else None
