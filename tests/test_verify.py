"""`xxgk verify` on a real crawled archive: clean, then with planted damage it names each piece."""
import shutil
import sqlite3

import pytest

from replica.server import Replica
from tests.crawl_helpers import crawl, rows, write_registry, xxgk


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("verify")
    with Replica.start() as replica:
        registry = write_registry(tmp / "sites.yaml", replica.sites[:2])
        archive = tmp / "archive.db"
        crawl(registry, archive)
    return archive


def copy_of(archive, tmp_path):
    for suffix in ("", ".blobs", ".warc"):
        source = archive.with_name(archive.name + suffix)
        target = tmp_path / (archive.name + suffix)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    return tmp_path / archive.name


def test_a_clean_archive_verifies(crawled):
    done = xxgk("verify", "--archive", str(crawled))
    assert done.stdout.strip().endswith("sqlite integrity_check ok)")
    assert " 0 blobs" not in done.stdout and "WARC records found" in done.stdout


def test_a_changed_blob_and_a_dangling_row_are_both_named(crawled, tmp_path):
    archive = copy_of(crawled, tmp_path)
    report_a, report_b = rows(archive, "select id, sha256, capture_id from reports order by id limit 2")
    blob = archive.with_name(archive.name + ".blobs") / report_a["sha256"][:2] / report_a["sha256"][2:4] / report_a["sha256"]
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x20  # one letter's case: a change no eye would see
    blob.write_bytes(bytes(data))
    db = sqlite3.connect(archive)
    with db:
        db.execute("delete from captures where id = ?", [report_b["capture_id"]])
        db.execute("update cells set version = 9 where rowid = (select min(rowid) from cells where report_id = ?)",
                   [report_a["id"]])
    db.close()
    warc = sorted(archive.with_name(archive.name + ".warc").iterdir())[0]
    warc.write_bytes(warc.read_bytes()[:2000])  # cut short: the records past 2,000 bytes are gone

    done = xxgk("verify", "--archive", str(archive), check=False)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith(f"blob {report_a['sha256']}") and "now hashes to" in line]
    assert [line for line in lines if line == f"report {report_b['id']}: its capture {report_b['capture_id']} does not exist"]
    assert [line for line in lines if line.startswith(f"cell {report_a['id']} v9 ")]
    assert [line for line in lines if f"WARC record at {warc.name}:" in line]
    assert "problem(s)" in done.stderr
