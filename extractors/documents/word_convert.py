"""Legacy Office files (DOC, WPS, XLS, ET) → their OOXML twins, through LibreOffice headless.

antiword reads DOC text fast but silently drops the data rows of table 三 (documents-probe.md), so
tables go through LibreOffice, whose DOCX/XLSX output python-docx and openpyxl read cell by cell.
Kingsoft WPS/ET files are Word/Excel 97 binaries inside, and LibreOffice detects them by content.

A LibreOffice call costs ~2 s, nearly all start-up, so ``convert_many`` converts a batch in one
call. Each process keeps its own user profile in a temporary folder (two instances sharing a
profile block each other), calls are serialised within the process, and a call that overruns its
time is killed with its whole process group: soffice is a wrapper that forks the real binary.
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from .limits import DocumentRejected

SOFFICE = "soffice"
# Output filter for each target extension: LibreOffice guesses wrong for some without one.
FILTERS = {
    "docx": "docx:MS Word 2007 XML",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "doc": "doc:MS Word 97",
    "xls": "xls:MS Excel 97",
    "rtf": "rtf:Rich Text Format",
    "pdf": "pdf",
}

_lock = threading.Lock()
_profile: Path | None = None


def available() -> bool:
    return shutil.which(SOFFICE) is not None


def convert(data: bytes, source_ext: str, target_ext: str, timeout: float) -> bytes:
    """One document's bytes converted (``source_ext`` only names the input file)."""
    return convert_many([data], source_ext, target_ext, timeout)[0]


def convert_many(documents: list[bytes], source_ext: str, target_ext: str, timeout: float) -> list[bytes]:
    """Several documents in one LibreOffice call; raises DocumentRejected if any is not converted."""
    if not available():
        raise DocumentRejected(f"LibreOffice ({SOFFICE}) is not installed: cannot convert .{source_ext} files")
    with _lock, tempfile.TemporaryDirectory(prefix="xxgk-convert-") as work:
        folder = Path(work)
        sources = []
        for i, data in enumerate(documents):
            source = folder / f"in{i}.{source_ext}"
            source.write_bytes(data)
            sources.append(source)
        out = folder / "out"
        args = [SOFFICE, f"-env:UserInstallation={_profile_dir().as_uri()}", "--headless", "--norestore",
                "--nologo", "--nolockcheck", "--convert-to", FILTERS[target_ext], "--outdir", str(out),
                *map(str, sources)]
        _run(args, timeout)
        results = []
        for source in sources:
            target = out / f"{source.stem}.{target_ext}"
            if not target.exists():
                raise DocumentRejected(f"LibreOffice could not convert the .{source_ext} file (corrupt or not a document)")
            results.append(target.read_bytes())
        return results


def _run(args: list[str], timeout: float) -> None:
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise DocumentRejected(f"LibreOffice did not finish within {timeout:.0f} s (XXGK_DOC_TIMEOUT)") from None


def _profile_dir() -> Path:
    global _profile
    if _profile is None:
        _profile = Path(tempfile.mkdtemp(prefix="xxgk-libreoffice-profile-"))
        atexit.register(shutil.rmtree, _profile, ignore_errors=True)
    return _profile
