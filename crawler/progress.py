"""What a person sees while a crawl runs: a live display on a terminal, a plain line now and then
off one (cron, CI, a pipe).

One ``Board`` per crawl run counts for every crawler of the process (one per platform); the
``ProgressExtension`` of each crawler feeds it from Scrapy's signals:
- pages fetched: responses received; report pages: stored captures of report pages; errors:
  stored captures flagged http_error / network_error / challenge;
- documents extracted / pending: report pages and attachments stored, against the extraction
  counters (``extract/*`` stats; a stat ``extract/pending``, when the extraction stage sets one, wins);
- sites done: a site whose requests have all left the downloader (none scheduled, none in flight)
  for a few seconds, or whose spider has closed. A request never sent (robots.txt, a blocked host)
  keeps its site open until its spider closes.
"""
from __future__ import annotations

import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from scrapy import signals

from archive.records import ATTACHMENT, DETAIL, OK

_BOARDS: dict[int, "Board"] = {}
QUIET_SECONDS = 3.0  # a site with nothing in flight this long is done


@dataclass
class Board:
    sites: list[str]
    started: float = field(default_factory=time.monotonic)
    pages: int = 0
    report_pages: int = 0
    documents: int = 0
    errors: int = 0
    outstanding: Counter = field(default_factory=Counter)
    last_activity: dict = field(default_factory=dict)
    closed_sites: set = field(default_factory=set)
    crawlers: list = field(default_factory=list)
    recent: deque = field(default_factory=lambda: deque(maxlen=400))

    def done(self) -> int:
        now = time.monotonic()
        return sum(1 for s in self.sites if s in self.closed_sites or (
            s in self.last_activity and self.outstanding[s] <= 0 and now - self.last_activity[s] >= QUIET_SECONDS))

    def extraction(self) -> tuple[int, int]:
        stats = [c.stats for c in self.crawlers if c.stats is not None]
        value = lambda key: sum(s.get_value(key, 0) or 0 for s in stats)  # noqa: E731
        extracted = sum(value(k) for k in ("extract/report", "extract/not_report", "extract/failed", "extract/already_done"))
        pending = value("extract/pending") if any(s.get_value("extract/pending") is not None for s in stats) \
            else max(0, self.documents - extracted)
        return extracted, pending

    def rate(self) -> float:
        """Pages per second over the last 10 seconds."""
        now = time.monotonic()
        window = [t for t in self.recent if now - t <= 10]
        return len(window) / min(10.0, max(now - self.started, 1.0))

    def line(self) -> str:
        extracted, pending = self.extraction()
        return (f"sites {self.done()}/{len(self.sites)} done · {self.pages} pages · {self.report_pages} report pages · "
                f"documents {extracted} extracted, {pending} pending · {self.errors} errors · {self.rate():.1f} pages/s")


def open_board(run_id: int, sites: list[str]) -> Board:
    board = _BOARDS[run_id] = Board(sites)
    return board


def close_board(run_id: int) -> None:
    _BOARDS.pop(run_id, None)


class ProgressExtension:
    def __init__(self, crawler, board: Board):
        self.crawler = crawler
        self.board = board
        board.crawlers.append(crawler)
        for handler, signal in ((self.scheduled, signals.request_scheduled), (self.left, signals.request_left_downloader),
                                (self.left, signals.request_dropped), (self.received, signals.response_received),
                                (self.stored, signals.item_scraped), (self.closed, signals.spider_closed)):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler):
        board = _BOARDS.get(crawler.settings.getint("XXGK_RUN_ID"))
        if board is None:  # a plain `scrapy crawl`: no display
            from scrapy.exceptions import NotConfigured

            raise NotConfigured
        return cls(crawler, board)

    def _site(self, request) -> str | None:
        site = request.meta.get("site")
        return getattr(site, "id", None)

    def scheduled(self, request, spider=None):
        site = self._site(request)
        if site:
            self.board.outstanding[site] += 1
            self.board.last_activity[site] = time.monotonic()

    def left(self, request, spider=None):
        site = self._site(request)
        if site:
            self.board.outstanding[site] -= 1
            self.board.last_activity[site] = time.monotonic()

    def received(self, response, request, spider=None):
        self.board.pages += 1
        self.board.recent.append(time.monotonic())

    def stored(self, item, response=None, spider=None):
        capture = getattr(item, "capture", None)
        if capture is None:
            return
        if capture.flag != OK:
            self.board.errors += 1
        elif capture.kind in (DETAIL, ATTACHMENT):
            self.board.documents += 1
            self.board.report_pages += capture.kind == DETAIL

    def closed(self, spider, reason=None):
        self.board.closed_sites |= {s.id for s in getattr(spider, "sites", [])}


class Display:
    """A rich live display on a terminal; otherwise a plain line every ``interval`` seconds."""

    def __init__(self, board: Board, *, live: bool, interval: float):
        self.board = board
        self.live = live
        self.interval = interval
        self.progress = None
        self.call = None
        self.last_line = time.monotonic()

    def start_screen(self) -> None:
        """Before Scrapy sets up logging, so its log lines print above the live display."""
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("sites"), BarColumn(bar_width=24), MofNCompleteColumn(),
                                     TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                                     console=Console(file=sys.stderr), transient=False, refresh_per_second=4)
            self.task = self.progress.add_task("crawl", total=len(self.board.sites), detail="starting …")
            self.progress.start()

    def start_ticks(self) -> None:
        """Once Scrapy has installed its reactor."""
        from twisted.internet import task

        self.call = task.LoopingCall(self.tick)
        self.call.start(0.5, now=False)

    def tick(self) -> None:
        board = self.board
        if self.progress is not None:
            extracted, pending = board.extraction()
            detail = (f"{board.pages} pages · {board.report_pages} report pages · docs {extracted} extracted, "
                      f"{pending} pending · {board.errors} errors · {board.rate():.1f}/s")
            self.progress.update(self.task, completed=board.done(), detail=detail)
        elif time.monotonic() - self.last_line >= self.interval:
            self.last_line = time.monotonic()
            print(time.strftime("%H:%M:%S ") + board.line(), flush=True)

    def stop(self) -> None:
        if self.call is not None and self.call.running:
            self.call.stop()
        if self.progress is not None:
            self.tick()
            self.progress.update(self.task, completed=len(self.board.sites))
            self.progress.stop()
