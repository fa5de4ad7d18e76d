"""Titles of items in a portal's annual-report column: is this a report, which year, or a companion?

Report titles follow ``<机关全称><YYYY>年(度)政府信息公开工作年度报告`` with variants (政务公开,
信息公开年度报告, 年报) and suffixes (图片版, 超链版). 图解 / 解读 pages explain a report and must not be
counted as a second report (spec §5). A 更正 (``关于…年度报告的更正说明``, ``…年度报告（更正）``) amends
one: it is read, and a corrected report it re-publishes is a new version of the report it corrects.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .years import first_year

REPORT = "report"
COMPANION = "companion"  # 图解, 解读: linked to a report, never counted as one
CORRECTION = "correction"  # 更正: amends a report; what it re-publishes is that report's next version

# A disclosure-report title: some 公开 wording, then 年度报告 / 年报 / 工作报告.
_REPORT_WORDS = re.compile(r"(政府信息公开|政务公开|信息公开).{0,12}(年度报告|年报|工作报告)")
_COMPANION_WORDS = re.compile(r"图解|解读|一图读懂|图说|说明会")
_CORRECTION_WORDS = re.compile(r"更正|勘误")
# Columns also carry notices *about* reports (关于报送/做好…年度报告…的通知): not a report either.
_NOTICE_WORDS = re.compile(r"^关于|通知$|通知[（(]|报送|编制|征集|工作要点|工作方案")


@dataclass(frozen=True)
class TitleKind:
    kind: str  # REPORT, COMPANION or CORRECTION
    year: int | None


def classify_title(title: str) -> TitleKind | None:
    """REPORT / COMPANION / CORRECTION with the report year, or None when the title is not about a
    report. A correction may not name the year (关于《…年度报告》的更正): its page does."""
    text = re.sub(r"\s+", "", title or "")
    if not _REPORT_WORDS.search(text):
        return None
    year = first_year(text)
    if _CORRECTION_WORDS.search(text):
        return TitleKind(CORRECTION, year)
    if _COMPANION_WORDS.search(text):
        return TitleKind(COMPANION, year)
    if _NOTICE_WORDS.search(text) or year is None:
        return None  # a title without a year is a column or a link to one (政府信息公开年报), not a report
    return TitleKind(REPORT, year)
