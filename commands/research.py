"""`xxgk export` and `xxgk plot`: what researchers take away from an archive."""
from __future__ import annotations

import sys
from pathlib import Path

from commands.common import ARCHIVE_HELP, archive_path


def add_parsers(sub) -> None:
    from exports.export import FORMATS

    p = sub.add_parser("export", help="write tidy files (cells, panels, checks, metrics) and a codebook")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("--out", required=True, help="folder to write into (created if missing)")
    p.add_argument("--years", help="report years A-B (or one year)")
    p.add_argument("--region", help="GB/T 2260 code; takes in the divisions below it (130100: 石家庄 and its districts)")
    p.add_argument("--level", help="national, provincial, prefectural or county")
    p.add_argument("--template", help="gb2021, gb2019 or freeform")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("plot", help="draw series of keys or metrics for an agency or a region's agencies")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--agency", help="agency id (see `xxgk agencies find`)")
    who.add_argument("--region", help="GB/T 2260 code: every agency of the region and below")
    p.add_argument("--key", nargs="+", required=True, help="canonical keys (t3.new.total …) or metric names (disclosure_rate …)")
    p.add_argument("--out", help="PNG file to write (default: <agency or region>.png)")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.set_defaults(func=cmd_plot)


def cmd_export(args) -> int:
    from exports.export import Filters, export, parse_years

    path = archive_path(args)
    if not path.exists():
        print(f"xxgk export: no archive at {path}", file=sys.stderr)
        return 2
    try:
        years = parse_years(args.years) if args.years else None
    except ValueError as exc:
        print(f"xxgk export: --years takes A-B, e.g. 2019-2024 ({exc})", file=sys.stderr)
        return 2
    from extractors.keys import TEMPLATES

    if args.template and args.template not in TEMPLATES:
        print(f"xxgk export: --template is one of {', '.join(TEMPLATES)}", file=sys.stderr)
        return 2
    filters = Filters(years, args.region, args.level, args.template)
    counts = export(path, Path(args.out), args.format, filters, progress=False if args.no_progress else None)
    width = max(len(n) for n in counts)
    for name, rows in counts.items():
        print(f"{name:<{width}} {rows:>10} rows")
    print(f"Wrote {args.out}/ ({args.format}): datapackage.json and codebook.md describe every file.")
    return 0


def cmd_plot(args) -> int:
    from exports.plot import PlotError, plot

    path = archive_path(args)
    if not path.exists():
        print(f"xxgk plot: no archive at {path}", file=sys.stderr)
        return 2
    out = Path(args.out or f"{args.agency or args.region}.png")
    try:
        drawn = plot(path, out, keys=args.key, agency=args.agency, region=args.region)
    except PlotError as exc:
        print(f"xxgk plot: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {out}: {drawn}")
    return 0
