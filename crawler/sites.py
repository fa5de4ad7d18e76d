"""The site registry: one row per portal (platforms are code, sites are data).

A registry file is YAML (a list of mappings, or ``{sites: [...]}``) or CSV with a header row.

Two levels of checking:

* ``load_registry(path)`` reads what a crawl needs, row by row: ``id``, ``agency``, ``platform`` (one
  of ``PLATFORMS``) and a start URL are required, ids are unique, URLs are http(s) with a host, and a
  ``region_code`` or ``level`` given is well-formed (a crawl selects by them). A row that fails is
  named in ``Registry.problems`` (file, row, id, every fault) and skipped, so one bad row of
  thousands costs that row only; ``RegistryError`` only when the file as a whole cannot be read.
  The start URL is ``start_url`` (the 年报 column) or, when that is empty, ``home_url`` (the portal's
  home page, from which the generic spider finds the 政府信息公开 area and its 年报 column by link
  text); such a site carries ``extra["start_from_home"] = True``. Every other column is kept as given
  in ``Site.extra``. This is deliberately lenient: a test registry of 127.0.0.x replica portals loads.
  ``load_sites(path)`` is the strict form: every site, or ``RegistryError`` naming every bad row.
* ``select(sites, region=, level=, platform=)``: the sites a crawl or a listing is limited to.
* ``validate_registry(path)`` applies the full policy of a registry shipped in the repo
  (``registry/sites.yaml``) and returns every problem as a line of text (empty when valid): all
  ``COLUMNS`` present; ``id``, ``agency``, ``level``, ``home_url``, ``platform``, ``source`` non-empty;
  ids are unique slugs; ``level`` in ``LEVELS``; ``region_code`` six digits (required below the
  national level, ``xx0000`` for a province); URLs http(s) with a host; official hosts only (gov.cn
  or a row that says ``official_host: true``); ``start_url`` on the same registrable domain as
  ``home_url``; a row without ``start_url`` has platform ``generic`` or a note saying it is
  unconfirmed; ``confirmed`` empty or a YYYY-MM-DD date.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

PLATFORMS = ("trs", "hanweb", "gkmlpt", "generic")
REQUIRED = ("id", "agency", "start_url", "platform")  # what a crawl needs (start_url may come from home_url)
LEVELS = ("national", "provincial", "prefectural", "county")
# Every column of a shipped registry, in order; extra columns (overrides such as ``official_host``) are allowed.
COLUMNS = ("id", "agency", "region_code", "level", "home_url", "start_url", "platform", "confirmed", "source", "note")
NON_EMPTY = ("id", "agency", "level", "home_url", "platform", "source")
OVERRIDE_OFFICIAL_HOST = "official_host"

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REGION = re.compile(r"^\d{6}$")
# Second-level suffixes under .cn where the registrable domain has three labels (www.beijing.gov.cn →
# beijing.gov.cn). A small fixed list instead of the full Public Suffix List: no download at run time.
_CN_SECOND_LEVEL = {"gov", "com", "net", "org", "edu", "ac", "mil"}


@dataclass(frozen=True)
class Site:
    id: str
    agency: str
    start_url: str
    platform: str
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def host(self) -> str:
        return urlsplit(self.start_url).hostname or ""

    @property
    def region_code(self) -> str:
        return _text(self.extra.get("region_code"))

    @property
    def level(self) -> str:
        return _text(self.extra.get("level"))

    @property
    def needs_browser(self) -> bool:
        """The registry's ``needs_browser`` override: render this site's listings in Chromium
        (``true``), or every page of it (``all``: sites that also build report pages by script)."""
        return str(self.extra.get("needs_browser", "")).strip().lower() in ("1", "true", "yes", "all")

    @property
    def ignores_robots(self) -> bool:
        """The registry's ``robots: ignore`` override (an agency's written permission, say): recorded
        in every crawl run's settings as provenance."""
        return str(self.extra.get("robots", "")).strip().lower() == "ignore"

    @property
    def render_all(self) -> bool:
        return str(self.extra.get("needs_browser", "")).strip().lower() == "all"


class RegistryError(ValueError):
    pass


def read_rows(path: Path | str) -> list[dict]:
    """The registry's rows as dicts, values as given (YAML may give ints, booleans, None)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))
    import yaml  # here, not above: the command line builds its options from this module's constants, and fast

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise RegistryError(f"not valid YAML: {exc}") from exc
    rows = data.get("sites", []) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise RegistryError("a registry is a list of rows (or `sites:` holding one)")
    return rows


@dataclass(frozen=True)
class Registry:
    """A registry as a crawl reads it: the usable sites, and one line per row that was skipped."""
    sites: list[Site]
    problems: list[str]


def load_registry(path: Path | str) -> Registry:
    try:
        rows = read_rows(path)
    except csv.Error as exc:
        raise RegistryError(f"not valid CSV: {exc}") from exc
    sites, problems, seen = [], [], {}
    for n, row in enumerate(rows, 1):
        site_id = _text(row.get("id")) if isinstance(row, dict) else ""
        faults = crawl_row_problems(row)
        if site_id in seen:
            faults.append(f"duplicate id {site_id!r} (first in row {seen[site_id]})")
        if faults:
            problems.append(f"{path} row {n} ({site_id or 'no id'}): {'; '.join(faults)}")
            continue
        seen[site_id] = n
        sites.append(_site(row))
    return Registry(sites, problems)


def load_sites(path: Path | str) -> list[Site]:
    """Every site of the registry at ``path``, or ``RegistryError`` naming every row that is not usable."""
    registry = load_registry(path)
    if registry.problems:
        raise RegistryError("\n".join(registry.problems))
    return registry.sites


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def crawl_row_problems(row) -> list[str]:
    """What makes one row unusable for a crawl (its id's uniqueness is checked across rows by the caller)."""
    if not isinstance(row, dict):
        return ["not a mapping of column to value"]
    problems = [] if None not in row else ["more fields than the header has columns"]  # csv.DictReader's restkey
    missing = [k for k in ("id", "agency") if not _text(row.get(k))]
    if not (_text(row.get("start_url")) or _text(row.get("home_url"))):
        missing.append("start_url (or home_url)")
    if not _text(row.get("platform")):
        missing.append("platform")
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    platform = _text(row.get("platform"))
    if platform and platform not in PLATFORMS:
        problems.append(f"unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
    for column in ("start_url", "home_url"):
        value = _text(row.get(column))
        if value and (problem := _url_problem(value)):
            problems.append(f"{column} {problem}: {value!r}")
    region, level = _text(row.get("region_code")), _text(row.get("level"))
    if region and not _REGION.match(region):
        problems.append(f"region_code {region!r} is not 6 digits")
    if level and level not in LEVELS:
        problems.append(f"level {level!r} not one of {', '.join(LEVELS)}")
    return problems


def _site(row: dict) -> Site:
    start = _text(row.get("start_url")) or _text(row.get("home_url"))
    extra = {k: v for k, v in row.items() if k not in REQUIRED}
    if not _text(row.get("start_url")):
        extra["start_from_home"] = True
    return Site(_text(row["id"]), _text(row["agency"]), start, _text(row["platform"]), extra)


def select(sites: list[Site], *, region: str | None = None, level: str | None = None,
           platform: str | None = None) -> list[Site]:
    """The sites whose region code begins with ``region`` (``32``: Jiangsu and everything in it), of
    ``level`` and of ``platform`` (the registry's platform, before a home-page row is handed to the
    generic spider); a criterion that is None selects everything."""
    return [s for s in sites if (not region or s.region_code.startswith(region))
            and (not level or s.level == level) and (not platform or s.platform == platform)]


# --- full validation of a shipped registry ----------------------------------------------------------


def validate_registry(path: Path | str) -> list[str]:
    """Every problem of the registry at ``path``, one line each; an empty list when it is valid."""
    try:
        rows = read_rows(path)
    except (OSError, UnicodeDecodeError) as exc:
        return [f"cannot read {path}: {exc}"]
    except (RegistryError, csv.Error) as exc:
        return [f"{path}: {exc}"]
    if not rows:
        return [f"{path}: no rows"]
    problems: list[str] = []
    ids: dict[str, int] = {}
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            problems.append(f"row {n}: not a mapping of column to value")
            continue
        label = f"row {n} ({_text(row.get('id')) or 'no id'})"
        problems += [f"{label}: {p}" for p in row_problems(row)]
        site_id = _text(row.get("id"))
        if site_id:
            if site_id in ids:
                problems.append(f"{label}: duplicate id {site_id!r} (first in row {ids[site_id]})")
            else:
                ids[site_id] = n
    return problems


def row_problems(row: dict) -> list[str]:
    """The problems of one registry row (its id's uniqueness is checked across rows by the caller)."""
    problems = []
    missing = [c for c in COLUMNS if c not in row]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    empty = [c for c in NON_EMPTY if c in row and not _text(row[c])]
    if empty:
        problems.append(f"empty {', '.join(empty)}")

    site_id = _text(row.get("id"))
    if site_id and not _SLUG.match(site_id):
        problems.append(f"id {site_id!r} is not a slug (lowercase letters, digits, single hyphens)")

    level = _text(row.get("level"))
    if level and level not in LEVELS:
        problems.append(f"level {level!r} not one of {', '.join(LEVELS)}")

    region = _text(row.get("region_code"))
    if region and not _REGION.match(region):
        problems.append(f"region_code {region!r} is not 6 digits")
    elif level and level != "national" and not region:
        problems.append(f"a {level} row needs a region_code")
    elif level == "provincial" and region and not region.endswith("0000"):
        problems.append(f"region_code {region!r} is not a province's code (xx0000)")

    platform = _text(row.get("platform"))
    if platform and platform not in PLATFORMS:
        problems.append(f"unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")

    official_override = _truthy(row.get(OVERRIDE_OFFICIAL_HOST))
    hosts = {}
    for column in ("home_url", "start_url"):
        value = _text(row.get(column))
        if not value:
            continue
        if problem := _url_problem(value):
            problems.append(f"{column} {problem}: {value!r}")
            continue
        host = urlsplit(value).hostname or ""
        hosts[column] = host
        if not official_override and not is_gov_host(host):
            problems.append(f"{column} host {host!r} is not official (gov.cn); "
                            f"a row may say `{OVERRIDE_OFFICIAL_HOST}: true` after checking")
    if "home_url" in hosts and "start_url" in hosts:
        home, start = registrable_domain(hosts["home_url"]), registrable_domain(hosts["start_url"])
        if home != start:
            problems.append(f"start_url is on {start!r}, not on home_url's domain {home!r}")

    if not _text(row.get("start_url")) and platform != "generic" and "unconfirmed" not in _text(row.get("note")).lower():
        problems.append("no start_url: platform must be `generic`, or the note must say `unconfirmed`")

    confirmed = _text(row.get("confirmed"))
    if confirmed:
        try:
            date.fromisoformat(confirmed)
        except ValueError:
            problems.append(f"confirmed {confirmed!r} is not a YYYY-MM-DD date")
    return problems


def is_gov_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "gov.cn" or host.endswith(".gov.cn")


def registrable_domain(host: str) -> str:
    """The part of a host its owner registered: ``www.beijing.gov.cn`` → ``beijing.gov.cn``,
    ``www.gov.cn`` → ``www.gov.cn`` (gov.cn itself is a public suffix), ``a.example.com`` → ``example.com``."""
    host = host.lower().rstrip(".")
    labels = host.split(".")
    if re.fullmatch(r"[\d.]+", host) or len(labels) <= 2:
        return host
    keep = 3 if labels[-1] == "cn" and labels[-2] in _CN_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "must be http(s)"
    if not parts.hostname:
        return "has no host"
    return None


def _truthy(value) -> bool:
    return value is True or _text(value).lower() in ("true", "yes", "1")
