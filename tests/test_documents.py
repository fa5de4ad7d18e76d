"""Attachments: every document format extracts back to the canonical model's true numbers.

The files are made by ``replica.documents`` from the model (DOCX written by code; PDF, DOC and XLS
by LibreOffice; scans by pdftoppm plus skew and noise) and cached outside the repository. Tests
that need LibreOffice or Tesseract run them for real and skip only where the tool is missing.
"""
import io
import json
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from extractors import extract
from extractors.documents import ocr, word_convert
from extractors.keys import GB2019, GB2021
from replica import documents
from replica.render import Style
from replica.reports import random_model

SHARED = Path(__file__).resolve().parents[2] / "shared"
HUAIAN = SHARED / "samples" / "real" / "huaian-2024.pdf"

needs_libreoffice = pytest.mark.skipif(not word_convert.available(), reason="LibreOffice (soffice) is not installed")
needs_ocr = pytest.mark.skipif(not (ocr.available() and word_convert.available() and shutil.which("pdftoppm")),
                               reason="Tesseract, LibreOffice or pdftoppm is not installed")


@pytest.fixture(scope="module")
def models():
    rng = random.Random(20250301)
    return [
        random_model(rng, GB2021, "某某市财政局", 2023, activity="high", blank_rate=0.4),
        random_model(rng, GB2019, "某某县教育局", 2020, activity="medium", blank_rate=0.4),
        random_model(rng, GB2021, "某某区人民政府", 2024, scope="region", activity="medium"),
    ]


def _check_exact(model, got, source_format: str) -> None:
    assert got.is_report, got.reason
    assert (got.template, got.year, got.agency, got.source_format) == (model.template, model.year, model.agency, source_format)
    assert got.cells == model.cells
    assert got.ocr_confidence is None


@pytest.mark.skipif(not HUAIAN.exists(), reason="../shared/samples/real is not present")
def test_real_pdf_gives_its_tables_exactly() -> None:
    expected = json.loads(HUAIAN.with_name("huaian-2024.expected.json").read_text(encoding="utf-8"))
    got = extract(HUAIAN.read_bytes(), filename=HUAIAN.name)
    assert (got.template, got.year, got.agency) == (expected["template"], expected["year"], expected["agency"])
    assert {key: got.cells[key] for key in expected["cells"]} == expected["cells"]
    assert all(check.passed for check in got.checks)
    # the prose restates the totals (本年度新收 3119 件 … 结转下年度 103 件): no disagreement found
    assert not [w for w in got.warnings if "prose" in w or "text" in w], got.warnings


def test_docx_written_by_code_extracts_exactly(models) -> None:
    for model, data in zip(models, documents.prepare(models, documents.DOCX)):
        _check_exact(model, extract(data, filename="report.docx"), "docx")


def test_xlsx_extracts_exactly(models) -> None:
    for model, data in zip(models, documents.prepare(models, documents.XLSX)):
        _check_exact(model, extract(data, filename="report.xlsx"), "xlsx")


@needs_libreoffice
@pytest.mark.parametrize("fmt, source_format", [(documents.PDF, "pdf"), (documents.DOC, "doc"), (documents.RTF, "rtf"),
                                                (documents.XLS, "xls")])
def test_converted_formats_extract_exactly(models, fmt: str, source_format: str) -> None:
    for model, data in zip(models, documents.prepare(models, fmt)):
        _check_exact(model, extract(data, filename="downfile.jsp", content_type="text/html"), source_format)


@needs_libreoffice
def test_pdf_with_provincial_quirks_extracts_exactly(models) -> None:
    style = Style(typos=True, long_notes=True, extra_row=(3, 0, 3))
    model = models[0]
    _check_exact(model, extract(documents.document(model, documents.PDF, style)), "pdf")


@needs_ocr
def test_scans_reach_the_cell_accuracy_floor(models) -> None:
    """Scanned PDFs (150 dpi gray, up to ±0.7° skew, noise, dust) and a picture of a whole report."""
    scans = [(m, d, "pdf") for m, d in zip(models, documents.prepare(models, documents.SCAN))]
    scans.append((models[1], documents.document(models[1], documents.PNG), "image"))
    right = total = 0
    for model, data, source_format in scans:
        got = extract(data, filename="scan.bin")
        assert got.is_report and got.source_format == source_format, got.reason
        assert (got.template, got.year) == (model.template, model.year)
        assert 0 < got.ocr_confidence <= 1
        right += sum(got.cells.get(key) == value for key, value in model.cells.items())
        total += len(model.cells)
    assert right / total >= 0.995, f"{right}/{total}"


@needs_ocr
def test_ocr_results_are_checked_and_flagged(models) -> None:
    got = extract(documents.document(models[0], documents.SCAN))
    assert got.ocr_confidence is not None and "ocr_confidence" in got.to_json()
    assert {c.rule for c in got.checks} >= {"T3-FLOW", "T3-ROW-TOTAL", "T3-OUTCOME-SUM", "T4-SUM"}


def test_kind_comes_from_the_bytes_not_the_name(models) -> None:
    docx = documents.document(models[0], documents.DOCX)
    got = extract(docx, filename="downfile.jsp?classid=0&filename=abc.pdf", content_type="text/html; charset=gbk")
    assert (got.is_report, got.source_format) == (True, "docx")


# --- safety: each failure is a clear reason for that document, never an exception ---------------

@needs_libreoffice
def test_truncated_pdf_is_refused_or_read_without_inventing_numbers(models) -> None:
    pdf = documents.document(models[0], documents.PDF)
    got = extract(pdf[: len(pdf) // 3])
    assert got.source_format == "pdf"
    if got.is_report:  # PDFium rebuilds what it can of a cut file: cells it cannot see stay null
        assert all(got.cells[k] in (None, v) for k, v in models[0].cells.items())
    else:
        assert got.reason


@needs_libreoffice
def test_encrypted_pdf_says_so(models, tmp_path) -> None:
    docx = documents.document(models[0], documents.DOCX)
    options = '{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"x"}}'
    source = tmp_path / "in.docx"
    source.write_bytes(docx)
    subprocess.run([word_convert.SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", f"pdf:writer_pdf_Export:{options}", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    got = extract((tmp_path / "in.pdf").read_bytes())
    assert (got.is_report, got.source_format) == (False, "pdf")
    assert "encrypted" in got.reason


def test_zip_bomb_is_refused(monkeypatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 20_000_000)
    monkeypatch.setenv("XXGK_DOC_MAX_UNZIPPED", str(10_000_000))
    got = extract(buffer.getvalue(), filename="report.docx")
    assert (got.is_report, got.source_format) == (False, "docx")
    assert "XXGK_DOC_MAX_UNZIPPED" in got.reason


def test_size_limit(monkeypatch, models) -> None:
    monkeypatch.setenv("XXGK_DOC_MAX_BYTES", "1000")
    got = extract(documents.document(models[0], documents.DOCX))
    assert got.is_report is False and "XXGK_DOC_MAX_BYTES" in got.reason


@needs_libreoffice
def test_page_limit(monkeypatch, models) -> None:
    monkeypatch.setenv("XXGK_DOC_MAX_PAGES", "1")
    got = extract(documents.document(models[0], documents.PDF))
    assert got.is_report is False and "XXGK_DOC_MAX_PAGES" in got.reason


@needs_libreoffice
def test_converter_that_overruns_is_killed(monkeypatch, models) -> None:
    doc = documents.document(models[0], documents.DOC)
    monkeypatch.setenv("XXGK_DOC_TIMEOUT", "0.3")
    got = extract(doc, filename="report.doc")
    assert (got.is_report, got.source_format) == (False, "doc")
    assert "XXGK_DOC_TIMEOUT" in got.reason
    monkeypatch.delenv("XXGK_DOC_TIMEOUT")
    _check_exact(models[0], extract(doc), "doc")  # the next document converts as usual


@needs_libreoffice
def test_corrupt_word_file_says_why() -> None:
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\x13" * 4000
    got = extract(fake, filename="report.doc")
    assert (got.is_report, got.source_format) == (False, "doc")
    assert got.reason


def test_encrypted_office_file_says_so() -> None:
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512
    got = extract(fake, filename="report.docx")
    assert got.is_report is False and "encrypted" in got.reason
