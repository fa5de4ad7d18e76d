"""`xxgk schedule`: the crontab line and the systemd timer fire at the same times; the units verify."""
import shutil
import subprocess
from datetime import datetime

import pytest
from cronsim import CronSim

from commands.schedule import ScheduleError, parse_every, units
from tests.crawl_helpers import ROOT, xxgk

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
EXPRESSIONS = ["season", "weekly", "monthly", "*/15 2 * * *", "30 4 1,15 * *", "0 6 * * 1-5", "5 4 * * sun",
               "0 12 13 * 5", "0 0 1 jan *", "0 22 * * 0-2", "10 8-20/4 * * 7", "0 3 */10 2-11 *"]
BASE = datetime(2026, 12, 30, 12, 0)


def systemd_times(calendars, n):
    times = []
    for calendar in calendars:
        done = subprocess.run([SYSTEMD_ANALYZE, "calendar", f"--iterations={n}", "--base-time=2026-12-30 12:00:00 UTC",
                               calendar], capture_output=True, text=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        for line in done.stdout.splitlines():
            label, _, value = line.strip().partition(": ")
            if label == "Next elapse" or label.startswith("Iter."):
                times.append(datetime.strptime(value.rsplit(" ", 1)[0].split(" ", 1)[1], "%Y-%m-%d %H:%M:%S"))
    return sorted(set(times))[:n]


@pytest.mark.parametrize("every", EXPRESSIONS)
def test_the_crontab_line_is_valid_cron_naming_the_crawl(every, tmp_path):
    made = units(["/opt/xxgk/bin/xxgk"], tmp_path / "sites.yaml", tmp_path / "my archive.db", parse_every(every))
    lines = made.crontab.splitlines()
    assert len(lines) == len(parse_every(every).crons)
    for line in lines:
        fields = line.split(None, 5)
        CronSim(" ".join(fields[:5]), BASE)  # raises on a bad expression
        assert fields[5].startswith(f"cd {tmp_path} && /opt/xxgk/bin/xxgk crawl --sites {tmp_path}/sites.yaml "
                                    f"--archive '{tmp_path}/my archive.db'")


@pytest.mark.skipif(not SYSTEMD_ANALYZE, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("every", EXPRESSIONS)
def test_the_timer_fires_when_cron_would(every):
    schedule = parse_every(every)
    n = 25
    cron_times = sorted({t for cron in schedule.crons for t in _take(CronSim(cron, BASE), n)})[:n]
    assert systemd_times(schedule.calendars, n) == cron_times, schedule.calendars


def _take(iterator, n):
    return [next(iterator) for _ in range(n)]


@pytest.mark.skipif(not SYSTEMD_ANALYZE, reason="systemd-analyze is not installed")
def test_installed_units_pass_systemd_analyze_verify(tmp_path):
    archive, sites = tmp_path / "archive.db", tmp_path / "sites.yaml"
    done = xxgk("schedule", "--sites", str(sites), "--archive", str(archive), "--every", "weekly",
                "--install", "systemd", "--unit-dir", str(tmp_path / "units"))
    service, timer = tmp_path / "units/xxgk-crawl-archive.service", tmp_path / "units/xxgk-crawl-archive.timer"
    assert "daemon-reload" in done.stdout and service.exists() and timer.exists()
    check = subprocess.run([SYSTEMD_ANALYZE, "verify", str(service), str(timer)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert f"--archive {archive}" in service.read_text() and "OnCalendar=Mon *-*-* 3:17:00" in timer.read_text()
    broken = tmp_path / "units/broken.timer"
    broken.write_text(timer.read_text().replace("OnCalendar=Mon", "OnCalendar=Mox"))
    assert subprocess.run([SYSTEMD_ANALYZE, "verify", str(broken)], capture_output=True).returncode != 0


def test_the_printed_schedule_has_all_three_parts(tmp_path):
    done = xxgk("schedule", "--sites", "registry/sites.yaml", "--archive", str(tmp_path / "a.db"))
    out = done.stdout
    assert out.count(f"crawl --sites {ROOT}/registry/sites.yaml --archive {tmp_path}/a.db") == 3  # 2 cron lines + ExecStart
    assert "[Service]" in out and "[Timer]" in out and "WantedBy=timers.target" in out


def test_a_bad_schedule_is_refused_clearly():
    for every in ("61 * * * *", "* * *", "fortnightly"):
        with pytest.raises(ScheduleError):
            parse_every(every)
    done = xxgk("schedule", "--sites", "s.yaml", "--archive", "a.db", "--every", "0 25 * * *", check=False)
    assert done.returncode == 2 and "xxgk schedule: '0 25 * * *'" in done.stderr
