"""Operations commands: `xxgk verify` (and the scheduling command), each in its own function."""
from __future__ import annotations

import contextlib
import sys

# Exit codes of the commands that write an archive (README, "Exit codes").
EXIT_LOCKED = 3


@contextlib.contextmanager
def archive_lock(path, command: str):
    """Hold the archive's lock for the block; yields None (after saying who holds it) when another
    process does. A lock whose process died is taken over, and that is said too."""
    from archive.lock import ArchiveLock, ArchiveLocked, describe

    lock = ArchiveLock(path, command)
    try:
        lock.__enter__()
    except ArchiveLocked as exc:
        print(f"{command.split(' --')[0]}: {exc}; not starting.", file=sys.stderr)
        yield None
        return
    try:
        if lock.recovered:
            print(f"{command.split(' --')[0]}: recovered the lock left by {describe(lock.recovered)}: "
                  f"that process is gone", file=sys.stderr, flush=True)
        yield lock
    finally:
        lock.__exit__(None, None, None)


def add_parsers(sub, archive_help: str) -> None:
    p = sub.add_parser("verify", help="re-hash every blob and check every row refers to what exists; exit 1 if not")
    p.add_argument("--archive", help=archive_help)
    p.set_defaults(func=cmd_verify)

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


def cmd_verify(args) -> int:
    from archive.verify import verify
    from crawler.cli import _archive_path

    path = _archive_path(args)
    if not path.exists():
        print(f"xxgk verify: no archive at {path}", file=sys.stderr)
        return 2
    verdict = verify(path)
    for problem in verdict.problems:
        print(problem)
    counted = ", ".join(f"{n} {what}" for what, n in verdict.counted.items())
    if verdict.ok:
        print(f"{path}: ok ({counted}; sqlite integrity_check ok)")
        return 0
    print(f"{path}: {len(verdict.problems)} problem(s) ({counted})", file=sys.stderr)
    return 1


def cmd_schedule(args) -> int:
    import os
    import shutil
    import subprocess
    from pathlib import Path

    from crawler.schedule import ScheduleError, parse_every, units

    try:
        schedule = parse_every(args.every)
    except ScheduleError as exc:
        print(f"xxgk schedule: {exc}", file=sys.stderr)
        return 2
    script = Path(sys.executable).parent / "xxgk"
    xxgk = [str(script)] if script.exists() else [sys.executable, "-m", "crawler.cli"]
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
