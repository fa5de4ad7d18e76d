#!/usr/bin/env python3
"""Build the national site registry, ``registry/all.csv``, and the list of what it leaves out,
``registry/left-out.csv``, from the cited list of government portals and the hand-made registry.

Inputs (nothing else; the same inputs give byte-identical outputs):

- ``../shared/registry-sources/gov-portals.csv``: every province-, prefecture- and county-level
  government's home page, by name, with the repository, file and commit it was taken from;
- ``../shared/registry-sources/gov-policy-columns.csv``: each government's policy-document column,
  used only for what its README allows — where the disclosure area lives (kept as ``policy_url``
  when it is on the government's own domain) and the URL shape of the CMS (the platform);
- ``archive/data/divisions.csv`` and ``division_changes.csv``: the GB/T 2260 codes;
- ``registry/sites.yaml``: the 72 hand-made rows (provinces, State Council departments).

How a list row becomes a registry row:

- **Join.** Its names (province, prefecture, county; the municipalities' districts, 济源 and the
  兵团 cities sit one column up, as the source has them) are looked up one by one, each among the
  current divisions directly below the one before. A row joins when every name names exactly one
  division; the last is its ``region_code``, the division's level its ``level``, the division above
  its ``parent_code``. Anything else — no division of that name there, several, a name retired since
  (division_changes.csv), two rows on one code — goes to ``left-out.csv`` with the reason, never
  guessed. So do rows without a URL and rows whose host is not gov.cn (the registry's rule: official
  hosts only; a person may add one to sites.yaml with ``official_host: true`` after checking).
- **Row.** ``id`` ``gov-<code>``; ``agency`` the division's name and its government (人民政府; 行政公署
  for a 地区 or 盟); ``home_url`` the list's URL as given; ``start_url`` empty (neither file gives a
  report column). ``platform`` is ``generic`` unless the policy column, on the portal's own host,
  has a CMS's unmistakable shape: ``/gkmlpt/…`` at the host's root (Guangdong's gkmlpt, whose spider
  starts at ``/gkmlpt/annualreport``) or ``/col/col<N>/`` (Hanweb). ``source`` cites the list's
  file and line and the upstream repository, file and commit (and the policy column's line).
- **Merge with the hand rows** (one row per government: a government is its region code). A hand
  row whose ``region_code`` a list row joined to is kept whole — a person wrote and checked it — and
  the list's line and URL are added to its ``source``. Hand rows without such a list row (the State
  Council's departments) are kept as they are. Order: the hand rows no list row matched, then the
  list's order, a merged hand row in its list row's place.

Run it from anywhere; it writes into the repository:

    python scripts/build_registry.py              # ../shared/registry-sources beside the checkout
    python scripts/build_registry.py SOURCES_DIR  # or another copy of that folder
"""
from __future__ import annotations

import csv
import io
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.divisions import GOVERNMENT_LEVEL, Division, Divisions  # noqa: E402
from crawler.sites import COLUMNS, is_gov_host, read_rows, registrable_domain  # noqa: E402

SOURCES = ROOT.parent / "shared" / "registry-sources"
HAND = ROOT / "registry" / "sites.yaml"
REGISTRY = ROOT / "registry" / "all.csv"
LEFT_OUT = ROOT / "registry" / "left-out.csv"
PORTALS, POLICY = "gov-portals.csv", "gov-policy-columns.csv"

# The generated columns, in order: the shipped registry's, the parent's code after the level, and
# the policy column last. A hand row's own extra columns (overrides) follow, sorted.
OUT_COLUMNS = (*COLUMNS[:4], "parent_code", *COLUMNS[4:], "policy_url")
LEFT_OUT_COLUMNS = ("line", "province", "prefecture", "county", "url", "region_code", "reason", "detail")

# Why a row of the list is left out (left-out.csv's ``reason``).
NOT_A_DIVISION = "not_a_division"  # no current division of that name below its parent
PARENT_NOT_JOINED = "parent_not_joined"  # a name above it did not join
SEVERAL = "several_divisions"  # more than one division of that name below its parent
RETIRED = "retired_name"  # the name is a division retired since 2008 (renamed, merged)
SAME_CODE = "same_code_twice"  # two rows of the list join to one code
NO_URL = "no_url"  # the list gives no URL
NOT_OFFICIAL = "not_official_host"  # the URL's host is not gov.cn
BAD_URL = "bad_url"  # not http(s) with a host

# The bodies that govern a division: a 地区 or 盟 is run by a 行政公署 (the province's 派出机关),
# every other division by its 人民政府.
ADMINISTRATIVE_OFFICE = ("地区", "盟")
HANWEB_COLUMN = re.compile(r"/col/col\d+/")
# What a row's note says about where its crawl starts (every list row is unconfirmed: no network here).
NOTES = {
    "generic": "unconfirmed: home page from the list; the generic spider finds the column from there",
    "hanweb": "unconfirmed: platform hanweb from the URL shape of its policy column (policy_url); "
              "the generic spider finds the column from the home page",
    "gkmlpt": "unconfirmed: platform gkmlpt from the URL shape of its policy column (policy_url); "
              "the gkmlpt spider starts at /gkmlpt/annualreport on the home page's host",
}


@dataclass(frozen=True)
class Citation:
    """Where a list came from, as its header says: repository, file, commit."""
    repository: str
    file: str
    commit: str

    def of(self, name: str, line: int) -> str:
        return f"{self.repository} {self.file} @ {self.commit}, as registry-sources/{name} line {line}"


@dataclass(frozen=True)
class ListRow:
    line: int  # the line of the source file (1-based, counting its header comments)
    names: tuple[str, ...]  # province, prefecture, county: the non-empty ones
    fields: dict


def read_list(path: Path) -> tuple[Citation, list[ListRow]]:
    """A registry-sources CSV: its citation (from the ``#`` header) and its rows with their line numbers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = " ".join(line.lstrip("# ") for line in lines if line.startswith("#"))
    found = re.search(r"([\w.-]+/[\w.-]+), file (\S+?), commit ([0-9a-f]{40})", comments)
    if not found:
        raise SystemExit(f"{path}: the header names no repository, file and commit; refusing to build uncited rows")
    header, rows = None, []
    for number, text in enumerate(lines, 1):
        if text.startswith("#") or not text.strip():
            continue
        values = next(csv.reader([text]))
        if header is None:
            header = values
            continue
        if len(values) != len(header):
            raise SystemExit(f"{path} line {number}: {len(values)} fields, the header has {len(header)}")
        fields = dict(zip(header, values))
        if "region" in fields:  # the policy file: a 省/市/县 path
            names = tuple(fields["region"].split("/"))
        else:
            names = tuple(n for n in (fields["province"], fields["prefecture"], fields["county"]) if n)
        rows.append(ListRow(number, names, fields))
    return Citation(*found.groups()), rows


def join(names: tuple[str, ...], divisions: Divisions, below: dict[str, list[Division]]) -> tuple[Division | None, str, str]:
    """The division a list row names: (division, "", "") or (None, reason, detail)."""
    parent: Division | None = None
    for depth, name in enumerate(names):
        where = parent.code if parent else ""
        found = [d for d in below[where] if d.name == name]
        if len(found) == 1:
            parent = found[0]
            continue
        place = f"{parent.name} ({parent.code})" if parent else "the provinces"
        if found:
            codes = ", ".join(d.code for d in found)
            return None, SEVERAL, f"{len(found)} divisions named {name} below {place}: {codes}"
        retired = [d for d in divisions.retired if d.name == name and parent and divisions.within(d, parent.code)]
        if retired:
            now = ", ".join(f"{d.code} became {_name_of(divisions, d.successor)} ({d.successor})" for d in retired)
            return None, RETIRED, f"{name} is a retired division: {now} (division_changes.csv)"
        reason = NOT_A_DIVISION if depth == len(names) - 1 else PARENT_NOT_JOINED
        detail = f"no division named {name} below {place}"
        if reason == PARENT_NOT_JOINED:
            detail += f", so {'/'.join(names[depth + 1:])} cannot be looked up below it"
        province = next((d.code[:2] for d in below[""] if d.name == names[0]), None)
        elsewhere = [d for d in divisions.by_code.values() if d.name == names[-1] and d.code[:2] == province]
        if elsewhere:  # a hint for the person who decides, not a join
            detail += "; a division of the name " + names[-1] + " exists elsewhere in the province: " + \
                      ", ".join(f"{d.code} (below {d.parent_code})" for d in elsewhere)
        return None, reason, detail
    return parent, "", ""


def _name_of(divisions: Divisions, code: str) -> str:
    division = divisions.get(code)
    return division.name if division else "?"


def agency_name(division: Division) -> str:
    body = "行政公署" if division.name.endswith(ADMINISTRATIVE_OFFICE) else "人民政府"
    return division.name + body


def url_problem(url: str) -> tuple[str, str] | None:
    if not url:
        return NO_URL, "the list gives no URL"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return BAD_URL, f"{url} is not an http(s) URL with a host"
    if not is_gov_host(parts.hostname):
        return NOT_OFFICIAL, (f"host {parts.hostname} is not gov.cn (official hosts only; a hand row in registry/sites.yaml "
                              f"may say official_host: true after checking)")
    return None


def platform_of(home_url: str, policy_url: str) -> str:
    """The CMS the policy column's URL shows, on the portal's own host; ``generic`` when unsure."""
    home, policy = urlsplit(home_url), urlsplit(policy_url)
    if not policy_url or policy.hostname != home.hostname:
        return "generic"
    if policy.path.startswith("/gkmlpt/"):
        return "gkmlpt"
    if HANWEB_COLUMN.search(policy.path):
        return "hanweb"
    return "generic"


def build(sources: Path = SOURCES) -> tuple[list[dict], list[dict], dict]:
    """The registry's rows, the left-out rows and the counts."""
    divisions = Divisions.load()
    below: dict[str, list[Division]] = defaultdict(list)
    for d in divisions.by_code.values():
        below[d.parent_code].append(d)
    cited, portals = read_list(sources / PORTALS)
    policy_cited, policies = read_list(sources / POLICY)
    policy_of = {p.names: p for p in policies}

    joined: dict[str, list[tuple[ListRow, Division]]] = defaultdict(list)
    left_out: list[dict] = []

    def leave(row: ListRow, reason: str, detail: str, code: str = "") -> None:
        left_out.append({"line": row.line, **{k: row.fields[k] for k in ("province", "prefecture", "county", "url")},
                         "region_code": code, "reason": reason, "detail": detail})

    for row in portals:
        division, reason, detail = join(row.names, divisions, below)
        if division is None:
            leave(row, reason, detail)
        elif problem := url_problem(row.fields["url"]):
            leave(row, *problem, code=division.code)
        else:
            joined[division.code].append((row, division))
    for code, rows in list(joined.items()):
        if len(rows) > 1:
            lines = ", ".join(str(r.line) for r, _ in rows)
            for row, _ in rows:
                leave(row, SAME_CODE, f"lines {lines} all join to {code}", code)
            del joined[code]

    hand = [{k: _cell(v) for k, v in r.items()} for r in read_rows(HAND)]
    hand_by_code = {r["region_code"]: r for r in hand if r.get("region_code")}
    extra_columns = sorted({k for r in hand for k in r} - set(OUT_COLUMNS))
    merged_codes = {code for code in joined if code in hand_by_code}

    out = [_hand_row(r, divisions) for r in hand if r.get("region_code", "") not in merged_codes]
    for row, division in sorted((rows[0] for rows in joined.values()), key=lambda pair: pair[0].line):
        citation = cited.of(PORTALS, row.line)
        if division.code in merged_codes:
            kept = _hand_row(hand_by_code[division.code], divisions)
            kept["source"] += f"; list: {citation}, gives {row.fields['url']}"
            out.append(kept)
            continue
        policy = policy_of.get(row.names)
        policy_url = policy.fields["url"] if policy else ""
        if policy_url and registrable_domain(urlsplit(policy_url).hostname or "") != \
                registrable_domain(urlsplit(row.fields["url"]).hostname or ""):
            policy_url = ""  # another government's page (the province's, say): not where this one's area lives
        platform = platform_of(row.fields["url"], policy_url)
        source = citation + (f"; policy_url: {policy_cited.of(POLICY, policy.line)}" if policy_url else "")
        note = NOTES[platform]
        parent = divisions.get(division.parent_code)
        out.append({
            "id": f"gov-{division.code}", "agency": agency_name(division), "region_code": division.code,
            "level": GOVERNMENT_LEVEL[division.level], "parent_code": parent.code if parent else "",
            "home_url": row.fields["url"], "start_url": "", "platform": platform, "confirmed": "",
            "source": source, "note": note, "policy_url": policy_url,
        })

    for column in ("id", "region_code"):  # one row per site, one per government
        used = Counter(r[column] for r in out if r[column])
        if twice := [value for value, n in used.items() if n > 1]:
            raise SystemExit(f"{column} used twice in the registry: {', '.join(twice)} (check {HAND.name})")
    columns = (*OUT_COLUMNS, *extra_columns)
    out = [{c: r.get(c, "") for c in columns} for r in out]
    left_out.sort(key=lambda r: r["line"])
    counts = {
        "rows_in": len(portals), "joined": sum(len(v) for v in joined.values()), "merged": len(merged_codes),
        "left_out": Counter(r["reason"] for r in left_out), "levels": Counter(r["level"] for r in out),
        "platforms": Counter(r["platform"] for r in out), "rows_out": len(out),
        "divisions_without_row": [d for d in divisions.by_code.values() if d.code not in joined
                                  and d.code not in {r["region_code"] for r in left_out}],
    }
    return out, left_out, counts


def _hand_row(row: dict, divisions: Divisions) -> dict:
    """A hand-made row, with the parent's code the divisions give (empty for a national body)."""
    division = divisions.get(row.get("region_code"))
    parent = divisions.get(division.parent_code) if division else None
    return {**row, "parent_code": parent.code if parent else ""}


def _cell(value) -> str:
    """A YAML value as a CSV cell: lists space-separated (as ``hosts`` takes them), booleans lower-case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(_cell(v) for v in value)
    return str(value)


def csv_text(rows: list[dict], columns) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def main(argv: list[str]) -> None:
    sources = Path(argv[0]) if argv else SOURCES
    rows, left_out, counts = build(sources)
    REGISTRY.write_text(csv_text(rows, rows[0].keys()), encoding="utf-8")
    LEFT_OUT.write_text(csv_text(left_out, LEFT_OUT_COLUMNS), encoding="utf-8")
    reasons = ", ".join(f"{n} {r}" for r, n in sorted(counts["left_out"].items()))
    levels = ", ".join(f"{n} {lvl}" for lvl, n in sorted(counts["levels"].items()))
    print(f"{counts['rows_in']} rows in {PORTALS}: {counts['joined']} joined to one code, "
          f"{sum(counts['left_out'].values())} left out ({reasons}) → {LEFT_OUT.relative_to(ROOT)}")
    print(f"{counts['merged']} merged with a hand row of {HAND.relative_to(ROOT)}; "
          f"{counts['rows_out']} rows → {REGISTRY.relative_to(ROOT)} ({levels})")
    missing = counts["divisions_without_row"]
    print(f"{len(missing)} current divisions have no row of the list joined to them: "
          + ", ".join(f"{d.code} {d.name}" for d in sorted(missing, key=lambda d: d.code)))


if __name__ == "__main__":
    main(sys.argv[1:])
