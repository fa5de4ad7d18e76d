"""`xxgk schedule`: the same crawl as a crontab line and as a systemd service + timer.

Schedules are cron expressions (checked by cronsim); each is also written as systemd
``OnCalendar=`` values meaning the same times (a test compares the next firings of both).
"""
from __future__ import annotations

import re
import shlex
import sys
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


def add_parsers(sub) -> None:
    p = sub.add_parser("schedule", help="print (or install) a crontab line and a systemd service + timer for a crawl")
    p.add_argument("--sites", required=True, help="site registry the scheduled crawl reads")
    p.add_argument("--archive", required=True, help="archive the scheduled crawl writes")
    p.add_argument("--every", default="season",
                   help="season (weekly January–March, monthly otherwise; default), weekly, monthly, "
                        "or a cron expression such as '30 2 * * 1-5'")
    p.add_argument("--install", choices=("cron", "systemd"), help="install into the user's crontab, or the unit files")
    p.add_argument("--unit-dir", help="where --install systemd writes the units "
                                      "(default /etc/systemd/system as root, else ~/.config/systemd/user)")
    p.set_defaults(func=cmd_schedule)


def cmd_schedule(args) -> int:
    import os
    import shutil
    import subprocess
    from pathlib import Path

    try:
        schedule = parse_every(args.every)
    except ScheduleError as exc:
        print(f"xxgk schedule: {exc}", file=sys.stderr)
        return 2
    script = Path(sys.executable).parent / "xxgk"
    xxgk = [str(script)] if script.exists() else [sys.executable, "-m", "commands"]
    made = units(xxgk, Path(args.sites), Path(args.archive), schedule)
    if not args.install:
        print(f"# crontab (crontab -e), times in the machine's local time:\n{made.crontab}")
        print(f"# {made.name}.service\n{made.service}")
        print(f"# {made.name}.timer\n{made.timer}", end="")
        return 0
    if args.install == "cron":
        if not shutil.which("crontab"):
            print("xxgk schedule: no crontab command here (install cron, or use --install systemd)", file=sys.stderr)
            return 2
        old = subprocess.run(["crontab", "-l"], capture_output=True, text=True).stdout
        kept = "".join(line + "\n" for line in old.splitlines() if not line.endswith(f"# {made.name}"))
        subprocess.run(["crontab", "-"], input=kept + made.crontab, text=True, check=True)
        print(f"installed in the crontab:\n{made.crontab}", end="")
        return 0
    user = os.geteuid() != 0
    folder = Path(args.unit_dir or (Path.home() / ".config/systemd/user" if user else "/etc/systemd/system"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{made.name}.service").write_text(made.service, encoding="utf-8")
    (folder / f"{made.name}.timer").write_text(made.timer, encoding="utf-8")
    print(f"wrote {folder / made.name}.service and .timer")
    systemctl = ["systemctl", *(["--user"] if user else [])]
    if args.unit_dir or not shutil.which("systemctl") or not Path("/run/systemd/system").exists():
        print(f"to start it: {' '.join(systemctl)} daemon-reload && {' '.join(systemctl)} enable --now {made.name}.timer")
        return 0
    subprocess.run([*systemctl, "daemon-reload"], check=True)
    subprocess.run([*systemctl, "enable", "--now", f"{made.name}.timer"], check=True)
    print(f"enabled {made.name}.timer; next run: {' '.join(systemctl)} list-timers {made.name}.timer")
    return 0
