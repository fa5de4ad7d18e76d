"""Starting `xxgk serve` for real on an archive and reading its JSON API."""
from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.crawl_helpers import ROOT, XXGK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(archive: Path):
    """`xxgk serve --archive` on a free port; yields its base URL, stops it afterwards."""
    port = free_port()
    server = subprocess.Popen([*XXGK, "serve", "--archive", str(archive), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # Datasette takes a moment to start listening
            if server.poll() is not None:
                raise AssertionError(f"xxgk serve exited: {server.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def get(url: str) -> urllib.response.addinfourl:
    return urllib.request.urlopen(url, timeout=30)


def get_json(url: str):
    return json.load(get(url))


def query_url(base: str, path: str, **params) -> str:
    return f"{base}{path}?{urllib.parse.urlencode(params)}"
