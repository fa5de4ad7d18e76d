"""Documents per second and peak memory, per attachment format; and Tesseract against RapidOCR.

    .venv/bin/python benchmarks/bench_documents.py               # every format
    .venv/bin/python benchmarks/bench_documents.py --ocr-compare # + RapidOCR on the same scans

Documents are the replica's (``replica.documents``, cached after the first run) plus the real
PDF in ``../shared/samples/real`` when present. Each format runs in a fresh process, so its peak
memory (ru_maxrss) is its own; LibreOffice and Tesseract run as child processes and are reported
apart. ``--ocr-compare`` needs ``pip install rapidocr-onnxruntime`` (not a project dependency):
it reads the same scans with RapidOCR over the same deskewing, ruling lines and cell grid, and
reports cell accuracy and seconds per page for both engines.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import extract  # noqa: E402
from extractors.keys import GB2019, GB2021  # noqa: E402
from replica import documents  # noqa: E402
from replica.reports import random_model  # noqa: E402

REAL_PDF = ROOT.parent / "shared" / "samples" / "real" / "huaian-2024.pdf"
COUNTS = {"huaian": 20, documents.PDF: 20, documents.DOCX: 20, documents.XLSX: 20, documents.DOC: 6,
          documents.XLS: 6, documents.SCAN: 4, documents.PNG: 2}


def models(count: int) -> list:
    rng = random.Random(7)
    return [random_model(rng, (GB2021, GB2019)[i % 2], f"某某县第{i}局", 2020 + i % 5, activity="medium",
                         blank_rate=0.3) for i in range(count)]


def run_one(fmt: str) -> dict:
    """Extract ``COUNTS[fmt]`` documents of one format in this process."""
    count = COUNTS[fmt]
    if fmt == "huaian":
        pairs = [(None, REAL_PDF.read_bytes())] * count
    else:
        chosen = models(min(count, 6))
        pairs = list(zip(chosen, documents.prepare(chosen, fmt)))
        pairs = (pairs * (count // len(pairs) + 1))[:count]
    right = total = 0
    start = time.perf_counter()
    for model, data in pairs:
        got = extract(data)
        if model is not None:
            right += sum(got.cells.get(k) == v for k, v in model.cells.items())
            total += len(model.cells)
    seconds = time.perf_counter() - start
    return {"format": fmt, "documents": count, "seconds": round(seconds, 2), "docs_per_s": round(count / seconds, 2),
            "cell_accuracy": round(right / total, 4) if total else None,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "children_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}


def compare_ocr(scans: int) -> list[dict]:
    """Tesseract (the project's reader) and RapidOCR on the same scanned pages."""
    import cv2
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    from extractors import report
    from extractors.documents import grid, ocr, pdf
    from extractors.documents.grid import Piece
    from extractors.documents.limits import Limits

    engine = RapidOCR()
    limits = Limits()

    def rapid_page(image, dpi):
        gray = ocr._deskewed(cv2.medianBlur(ocr._at_300_dpi(np.asarray(image), dpi), 3))
        ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
        rules, _ = ocr._rules(ink)
        tables = grid.find_tables(rules, ocr._TOLERANCE)
        result, _ = engine(gray)
        pieces = []
        for box, text, _score in result or []:
            xs, ys = [p[0] for p in box], [p[1] for p in box]
            tokens = text.split()  # a box over several number cells: spread its tokens over its width
            width = (max(xs) - min(xs)) / max(len(tokens), 1)
            for i, token in enumerate(tokens):
                pieces.append(Piece(token, min(xs) + i * width, min(ys), min(xs) + (i + 1) * width, max(ys)))
        outside = [p for p in pieces if not any(t.contains(p) for t in tables)]
        blocks = [(min(p.y0 for p in line), [[grid.line_text(line)]]) for line in grid.group_lines(outside)]
        blocks += [(t.top, grid.table_rows(t, pieces, ocr._TOLERANCE)) for t in tables]
        return [row for _, rows in sorted(blocks, key=lambda b: b[0]) for row in rows], [grid.line_text(line) for line in grid.group_lines(outside)]

    chosen = models(scans)
    results = []
    for name in ("tesseract", "rapidocr"):
        right = total = pages = 0
        start = time.perf_counter()
        for model, data in zip(chosen, documents.prepare(chosen, documents.SCAN)):
            if name == "tesseract":
                got = extract(data)
                pages += len(pdf.open_pdf(data, limits))
            else:
                rows, lines = [], []
                for image, dpi in pdf.page_images(pdf.open_pdf(data, limits), limits.deadline(), limits):
                    page_rows, page_lines = rapid_page(image, dpi)
                    rows += page_rows
                    lines += page_lines
                    pages += 1
                got = report.build(rows, "\n".join(lines), source_format="pdf")
            right += sum(got.cells.get(k) == v for k, v in model.cells.items())
            total += len(model.cells)
        seconds = time.perf_counter() - start
        results.append({"engine": name, "scans": len(chosen), "pages": pages, "cell_accuracy": round(right / total, 4),
                        "s_per_page": round(seconds / pages, 2)})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--ocr-compare", action="store_true", help="also read the scans with RapidOCR")
    parser.add_argument("--scans", type=int, default=4, help="scans for --ocr-compare (default 4)")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    formats = [f for f in COUNTS if f != "huaian" or REAL_PDF.exists()]
    print(f"{'format':8} {'docs':>5} {'docs/s':>8} {'cells':>7} {'peak MB':>8} {'children MB':>12}")
    for fmt in formats:
        if fmt != "huaian":
            documents.prepare(models(min(COUNTS[fmt], 6)), fmt)  # convert (and cache) outside the timing
        done = subprocess.run([sys.executable, __file__, "--one", fmt], capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        accuracy = f"{r['cell_accuracy']:.4f}" if r["cell_accuracy"] is not None else "-"
        print(f"{fmt:8} {r['documents']:>5} {r['docs_per_s']:>8} {accuracy:>7} {r['peak_mb']:>8} {r['children_peak_mb']:>12}")
    if args.ocr_compare:
        for r in compare_ocr(args.scans):
            print(f"{r['engine']:10} scans={r['scans']} pages={r['pages']} cells={r['cell_accuracy']:.4f} s/page={r['s_per_page']}")


if __name__ == "__main__":
    main()
