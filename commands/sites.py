"""`xxgk sites validate|list`: check or list a site registry."""
from __future__ import annotations

import sys
from pathlib import Path


def add_parsers(sub) -> None:
    p = sub.add_parser("sites", help="check or list a site registry (default registry/sites.yaml)")
    sites = p.add_subparsers(dest="sites_command", required=True)
    q = sites.add_parser("validate", help="check every rule of a registry; print each problem, exit 1 if any")
    q.add_argument("file", nargs="?", help="registry, YAML or CSV (default: the repository's registry/sites.yaml)")
    q.set_defaults(func=cmd_sites_validate)
    q = sites.add_parser("list", help="one line per site: id, level, platform, where a crawl starts, agency")
    q.add_argument("file", nargs="?", help="registry, YAML or CSV (default: the repository's registry/sites.yaml)")
    q.add_argument("--level", help="only sites of this level (national, provincial, …)")
    q.add_argument("--platform", help="only sites of this platform (trs, hanweb, gkmlpt, generic)")
    q.set_defaults(func=cmd_sites_list)


def _registry_path(args) -> Path:
    return Path(args.file) if args.file else Path(__file__).resolve().parents[1] / "registry" / "sites.yaml"


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
    import yaml

    from crawler.sites import RegistryError, read_rows

    path = _registry_path(args)
    try:
        rows = read_rows(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RegistryError) as exc:
        print(f"xxgk sites list: {path}: {exc}", file=sys.stderr)
        return 2
    for row in rows:
        if not isinstance(row, dict):
            continue
        value = lambda key: str(row.get(key) or "").strip()  # noqa: E731
        if args.level and value("level") != args.level or args.platform and value("platform") != args.platform:
            continue
        start = value("start_url") or f"(home) {value('home_url')}"
        print(f"{value('id'):<22} {value('level'):<11} {value('platform'):<8} {start}  {value('agency')}")
    return 0
