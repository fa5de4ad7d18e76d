"""Small files that cost an unguarded reader gigabytes or minutes, built byte by byte (issue 12).

Each builder returns the file's bytes; the tests feed them to `xxgk extract` and serve them to a
crawl, the benchmark (benchmarks/bench_hostile.py) times them. They are written by hand, not by
the readers' own libraries, so they are what a careless or hostile producer would write.
"""
from __future__ import annotations

import io
import zipfile

from PIL import Image

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def pdf_huge_page() -> bytes:
    """One blank page of 14400×14400 pt (the largest PDF allows): 60000² pixels at 300 dpi."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 14400 14400]/Resources<<>>>>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _package(parts: dict[str, bytes | str], *, stream: dict | None = None) -> bytes:
    """A ZIP package; ``stream`` maps a part name to (head, repeated piece, count, tail), written in
    chunks so a part of hundreds of MiB never sits in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, content in parts.items():
            package.writestr(name, content)
        for name, (head, piece, count, tail) in (stream or {}).items():
            with package.open(name, "w", force_zip64=True) as member:
                member.write(head.encode())
                chunk = piece.encode() * 10_000
                for _ in range(count // 10_000):
                    member.write(chunk)
                member.write(piece.encode() * (count % 10_000))
                member.write(tail.encode())
    return buffer.getvalue()


def _docx_parts() -> dict[str, str]:
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="word/document.xml"/></Relationships>'),
    }


def docx_gridspan() -> bytes:
    """A one-cell table whose cell claims to span two billion grid columns."""
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body><w:tbl><w:tr><w:tc>'
                '<w:tcPr><w:gridSpan w:val="2000000000"/></w:tcPr><w:p><w:r><w:t>1</w:t></w:r></w:p>'
                '</w:tc></w:tr></w:tbl></w:body></w:document>')
    return _package({**_docx_parts(), "word/document.xml": document})


def docx_paragraph_flood(mib: int = 180) -> bytes:
    """A few hundred KB that unzip to ``mib`` MiB of empty paragraphs (under the unzip limit)."""
    count = mib * 2**20 // len("<w:p/>")
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>'
    return _package(_docx_parts(), stream={"word/document.xml": (head, "<w:p/>", count, "</w:body></w:document>")})


def _xlsx_parts() -> dict[str, str]:
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {_S} xmlns:r="{_R}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_R}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8"?><sst {_S} count="1" uniqueCount="1"><si><t>年报</t></si></sst>',
    }


def _sheet(cells: str, merges: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_S}><sheetData>{cells}</sheetData>'
            f'{merges}</worksheet>')


def xlsx_merged_everything() -> bytes:
    """One cell and one merged range over the whole sheet, A1:XFD1048576 (17 billion cells)."""
    sheet = _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                   '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')
    return _package({**_xlsx_parts(), "xl/worksheets/sheet1.xml": sheet})


def xlsx_far_corners() -> bytes:
    """Two cells, A1 and XFD1048576: a reader that fills the rectangle between them builds 17 billion."""
    sheet = _sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>')
    return _package({**_xlsx_parts(), "xl/worksheets/sheet1.xml": sheet})


def xlsx_shared_strings(count: int = 11_500_000) -> bytes:
    """``count`` empty shared strings (11.5 M by default) and a one-cell sheet."""
    parts = {**_xlsx_parts(), "xl/worksheets/sheet1.xml": _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')}
    del parts["xl/sharedStrings.xml"]
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst {_S} count="{count}" uniqueCount="{count}">'
    return _package(parts, stream={"xl/sharedStrings.xml": (head, "<si><t/></si>", count, "</sst>")})


def html_wide_table(cells: int = 100_000, empty_rows: int = 10_000) -> bytes:
    """About 1 MB: one row of 100k cells, then 10k empty rows (a grid of a billion cells)."""
    return ("<html><head><title>2023年政府信息公开工作年度报告</title></head><body><table><tr>"
            + "<td>1</td>" * cells + "</tr>" + "<tr></tr>" * empty_rows + "</table></body></html>").encode()


def html_huge(mib: int = 50) -> bytes:
    """A report page padded to ``mib`` MiB of paragraphs."""
    paragraph = "<p>本年度共收到政府信息公开申请0件。</p>\n".encode()
    head = "<html><head><title>2023年政府信息公开工作年度报告</title></head><body>".encode()
    return head + paragraph * (mib * 2**20 // len(paragraph)) + b"</body></html>"


def png_tall_blank(width: int = 100, height: int = 200_000) -> bytes:
    """A blank picture 100×200000 px (a few KB): cut into ~1,400 pages by a page finder."""
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, format="PNG", optimize=True)
    return out.getvalue()


# name → (file name, builder): the hostile files of issue 12
FILES = {
    "pdf-huge-page": ("huge-page.pdf", pdf_huge_page),
    "docx-gridspan": ("gridspan.docx", docx_gridspan),
    "docx-paragraph-flood": ("flood.docx", docx_paragraph_flood),
    "xlsx-merged-everything": ("merged.xlsx", xlsx_merged_everything),
    "xlsx-far-corners": ("corners.xlsx", xlsx_far_corners),
    "xlsx-shared-strings": ("strings.xlsx", xlsx_shared_strings),
    "html-wide-table": ("wide.html", html_wide_table),
    "html-huge": ("huge.html", html_huge),
    "png-tall-blank": ("tall.png", png_tall_blank),
}
