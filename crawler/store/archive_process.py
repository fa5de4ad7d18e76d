"""The archive's writer and the extraction pool, in a process of their own beside the crawl.

Measured on the 4x bench world: storing captures (blobs, rows, WARC records) and writing what the
pool read, on a thread of the crawl process, held the interpreter lock 1.3 ms a page, and each
lock hand-off left the reactor waiting; the crawl ran at 0.6 of bare Scrapy, and at 0.8 once it
stored nothing. So the crawl process only downloads: its pipeline sends each capture down a pipe,
and this process — the archive's one writer — stores it, feeds the pool and writes what it read.

- ``submit`` returns a future of the capture's ``Stored``; a receiving thread resolves the futures,
  a batch per message.
- The writer ignores SIGINT and SIGTERM (Ctrl-C reaches the whole process group): the crawl decides
  when to stop, and ``finish`` stores what is queued, drains the pool or not, and ends the process.
  A crawl process that dies closes the pipe: the writer stores what it received and exits.
- The writer shares the crawl's archive lock (``archive.lock``): it is given the lock's open file,
  and a ``flock`` lasts until every process holding its file has closed it. So a crawl killed
  with ``kill -9`` leaves the archive locked, in the writer's name, until the writer has stored
  what it received; another writer cannot start in between.
- A writer that dies (killed, out of memory) fails every capture still waiting with a storage error:
  counted, and the crawl goes on to its end without storing more.

One writer per archive per process, shared by every crawler (one per platform) of a run; the run
holds it (``held``) so that it drains the pool once the last spider closed.
"""
from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import queue
import signal
import threading
from concurrent.futures import Future
from multiprocessing import reduction
from pathlib import Path

from archive.lock import held_fd, name_holder
from archive.records import Blocked, Capture
from crawler.store.archive_thread import Stored

logger = logging.getLogger(__name__)

# Seconds a writer has, past the drain's deadline, to store what is queued, close and answer.
FINISH_GRACE = 60.0


class ArchiveProcess:
    def __init__(self, archive_path: Path | str, *, workers: int | None = None, warc: bool = True,
                 warc_max_bytes: int = 1_000_000_000, agency_hints: dict[str, str] | None = None):
        # spawn: the crawl process has threads (the reactor's, DNS), which a fork would copy half-held
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        # the crawl's pid is sent, not read with getppid() in the child: a crawl killed while its writer
        # is still starting leaves an orphan whose parent is already init
        options = {"workers": workers, "warc": warc, "warc_max_bytes": warc_max_bytes, "agency_hints": agency_hints,
                   "crawl_pid": os.getpid()}
        lock_fd = held_fd(archive_path)
        lock = None if lock_fd is None else _LockFile(lock_fd)
        self.process = context.Process(target=_serve, args=(child, str(archive_path), options, lock), name="xxgk-archive-writer")
        self.process.start()
        child.close()
        self.users = 0
        self.held = False  # True when the run drains it, not the last pipeline
        self._tokens = itertools.count()
        self._waiting: dict[int, Future] = {}
        self._replies: queue.SimpleQueue = queue.SimpleQueue()
        self._send_lock = threading.Lock()
        self._receiver = threading.Thread(target=self._receive, name="xxgk-archive-replies", daemon=True)
        self._receiver.start()

    def submit(self, item: Capture | Blocked, spider: str, run_id: int) -> Future:
        """Send ``item`` to be stored; the future's result is its ``Stored``."""
        token, future = next(self._tokens), Future()
        self._waiting[token] = future
        try:
            self._send(("store", token, item, spider, run_id))
        except OSError as exc:  # the writer is gone
            self._waiting.pop(token, None)
            future.set_result(Stored(error=f"archive writer process gone: {exc}"))
        return future

    def finish(self, *, drain: bool, drain_seconds: float | None = None) -> dict:
        """Store what was sent, read what is pending (``drain``, for at most ``drain_seconds``; else
        write only what the pool has read already), end the process. Returns the pool's ``counts``
        and ``progress`` (``drain_stopped`` when documents were left pending at the deadline), and
        an ``error`` when the writer had died or had to be killed.

        Bounded: a writer that has not answered ``FINISH_GRACE`` seconds past the drain's deadline
        is killed (what it committed stays; a WARC record it was writing is repaired by the next crawl)."""
        try:
            self._send(("finish", drain, drain_seconds))
            result = self._replies.get(timeout=None if drain_seconds is None else drain_seconds + FINISH_GRACE)
        except OSError:
            result = None
        except queue.Empty:
            self.process.kill()
            result = {"counts": {}, "progress": {"extracted": 0, "pending": 0},
                      "error": f"archive writer did not finish within {drain_seconds + FINISH_GRACE:g} s "
                               f"(XXGK_DRAIN_TIMEOUT + {FINISH_GRACE:g} s); killed"}
        self.process.join(FINISH_GRACE)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        if result is None:
            return {"counts": {}, "progress": {"extracted": 0, "pending": 0},
                    "error": f"archive writer process ended (exit code {self.process.exitcode})"}
        return result

    def _send(self, message) -> None:
        with self._send_lock:
            self._conn.send(message)

    def _receive(self) -> None:
        while True:
            try:
                kind, payload = self._conn.recv()
            except (EOFError, OSError):
                break
            if kind == "stored":
                for token, stored in payload:
                    self._waiting.pop(token).set_result(stored)
            else:
                self._replies.put(payload)
        # The writer ended: nothing more will be stored, and whoever waits hears why.
        self.process.join(timeout=5)
        reason = f"archive writer process ended (exit code {self.process.exitcode})"
        for token in list(self._waiting):
            self._waiting.pop(token).set_result(Stored(error=reason))
        self._replies.put(None)


class _LockFile:
    """The archive lock's open file (a descriptor), handed to the writer process as it is spawned,
    the way multiprocessing hands it the pipe: the child receives a duplicate of the descriptor."""

    def __init__(self, fd: int):
        self.fd = fd

    def __reduce__(self):
        return _detach, (reduction.DupFd(self.fd),)


def _detach(duplicate) -> int:
    return duplicate.detach()


def _serve(conn, archive_path: str, options: dict, lock_fd: int | None) -> None:
    """The writer process: store what the crawl sends, feed the pool, until told to finish."""
    crawl = options["crawl_pid"]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from crawler.store import extraction
    from crawler.store.archive_thread import ArchiveThread

    feeder = extraction.ExtractionFeeder(archive_path, workers=options["workers"], agency_hints=options["agency_hints"])
    send_lock = threading.Lock()

    def reply(pairs):
        with send_lock:
            try:
                conn.send(("stored", pairs))
            except OSError:  # the crawl process is gone; what it sent is stored all the same
                pass

    thread = ArchiveThread(feeder, reply, warc=options["warc"], warc_max_bytes=options["warc_max_bytes"])
    drain, drain_seconds = False, None
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the crawl died: the lock now holds for this process alone
                if lock_fd is not None:
                    name_holder(lock_fd, f"xxgk archive writer, storing what crawl pid {crawl} sent before it ended")
                break
            if message[0] == "finish":
                _, drain, drain_seconds = message
                break
            _, token, item, spider, run_id = message
            thread.submit(token, item, spider, run_id)
        thread.stop()  # what was received is stored, the WARC files closed
        stopped = False
        if drain:
            stopped = not feeder.drain(seconds=drain_seconds)
        else:  # what is read is written; the rest stays pending for the next run
            feeder.tick()
        result = {"counts": dict(feeder.counts), "progress": feeder.progress(), "drain_stopped": stopped}
    finally:
        feeder.close()
    with send_lock:
        try:
            conn.send(("finished", result))
        except OSError:
            pass


# One writer per archive per process.
_WRITERS: dict[str, ArchiveProcess] = {}
_LOCK = threading.Lock()


def open_writer(archive_path: Path | str, **options) -> ArchiveProcess:
    """The archive's writer process, started on first use; every ``open_writer`` needs a ``release``."""
    key = str(Path(archive_path).resolve())
    with _LOCK:
        writer = _WRITERS.get(key)
        if writer is None:
            writer = _WRITERS[key] = ArchiveProcess(archive_path, **options)
        writer.users += 1
        return writer


def release(writer: ArchiveProcess) -> bool:
    """One user done. Returns whether it was the last (the writer is no longer shared then)."""
    with _LOCK:
        writer.users -= 1
        if writer.users > 0:
            return False
        for key, value in list(_WRITERS.items()):
            if value is writer:
                del _WRITERS[key]
        return True
