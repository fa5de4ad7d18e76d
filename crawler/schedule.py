"""`xxgk schedule`: the same crawl as a crontab line and as a systemd service + timer.

Schedules are cron expressions (checked by cronsim); each is also written as systemd
``OnCalendar=`` values meaning the same times (a test compares the next firings of both).
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from cronsim import CronSim, CronSimError

# Reports appear January–March: weekly then, monthly the rest of the year. An odd minute, so the
# crawl does not start with every other job on the hour.
EVERY = {
    "season": ("17 3 * 1-3 1", "17 3 1 4-12 *"),
    "weekly": ("17 3 * * 1",),
    "monthly": ("17 3 1 * *",),
}
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = {d.lower(): str(i) for i, d in enumerate(_DAYS[:7])}
_MONTH_NAMES = {m: str(i) for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    crons: tuple[str, ...]
    calendars: tuple[str, ...]  # systemd OnCalendar= values


def parse_every(every: str) -> Schedule:
    """``season``, ``weekly``, ``monthly``, or a 5-field cron expression."""
    crons = EVERY.get(every) or (" ".join(every.split()),)
    calendars: list[str] = []
    for cron in crons:
        fields = cron.split()
        if len(fields) != 5:
            raise ScheduleError(f"{every!r}: a cron expression has 5 fields (minute hour day-of-month month day-of-week)")
        try:
            CronSim(cron, _now())
        except CronSimError as exc:
            raise ScheduleError(f"{every!r}: {exc}") from None
        calendars += on_calendar(cron)
    return Schedule(tuple(crons), tuple(calendars))


def on_calendar(cron: str) -> list[str]:
    """systemd OnCalendar= values for a cron expression. Cron fires when day-of-month OR
    day-of-week matches (if both are restricted); systemd needs both, so that becomes two values."""
    minute, hour, dom, month, dow = cron.lower().split()
    time = f"{_field(hour, 0)}:{_field(minute, 0)}:00"
    month = _field(_names(month, _MONTH_NAMES), 1)
    if dom != "*" and dow != "*":
        return [f"*-{month}-{_field(dom, 1)} {time}", f"{_weekdays(dow)} *-{month}-* {time}"]
    if dow != "*":
        return [f"{_weekdays(dow)} *-{month}-* {time}"]
    return [f"*-{month}-{_field(dom, 1)} {time}"]


def _names(field: str, names: dict[str, str]) -> str:
    return re.sub(r"[a-z]{3}", lambda m: names.get(m.group(0), m.group(0)), field)


def _field(field: str, first: int) -> str:
    """A cron field as systemd writes it: 1-5 → 1..5, */15 → 0/15, 2-20/6 → 2/6 (bounded by the range)."""
    parts = []
    for part in field.split(","):
        value, _, step = part.partition("/")
        if value == "*":
            value = str(first) if step else "*"
        elif "-" in value:
            low, high = value.split("-")
            if step:
                parts += [str(v) for v in range(int(low), int(high) + 1, int(step))]
                continue
            value = f"{low}..{high}"
        parts.append(f"{value}/{step}" if step else value)
    return ",".join(parts)


def _weekdays(field: str) -> str:
    field = _names(field, _DAY_NAMES)
    out = []
    for part in field.split(","):
        value, _, step = part.partition("/")
        low, _, high = value.partition("-")
        if value == "*":
            low, high = "0", "6"
        # Listed one by one: systemd's weekday ranges run Monday to Sunday, cron's from Sunday (0 or 7).
        out += [_DAYS[d] for d in range(int(low), int(high or low) + 1, int(step or 1))]
    return ",".join(dict.fromkeys(out))


def _now():
    from datetime import datetime

    return datetime.now()


@dataclass(frozen=True)
class Units:
    name: str  # without suffix
    crontab: str
    service: str
    timer: str


def units(xxgk: list[str], sites: Path, archive: Path, schedule: Schedule, badges: Path | None = None) -> Units:
    """The crontab line(s) and unit files for crawling ``sites`` into ``archive`` on ``schedule``."""
    sites, archive = sites.resolve(), archive.resolve()
    args = [*xxgk, "crawl", "--sites", str(sites), "--archive", str(archive)]
    if badges:
        args += ["--badges", str(badges.resolve())]
    command = shlex.join(args)
    cron_command = command.replace("%", "\\%")  # cron turns a bare % into a newline
    unit_command = command.replace("%", "%%")  # systemd expands %-specifiers
    name = "xxgk-crawl-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", archive.stem)
    # cron mails what a job prints: the summary (a few lines off a terminal) and any warning.
    crontab = "".join(f"{cron} cd {shlex.quote(str(archive.parent))} && {cron_command}  # {name}\n" for cron in schedule.crons)
    service = f"""[Unit]
Description=xxgk-archive: crawl {sites.name} into {archive}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={archive.parent}
ExecStart={unit_command}
# Exit 1 is "finished with warnings" (see the summary in the journal); 2 "failed" fails the unit,
# 3 is "archive locked by another crawl". Add OnFailure= to be mailed.
SuccessExitStatus=1 3
Nice=10
"""
    calendars = "".join(f"OnCalendar={c}\n" for c in schedule.calendars)
    timer = f"""[Unit]
Description=xxgk-archive: when to crawl {sites.name} into {archive} ({' | '.join(schedule.crons)})

[Timer]
{calendars}Persistent=true
RandomizedDelaySec=10min

[Install]
WantedBy=timers.target
"""
    return Units(name, crontab, service, timer)
