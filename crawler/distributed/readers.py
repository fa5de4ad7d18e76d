"""Documents of a distributed crawl read on the workers' machines, through a Dramatiq queue.

Reading (PDF, DOC through LibreOffice, OCR) is the costly part of a crawl, so it scales out with the
workers: the archive writer only writes. The writer finds the documents its archive has not read
(``crawler.store.extraction``, as in a single-machine crawl), puts each one's bytes in Redis
(``xxgk:doc:<sha256>``) and sends a task to the Dramatiq queue ``xxgk-read``; readers — threads of
every `xxgk crawl --redis` worker, or `xxgk read-documents` on any machine — take tasks, read each
document in a child process under the limits of ``extractors.isolation`` (memory, time, its own
process group), and push the reading to ``xxgk:readings``, which the writer files.

Why Dramatiq (against RQ and arq, and against more of our own Redis code): its Redis broker keeps a
task a reader has taken in that reader's acknowledgement set until the reading is pushed (late
acknowledgement), keeps a heartbeat per reader process, and puts the tasks of a reader whose
heartbeat stopped back on the queue — what ``crawler.distributed.worker`` writes by hand for
requests. Its messages are JSON, failed tasks are retried and then dead-lettered. RQ pickles its
jobs and forks a work horse per job (our readers already fork one per document); arq pickles by
default and is asyncio-only.

A reader killed mid-document loses nothing: its task goes back on the queue once its heartbeat is
``XXGK_READER_HEARTBEAT`` seconds old, another reader reads the document, and the writer files one
reading per document (a second reading of the same bytes, from a task sent twice, is dropped).
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from crawler.distributed import messages
from crawler.distributed.identity import worker_name
from extractors.isolation import ChildLimits, Job, Outcome, read_isolated

QUEUE = "xxgk-read"
NAMESPACE = "xxgk:dramatiq"
DOC = "xxgk:doc:"  # + sha256: a document's bytes, from the writer's archive, until its reading is filed
READINGS = "xxgk:readings"  # list of readings (messages), filed by the writer
READ_BY = "xxgk:read:by"  # hash: reader → documents it read
# Out of a million broker commands, how many also requeue the tasks of readers gone silent (cheap:
# a look at the heartbeats; Dramatiq's default of 1,000 takes minutes to notice on an idle queue).
MAINTENANCE_CHANCE = 100_000
STOP_SECONDS = 10

logger = logging.getLogger(__name__)


def heartbeat_seconds() -> float:
    return float(os.environ.get("XXGK_READER_HEARTBEAT", "60"))


class GuardedEncoder(dramatiq.JSONEncoder):
    """Dramatiq's JSON, and a message that is not JSON of the right shape dead-lettered instead of
    stopping the reader's consumer (Dramatiq would log it and leave it taken, for ever)."""

    FIELDS = {"queue_name", "actor_name", "args", "kwargs", "options", "message_id", "message_timestamp"}

    def __init__(self, server):
        self.server = server

    def decode(self, data: bytes) -> dict:
        try:
            fields = super().decode(data)
            if isinstance(fields, dict) and self.FIELDS <= set(fields) and fields["actor_name"] == "read_document":
                return fields
            error = "not a reading task"
        except dramatiq.DecodeError as exc:
            error = f"not a Dramatiq message ({exc})"[:200]
        messages.dead_letter(self.server, QUEUE, data, error)
        # Taken under an id that only the queue's hash knows: acknowledged as a no-op task under it.
        found = next((key.decode() for key, value in self.server.hscan_iter(f"{NAMESPACE}:{QUEUE}.msgs")
                      if value == data), None)
        return {"queue_name": QUEUE, "actor_name": "dead_letter", "args": [], "kwargs": {},
                "options": {"redis_message_id": found} if found else {}, "message_id": uuid.uuid4().hex,
                "message_timestamp": int(time.time() * 1000)}


def make_broker(server) -> tuple[RedisBroker, dramatiq.Actor]:
    """The broker on ``server`` (a checked client) and the reading actor, for readers and the writer alike."""
    dramatiq.set_encoder(GuardedEncoder(server))
    broker = RedisBroker(client=server, namespace=NAMESPACE, maintenance_chance=MAINTENANCE_CHANCE,
                         heartbeat_timeout=int(heartbeat_seconds() * 1000))
    dramatiq.Actor(lambda: None, broker=broker, actor_name="dead_letter", queue_name=QUEUE, priority=0,
                   options={"max_retries": 0})
    limits = ChildLimits.from_env()
    actor = dramatiq.Actor(_read_document, broker=broker, actor_name="read_document", queue_name=QUEUE, priority=0,
                           options={"max_retries": 3, "min_backoff": 1000, "max_backoff": 30_000,
                                    # the child is killed at limits.seconds; the task's own limit is a backstop
                                    "time_limit": int((limits.seconds + 60) * 1000)})
    return broker, actor


# --- the readers' side ---------------------------------------------------------------------------

_reader: "Readers | None" = None


class Readers:
    """Reader threads in this process (a Dramatiq ``Worker``), each reading one document at a time."""

    def __init__(self, server, threads: int):
        global _reader
        from extractors.pool import forkserver_context

        self.server = server
        self.name = worker_name()
        self.limits = ChildLimits.from_env()
        self.context = forkserver_context()
        self.broker, _ = make_broker(server)
        self.worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=500)
        self.worker.queue_prefetch = threads  # a reader takes no more than it reads at once: the rest is for others
        self.read = 0
        self._lock = threading.Lock()
        _reader = self

    def start(self) -> None:
        logging.getLogger("dramatiq").setLevel(logging.WARNING)
        self.worker.start()

    def stop(self) -> None:
        """Stop taking tasks. A document still being read after a few seconds is left to another
        reader (its task goes back once this process's heartbeat stops): Ctrl-C does not wait minutes."""
        self.worker.stop(timeout=STOP_SECONDS * 1000)

    def waiting(self) -> int:
        """Tasks in the queue, not taken by any reader."""
        return self.server.llen(f"{NAMESPACE}:{QUEUE}")

    def read_one(self, task: dict, signature) -> None:
        try:
            messages.check_task(task, signature)
        except messages.BadMessage as exc:
            messages.dead_letter(self.server, QUEUE, repr(task).encode()[:4096], str(exc))
            return
        sha256 = task["sha256"]
        data = self.server.get(DOC + sha256)
        if data is None:  # its reading was filed already (a task sent twice): nothing to do
            return
        with tempfile.TemporaryDirectory(prefix="xxgk-read-") as folder:
            path = Path(folder) / "document"
            path.write_bytes(data)
            del data
            outcome = read_isolated(Job(path=str(path), filename=task["filename"], content_type=task["content_type"]),
                                    self.limits, self.context)
        reading = messages.pack_reading(sha256, self.name, status=outcome.status, extraction=outcome.extraction,
                                        limit=outcome.limit, limit_value=outcome.limit_value, reason=outcome.reason,
                                        seconds=outcome.seconds)
        pipe = self.server.pipeline()
        pipe.rpush(READINGS, reading)
        pipe.hincrby(READ_BY, self.name, 1)
        pipe.execute()
        with self._lock:
            self.read += 1


def _read_document(task: dict, signature=None) -> None:
    """The actor: read one document (a Redis error raises, and Dramatiq retries the task)."""
    if _reader is None:
        raise RuntimeError("no readers started in this process")
    _reader.read_one(task, signature)


# --- the writer's side: a pool whose readers are elsewhere ----------------------------------------

class RemotePool:
    """What ``ExtractionFeeder`` needs of a pool (``submit``, ``take_done``, ``busy``), with the
    reading done by the readers: submitting sends the document, outcomes come from ``xxgk:readings``."""

    def __init__(self, server, on_dead_letter=None):
        self.server = server
        self.broker, self.actor = make_broker(server)
        self.outstanding: dict[str, Job] = {}  # sha256 → the job sent, until its reading is back
        self.on_dead_letter = on_dead_letter or (lambda error: None)
        self.readers: dict[str, int] = {}  # reader → documents it read, as filed here
        self.sent_before = self._tasks_in_redis()

    def _tasks_in_redis(self) -> set[str]:
        """Documents an earlier writer (killed, restarted) sent that are still queued or being read:
        not sent again, so that each is read once."""
        found = set()
        for queue_name in (QUEUE, f"{QUEUE}.DQ"):
            for data in self.server.hvals(f"{NAMESPACE}:{queue_name}.msgs"):
                try:
                    found.add(json.loads(data)["args"][0]["sha256"])
                except (ValueError, KeyError, IndexError, TypeError):
                    continue  # not a task of ours: the readers dead-letter it
        return found

    def submit(self, job: Job) -> None:
        sha256 = job.key[0]
        task = {"sha256": sha256, "filename": job.filename or "", "content_type": job.content_type or ""}
        self.server.set(DOC + sha256, Path(job.path).read_bytes())
        if sha256 not in self.sent_before:
            self.actor.send(task, messages.sign_task(task))
        self.outstanding[sha256] = job

    def take_done(self) -> list[Outcome]:
        done = []
        for raw in self.server.lpop(READINGS, 100) or []:
            try:
                reading = messages.unpack_reading(raw)
            except messages.BadMessage as exc:
                messages.dead_letter(self.server, READINGS, raw, str(exc))
                self.on_dead_letter(f"{READINGS}: {exc}")
                continue
            job = self.outstanding.pop(reading["sha256"], None)
            if job is None:  # read twice (a task sent again by a restarted writer): filed once already
                continue
            self.server.delete(DOC + reading["sha256"])
            self.readers[reading["reader"]] = self.readers.get(reading["reader"], 0) + 1
            done.append(Outcome(job, reading["status"], extraction=reading["extraction"], limit=reading["limit"],
                                limit_value=reading["limit_value"], reason=reading["reason"],
                                seconds=reading["seconds"] or 0.0))
        return done

    @property
    def queued(self) -> int:
        return 0

    @property
    def running(self) -> int:
        return len(self.outstanding)

    @property
    def busy(self) -> bool:
        return bool(self.outstanding)

    def close(self) -> None:
        """Nothing to stop: tasks not read yet stay in Redis, and a restarted writer sends them again."""
