"""Read one document in a child process under hard limits enforced from outside.

The readers check their own limits (bytes, pages, unzipped size, a deadline between pages), but a
PDFium render, a table of two billion columns or a converter can blow past any check made from the
inside. So every document the crawl, ``xxgk extract-pending`` or ``xxgk extract`` reads is read in a
child process that

- may map at most ``XXGK_DOC_MEMORY`` MiB of address space more than it had when it started
  (``RLIMIT_AS``; converters it starts inherit the limit), and
- is killed (SIGKILL) when ``XXGK_DOC_TIMEOUT`` seconds of wall-clock time, plus ``KILL_GRACE``,
  have passed (the readers' own deadline, checked between pages, normally stops them first with
  a more precise reason; the kill is for what never gets back to a check).

A document that hits either comes back as an ``Outcome`` with ``limit`` naming which limit and the
value it had, so the archive can skip it on the next crawl unless the limit was raised. A child
that dies any other way (a segfault in a C library) comes back as ``crashed``.

    limits = ChildLimits.from_env()
    outcome = read_isolated(Job(path=..., filename=...), limits)      # blocks until done
    child = start_child(job, limits, context)                         # the pool's non-blocking form
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from . import EXTRACTOR_FAILED
from .model import Extraction

# The limits, by the settings that set them (as the readers' own limits are named).
MEMORY = "XXGK_DOC_MEMORY"
TIME = "XXGK_DOC_TIMEOUT"

# How a MemoryError looks once ``extractors.extract`` has turned it into a reason (it never raises):
# Python's and NumPy's MemoryError, OpenCV's and C++'s allocation failures, a converter that
# could not start for want of address space.
_OUT_OF_MEMORY = ("MemoryError", "Insufficient memory", "bad_alloc", "Cannot allocate memory", "Out of memory")


# Seconds past XXGK_DOC_TIMEOUT before the child is killed.
KILL_GRACE = 10.0
# Readers run at a lower CPU priority than the process that starts them (a crawl, the writer).
CHILD_NICENESS = 10


@dataclass(frozen=True)
class ChildLimits:
    memory_mb: int = 2048  # XXGK_DOC_MEMORY: address space one document may add (MiB)
    timeout: float = 180.0  # XXGK_DOC_TIMEOUT: the child is killed ``grace`` seconds past it
    grace: float = KILL_GRACE

    @classmethod
    def from_env(cls) -> "ChildLimits":
        return cls(memory_mb=int(os.environ.get(MEMORY, cls.memory_mb)), timeout=float(os.environ.get(TIME, cls.timeout)))

    @property
    def seconds(self) -> float:
        """Wall-clock time before the kill."""
        return self.timeout + self.grace

    def value(self, name: str) -> float:
        """The value of a limit by its setting (recorded with a failure, compared on the next crawl)."""
        return self.memory_mb if name == MEMORY else self.timeout

    def describe(self, name: str) -> str:
        if name == MEMORY:
            return f"memory limit: more than {self.memory_mb} MiB of address space ({MEMORY})"
        return f"time limit: still running after {self.seconds:g} s, killed ({TIME} + {self.grace:g} s)"


@dataclass(frozen=True)
class Job:
    """One document to read: its bytes are read by the child from ``path`` (never piped in)."""

    path: str
    filename: str = ""
    content_type: str = ""
    key: object = None  # the caller's handle (the pool passes the blob's sha256 and capture id)


@dataclass(frozen=True)
class Outcome:
    """What became of one document: an extraction, or why there is none.

    ``status`` is "done" (``extraction`` set), "limit" (``limit`` and ``limit_value`` set) or
    "crashed"; ``reason`` says it in words for the last two.
    """

    job: Job
    status: str
    extraction: Extraction | None = None
    limit: str | None = None
    limit_value: float | None = None
    reason: str | None = None
    seconds: float = 0.0


def read_isolated(job: Job, limits: ChildLimits | None = None, context=None) -> Outcome:
    """Read one document in a child process and wait for it (``xxgk extract``)."""
    child = start_child(job, limits or ChildLimits.from_env(), context)
    while True:
        outcome = child.poll(timeout=max(0.0, child.deadline - time.monotonic()))
        if outcome is not None:
            return outcome


def start_child(job: Job, limits: ChildLimits, context=None) -> "Child":
    """Start reading ``job`` in a child of ``context`` (a multiprocessing context; default fork)."""
    context = context or multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(send, job, limits.memory_mb), daemon=True,
                              name=f"xxgk-extract {job.filename or job.path}"[:60])
    process.start()
    send.close()  # the child holds the only writing end: end of file means it died
    return Child(job, limits, process, receive)


class Child:
    """A running child; ``poll`` collects its outcome, killing it once past the deadline."""

    def __init__(self, job: Job, limits: ChildLimits, process, connection: Connection):
        self.job, self.limits, self.process, self.connection = job, limits, process, connection
        self.started = time.monotonic()
        self.deadline = self.started + limits.seconds

    @property
    def waitables(self) -> list:
        return [self.connection, self.process.sentinel]

    def poll(self, timeout: float = 0.0) -> Outcome | None:
        """The outcome if the child finished (or was killed now for its time); else None."""
        message = None
        if wait([self.connection], timeout):
            try:
                message = self.connection.recv()
            except (EOFError, OSError):  # died without a word
                message = None
            return self._finish(message, died=message is None)
        if time.monotonic() >= self.deadline:
            self.kill()
            return self._finish(None, died=False, killed_for_time=True)
        return None

    def kill(self) -> None:
        """Kill the child and whatever it started (a converter, Tesseract): they share its process group."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.join()

    def _finish(self, message, *, died: bool, killed_for_time: bool = False) -> Outcome:
        self.process.join(timeout=5)
        self.kill()  # also whatever it left running in its group
        self.connection.close()
        elapsed = time.monotonic() - self.started
        if killed_for_time:
            return self._limit(TIME, elapsed)
        if died:
            return Outcome(self.job, "crashed", reason=_death(self.process.exitcode), seconds=elapsed)
        kind, payload = message
        if kind == MEMORY:
            return self._limit(MEMORY, elapsed, detail=payload)
        return Outcome(self.job, "done", extraction=payload, seconds=elapsed)

    def _limit(self, name: str, elapsed: float, detail: str = "") -> Outcome:
        reason = self.limits.describe(name) + (f" ({detail})" if detail else "")
        return Outcome(self.job, "limit", limit=name, limit_value=self.limits.value(name), reason=reason,
                       seconds=elapsed)


def lower_priority() -> None:
    """Readers yield the CPU to the crawl and the archive's writer. At nice 19 alone they still took a
    share of a busy core; Linux's SCHED_IDLE runs them only on CPU nothing else wants (16x bench
    world, download stage: 24.6 s against 26.3 s, 3 alternating pairs). Inherited by converters."""
    os.nice(CHILD_NICENESS)
    if hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _child_main(send: Connection, job: Job, memory_mb: int) -> None:
    import extractors  # already imported when forked from a preloaded server; lazily by `xxgk extract`

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which ends its children
    os.setpgid(0, 0)  # its own process group, so a kill reaches the converters it starts
    lower_priority()  # downloads first: the crawl's own process keeps the CPU it needs
    try:
        limit = _address_space() + memory_mb * 2**20
        _, inherited = resource.getrlimit(resource.RLIMIT_AS)
        if inherited != resource.RLIM_INFINITY:  # a tighter cap from whoever started us stays
            limit = min(limit, inherited)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        data = Path(job.path).read_bytes()
        result = extractors.extract(data, filename=job.filename, content_type=job.content_type)
    except MemoryError as exc:
        send.send((MEMORY, f"MemoryError: {exc}"[:300]))
        return
    reason = result.reason or ""
    if not result.is_report and reason.startswith(extractors.EXTRACTOR_FAILED) and any(s in reason for s in _OUT_OF_MEMORY):
        send.send((MEMORY, reason[:300]))
        return
    send.send(("done", result))


def _address_space() -> int:
    """Bytes of address space this process has mapped now (VmSize)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _death(exitcode: int | None) -> str:
    """Worded like an extractor exception (the EXTRACTOR_FAILED prefix): a crash is retried next crawl."""
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = " (the kernel's out-of-memory killer?)" if -exitcode == signal.SIGKILL else ""
        return f"{EXTRACTOR_FAILED}: the reading process died of {name}{hint}"
    return f"{EXTRACTOR_FAILED}: the reading process exited with status {exitcode} and no result"
