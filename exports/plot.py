"""`xxgk plot`: an agency's (or a region's agencies') series over the years, one panel per key.

What a reader must not be misled by is drawn, not footnoted: a year without a report is a gap with a
grey band (never a zero), a blank cell is a gap too, and the template of each year is shaded and
labelled, with a dashed line where the series breaks (2019, 2021).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.definitions import compute, metric_columns
from exports.export import region_prefix
from extractors.keys import english_label_for, unit_for

METRIC_NAMES = {column: metric for column, metric, _ in metric_columns()}
TEMPLATE_COLOURS = {"freeform": "#f3efe0", "gb2019": "#e3eef7", "gb2021": "#e6f2e3"}
MAX_AGENCIES = 12  # a region's plot draws its agencies with the most reports; more lines are unreadable


class PlotError(ValueError):
    pass


def _cjk_font() -> str | None:
    """Use Noto Sans CJK SC (Debian fonts-noto-cjk) so Chinese labels are drawn in simplified-Chinese
    glyphs, not boxes."""
    from matplotlib import font_manager, rcParams

    wanted = ("Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC")
    names = {f.name for f in font_manager.fontManager.ttflist}
    if not names & set(wanted):  # a font installed after matplotlib built its cache
        for path in font_manager.findSystemFonts():
            if "NotoSansCJK" in path or "NotoSansSC" in path:
                font_manager.fontManager.addfont(path)
        names = {f.name for f in font_manager.fontManager.ttflist}
    for name in wanted:
        if name in names:
            rcParams["font.family"] = [name, "DejaVu Sans"]
            rcParams["axes.unicode_minus"] = False
            return name
    return None


def _label(key: str) -> tuple[str, str]:
    """A panel's title (key, Chinese and English label) and its unit."""
    if key in METRIC_NAMES:
        m = METRIC_NAMES[key]
        blanks = " (blank rows as 0)" if key != m.name else ""
        return f"{key}: {m.label_zh} · {m.label_en}{blanks}", m.unit
    from extractors.keys import label_for

    return f"{key}: {label_for(key)} · {english_label_for(key)}", unit_for(key)


def _runs(span: list[int], by_year: dict) -> list[list[int]]:
    """The years split where the template changes (years without a report stay inside a run, as gaps)."""
    runs, current, template = [], [], None
    for year in span:
        this = by_year[year][0] if year in by_year else None
        if this and template and this != template:
            runs.append(current)
            current = []
        template = this or template
        current.append(year)
    return runs + [current] if current else runs


def _series(db, agency_ids: list[str], keys: list[str]) -> dict:
    """(agency, scope) → {year: (template, {key: value})} for the current versions."""
    found: dict = {}
    marks = ",".join("?" * len(agency_ids))
    for rid, agency_id, agency, scope, year, template, version in db.execute(
        f"select id, agency_id, agency, scope, year, template, version from reports where agency_id in ({marks}) "
        "order by agency_id, scope, year", agency_ids
    ):
        cells = dict(db.execute("select key, value from cells where report_id = ? and version = ?", [rid, version]))
        metrics = compute(template, cells) if any(k in METRIC_NAMES for k in keys) else {}
        values = {k: metrics.get(k) if k in METRIC_NAMES else cells.get(k) for k in keys}
        found.setdefault((agency_id, agency, scope), {})[year] = (template, values)
    return found


def plot(archive: Path, out: Path, *, keys: list[str], agency: str | None = None, region: str | None = None) -> str:
    """Draw the PNG; return a one-line description of what was drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from extractors.keys import TEMPLATES, keys_for

    known = {k for t in TEMPLATES for k in keys_for(t)} | set(METRIC_NAMES)
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise PlotError(f"unknown key(s) {', '.join(unknown)}: canonical keys (t3.new.total …) or metrics "
                        f"({', '.join(sorted(METRIC_NAMES)[:4])} …)")
    db = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
    if agency:
        ids = [agency] if db.execute("select 1 from reports where agency_id = ?", [agency]).fetchone() else []
        if not ids:
            raise PlotError(f"no reports of agency {agency!r} (see `xxgk agencies find`)")
    else:
        ids = [r[0] for r in db.execute(
            "select agency_id from reports where region_code like ? group by agency_id order by count(*) desc, agency_id "
            f"limit {MAX_AGENCIES}", [region_prefix(region) + "%"])]
        if not ids:
            raise PlotError(f"no reports in region {region!r}")
    series = _series(db, ids, keys)
    db.close()

    font = _cjk_font()
    years = sorted({y for s in series.values() for y in s})
    span = list(range(years[0], years[-1] + 1))
    several = agency is None or len(series) > 1
    fig, axes = plt.subplots(len(keys), 1, figsize=(12 if several else 9, 2.6 * len(keys) + 1.2), sharex=True,
                             squeeze=False)
    templates = {}  # year → template (of the first series that has the year)
    for s in series.values():
        for year, (template, _) in s.items():
            templates.setdefault(year, template)
    for ax, key in zip(axes[:, 0], keys):
        _background(ax, span, templates)
        for n, ((agency_id, name, scope), by_year) in enumerate(series.items()):
            label = name if scope == "organ" else f"{name}（{scope}）"
            colour = f"C{n % 10}"
            # one line per run of years on one template: a series break is not bridged, a missing
            # year or blank cell is a gap (nan), never a zero
            for run in _runs(span, by_year):
                ys = [by_year[y][1][key] if y in by_year and by_year[y][1][key] is not None else float("nan") for y in run]
                ax.plot(run, ys, marker="o", linewidth=1.8, color=colour, label=label if several else None)
                label = None
        title, unit = _label(key)
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_ylabel(unit, fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        if several:
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    axes[-1, 0].set_xticks(span)
    axes[-1, 0].set_xlabel("report year · 报告年度")
    first = next(iter(series))
    title = f"{first[1]}  ({first[0]})" if agency else f"region {region}: {len(series)} series"
    fig.suptitle(title + "\ngrey band: no report that year · dashed line: template changes (series break, not joined)",
                 fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    missing = [y for y in span if y not in templates]
    return (f"{len(series)} series × {len(keys)} key(s), {span[0]}–{span[-1]}, missing years {missing or 'none'}, "
            f"templates {' → '.join(dict.fromkeys(templates[y] for y in sorted(templates)))}, font {font or 'default (no CJK font found)'}")


def _background(ax, span: list[int], templates: dict[int, str]) -> None:
    previous = None
    for year in span:
        template = templates.get(year)
        if template is None:
            ax.axvspan(year - 0.5, year + 0.5, color="#d0d0d0", alpha=0.6, linewidth=0)
            ax.text(year, 0.5, "no report", transform=ax.get_xaxis_transform(), ha="center", va="center",
                    rotation=90, fontsize=7, color="#555555")
            continue
        ax.axvspan(year - 0.5, year + 0.5, color=TEMPLATE_COLOURS.get(template, "#ffffff"), linewidth=0)
        if previous and template != previous:
            ax.axvline(year - 0.5, color="#aa3333", linestyle="--", linewidth=1.2)
        if template != previous:
            ax.text(year - 0.45, 0.97, template, transform=ax.get_xaxis_transform(), ha="left", va="top",
                    fontsize=7, color="#333333")
        previous = template
