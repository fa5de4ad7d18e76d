"""GB/T 2260 administrative divisions (省/地/县), shipped as data: ``archive/data/divisions.csv`` (the
current codes) and ``archive/data/division_changes.csv`` (changes since 2008: a county made a
district, a county-level city abolished, a code reassigned). Their source is cited in the files and
rebuilt by ``scripts/build_divisions.py``.

``Divisions`` answers what agency resolution asks: which division a name begins with, inside which
region, and what an old name (藁城市 before 2014) is called now.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# Division level (GB/T 2260) → the registry's level of a government at that division.
GOVERNMENT_LEVEL = {"province": "provincial", "prefecture": "prefectural", "county": "county"}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province | prefecture | county
    parent_code: str  # "" for a province
    current: bool = True  # False: a name and code that a change since 2008 retired
    successor: str = ""  # for a retired one: the code it became


def read_data(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


class Divisions:
    def __init__(self, divisions: list[Division]):
        self.by_code = {d.code: d for d in divisions if d.current}
        self.retired = [d for d in divisions if not d.current]
        self.all = [*self.by_code.values(), *self.retired]
        # Longest names first, so 新华区 never matches where 新华区城 would (and 吉林省 before 吉林市).
        self._by_length = sorted(self.all, key=lambda d: (-len(d.name), d.code))

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> Divisions:
        divisions = [Division(r["code"], r["name"], r["level"], r["parent_code"]) for r in read_data("divisions.csv")]
        current = {d.code for d in divisions}
        retired = {}
        for change in read_data("division_changes.csv"):
            old, new = change["old_code"], change["new_code"]
            if old and change["old_name"] and old != new and (old not in current or change["old_name"] != _name(divisions, old)):
                retired[(old, change["old_name"])] = Division(old, change["old_name"], _level(old), change["parent_code"],
                                                              current=False, successor=new)
        return cls(divisions + sorted(retired.values(), key=lambda d: (d.code, d.name)))

    def get(self, code: str | None) -> Division | None:
        return self.by_code.get(code or "")

    def ancestors(self, code: str) -> list[Division]:
        """The division and the ones above it, nearest first."""
        chain, seen = [], set()
        d = self.get(code)
        while d and d.code not in seen:
            seen.add(d.code)
            chain.append(d)
            d = self.get(d.parent_code)
        return chain

    def within(self, division: Division, region: str) -> bool:
        """Is ``division`` ``region`` or below it? (A retired division counts by its code's prefix.)"""
        if not division.current:
            return _code_within(division.code, region)
        return any(d.code == region for d in self.ancestors(division.code))

    def leading(self, name: str) -> list[Division]:
        """Divisions whose full name begins ``name`` (the longest such names only)."""
        found = [d for d in self._by_length if name.startswith(d.name)]
        if not found:
            return []
        longest = len(found[0].name)
        return [d for d in found if len(d.name) == longest]

    def level(self, code: str | None) -> str | None:
        d = self.get(code)
        return GOVERNMENT_LEVEL[d.level] if d else None


def _name(divisions: list[Division], code: str) -> str:
    return next((d.name for d in divisions if d.code == code), "")


def _level(code: str) -> str:
    return "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"


def _code_within(code: str, region: str) -> bool:
    if region.endswith("0000"):
        return code[:2] == region[:2]
    if region.endswith("00"):
        return code[:4] == region[:4]
    return code == region
