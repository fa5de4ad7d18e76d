"""A WACZ 1.x package of an archive's WARC files (or one run's), made by py-wacz.

py-wacz indexes the WARC files (CDXJ, ``indexes/index.cdx.gz`` + ``index.idx``), copies them under
``archive/``, writes ``datapackage.json`` with every file's hash and ``datapackage-digest.json``.
We hand it ``pages/pages.jsonl``: the report pages (the documents our reports were read from), so a
replay tool opens on the reports, not on listing pages.
"""
from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from archive.warc import warc_folder


class WaczError(Exception):
    pass


def warc_files(db, archive_path: Path, run_id: int | None) -> list[Path]:
    """The archive's WARC files; for one run, its own files and those holding payloads it revisited."""
    folder = warc_folder(archive_path)
    every = sorted(folder.glob("*.warc.gz"))
    if run_id is None:
        return every
    wanted = {p.name for p in every if p.name.startswith(f"r{run_id:05d}-")}
    wanted |= {row[0] for row in db.execute(
        "select distinct c2.warc_file from captures c join captures c2 on c2.sha256 = c.sha256 "
        "where c.last_run_id = ? and c2.warc_type in ('response', 'resource')", [run_id])}
    return [p for p in every if p.name in wanted]


def report_pages(db, files: list[Path], run_id: int | None) -> list[dict]:
    """One page per report document held in ``files``: the URL its numbers were read from."""
    names = [p.name for p in files]
    if not names:
        return []
    sql = (
        "select distinct coalesce(c.final_url, c.url) as url, r.title, r.id from reports r "
        "join report_sources s on s.report_id = r.id join captures c on c.id = s.capture_id "
        "join captures held on held.sha256 = c.sha256 and held.warc_type in ('response', 'resource') "
        f"where held.warc_file in ({', '.join('?' * len(names))})"
    )
    params: list = list(names)
    if run_id is not None:
        sql += " and c.last_run_id = ?"
        params.append(run_id)
    pages = {}
    for url, title, rid in db.execute(sql + " order by r.id, url", params):
        pages.setdefault(url, {"url": url, "title": title or rid})
    return list(pages.values())


def build_wacz(db, archive_path: Path, out: Path, *, run_id: int | None = None, title: str = "") -> dict:
    """Write ``out``; return what went in (files, pages, and pages py-wacz could not match)."""
    from wacz.main import main as wacz_main

    files = warc_files(db, archive_path, run_id)
    if not files:
        raise WaczError(f"no WARC files for {'run %d' % run_id if run_id else 'this archive'} in {warc_folder(archive_path)}")
    pages = report_pages(db, files, run_id)
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "pages.jsonl"
        lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Report pages"}, *pages]
        listing.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in lines), encoding="utf-8")
        args = ["create", "-o", str(out), "-p", str(listing), "--title", title or f"xxgk-archive {archive_path.name}",
                *[str(f) for f in files]]
        said = io.StringIO()
        with contextlib.redirect_stdout(said):
            code = wacz_main(args)
        if code:
            raise WaczError(f"py-wacz failed ({code}): {said.getvalue()[-2000:]}")
    unmatched = [line.split("match for ", 1)[1] for line in said.getvalue().splitlines() if "unable to find a match" in line]
    return {"files": [f.name for f in files], "pages": len(pages), "unmatched_pages": unmatched}
