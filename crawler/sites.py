"""The site registry: one row per portal (platforms are code, sites are data).

A registry file is YAML (a list of mappings, or ``{sites: [...]}``) or CSV with a header row.
Columns: ``id``, ``agency``, ``start_url``, ``platform`` (required); ``name``, ``region_code``,
``level``, ``confirmed`` (date a crawl last confirmed the URL) are optional and kept as given.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

PLATFORMS = ("trs", "hanweb")
REQUIRED = ("id", "agency", "start_url", "platform")


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


class RegistryError(ValueError):
    pass


def load_sites(path: Path | str) -> list[Site]:
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    else:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        rows = data.get("sites", []) if isinstance(data, dict) else data
    return [_site(row, n) for n, row in enumerate(rows, 1)]


def _site(row: dict, n: int) -> Site:
    missing = [k for k in REQUIRED if not str(row.get(k) or "").strip()]
    if missing:
        raise RegistryError(f"row {n}: missing {', '.join(missing)}")
    if row["platform"] not in PLATFORMS:
        raise RegistryError(f"row {n}: unknown platform {row['platform']!r} (known: {', '.join(PLATFORMS)})")
    if urlsplit(row["start_url"]).scheme not in ("http", "https"):
        raise RegistryError(f"row {n}: start_url must be http(s): {row['start_url']!r}")
    extra = {k: v for k, v in row.items() if k not in REQUIRED}
    return Site(str(row["id"]), row["agency"], row["start_url"], row["platform"], extra)
