"""`xxgk sites validate|list`: check or list a site registry."""
from __future__ import annotations

import re
import sys
from pathlib import Path


REGISTRY = Path(__file__).resolve().parents[1] / "registry" / "all.csv"


def add_parsers(sub) -> None:
    p = sub.add_parser("sites", help="check or list a site registry (default registry/all.csv)")
    sites = p.add_subparsers(dest="sites_command", required=True)
    q = sites.add_parser("validate", help="check every rule of a registry; print each problem, exit 1 if any")
    q.add_argument("file", nargs="?", help="registry, YAML or CSV (default: the repository's registry/all.csv)")
    q.set_defaults(func=cmd_sites_validate)
    q = sites.add_parser("list", help="one line per site: id, region code, level, platform, where a crawl starts, agency")
    q.add_argument("file", nargs="?", help="registry, YAML or CSV (default: the repository's registry/all.csv)")
    add_selection_options(q)
    q.set_defaults(func=cmd_sites_list)


def add_selection_options(p) -> None:
    """--region, --level, --platform: which rows of a registry a command works on (`sites list`, `crawl`)."""
    from crawler.sites import LEVELS, PLATFORMS

    p.add_argument("--region", type=_region_prefix, metavar="PREFIX",
                   help="only sites whose region code begins with PREFIX (1-6 digits: 32 = 江苏省 and all in it, 3201 = 南京市 and its districts)")
    p.add_argument("--level", choices=LEVELS, help="only sites of this level")
    p.add_argument("--platform", choices=PLATFORMS, help="only sites of this platform (the registry's column)")


def _region_prefix(value: str) -> str:
    import argparse

    if not re.fullmatch(r"\d{1,6}", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a region code prefix (1 to 6 digits, e.g. 32 or 320102)")
    return value


def selection_text(args) -> str:
    """The selection options as given, for messages: ``--region 32 --level county``."""
    return " ".join(f"--{name} {getattr(args, name)}" for name in ("region", "level", "platform") if getattr(args, name))


def load_selected(path: Path, args, command: str):
    """The registry's usable sites that the selection options pick, each bad row named on stderr as a
    warning. Returns (sites, problems), or an exit code (2) when the file cannot be read, no row is
    usable, or the selection matches nothing — said in one line."""
    from crawler.sites import RegistryError, load_registry, select

    try:
        registry = load_registry(path)
    except (OSError, UnicodeDecodeError, RegistryError) as exc:
        print(f"{command}: {path}: {exc}", file=sys.stderr)
        return 2
    for line in registry.problems:
        print(f"{command}: warning: skipped {line}", file=sys.stderr)
    if not registry.sites:
        print(f"{command}: {path}: no usable row ({len(registry.problems)} skipped)", file=sys.stderr)
        return 2
    sites = select(registry.sites, region=args.region, level=args.level, platform=args.platform)
    if not sites:
        print(f"{command}: no site of {path} matches {selection_text(args)} (of {len(registry.sites)} usable rows)",
              file=sys.stderr)
        return 2
    return sites, registry.problems


def _registry_path(args) -> Path:
    return Path(args.file) if args.file else REGISTRY


def cmd_sites_validate(args) -> int:
    from crawler.sites import read_rows, validate_registry

    path = _registry_path(args)
    problems = validate_registry(path)
    for line in problems:
        print(f"{path}: {line}")
    if problems:
        print(f"{len(problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    rows = read_rows(path)
    levels: dict[str, int] = {}
    for row in rows:
        levels[str(row["level"])] = levels.get(str(row["level"]), 0) + 1
    with_column = sum(bool(str(row.get("start_url") or "").strip()) for row in rows)
    confirmed = sum(bool(str(row.get("confirmed") or "").strip()) for row in rows)
    by_level = ", ".join(f"{n} {level}" for level, n in sorted(levels.items(), key=lambda kv: -kv[1]))
    print(f"{len(rows)} sites: {by_level}; {with_column} with a column URL (start_url), {confirmed} confirmed by a crawl")
    return 0


def cmd_sites_list(args) -> int:
    loaded = load_selected(_registry_path(args), args, "xxgk sites list")
    if isinstance(loaded, int):
        return loaded
    sites, _ = loaded
    for site in sites:
        start = f"(home) {site.start_url}" if site.extra.get("start_from_home") else site.start_url
        print(f"{site.id:<22} {site.region_code or '-':<6} {site.level:<11} {site.platform:<8} {start}  {site.agency}")
    return 0
