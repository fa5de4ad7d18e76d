"""Datasette metadata: the archive documents itself, in Chinese and English."""
from __future__ import annotations

TABLES = {
    "reports": (
        "年度报告 · Reports: one row per agency × year × scope; numbers in `cells`, checks in `checks`.",
        {
            "id": "报告标识 · stable id: agency id-year-scope (never changes once written)",
            "agency_id": "机关标识 · the agency (see agencies): region code + name",
            "region_code": "区划代码 · GB/T 2260 code of the agency's division (null: national, or unknown)",
            "level": "层级 · national, provincial, prefectural, county",
            "agency_resolution": "机关识别方式 · how the agency was found from the site and the name (README: Agency identity)",
            "agency_confidence": "识别置信度 · 0–1, how sure that resolution is",
            "agency": "机关 · the agency as the report names itself",
            "year": "报告年度 · report year (not the publication year)",
            "scope": "范围 · organ = the agency's own report; region = a whole region's report",
            "template": "模板 · gb2021 (国办公开办函〔2021〕30号), gb2019 (〔2019〕60号) or freeform (2008–2018)",
            "url": "原文链接 · the official URL the numbers were read from",
            "sha256": "原始文件 · SHA-256 of the archived bytes (see blobs, served under /blobs/)",
            "source_format": "格式 · html, text, pdf, docx, doc, xls, xlsx, image of the document the numbers came from",
            "ocr_confidence": "识别置信度 · OCR confidence 0–1 when the numbers were read from a scan; null: not OCR",
            "cells_filled": "已填单元格 · cells with a number (blank cells are null, never 0)",
            "checks_failed": "勾稽不符 · consistency rules that failed (a finding about the report)",
            "first_seen": "首次抓取 · first fetched (UTC)",
            "last_seen": "最近抓取 · last fetched (UTC)",
        },
    ),
    "cells": (
        "表格数值 · Table cells under canonical keys (see cell_keys); value null = blank in the report.",
        {"key": "规范键 · canonical key, stable across years", "value": "数值 · number, or null", "raw": "原文 · the cell as printed"},
    ),
    "checks": (
        "勾稽关系 · Consistency checks: T3-FLOW, T3-ROW-TOTAL, T3-OUTCOME-SUM, T4-SUM, one row per column/row/group.",
        {"left": "左边 · first side's sum", "right": "右边 · second side's sum", "passed": "1 = 相符 · agrees"},
    ),
    "captures": (
        "抓取记录 · Every HTTP response or failure the crawler received, with provenance.",
        {
            "url": "requested URL",
            "final_url": "URL after redirects",
            "redirect_chain": "JSON list of URLs redirected through",
            "status": "HTTP status (null: no response)",
            "flag": "ok · http_error · network_error · challenge",
            "sha256": "SHA-256 of the body as received (blobs)",
            "fetched_at": "first fetched (UTC)",
            "last_fetched_at": "last fetched unchanged (UTC)",
            "warc_file": "WARC file (under <archive>.warc/) of the first record written for this capture",
            "warc_offset": "byte offset of that record's gzip member in warc_file",
            "warc_type": "response (holds the bytes) · resource (Chromium DOM) · revisit (bytes first archived under another URL)",
        },
    ),
    "blobs": ("原始字节 · Raw bytes, once per SHA-256; files under /blobs/<path>.", {"path": "path under the blob folder, served at /blobs/<path>"}),
    "agencies": (
        "机关 · One row per agency: region code + name; the sites it publishes on and the names it printed.",
        {"parent_id": "上级政府 · the government it belongs to (may have no reports of its own)",
         "sites": "网站 · JSON list of site ids", "names": "名称 · JSON list of names as printed"},
    ),
    "agency_aliases": ("机关沿革 · An old agency and its successor: renamed, merged_into, split_from, division_changed.", {}),
    "sites": ("网站 · The registry rows crawls used (captures.site and reports.site hold their ids).", {}),
    "divisions": ("行政区划 · GB/T 2260 codes of 省/地/县 (current = 0: retired by a change since 2008).", {}),
    "division_changes": ("区划变更 · Changes of division codes since 2008 (撤县设区 …), from the cited source.", {}),
    "crawl_runs": ("抓取批次 · One row per crawl, with settings and counts.", {}),
    "report_sources": ("报告来源 · Every document read as a given report; used = 1 is where its numbers came from.", {}),
    "extractions": ("抽取结果 · What reading each distinct document gave: report, not_report (why) or failed.", {}),
    "cell_keys": ("规范键 · Canonical keys with their template labels.", {}),
    "report_texts": ("报告全文 · Full text of each report, searchable (trigram full-text search, 3+ characters).", {}),
    "report_numbers": ("报告数值 · Every number beside its report, label, original URL and archived copy (a path on this Datasette: /blobs/…).", {}),
    "failed_checks": ("勾稽不符 · Failed consistency checks with the report's URL.", {}),
    "cross_year_checks": (
        "跨年勾稽 · T3-CARRY (结转下年 = 次年上年结转) and T2-STOCK (现行有效 = 上年现行有效 + 本年制发 − 本年废止, soft) "
        "between consecutive reports of one agency.",
        {},
    ),
}


def datasette_metadata(database: str) -> dict:
    return {
        "title": "xxgk-archive · 政府信息公开工作年度报告档案",
        "description": "Annual reports of Chinese government information disclosure, archived with their original bytes.",
        "databases": {
            database: {
                "tables": {
                    name: {"description": description, "columns": columns}
                    for name, (description, columns) in TABLES.items()
                }
            }
        },
    }
