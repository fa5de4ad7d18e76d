"""The words the replica prints: table labels and report prose, kept as data of the replica's own.

The extractor matches labels by its own keyword lists (``extractors.labels``); if the replica took
its labels from the same place, every test would grade the extractor against itself. So the replica
spells its words here, from the national templates as agencies print them (国办公开办函〔2019〕60号 and
〔2021〕30号) and from how real reports reword them (``shared/spec/research-notes.md``, the seeds and
the real samples: provincial notes, shortened labels, wordings of older 统计表, typing slips). Only
the cell *keys* (the data contract) come from ``extractors.keys``; nothing here does.

``LABELS`` is what a report on the template prints (the designed layouts); ``VARIANTS`` holds other
wordings for the same cells, in three kinds: ``provincial`` (notes, longer official wordings),
``short`` (abbreviations), ``typo`` (slips seen in real tables beyond the three of report-format
§1). ``PROSE`` holds sentence patterns for the pre-2019 reports' figures, in several wordings.
"""
from __future__ import annotations

# --- labels as the templates print them ----------------------------------------------------
# Keys are cell-key prefixes: "t2.<row>", "t2.col.<column>", "t3.<row>", "t3.col.<column>",
# "t4.<group|result>", "ff.<figure>". A "\n" is a line break inside a Word cell.

LABELS: dict[str, str] = {
    # table 二, rows
    "t2.regulation": "规章",
    "t2.normative.gb2021": "行政规范性文件",
    "t2.normative.gb2019": "规范性文件",
    "t2.license": "行政许可",
    "t2.other_service": "其他对外管理服务事项",
    "t2.penalty": "行政处罚",
    "t2.coercion": "行政强制",
    "t2.fees": "行政事业性收费",
    "t2.procurement": "政府集中采购",
    "t2.head": "信息内容",
    "t2.extra_row": "其他主动公开文件",  # a provincial row (Hubei 2020), not a canonical cell
    # table 二, column headers
    "t2.col.issued": "本年制发\n件数",
    "t2.col.repealed": "本年废止\n件数",
    "t2.col.in_force": "现行有效\n件数",
    "t2.col.decisions.gb2021": "本年处理决定数量",
    "t2.col.amount_wan": "本年收费金额（单位：万元）",
    "t2.col.made": "本年新\n制作数量",
    "t2.col.published": "本年新\n公开数量",
    "t2.col.total_published": "对外公开\n总数量",
    "t2.col.prev_items": "上一年\n项目数量",
    "t2.col.delta": "本年增/减",
    "t2.col.decisions": "处理决定\n数量",
    "t2.col.projects": "采购项目数量",
    "t2.col.amount": "采购总金额（单位：万元）",
    # table 三, rows
    "t3.new": "一、本年新收政府信息公开申请数量",
    "t3.carried_in": "二、上年结转政府信息公开申请数量",
    "t3.outcomes": "三、本年度办理\n结果",
    "t3.granted": "（一）予以公开",
    "t3.partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "t3.denied": "（三）不予\n公开",
    "t3.denied.state_secret": "1.属于国家秘密",
    "t3.denied.prohibited": "2.其他法律行政法规禁止公开",
    "t3.denied.security": "3.危及“三安全一稳定”",
    "t3.denied.third_party": "4.保护第三方合法权益",
    "t3.denied.internal": "5.属于三类内部事务信息",
    "t3.denied.process": "6.属于四类过程性信息",
    "t3.denied.enforcement_file": "7.属于行政执法案卷",
    "t3.denied.inquiry": "8.属于行政查询事项",
    "t3.unable": "（四）无法\n提供",
    "t3.unable.not_held": "1.本机关不掌握相关政府信息",
    "t3.unable.needs_creation": "2.没有现成信息需要另行制作",
    "t3.unable.unclear": "3.补正后申请内容仍不明确",
    "t3.rejected": "（五）不予\n处理",
    "t3.rejected.petition": "1.信访举报投诉类申请",
    "t3.rejected.duplicate": "2.重复申请",
    "t3.rejected.publication": "3.要求提供公开出版物",
    "t3.rejected.excessive": "4.无正当理由大量反复申请",
    "t3.rejected.confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "t3.other": "（六）其他\n处理",  # gb2021: the group; gb2019: the row itself ("t3.other.gb2019")
    "t3.other.gb2019": "（六）其他处理",
    "t3.other.no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "t3.other.no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "t3.other.misc": "3.其他",
    "t3.total": "（七）总计",
    "t3.carried_over": "四、结转下年度继续办理",
    # table 三, header
    "t3.corner": "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "t3.applicants": "申请人情况",
    "t3.col.natural": "自然人",
    "t3.col.organisations": "法人或其他组织",
    "t3.col.commercial": "商业\n企业",
    "t3.col.research": "科研\n机构",
    "t3.col.social": "社会公益 组织",
    "t3.col.legal": "法律服务\n机构",
    "t3.col.other_org": "其他",
    "t3.col.total": "总计",
    # table 四
    "t4.review": "行政复议",
    "t4.suit": "行政诉讼",
    "t4.suit_direct": "未经复议直接起诉",
    "t4.suit_after_review": "复议后起诉",
    "t4.upheld": "结果\n维持",
    "t4.corrected": "结果\n纠正",
    "t4.other": "其他\n结果",
    "t4.pending": "尚未\n审结",
    "t4.total": "总计",
    # a pre-2019 统计表
    "ff.indicator": "指标",
    "ff.cumulative": "历年累计",
    "ff.proactive_items": "主动公开信息（条）",
    "ff.applications": "收到申请（件）",
    "ff.granted": "同意公开（件）",
    "ff.partial": "同意部分公开（件）",
    "ff.denied": "不予公开（件）",
    "ff.review_cases": "行政复议（件）",
    "ff.litigation_cases": "行政诉讼（件）",
    "ff.fees_yuan": "收取费用（元）",
}

# The typing slips report-format §1 names (the designed layouts' ``Style(typos=True)``).
KNOWN_TYPOS: dict[str, str] = {
    "t2.col.repealed": "本年度止\n件数",
    "t4.review": "行政法复议",
    "t3.other.misc": "3.其它",
}

# Provincial notes inside labels (the designed layouts' ``Style(long_notes=True)``).
LONG_NOTES: dict[str, str] = {
    "t2.regulation": "规章（设区的市、自治州人民政府应提供相关数据）",
    "t2.col.prev_items": "上一年项目数量（指{year}年事项数）",
}

# --- other wordings of the same cells ------------------------------------------------------

PROVINCIAL = "provincial"
SHORT = "short"
TYPO = "typo"

VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    PROVINCIAL: {
        "t2.regulation": ("规章（设区的市、自治州人民政府应提供相关数据）", "政府规章"),
        "t2.normative.gb2021": ("行政规范性文件（含部门规范性文件）",),
        "t2.normative.gb2019": ("规范性文件（含部门规范性文件）",),
        "t2.license": ("行政许可（含审批事项）",),
        "t2.penalty": ("行政处罚（含简易程序）",),
        "t2.coercion": ("行政强制措施",),
        "t2.fees": ("行政事业性收费项目",),
        "t2.col.prev_items": ("上一年项目数量（指上年末事项数）",),
        "t3.new": ("一、本年度新收政府信息公开申请数量",),
        "t3.carried_in": ("二、上年度结转的政府信息公开申请数量",),
        "t3.granted": ("（一）予以公开（含主动公开范围内告知获取途径）",),
        "t3.denied.prohibited": ("2.法律、行政法规禁止公开的",),
        "t3.denied.security": ("3.危及国家安全、公共安全、经济安全和社会稳定",),
        "t3.denied.third_party": ("4.公开后可能损害第三方合法权益",),
        "t3.unable.not_held": ("1.本机关不掌握该政府信息",),
        "t3.unable.unclear": ("3.经补正后申请内容仍不明确",),
        "t3.rejected.petition": ("1.属于信访、举报、投诉类申请",),
        "t3.rejected.excessive": ("4.无正当理由大量、反复申请",),
        "t3.rejected.confirmation": ("5.要求行政机关确认、重新出具已获取的信息",),
        "t3.other.gb2019": ("（六）其他处理情形",),
        "t3.carried_over": ("四、结转下一年度继续办理",),
        "t4.suit_direct": ("未经行政复议直接起诉",),
        "t4.suit_after_review": ("经行政复议后起诉",),
        "ff.applications": ("受理依申请公开信息总数（件）", "依申请公开申请数（件）"),
        "ff.granted": ("同意公开答复数（件）",),
        "ff.partial": ("同意部分公开答复数（件）",),
        "ff.denied": ("否决公开答复数（件）", "不同意公开答复数（件）"),
        "ff.review_cases": ("行政复议数（件）",),
        "ff.litigation_cases": ("行政诉讼数（件）",),
        "ff.proactive_items": ("主动公开政府信息数（条）",),
        "ff.fees_yuan": ("依申请公开收取的费用（元）",),
    },
    SHORT: {
        "t2.col.issued": ("制发件数",),
        "t2.col.repealed": ("废止件数",),
        "t2.col.in_force": ("现行有效数",),
        "t3.new": ("一、本年新收申请数量", "一、新收申请"),
        "t3.carried_in": ("二、上年结转申请数量",),
        "t3.partial": ("（二）部分公开",),
        "t3.denied.internal": ("5.内部事务信息",),
        "t3.denied.process": ("6.过程性信息",),
        "t3.denied.enforcement_file": ("7.行政执法案卷",),
        "t3.denied.inquiry": ("8.行政查询事项",),
        "t3.unable.needs_creation": ("2.需另行制作",),
        "t3.rejected.duplicate": ("2.重复提出申请",),
        "t3.other.no_correction": ("1.逾期不补正，不再处理",),
        "t3.other.no_fee": ("2.逾期未缴纳信息处理费，不再处理",),
        "t3.total": ("（七）合计",),
        "t3.carried_over": ("四、结转下年度办理",),
        "t3.col.social": ("公益组织",),
        "t3.col.legal": ("律师事务所等",),
        "t4.upheld": ("维持",),
        "t4.corrected": ("纠正",),
        "t4.pending": ("未审结",),
        "t4.suit_direct": ("直接起诉",),
        "ff.applications": ("申请数",),
        "ff.proactive_items": ("主动公开",),
    },
    TYPO: {
        "t3.new": ("一、本年新收政府信息公开申情数量",),
        "t3.granted": ("（一）予已公开",),
        "t3.denied.internal": ("5.属于三类内部事物信息",),
        "t3.denied.process": ("6.属于四类过程信息",),
        "t3.unable.unclear": ("3.补正后申请内容仍不名确",),
        "t3.rejected.petition": ("1.信访举报投述类申请",),
        "t3.rejected.publication": ("3.要求提供公开出版物品",),
        "t3.carried_over": ("四、结转下年度继续力理",),
        "t2.normative.gb2021": ("行政规范性文体",),
        "t2.penalty": ("行政处罚罚",),
        "t4.review": ("行政复仪",),
    },
}

# --- section headings ----------------------------------------------------------------------

HEADINGS: dict[str, str] = {
    "一": "一、总体情况",
    "二": "二、主动公开政府信息情况",
    "三": "三、收到和处理政府信息公开申请情况",
    "四": "四、政府信息公开行政复议、行政诉讼情况",
    "五": "五、存在的主要问题及改进情况",
    "六": "六、其他需要报告的事项",
}
HEADING_VARIANTS: dict[str, tuple[str, ...]] = {
    "一": ("一、总体情况概述",),
    "三": ("三、收到和处理政府信息公开申请的情况",),
    "四": ("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", "四、政府信息公开行政复议和行政诉讼情况"),
    "五": ("五、政府信息公开工作存在的主要问题及改进情况", "五、存在问题及改进情况"),
    "六": ("六、其他需要报告的事项",),
}

# --- prose of the pre-2019 reports ---------------------------------------------------------
# One pattern per figure, in several wordings; ``{n}`` is the figure. ``zero`` patterns state that
# nothing happened instead of printing 0 (a stated zero: research notes §4, the 2011 sample).

PROSE: dict[str, tuple[str, ...]] = {
    "ff.proactive_items": (
        "全年主动公开政府信息{n}条",
        "本年度通过门户网站等渠道主动公开各类政府信息{n}条",
        "主动公开的政府信息共计{n}条",
    ),
    "ff.applications": (
        "全年共受理政府信息公开申请{n}件",
        "本年度共收到公民、法人和其他组织提出的政府信息公开申请{n}件",
        "依申请公开方面，全年接到申请{n}件",
        "全年办理群众提出的政府信息公开申请{n}件",
    ),
    "ff.granted": ("其中同意公开{n}件", "已答复同意公开的{n}件", "予以公开{n}件", "对其中{n}件作出公开答复"),
    "ff.partial": ("同意部分公开{n}件", "部分公开{n}件", "同意部分公开的{n}件", "答复部分公开的{n}件"),
    "ff.denied": ("不予公开{n}件", "不同意公开{n}件", "依法不予公开的{n}件", "因涉及国家秘密等原因未予公开{n}件"),
    "ff.review_cases": ("本年度因政府信息公开被申请行政复议{n}件", "因政府信息公开申请提起行政复议{n}起"),
    "ff.litigation_cases": ("提起行政诉讼{n}件", "因政府信息公开被提起行政诉讼{n}起"),
    "ff.fees_yuan": ("本年度收取检索、复制等费用{n}元", "依申请提供信息共收取成本费{n}元"),
}
PROSE_ZERO: dict[str, tuple[str, ...]] = {
    "applications": ("全年未收到政府信息公开申请", "本年度没有收到公民、法人或其他组织提出的政府信息公开申请"),
    "appeals": ("未发生因政府信息公开申请提起行政复议、行政诉讼的情况",
                "没有发生针对本机关政府信息公开事务的行政复议和行政诉讼"),
    "fees": ("未收取任何费用", "本年度没有收取政府信息公开相关费用"),
}
