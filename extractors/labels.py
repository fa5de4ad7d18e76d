"""Row labels and section headings, matched by keywords rather than by equality.

Real reports reword labels, add provincial notes in brackets ("规章（设区的市、自治州人民政府应提供
相关数据）"), wrap them across lines, and carry typos ("其它" for 其他); so each canonical row is
recognised by the few characters that no other row of its table contains. Rules are tried in order:
the more specific first (（二）部分公开's note mentions 其他情形, so it must win over 其他).
"""
from __future__ import annotations

import re

from .keys import GB2019, GB2021

# --- section headings ------------------------------------------------------------------------
# Anchored at a line start and demanding each section's own wording, so that the numbered rows of
# table 三 ("一、本年新收…", "三、本年度办理结果", "四、结转下年度继续办理") are not taken for headings.
SECTION_HEADINGS = (
    ("一", re.compile(r"^[一1][、.．]\s*(总体情况|概述|基本情况|总体)")),
    ("二", re.compile(r"^[二2][、.．]\s*\S{0,8}主动公开")),
    ("三", re.compile(r"^[三3][、.．]\s*(收到|\S{0,12}申请(情况|公开))")),
    ("四", re.compile(r"^[四4][、.．]\s*\S{0,24}(行政复议|行政诉讼|复议)")),
    ("五", re.compile(r"^[五5][、.．]\s*\S{0,14}(问题|改进)")),
    ("六", re.compile(r"^[六6][、.．]\s*\S{0,4}(其他|其它)\S{0,8}(事项|报告)")),
)


def section_of_heading(line: str) -> str | None:
    """"一" … "六" when the line is a section heading of the post-2019 format, else None."""
    text = compact(line)
    if len(text) > 40:
        return None
    for number, pattern in SECTION_HEADINGS:
        if pattern.match(text):
            return number
    return None


_FOLD = str.maketrans("（）．：，", "().:,")


def compact(text: str) -> str:
    """A label without whitespace, with full-width brackets and dots folded to ASCII."""
    return re.sub(r"\s+", "", text).translate(_FOLD)


# Words that open a table when its section heading is missing: column headers and first rows,
# never found in prose ("第二十条" alone is: "按照条例第二十条规定…").
T2_START = re.compile(r"本年制发件数|本年新制作数量|本年处理决定数量|上一年项目数量|^第二十条第\(")
T3_START = re.compile(r"勾稽关系|申请人情况|本年新收.*申请数量")
T4_START = re.compile(r"结果维持|结果纠正|尚未审结|未经复议|复议后起诉")

# --- table 二 -----------------------------------------------------------------------------------
# (row key, keyword pattern). 其他对外管理服务事项 before 行政许可: a provincial label may join them.
T2_ROW_RULES = (
    ("other_service", re.compile(r"对外管理服务")),
    ("normative", re.compile(r"规范性文")),  # 文件, and the slip 文体
    ("regulation", re.compile(r"规章")),
    ("license", re.compile(r"行政许可")),
    ("penalty", re.compile(r"行政处罚")),
    ("coercion", re.compile(r"行政强制")),
    ("fees", re.compile(r"(行政)?事业性收费|收费")),
    ("procurement", re.compile(r"集中采购|采购")),
)

# Header rows of table 二's sub-tables: never data rows even when a keyword appears in them.
T2_HEADER = re.compile(r"信息内容|第二十条|本年处理决定数量|本年收费金额|采购项目数量|上一年项目数量|本年新制作")

# --- table 三 -----------------------------------------------------------------------------------
_T3_COMMON = (
    ("partial", re.compile(r"部分公开")),
    ("denied.state_secret", re.compile(r"国家秘密")),
    ("denied.prohibited", re.compile(r"禁止公开")),
    ("denied.security", re.compile(r"三安全|一稳定")),
    ("denied.third_party", re.compile(r"第三方")),
    ("denied.internal", re.compile(r"内部事务")),
    ("denied.process", re.compile(r"过程性")),
    ("denied.enforcement_file", re.compile(r"执法案卷")),
    ("denied.inquiry", re.compile(r"查询事项")),
    ("unable.not_held", re.compile(r"不掌握")),
    ("unable.needs_creation", re.compile(r"另行制作|没有现成")),
    ("unable.unclear", re.compile(r"仍不明确|补正后")),
    ("rejected.petition", re.compile(r"信访|举报投诉")),
    ("rejected.duplicate", re.compile(r"重复申请")),
    ("rejected.publication", re.compile(r"出版物")),
    ("rejected.excessive", re.compile(r"大量反复|反复申请")),
    ("rejected.confirmation", re.compile(r"重新出具|确认")),
    ("granted", re.compile(r"予以公开")),
    ("new", re.compile(r"新收")),
    ("carried_in", re.compile(r"上年结转|上年度结转")),
    ("carried_over", re.compile(r"结转下年|下年度继续")),
    ("total", re.compile(r"总计|合计")),
)
T3_ROW_RULES = {
    GB2021: (
        ("other.no_correction", re.compile(r"不补正")),
        ("other.no_fee", re.compile(r"缴纳费用|收费通知")),
    )
    + _T3_COMMON
    + (("other.misc", re.compile(r"其他|其它")),),
    GB2019: _T3_COMMON + (("other", re.compile(r"其他处理|其它处理|其他|其它")),),
}

# gb2021's sub-rows of （六）其他处理, sometimes kept by reports on the gb2019 layout.
GB2021_OTHER_SUBROWS = re.compile(r"不补正|缴纳费用|收费通知")

# The header of table 三 (申请人情况, 自然人 …): text that never labels a data row.
T3_HEADER = re.compile(r"申请人情况|自然人|商业企业|勾稽关系")

# --- table 四 -----------------------------------------------------------------------------------
T4_GROUP_RULES = (
    ("suit_after_review", re.compile(r"复议后起诉")),
    ("suit_direct", re.compile(r"未经复议|直接起诉")),
    ("review", re.compile(r"行政复议")),
)


# A label's own numbering ("1.", "（二）", "三、"): where a label wrapped over several lines begins.
LABEL_START = re.compile(r"^(\(?[一二三四五六七八九十]{1,3}[)、]|\(\d{1,2}\)|\d{1,2}[.、])")


def match_rule(label: str, rules) -> str | None:
    """The key of the first rule whose keywords occur in the label."""
    text = compact(label)
    for key, pattern in rules:
        if pattern.search(text):
            return key
    return None
