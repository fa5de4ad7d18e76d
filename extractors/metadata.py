"""Who wrote a report, for which year, under which title, and its sections 一 … 六.

Titles follow ``<机关全称><YYYY>年(度)政府信息公开工作年度报告`` with variants ("信息公开工作2021年度
报告", 政务公开…年报). The name in the title is sometimes short ("工信局") while the prose names the
agency in full ("新华区工业和信息化局"): the full name is what researchers group by, so a title name
without any place in it is looked up in the prose.
"""
from __future__ import annotations

import re
from collections import Counter

from . import labels
from .years import YEAR, arabic_years

_REPORT_TITLE = re.compile(r"(政府信息公开|政务公开|信息公开|政务信息公开).{0,16}(年度报告|年报|工作报告|报告)")
_SENTENCE_MARKS = re.compile(r"[，。：；]")
# Titles about reports that are other documents: "关于做好2021年…年度报告编制工作的通知".
_OTHER_DOCUMENT = re.compile(r"(通知|意见|方案|办法|要点|公告|通告|函|批复|决定)$")
# A field label in front of a title ("标题:", "题名：", "文章标题："), as page dumps and CMS info bars print it.
_FIELD_LABEL = re.compile(r"^\s*(?:[\u4e00-\u9fa5]{1,4}|[Tt]itle)\s*[:：]\s*")
_BREADCRUMB = re.compile(r"当前位置|您的位置|所在位置")
_CRUMB_SEPARATORS = re.compile(r"[>»＞/→]")
_REPORT_WORDS = re.compile(r"(关于)?(政府信息公开|政务公开|政务信息公开|信息公开)")
# A place in an agency name: what a short title name ("工信局") lacks.
_PLACE = re.compile(r"省|市|区|县|州|旗|盟|镇|乡|街道|自治")
_PLACE_OR_PEOPLE = re.compile(r"(人民|省|市|区|县|州|旗|盟|镇|乡)$")
_AGENCY_END = re.compile(r"(政府|局|委员会|委|办公室|办|厅|部|院|署|中心|所|站|馆|会|处)$")
_HAN = re.compile(r"[\u4e00-\u9fa5]")
# Words that run into an agency name in prose ("2021年度新华区…", "我局", "根据…").
_LEADING_WORDS = re.compile(r"^(年度|年|度|月|日|我|本|在|由|对|经|与|及|和|是|为|据|向|将|把|被|从|于|以|即|"
                            r"其中|根据|按照|依据|通过|今年以来|一年来|近年来|以来|全年|报告期内|截至|同时|中共)")
# An organ's name in prose: Han characters up to an organ suffix (non-greedy: the first suffix).
_ORGAN_NAME = re.compile(r"[\u4e00-\u9fa5]{2,24}?(?:人民政府办公室|人民政府|委员会|办公室|局|厅|署|中心)")
_SITE_WORDS = re.compile(r"(门户网站|政府网站|网站|政务网|官网)$")
_REGION_SUFFIXES = ("人民政府", "政府")

ORGAN = "organ"
REGION = "region"


def find_title(lines: list[str], candidates: list[str] = ()) -> str | None:
    """The report's title: a page title candidate, else a line near the top of the text."""
    for candidate in candidates:
        title = _strip_field_label(_strip_breadcrumb(candidate))
        if _is_title(title):
            return title
    head = [_strip_field_label(line.strip()) for line in lines[:40] if line.strip()][:15]
    for i, line in enumerate(head):
        if _is_title(line):
            before = head[i - 1] if i else ""
            if _title_agency(line) is None and _names_an_agency(before):
                return before + line  # "淮安市人民政府" above "2024年政府信息公开工作年度报告"
            return line
    for first, second in zip(head, head[1:]):  # a title wrapped onto two lines
        if (not labels.section_of_heading(first) and not is_other_document(first)
                and not _SENTENCE_MARKS.search(first + second) and _is_title(first + second)):
            return first + second
    return None


def is_other_document(title: str) -> bool:
    """A notice, plan or reply about reports ("…年度报告编制工作的通知"), not a report."""
    return bool(_OTHER_DOCUMENT.search(labels.compact(title)))


def _names_an_agency(line: str) -> bool:
    return 2 <= len(line) <= 30 and bool(_AGENCY_END.search(line)) and not labels.section_of_heading(line)


def _is_title(text: str) -> bool:
    text = arabic_years(labels.compact(text))
    if is_other_document(text):
        return False
    return bool(_REPORT_TITLE.search(text) and YEAR.search(text)) and len(text) <= 70


def _strip_field_label(text: str) -> str:
    """"标题: 某某局2021年…报告" → the title: a page dump or a CMS field label is not part of it."""
    match = _FIELD_LABEL.match(text)
    return text[match.end():] if match and _is_title(text[match.end():]) else text


def _strip_breadcrumb(text: str) -> str:
    """"当前位置：首页 > 年报 > 某局2021年…报告" → the last crumb."""
    if _BREADCRUMB.search(text):
        return _CRUMB_SEPARATORS.split(text)[-1].strip()
    return text.strip()


def find_year(title: str | None, text: str) -> int | None:
    """The report year: the title's, else the year the opening of the text names most."""
    if title:
        match = YEAR.search(arabic_years(labels.compact(title)))
        if match:
            return int(match.group(1))
    years = Counter(int(m.group(1)) for m in YEAR.finditer(arabic_years(text[:3000])))
    return years.most_common(1)[0][0] if years else None


def find_agency(title: str | None, text: str, page_names: list[str] = ()) -> str | None:
    """The agency's full name as the report gives it."""
    name = _title_agency(title) if title else None
    if name and _PLACE.search(name):
        return name
    if name:
        return _full_name(name, text) or name
    named = _prose_agency(text)
    if named:
        return named
    for candidate in page_names:  # a page title part naming the site, e.g. "某某区人民政府"
        candidate = _SITE_WORDS.sub("", candidate)
        if _PLACE.search(candidate) and not _REPORT_TITLE.search(candidate) and len(candidate) <= 30:
            return candidate
    return None


def confirm_agency(agency: str | None, text: str, page_names: list[str] = ()) -> str | None:
    """The agency, unless the rest of the document (prose, page title, site name) spells it with one
    character different more often than the report does itself — a title OCR misread ("人民政俯"),
    or a typo in the title that the body and the site get right."""
    if not agency or len(agency) < 4:
        return agency
    pool = "\n".join([text, *page_names])
    variants = re.compile("|".join(re.escape(agency[:i]) + "[\u4e00-\u9fa5]" + re.escape(agency[i + 1:])
                                   for i in range(len(agency))))
    found = Counter(m.group(0) for m in variants.finditer(pool) if m.group(0) != agency)
    if not found:
        return agency
    variant, count = found.most_common(1)[0]
    return variant if count > max(1, pool.count(agency)) else agency


def _prose_agency(text: str) -> str | None:
    """The agency a title does not name, as the opening prose names it most often
    ("2021年，临江市财政局坚持…")."""
    found: Counter[str] = Counter()
    for match in _ORGAN_NAME.finditer(text[:3000]):
        name = _strip_leading_words(match.group(0))
        if _PLACE.search(name) and len(name) >= 4:
            found[name] += 1
    if not found:
        return None
    return max(found, key=lambda name: (found[name], len(name)))


def _strip_leading_words(run: str) -> str:
    while True:
        stripped = _LEADING_WORDS.sub("", run)
        if stripped == run:
            return run
        run = stripped


def _title_agency(title: str) -> str | None:
    text = re.sub(r"^关于", "", arabic_years(labels.compact(title)))
    cut = len(text)
    year = YEAR.search(text)
    if year:
        cut = year.start()
        if len(_HAN.findall(text[:cut])) < 2:  # "2021年某某局政府信息公开…": the name follows the year
            text = re.sub(r"^\S*?\d{4}\s*年度?", "", text)
            cut = len(text)
    words = _REPORT_WORDS.search(text[:cut])
    if words:
        cut = words.start()
        if text.startswith("政府", cut) and _PLACE_OR_PEOPLE.search(text[:cut]):
            cut += 2  # "某某县人民政府信息公开…": 政府 ends the name, 信息公开 starts the report words
    name = re.sub(r"(关于|的|[(（\[【《]+)$", "", text[:cut])
    name = re.sub(r"^(关于|[)）\]】》《“「]+)+", "", name)  # 关于《…》的更正说明: the name is inside the quotes
    return name if len(_HAN.findall(name)) >= 2 else None


def _full_name(short: str, text: str) -> str | None:
    """The longest-named, most frequent name in the prose that spells out ``short`` ("工信局")."""
    found: Counter[str] = Counter()
    for match in re.finditer(re.escape(short[-1]), text):
        start = match.end()
        while start > 0 and _HAN.match(text[start - 1]) and match.end() - start < 30:
            start -= 1
        run = _strip_leading_words(text[start : match.end()])
        if len(run) > len(short) and _PLACE.search(run) and _is_subsequence(short, run):
            found[run] += 1
    if not found:
        return None
    return max(found, key=lambda name: (found[name], len(name)))


def _is_subsequence(short: str, name: str) -> bool:
    chars = iter(name)
    return all(ch in chars for ch in short)


def scope_of(agency: str | None) -> str | None:
    """"region" for a whole region's report (a 人民政府), "organ" for an agency's own."""
    if not agency:
        return None
    return REGION if agency.endswith(_REGION_SUFFIXES) else ORGAN


def find_sections(lines: list[str], numbered_headings: bool) -> dict[str, str]:
    """Section number ("一" … ) → its text. Post-2019 reports are split on their fixed headings;
    older ones on any heading line numbered in sequence (一、 二、 三、 …)."""
    sections: dict[str, list[str]] = {}
    current = None
    expected = iter("一二三四五六七八九十")
    next_number = next(expected)
    for line in lines:
        stripped = line.strip()
        number = labels.section_of_heading(stripped) if numbered_headings else _free_heading(stripped, next_number)
        if number and number not in sections:
            current = number
            sections[current] = []
            if not numbered_headings:
                next_number = next(expected, None)
            continue
        if current and stripped:
            sections[current].append(stripped)
    return {number: "\n".join(body) for number, body in sections.items()}


def _free_heading(line: str, number: str | None) -> str | None:
    if number and len(line) <= 40 and re.match(rf"^{number}[、.．]", line):
        return number
    return None
