"""A pool reading documents in parallel, each in its own limited child process (``isolation``).

Children are forked from a forkserver that has imported every reader once, so a child starts in a
few milliseconds, reads one document and exits: its memory goes back whole, a crash or a hang
costs one document, and the limits hold per document. A thread starts children as slots free up
and collects their outcomes; the caller submits jobs and takes outcomes (``take_done``) from
whatever thread it writes the archive from — the pool never writes anything itself.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from multiprocessing.connection import wait

from .isolation import Child, ChildLimits, Job, Outcome, start_child

# Imported once in the forkserver, so no child pays for them (each is needed by some format).
PRELOAD = [
    "extractors.forkserver_priority",  # first: the imports below run at the readers' priority, not the crawl's
    "extractors", "extractors.formats", "extractors.html", "extractors.documents", "extractors.documents.pdf",
    "extractors.documents.ocr", "extractors.documents.docx", "extractors.documents.spreadsheet",
    "extractors.documents.word_convert", "extractors.isolation",
]


def default_size() -> int:
    """``XXGK_EXTRACT_WORKERS``, else the number of cores."""
    return int(os.environ.get("XXGK_EXTRACT_WORKERS") or 0) or os.cpu_count() or 1


def forkserver_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


class ExtractionPool:
    def __init__(self, size: int | None = None, limits: ChildLimits | None = None, context=None):
        self.size = max(1, size or default_size())
        self.limits = limits or ChildLimits.from_env()
        self.context = context or forkserver_context()
        self._queue: deque[Job] = deque()
        self._running: list[Child] = []
        self._done: deque[Outcome] = deque()
        self._starting = 0  # taken from the queue, child not started yet
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="xxgk-extraction-pool", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        with self._lock:
            self._queue.append(job)
        os.write(self._wake_write, b"x")

    def take_done(self) -> list[Outcome]:
        """Outcomes finished since the last call, oldest first."""
        with self._lock:
            done = list(self._done)
            self._done.clear()
        return done

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def running(self) -> int:
        return len(self._running) + self._starting

    @property
    def busy(self) -> bool:
        """Jobs queued or running, or outcomes not yet taken."""
        with self._lock:
            return bool(self._queue or self._starting or self._running or self._done)

    def close(self) -> None:
        """Stop: running children are killed, queued jobs dropped (the archive still lists them as pending)."""
        self._closed = True
        os.write(self._wake_write, b"x")
        self._thread.join(timeout=10)
        for child in list(self._running):
            child.kill()
        os.close(self._wake_read)
        os.close(self._wake_write)

    def _run(self) -> None:
        while not self._closed:
            while True:
                with self._lock:
                    if not self._queue or len(self._running) >= self.size:
                        running = list(self._running)
                        break
                    job = self._queue.popleft()
                    self._starting += 1
                # Started without the lock: the first start waits for the forkserver to import the
                # readers (seconds), and the crawl's reactor must not wait on the lock meanwhile.
                try:
                    child = start_child(job, self.limits, self.context)
                except OSError as exc:  # no process could be started (fork refused): the job fails, the pool goes on
                    child = Outcome(job, "crashed", reason=f"extractor failed: could not start a reader: {exc}")
                with self._lock:
                    (self._done if isinstance(child, Outcome) else self._running).append(child)
                    self._starting -= 1
            deadline = min((c.deadline for c in running), default=None)
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = wait([self._wake_read, *(w for c in running for w in c.waitables)], timeout)
            if self._wake_read in ready:
                os.read(self._wake_read, 4096)
            for child in running:
                outcome = child.poll(0)
                if outcome is not None:
                    with self._lock:
                        self._running.remove(child)
                        self._done.append(outcome)
