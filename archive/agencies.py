"""Agency identity: which agency a report belongs to, from the site that found it and the name it gives.

China has three 新华区 (石家庄, 沧州, 平顶山) and many more repeated county and district names, so a
name alone is not an agency. The registry row of the site knows where it is (GB/T 2260 region code
and level); the report's name says which agency there. ``resolve`` combines the two:

- the place names a report's agency name begins with (濮阳市华龙区…) are matched against the division
  table, inside the site's region first: a city portal listing 新华区工业和信息化局 resolves to the
  新华区 below that city;
- a name with no place in it (财政局) belongs to the site's own region;
- a site whose registry row gives no region is not guessed at: the agency is known by name only.

Every answer says how it was resolved and how sure (``resolution``, ``confidence``), and the agency
id is readable and stable: ``<region code>-<name>`` (``130105-新华区工业和信息化局``), the name alone
for national bodies and for agencies whose region is unknown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from archive.divisions import GOVERNMENT_LEVEL, Division, Divisions

# How an agency was resolved, strongest first (reports.agency_resolution), with its confidence.
SITE_REGION = "site_region"  # the name's place is the site's own region
NAME_IN_SITE_REGION = "name_in_site_region"  # the name's place is one division below the site's region
SITE_ONLY = "site_only"  # the name has no place; the site's region is the agency's
NATIONAL = "national"  # a national site, a name without a place
NAME_ABOVE_SITE = "name_above_site"  # the name's place is above the site's region (a city body on a district site)
NAME_OUTSIDE_SITE = "name_outside_site"  # the name's place is elsewhere, and only one division has that name
AMBIGUOUS = "ambiguous"  # several divisions of that name inside the site's region: the site's region is kept
NAME_ONLY = "name_only"  # the site gives no region: known by name alone
CONFIDENCE = {SITE_REGION: 1.0, NAME_IN_SITE_REGION: 0.95, NATIONAL: 0.95, SITE_ONLY: 0.9, NAME_ABOVE_SITE: 0.8,
              NAME_OUTSIDE_SITE: 0.6, AMBIGUOUS: 0.3, NAME_ONLY: 0.3}

STATE_COUNCIL = "国务院"
GOVERNMENT = "人民政府"

# Alias relations (agency_aliases.relation).
RENAMED = "renamed"
MERGED_INTO = "merged_into"
SPLIT_FROM = "split_from"
DIVISION_CHANGED = "division_changed"  # its county became a district (or the like): the same body, a new code
RELATIONS = (RENAMED, MERGED_INTO, SPLIT_FROM, DIVISION_CHANGED)


@dataclass(frozen=True)
class Identity:
    agency_id: str
    name: str  # the name as the id has it: the deepest place name (if any) and the body
    region_code: str | None
    level: str | None  # national | provincial | prefectural | county
    parent_id: str | None  # the government the agency belongs to (may have no reports of its own)
    resolution: str
    confidence: float
    successor_id: str | None = None  # when its division was retired since: the same body under the new code


def agency_id(region_code: str | None, name: str) -> str:
    return f"{region_code}-{name}" if region_code else name


def clean_name(name: str) -> str:
    """Names as reports print them: no spaces (全角 or not) inside, none around."""
    return re.sub(r"[\s\u3000]+", "", name or "")


def resolve(name: str, site: dict | None, divisions: Divisions | None = None) -> Identity:
    """The agency a report named ``name`` belongs to, found on ``site`` (a ``sites`` row or None)."""
    divisions = divisions or Divisions.load()
    name = clean_name(name)
    region = str((site or {}).get("region_code") or "").strip() or None
    site_level = str((site or {}).get("level") or "").strip() or None
    if region is None:
        if site_level == "national":
            return Identity(name, name, None, "national", _national_parent(name), NATIONAL, CONFIDENCE[NATIONAL])
        return Identity(name, name, None, None, None, NAME_ONLY, CONFIDENCE[NAME_ONLY])

    places, body = _places(name, divisions)
    if not places:  # 财政局 on a county's site: that county's 财政局
        home = divisions.get(region)
        full = name if home is None or _names_a_place(name, region, divisions) else home.name + name
        return _identity(full, region, home, divisions, SITE_ONLY, body=name)

    candidates = _consistent(places, divisions)
    inside = [d for d in candidates if divisions.within(d, region)]
    if len(inside) == 1:
        place = inside[0]
        how = SITE_REGION if place.code == region else NAME_IN_SITE_REGION
    elif len(inside) > 1:
        return _ambiguous(name, region, inside)
    else:
        above = [d for d in candidates if d.current and d.code in {a.code for a in divisions.ancestors(region)}]
        if len(above) == 1:
            place, how = above[0], NAME_ABOVE_SITE
        elif len(candidates) == 1:
            place, how = candidates[0], NAME_OUTSIDE_SITE
        else:
            return _ambiguous(name, region, candidates)
    return _identity(place.name + body, place.code, place, divisions, how, body=body)


def _ambiguous(name: str, region: str, candidates: list[Division]) -> Identity:
    """Several divisions could be meant: the site's region keeps agencies of different sites apart,
    the level is the candidates' if they agree, and no parent is claimed."""
    levels = {GOVERNMENT_LEVEL[d.level] for d in candidates}
    level = levels.pop() if len(levels) == 1 else None
    return Identity(agency_id(region, name), name, region, level, None, AMBIGUOUS, CONFIDENCE[AMBIGUOUS])


def _identity(name: str, code: str, division: Division | None, divisions: Divisions, how: str, *, body: str) -> Identity:
    level = GOVERNMENT_LEVEL[division.level] if division else None
    parent = _parent(division, body, divisions) if division else None
    successor = None
    if division is not None and not division.current and division.successor:
        new = divisions.get(division.successor)
        if new is not None:
            successor = agency_id(new.code, new.name + body)
    return Identity(agency_id(code, name), name, code, level, parent, how, CONFIDENCE[how], successor)


def _parent(division: Division, body: str, divisions: Divisions) -> str:
    """A department belongs to its division's government; a government to the one above it."""
    if body != GOVERNMENT:
        return agency_id(division.code, division.name + GOVERNMENT)
    above = divisions.get(division.parent_code) if division.current else divisions.get(_parent_code(division.code))
    return agency_id(above.code, above.name + GOVERNMENT) if above else STATE_COUNCIL


def _parent_code(code: str) -> str:
    return code[:2] + "0000" if code.endswith("00") else code[:4] + "00"


def _national_parent(name: str) -> str | None:
    return None if name == STATE_COUNCIL else STATE_COUNCIL


def _places(name: str, divisions: Divisions) -> tuple[list[list[Division]], str]:
    """The place names ``name`` begins with, each as the divisions it could be; and the rest (the body)."""
    places, rest = [], name
    while rest:
        found = divisions.leading(rest)
        if not found or len(found[0].name) == len(rest):
            break
        places.append(found)
        rest = rest[len(found[0].name):]
    return places, rest


def _consistent(places: list[list[Division]], divisions: Divisions) -> list[Division]:
    """The divisions the last place name can be, given the places before it (濮阳市 then 华龙区)."""
    candidates = places[0]
    for level in places[1:]:
        below = [d for d in level if any(divisions.within(d, c.code) for c in candidates)]
        candidates = below or level
    return candidates


def _names_a_place(name: str, region: str, divisions: Divisions) -> bool:
    """Does the name mention the region or one above it (国家税务总局石家庄市新华区税务局)?"""
    return any(d.name in name for d in divisions.ancestors(region))


# --- the 2018 institutional reform: renamed, merged and split bodies ----------------------------------

# (old body names, new body name, relation, note). A body is an agency's name after its place name.
REFORM_2018 = (
    (("工商行政管理局", "质量技术监督局", "食品药品监督管理局", "工商局", "质监局", "食药监局"), "市场监督管理局", MERGED_INTO,
     "2018 机构改革: 工商、质监、食药监 merged into 市场监督管理局"),
    (("经济和信息化局", "经济和信息化委员会", "经济和信息化委", "工业和信息化委员会"), "工业和信息化局", RENAMED,
     "2018 机构改革: 经济和信息化 became 工业和信息化局"),
    (("卫生和计划生育委员会", "卫生和计划生育局", "卫生局"), "卫生健康委员会", MERGED_INTO,
     "2018 机构改革: 卫生计生 became 卫生健康委员会"),
    (("卫生和计划生育委员会", "卫生和计划生育局", "卫生局"), "卫生健康局", MERGED_INTO,
     "2018 机构改革: 卫生计生 became 卫生健康局"),
    (("国土资源局",), "自然资源局", MERGED_INTO, "2018 机构改革: 国土资源 merged into 自然资源局"),
    (("环境保护局",), "生态环境局", MERGED_INTO, "2018 机构改革: 环境保护 merged into 生态环境局"),
    (("商务和工业信息化局", "商务和经济信息化局"), "工业和信息化局", SPLIT_FROM, "商务和工信局 split: 工业和信息化局"),
    (("商务和工业信息化局", "商务和经济信息化局"), "商务局", SPLIT_FROM, "商务和工信局 split: 商务局"),
)


def reform_links(agencies: list[dict]) -> list[tuple[str, str, str, str]]:
    """Links the 2018 reform suggests between agencies of one region: (old id, new id, relation, note).

    ``agencies`` are rows with ``id``, ``name`` and ``region_code``. Only agencies of the same region
    whose names differ exactly by the reformed body are linked: 新华区工商行政管理局 → 新华区市场监督管理局.
    """
    by_region: dict[str | None, dict[str, str]] = {}
    for a in agencies:
        by_region.setdefault(a["region_code"], {})[a["name"]] = a["id"]
    found = []
    for names in by_region.values():
        for name, old_id in sorted(names.items()):
            for olds, new, relation, note in REFORM_2018:
                for old in olds:
                    if name.endswith(old) and (place := name[: -len(old)]) and place + new in names:
                        found.append((old_id, names[place + new], relation, note))
                        break
    return found
