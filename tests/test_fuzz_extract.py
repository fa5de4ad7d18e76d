"""Fuzz (issue 12): mutated HTML, text, DOCX, XLSX and PDF bytes into ``extractors.extract``.

Seeds are reports the replica renders; hypothesis flips, deletes, inserts and duplicates bytes, or
for the ZIP formats edits the main XML part and zips it again (a mutated deflate stream mostly
fails its CRC, which tests nothing past the first check). Whatever comes out, ``extract`` returns a
verdict — a report, or not one with a reason — and never takes much past ``XXGK_DOC_TIMEOUT``:
a Python-level overrun raises in the alarm handler; a reader stuck inside C code is ended by
faulthandler, which fails the run instead of hanging it.
"""
from __future__ import annotations

import faulthandler
import io
import random
import signal
import zipfile
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors import EXTRACTOR_FAILED, Extraction, extract
from extractors.documents import word_convert
from replica.documents import DOCX, PDF, XLSX, docx_bytes, prepare, xlsx_bytes
from replica.render import INLINE, render_html, render_text
from replica.reports import ORGAN, random_model
from extractors.keys import GB2021

TIMEOUT = 10  # XXGK_DOC_TIMEOUT for every example
MAIN_PART = {DOCX: "word/document.xml", XLSX: "xl/worksheets/sheet1.xml"}
# Values a hostile producer puts where numbers go: spans, sizes, references.
HOSTILE_TOKENS = [b"2000000000", b"-1", b"XFD1048576", b"A1:XFD1048576", b"99999999999999999999", b"\x00", b"&#0;",
                  b"<w:gridSpan w:val=\"999999\"/>", b"<w:tbl>", b"<mergeCell ref=\"A1:Z99999\"/>", b"]]>", b"<!--"]


@cache
def seeds() -> dict[str, bytes]:
    model = random_model(random.Random(12), GB2021, "临江市生态环境局", 2023, scope=ORGAN, activity="medium")
    html = render_html(model)
    found = {
        "html": f"<html><head><title>{model.title}</title></head><body>{html}</body></html>".encode(),
        "text": render_text(model, INLINE).encode(),
        DOCX: docx_bytes(model),
        XLSX: xlsx_bytes(model),
    }
    if word_convert.available():
        found[PDF] = prepare([model], PDF)[0]
    return found


@st.composite
def mutations(draw, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        op = draw(st.sampled_from(("flip", "delete", "insert", "token", "duplicate", "truncate")))
        if op == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del out[at:at + draw(st.integers(1, 64))]
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif op == "token":
            out[at:at] = draw(st.sampled_from(HOSTILE_TOKENS))
        elif op == "duplicate":
            out[at:at] = out[at:at + draw(st.integers(1, 4096))] * draw(st.integers(2, 50))
        else:
            del out[at:]
    return bytes(out)


def rezipped(data: bytes, part: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, content if item.filename == part else source.read(item))
    return out.getvalue()


@st.composite
def mutated(draw, kind: str) -> bytes:
    seed = seeds()[kind]
    if kind in MAIN_PART and draw(st.booleans()):
        with zipfile.ZipFile(io.BytesIO(seed)) as package:
            part = package.read(MAIN_PART[kind])
        return rezipped(seed, MAIN_PART[kind], draw(mutations(part)))
    return draw(mutations(seed))


class Overrun(Exception):
    pass


def _overrun(signum, frame):
    raise Overrun(f"extract ran past {3 * TIMEOUT} s")


@pytest.fixture(autouse=True)
def bounded(monkeypatch):
    monkeypatch.setenv("XXGK_DOC_TIMEOUT", str(TIMEOUT))
    previous = signal.signal(signal.SIGALRM, _overrun)
    faulthandler.dump_traceback_later(6 * TIMEOUT, exit=True)  # stuck in C: end the run, never hang it
    yield
    faulthandler.cancel_dump_traceback_later()
    signal.signal(signal.SIGALRM, previous)


def check(data: bytes, filename: str) -> None:
    signal.alarm(3 * TIMEOUT)
    try:
        result = extract(data, filename=filename)
    finally:
        signal.alarm(0)
    assert isinstance(result, Extraction)
    assert result.is_report or result.reason, "a document that is not a report says why"
    assert not (result.reason or "").startswith(EXTRACTOR_FAILED), result.reason


@pytest.mark.parametrize("kind, filename", [("html", "t20240101_1.html"), ("text", "report.txt"), (DOCX, "report.docx"),
                                            (XLSX, "report.xlsx"), (PDF, "report.pdf")])
def test_mutated_documents_get_a_verdict_within_the_limit(kind, filename):
    if kind not in seeds():
        pytest.skip("LibreOffice is not installed (it writes the PDF seed)")

    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
    @given(mutated(kind))
    def run(data: bytes) -> None:
        check(data, filename)

    run()
