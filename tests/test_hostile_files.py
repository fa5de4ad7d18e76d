"""Issue 12: tiny files that ask an unguarded reader for gigabytes or hours, read by `xxgk extract`
in a child capped at 1 GiB: each is refused quickly, with the limit named."""
import json
import os

import pytest

from extractors.documents import ocr
from tests.hostile_files import FILES
from tests.limited import xxgk_capped

# which setting refuses each file
REFUSED_BY = {
    "pdf-huge-page": "XXGK_DOC_MAX_PIXELS",
    "docx-gridspan": "XXGK_DOC_MAX_CELLS",
    "docx-paragraph-flood": "XXGK_DOC_MAX_PARAGRAPHS",
    "xlsx-merged-everything": "XXGK_DOC_MAX_CELLS",
    "xlsx-far-corners": "XXGK_DOC_MAX_CELLS",
    "xlsx-shared-strings": "XXGK_DOC_MAX_CELLS",
    "html-wide-table": "XXGK_DOC_MAX_CELLS",
    "html-huge": "XXGK_DOC_MAX_TEXT_BYTES",
    "png-tall-blank": "XXGK_DOC_MAX_PAGES",
}


def extract(path, **env) -> dict:
    done = xxgk_capped("extract", "--json", str(path), timeout=120, env={**os.environ, "XXGK_DOC_TIMEOUT": "20", **env})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("case", sorted(FILES))
def test_hostile_file_is_refused_naming_the_limit(case, tmp_path):
    name, build = FILES[case]
    path = tmp_path / name
    path.write_bytes(build())
    result = extract(path)
    assert result["is_report"] is False
    assert REFUSED_BY[case] in result["reason"], result["reason"]
    assert not result["reason"].startswith("extractor failed"), result["reason"]


@pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed")
def test_blank_pages_are_cut_off_by_the_deadline_between_pages(tmp_path):
    """With the page limit lifted, the 1,400 blank pages (no Tesseract call at all) meet the deadline."""
    name, build = FILES["png-tall-blank"]
    path = tmp_path / name
    path.write_bytes(build())
    result = extract(path, XXGK_DOC_MAX_PAGES="100000", XXGK_DOC_TIMEOUT="3")
    assert result["is_report"] is False and "XXGK_DOC_TIMEOUT" in result["reason"], result["reason"]
