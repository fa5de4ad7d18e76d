"""One writer per archive: a second crawl is refused naming the first; a killed crawl's lock is taken over."""
import fcntl
import json
import os
import signal
import subprocess
import sys
import time

from archive.lock import ArchiveLock, ArchiveLocked, lock_path
from replica.server import Replica
from tests.crawl_helpers import ROOT, XXGK, rows, write_registry, xxgk


def wait_for_holder(path, pid, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            holder = json.loads(lock_path(path).read_text() or "{}")
        except (OSError, ValueError):
            holder = {}
        if holder.get("pid") == pid:
            return holder
        time.sleep(0.2)
    raise AssertionError(f"pid {pid} never took the lock of {path}")


def wait_until_free(path, timeout=120) -> None:
    """Until no process holds the lock (tested without taking it over: the holder's record stays)."""
    fd = os.open(lock_path(path), os.O_RDWR)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                time.sleep(0.1)
                continue
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
    finally:
        os.close(fd)
    raise AssertionError(f"the lock of {path} was never released")


def test_a_second_crawl_is_refused_then_a_killed_crawls_lock_is_recovered(tmp_path):
    archive = tmp_path / "archive.db"
    with Replica.start() as replica:
        registry = write_registry(tmp_path / "sites.yaml", replica.sites)
        first = subprocess.Popen([*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive)], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            holder = wait_for_holder(archive, first.pid)
            started = time.monotonic()
            second = xxgk("crawl", "--sites", str(registry), "--archive", str(archive), check=False)
            assert second.returncode == 3
            assert time.monotonic() - started < 30  # at once: it waits for nothing
            message = second.stderr.strip()
            assert f"pid {first.pid}" in message and f"xxgk crawl --sites {registry}" in message
            assert f"started {holder['started_at']}" in message and "not starting" in message
            assert first.poll() is None  # the first crawl goes on undisturbed
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        # Its archive writer, which shared the lock, stored what it had received in its own name, then ended.
        wait_until_free(archive)
        left = json.loads(lock_path(archive).read_text())
        assert left["pid"] != first.pid and f"storing what crawl pid {first.pid} sent" in left["command"], left

        third = xxgk("crawl", "--sites", str(registry), "--archive", str(archive))
    assert f"recovered the lock left by pid {left['pid']}" in third.stderr and f"crawl pid {first.pid}" in third.stderr
    assert lock_path(archive).read_text() == ""  # released cleanly at the end
    runs = rows(archive, "select id, status, resumed_from from crawl_runs order by id")
    assert [r["status"] for r in runs] == ["interrupted", "finished"] and runs[1]["resumed_from"] == runs[0]["id"]


def test_the_lock_is_exclusive_between_processes_and_free_after_release(tmp_path):
    archive = tmp_path / "a.db"
    with ArchiveLock(archive, "holder") as lock:
        assert lock.recovered is None
        probe = subprocess.run(
            [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
             "from archive.lock import ArchiveLock, ArchiveLocked\n"
             "try:\n    ArchiveLock(sys.argv[2], 'probe').__enter__()\nexcept ArchiveLocked as e:\n    print(e)",
             str(ROOT), str(archive)], capture_output=True, text=True, timeout=60)
        assert f"pid {os.getpid()}" in probe.stdout and "(holder, started" in probe.stdout
    with ArchiveLock(archive, "again") as lock:  # released: free, and nothing to recover
        assert lock.recovered is None
    try:
        with ArchiveLock(archive, "outer"):
            ArchiveLock(archive, "inner").__enter__()
        raise AssertionError("a second lock on one archive was granted")
    except ArchiveLocked as exc:
        assert exc.holder["command"] == "outer"


def test_every_command_that_writes_an_archive_waits_for_no_one_while_another_holds_it(tmp_path):
    from archive.store import Archive

    archive = tmp_path / "a.db"
    Archive(archive).close()
    with ArchiveLock(archive, "xxgk crawl --sites held.yaml"):
        for command in (("extract-pending",), ("upgrade",), ("reextract", "--all")):
            done = xxgk(*command, "--archive", str(archive), check=False)
            assert done.returncode == 3, (command, done.stderr)
            assert f"pid {os.getpid()}" in done.stderr and "xxgk crawl --sites held.yaml" in done.stderr
    assert "already up to date" in xxgk("upgrade", "--archive", str(archive)).stdout  # free again afterwards
