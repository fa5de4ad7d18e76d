"""What a person sees: `make demo` off a terminal is short and plain; on a terminal, a live display."""
import os
import pty
import re
import select
import subprocess
import time

from replica.server import Replica
from tests.crawl_helpers import ROOT, XXGK, write_registry


def test_make_demo_off_a_terminal_prints_under_30_plain_lines(tmp_path):
    archive = tmp_path / "archive.db"
    # what `make demo` installs first (once per machine) is not the demo's output
    subprocess.run(["make", "--no-print-directory", ".venv/.installed", "system-packages"], cwd=ROOT,
                   capture_output=True, timeout=1800, check=True)
    done = subprocess.run(["make", "--no-print-directory", "demo", f"DEMO_ARGS=--archive {archive} --port 0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    lines = output.splitlines()
    assert len(lines) < 30, output
    assert "ERROR" not in output and "Traceback" not in output and "\x1b[" not in output, output
    assert re.search(r"^Crawl run 1: \w.* in \d", done.stdout, re.M)
    for site in ("xinhua", "shangrao", "tuoli", "jiefang", "hualong"):
        assert re.search(rf"^  {site} +\d+ ", done.stdout, re.M), site
    # the replica's planted faults are counted, not printed as errors
    assert "http 500 ×1" in done.stdout and "http 404 ×1" in done.stdout and "network ×1" in done.stdout


def test_on_a_terminal_a_live_display_then_the_summary(tmp_path):
    archive = tmp_path / "archive.db"
    with Replica.start() as replica:
        registry = write_registry(tmp_path / "sites.yaml", [s for s in replica.sites if s.id in ("shangrao", "hualong")])
        pid, fd = pty.fork()
        if pid == 0:  # the child: xxgk on a terminal of 120 columns
            os.chdir(ROOT)
            os.execvpe(XXGK[0], [*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive)],
                       {**os.environ, "COLUMNS": "120", "TERM": "xterm"})
        screen = b""
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                screen += chunk
        _, status = os.waitpid(pid, 0)
    text = screen.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "\x1b[" in text  # drawn with terminal control sequences (rich)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert "sites" in plain and "0/2 starting" in plain
    assert re.search(r"sites .*2/2 .*pages .*report pages .*docs \d+ extracted, \d+ pending .*errors", plain), plain
    assert "Crawl run 1: ok in " in text and "Traceback" not in text
