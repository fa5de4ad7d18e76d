"""Charts, declared for datasette-dashboards (Vega-Lite, bundled with the plugin; nothing loads from
the network). Served at ``/-/dashboards/figures``. The report template changed for the 2019 and the
2021 reports, so figures on either side of those years are not always comparable: both breaks are
drawn on every chart over years.
"""
from __future__ import annotations

# (column of report_card, label on the chart)
_SERIES = (
    ("new_requests", "新收申请 new requests"),
    ("granted", "予以公开 granted"),
    ("denied", "不予公开 denied"),
    ("reviews", "行政复议 reviews"),
    ("lawsuits", "行政诉讼 lawsuits"),
)
_FILTER = "where true [[ and agency_id = :agency ]] [[ and region = :region ]] [[ and level = :level ]]"
# The year a one-year chart shows: the chosen one, else the year with the most reports.
_ONE_YEAR = ("year = (select year from report_card where true [[ and year = :year ]] group by year "
             "order by count(*) desc, year desc limit 1) [[ and region = :region ]] [[ and level = :level ]]")
# The report card's two refusal rates (archive.definitions: strict, and blank rows as 0), as the card has them.
_RATES = (("refusal_rate_blank_as_zero", "空白计为0 blank rows as 0"), ("refusal_rate", "严格 strict (null if a row is blank)"))

_BREAKS = {
    "data": {"values": [{"year": 2019, "label": "2019 模板 gb2019"}, {"year": 2021, "label": "2021 模板 gb2021"}]},
    "layer": [
        {"mark": {"type": "rule", "strokeDash": [4, 4], "color": "#999"}, "encoding": {"x": {"field": "year", "type": "ordinal"}}},
        {"mark": {"type": "text", "align": "left", "dx": 4, "dy": -6, "color": "#666"},
         "encoding": {"x": {"field": "year", "type": "ordinal"}, "y": {"value": 0}, "text": {"field": "label"}}},
    ],
}


def dashboards(database: str) -> dict:
    over_years = " union all ".join(
        f"select year, '{label}' as figure, sum({column}) as value from report_card {_FILTER} group by year"
        for column, label in _SERIES
    )
    return {
        "figures": {
            "title": "报告数据图表 · Figures over the years",
            "description": "一个机关、一个地区或一个层级的主要数字逐年变化，以及某一年各机关的分布。虚线：2019、2021 年模板更换。 "
                           "An agency's, a region's or a level's headline figures over the years (件, summed over "
                           "its reports), and one year's distribution across agencies. Dashed lines: the template "
                           "changes of 2019 and 2021.",
            "layout": [["over-years"], ["distribution"], ["refusal-rates"]],
            "filters": {
                "agency": {"name": "机关 Agency (agency_id)", "type": "select", "db": database,
                           "query": "select distinct agency_id from report_card where agency_id is not null order by agency_id"},
                "region": {"name": "地区 Region", "type": "select", "db": database,
                           "query": "select distinct region from report_card where region is not null order by region"},
                "level": {"name": "层级 Level", "type": "select", "db": database,
                          "query": "select distinct level from report_card where level is not null order by level"},
                "year": {"name": "年度 Year (distribution)", "type": "select", "db": database,
                         "query": "select distinct year from report_card order by year desc"},
            },
            "charts": {
                "over-years": {
                    "title": "主要数字逐年变化 · Headline figures by year (件)",
                    "db": database,
                    "query": over_years + " order by year",
                    "library": "vega-lite",
                    "display": {
                        "height": 320,
                        "layer": [
                            {"mark": {"type": "line", "point": True, "tooltip": True},
                             "encoding": {"x": {"field": "year", "type": "ordinal", "title": "报告年度 report year"},
                                          "y": {"field": "value", "type": "quantitative", "title": "件"},
                                          "color": {"field": "figure", "type": "nominal", "title": None}}},
                            _BREAKS,
                        ],
                    },
                },
                "distribution": {
                    "title": "某一年各机关新收申请 · New requests by agency in one year (the year with most reports unless chosen; 件)",
                    "db": database,
                    "query": "select coalesce(agency_id, agency) as agency, year, new_requests, denied from report_card "
                             f"where new_requests is not null and {_ONE_YEAR} order by new_requests desc limit 60",
                    "library": "vega-lite",
                    "display": {
                        "height": 360,
                        "mark": {"type": "bar", "tooltip": True},
                        "encoding": {
                            "y": {"field": "agency", "type": "nominal", "sort": "-x", "title": None},
                            "x": {"field": "new_requests", "type": "quantitative", "title": "新收申请（件）new requests"},
                        },
                    },
                },
                "refusal-rates": {
                    "title": "某一年各机关不予公开率 · Refusal rate by report in one year (denied ÷ handled; both "
                             "definitions of the report card)",
                    "db": database,
                    "query": " union all ".join(
                        f"select report_id, coalesce(agency_id, agency) as agency, year, '{label}' as definition, "
                        f"{column} as refusal_rate from report_card where {column} is not null and {_ONE_YEAR}"
                        for column, label in _RATES) + " order by refusal_rate desc limit 120",
                    "library": "vega-lite",
                    "display": {
                        "height": 360,
                        "mark": {"type": "point", "filled": True, "tooltip": True},
                        "encoding": {
                            "y": {"field": "agency", "type": "nominal", "sort": "-x", "title": None},
                            "x": {"field": "refusal_rate", "type": "quantitative", "title": "不予公开率 refusal rate",
                                  "scale": {"domain": [0, 1]}, "axis": {"format": "%"}},
                            "color": {"field": "definition", "type": "nominal", "title": None},
                        },
                    },
                },
            },
        }
    }
